/**
 * `startInbox()`: a local mail catcher with a web inbox (the MailHog or smtp4dev role). Mail
 * programs and apps under development send to its SMTP server; a browser shows what arrived, live.
 *
 * The SMTP side is `startSmtpServer` with the options given, made fit to run for days: no command
 * log, its own message list short (the inbox's store keeps what the page shows), and a 25 MiB
 * message size limit unless another is given. The store is bounded: in memory, the newest
 * `limit` messages (500 by default); in a folder (`dir`), every message is an `.eml` file, kept
 * until deleted, or the newest `limit` files when a limit is given.
 */
import { resolve } from 'node:path';
import type { ReceivedMessage } from '../received-message.ts';
import {
  type RunningSmtpServer,
  type StartSmtpServerOptions,
  startSmtpServer,
} from '../smtp-server.ts';
import { openEmlDirectory } from './eml-directory.ts';
import { EventStream } from './event-stream.ts';
import { type InboxHttpHost, type InboxHttpServer, listenHttp } from './http-server.ts';
import { InboxError, listenError } from './inbox-error.ts';
import type { InboxEntry, InboxMessageSummary } from './inbox-message.ts';
import { inboxRequestListener } from './inbox-routes.ts';
import { memoryBodies } from './memory-bodies.ts';
import { type MessageBodies, MessageStore } from './message-store.ts';
import { renderPage } from './page.ts';

/** Options of {@link startInbox}. */
export interface StartInboxOptions {
  /**
   * The SMTP server's options (`startSmtpServer`): `port` (default 0, one the OS picks; 1025 for
   * a catcher mail programs are set up to use), `security`, `auth`, `size`... Defaults that differ:
   * `recordCommands: false`, `maxMessages: 10`, `size: 25 MiB`.
   */
  readonly smtp?: StartSmtpServerOptions;
  /** Where the page is served: loopback only. Default `127.0.0.1`, port 0 (one the OS picks). */
  readonly http?: { readonly port?: number; readonly host?: InboxHttpHost };
  /**
   * How many messages the inbox keeps; past it the oldest are dropped (in `dir` mode, their files
   * deleted, those already there on start included). Default 500 in memory, no limit in `dir`.
   */
  readonly limit?: number;
  /**
   * Keep every message as an `.eml` file in this folder (created if missing) instead of in
   * memory. The folder's `.eml` files already there are listed on start; deleting a message in
   * the inbox deletes its file.
   */
  readonly dir?: string;
  /**
   * Told when a message accepted over SMTP could not be stored (a full disk in `dir` mode): the
   * client had its `250` already. Default: `process.emitWarning`.
   */
  readonly onError?: (error: InboxError) => void;
}

/** A running inbox. */
export interface RunningInbox {
  /** The SMTP server mail is sent to (`smtp.url`, `smtp.port`). */
  readonly smtp: RunningSmtpServer;
  /** The page: `http://127.0.0.1:PORT/`. */
  readonly url: string;
  /** The messages the inbox holds, newest first. */
  messages(): InboxMessageSummary[];
  /** Stops both servers (after storing what already arrived) and ends every connection. Idempotent. */
  close(): Promise<void>;
}

/** Messages kept in memory when no `limit` is given. */
export const DEFAULT_INBOX_LIMIT = 500;
/** The SMTP size limit when the options give none: what the big mail providers accept. */
export const DEFAULT_INBOX_MESSAGE_SIZE = 25 * 1024 * 1024;
/** The SMTP server's own message list: the store is what the page shows, this only feeds it. */
const SMTP_MESSAGES_KEPT = 10;

function invalid(message: string): InboxError {
  return new InboxError('SMTP_TEST_SERVER_INVALID_OPTIONS', message);
}

function checkOptions(options: StartInboxOptions): void {
  const { limit, dir, http } = options;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1)) {
    throw invalid(`limit must be a whole number of messages, 1 or more, got ${limit}`);
  }
  if (dir !== undefined && (typeof dir !== 'string' || dir === '')) {
    throw invalid('dir must be a folder path');
  }
  const port = http?.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw invalid(`http.port must be a whole number from 0 to 65535, got ${port}`);
  }
  const host: unknown = http?.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1') {
    throw invalid(`http.host must be 127.0.0.1 or ::1 (loopback only), got ${String(host)}`);
  }
}

async function openStore(
  options: StartInboxOptions,
): Promise<{ bodies: MessageBodies; entries: readonly InboxEntry[] }> {
  if (options.dir === undefined) return { bodies: memoryBodies(), entries: [] };
  const dir = resolve(options.dir);
  try {
    return await openEmlDirectory(dir, options.limit);
  } catch (error) {
    throw new InboxError(
      'SMTP_TEST_SERVER_STORAGE_FAILED',
      `cannot use ${dir} as the inbox folder: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Starts an inbox: an SMTP server that catches mail and a web page that shows it.
 *
 * @example
 * const inbox = await startInbox({ smtp: { port: 1025 }, http: { port: 8025 } });
 * console.log(`send mail to ${inbox.smtp.url}, read it at ${inbox.url}`);
 * // ... later
 * await inbox.close();
 */
export async function startInbox(options: StartInboxOptions = {}): Promise<RunningInbox> {
  checkOptions(options);
  const limit = options.limit ?? (options.dir === undefined ? DEFAULT_INBOX_LIMIT : undefined);
  const { bodies, entries } = await openStore(options);
  const store = new MessageStore(bodies, limit, entries);
  const report =
    options.onError ?? ((error: InboxError) => process.emitWarning(error.message, error.name));

  const smtpOptions: StartSmtpServerOptions = {
    recordCommands: false,
    maxMessages: SMTP_MESSAGES_KEPT,
    size: DEFAULT_INBOX_MESSAGE_SIZE,
    ...options.smtp,
  };
  let smtp: RunningSmtpServer;
  try {
    smtp = await startSmtpServer(smtpOptions);
  } catch (error) {
    throw listenError(error, 'SMTP', smtpOptions.host ?? '127.0.0.1', smtpOptions.port ?? 0);
  }
  const stopMessages = smtp.onMessage((message: ReceivedMessage) => {
    store.add(message).catch((error: unknown) => {
      report(
        new InboxError(
          'SMTP_TEST_SERVER_STORAGE_FAILED',
          `a message from <${message.envelope.mailFrom}> was accepted but could not be stored: ${(error as Error).message}`,
          { cause: error },
        ),
      );
    });
  });

  const events = new EventStream();
  const stopEvents = store.onChange((change) => events.send(change));
  const httpHost = options.http?.host ?? '127.0.0.1';
  const httpPort = options.http?.port ?? 0;
  let web: InboxHttpServer;
  try {
    web = await listenHttp(
      inboxRequestListener({ store, events, page: renderPage(smtp.url) }),
      httpHost,
      httpPort,
    );
  } catch (error) {
    stopMessages();
    await smtp.close();
    throw listenError(error, 'HTTP', httpHost, httpPort);
  }

  let closing: Promise<void> | undefined;
  return {
    smtp,
    url: web.url,
    messages: () => store.list(),
    close() {
      closing ??= (async () => {
        await smtp.close();
        stopMessages();
        await store.idle();
        stopEvents();
        events.close();
        await web.close();
      })();
      return closing;
    },
  };
}
