/**
 * `smtp serve`: a local mail catcher with a web inbox (`startInbox` from `@smtp/test-server`).
 * Point the app under development at the SMTP URL; every message it sends shows in the page,
 * live. Nothing leaves the machine: both sides listen on loopback only.
 *
 * With `--tls`, the certificate is made for this run by a test CA that no one else trusts; its
 * certificate is written to a file for the app to trust (never by turning verification off), and
 * removed on exit. `--user` makes AUTH required, for throwaway test accounts only.
 *
 * It runs until SIGINT or SIGTERM: the first closes both servers (a message on its way in is
 * stored first) and exits 0; a second exits at once, 128 plus the signal's number (130, 143), as
 * `smtp queue worker` does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  createTestCertificates,
  DEFAULT_INBOX_LIMIT,
  InboxError,
  type RunningInbox,
  type StartInboxOptions,
  startInbox,
} from '@smtp/test-server';
import type { CommandContext } from './commands/shared.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { formatBytes, formatTable } from './format.ts';
import { type CliIo, writeLine } from './io.ts';
import { reportError } from './output.ts';
import { processSignals, type StopSignal, type WorkerSignals } from './queue-worker.ts';

/** The options of `smtp serve`. */
export interface ServeFlags {
  readonly port: number;
  readonly http: number;
  readonly host: '127.0.0.1' | '::1';
  readonly limit?: number;
  readonly dir?: string;
  readonly tls: 'none' | 'starttls' | 'implicit';
  readonly user?: readonly (readonly [string, string])[];
}

/** The defaults mail catchers use (MailHog, Mailpit, smtp4dev): mail programs know them. */
export const DEFAULT_SMTP_PORT = 1025;
export const DEFAULT_HTTP_PORT = 8025;

/** A process ended by a signal exits 128 plus its number, as shells report it. */
function exitCodeForSignal(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/** Envelope addresses come from the network: no control character reaches the terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/**
 * Resolves at the first stop signal; a second one ends the process at once (the first's clean
 * close is taking too long, or the user insists). Call the returned `stop` once done.
 */
export function waitForStopSignal(
  signals: WorkerSignals,
  io: CliIo,
): { readonly signal: Promise<StopSignal>; readonly stop: () => void } {
  let first: (signal: StopSignal) => void = () => undefined;
  const signal = new Promise<StopSignal>((resolvePromise) => {
    first = resolvePromise;
  });
  let seen = 0;
  const stop = signals.on((received) => {
    seen += 1;
    if (seen === 1) {
      first(received);
      return;
    }
    writeLine(io.stderr, `stopping at once (${received})`);
    signals.exitNow(exitCodeForSignal(received));
  });
  return { signal, stop };
}

/**
 * Keeps `inbox` running until a stop signal, then closes it and resolves with exit code 0; a
 * second signal exits at once. Used by `smtp serve` and `smtp demo --serve`, which say first
 * where the inbox is.
 */
export async function serveUntilStopped(
  inbox: RunningInbox,
  io: CliIo,
  signals: WorkerSignals = processSignals,
): Promise<ExitCodeValue> {
  const { signal, stop } = waitForStopSignal(signals, io);
  try {
    const received = await signal;
    writeLine(
      io.stderr,
      `stopping (${received}): closing the inbox (${received} again to stop at once)`,
    );
    await inbox.close();
    writeLine(io.stderr, 'stopped');
    return ExitCode.ok;
  } finally {
    stop();
  }
}

/** What the inbox is started with, from the flags. */
export function inboxOptionsFor(flags: ServeFlags, cwd: string): StartInboxOptions {
  const users = Object.fromEntries(flags.user ?? []);
  return {
    smtp: {
      host: flags.host,
      port: flags.port,
      security: flags.tls,
      ...(flags.user === undefined ? {} : { auth: { users, required: true } }),
    },
    http: { host: flags.host, port: flags.http },
    ...(flags.limit === undefined ? {} : { limit: flags.limit }),
    ...(flags.dir === undefined ? {} : { dir: resolve(cwd, flags.dir) }),
  };
}

/** The hint after a failure to listen, for the flag that fixes it. */
function startHint(error: InboxError): string | undefined {
  if (error.side === undefined) return undefined;
  return `choose another port with ${error.side === 'SMTP' ? '--port' : '--http'} (0: any free port)`;
}

/** Writes the test CA's certificate for the app under test to trust; returns its folder. */
async function writeCa(): Promise<{ folder: string; file: string }> {
  const certificates = await createTestCertificates();
  const folder = await mkdtemp(join(tmpdir(), 'smtp-serve-'));
  const file = join(folder, 'ca.pem');
  await writeFile(file, certificates.ca.cert);
  return { folder, file };
}

function describeStore(flags: ServeFlags, inbox: RunningInbox, cwd: string): string {
  const limit = flags.limit === undefined ? '' : `, the newest ${flags.limit} kept`;
  if (flags.dir === undefined) {
    return `in memory, the newest ${flags.limit ?? DEFAULT_INBOX_LIMIT} kept (gone on exit)`;
  }
  return `${resolve(cwd, flags.dir)} (one .eml file per message, ${inbox.messages().length} there now${limit})`;
}

function describeSmtp(flags: ServeFlags): string {
  const tls =
    flags.tls === 'none'
      ? 'no TLS'
      : flags.tls === 'starttls'
        ? 'STARTTLS offered'
        : 'TLS from the first byte';
  const users = flags.user?.map(([name]) => name).join(', ');
  return `${tls}, ${users === undefined ? 'no AUTH' : `AUTH required (${users})`}`;
}

/** Runs `smtp serve` until a stop signal and returns its exit code. */
export async function runServe(
  flags: ServeFlags,
  context: CommandContext,
  signals: WorkerSignals = processSignals,
): Promise<ExitCodeValue> {
  const { io } = context;
  let inbox: RunningInbox;
  try {
    inbox = await startInbox({
      ...inboxOptionsFor(flags, io.cwd),
      onError: (error) => writeLine(io.stderr, `smtp: ${error.code}: ${error.message}`),
    });
  } catch (error) {
    if (!(error instanceof InboxError)) return reportError(error, io, false);
    // The machine, not a bug: a port in use or not allowed, a folder that cannot be used.
    writeLine(io.stderr, `smtp: ${error.code}: ${error.message}`);
    const hint = startHint(error);
    if (hint !== undefined) writeLine(io.stderr, `  ${hint}`);
    return ExitCode.usage;
  }
  const ca = flags.tls === 'none' ? undefined : await writeCa();
  try {
    writeLine(io.stdout, 'smtp serve: a local mail catcher (nothing leaves this machine)');
    writeLine(
      io.stdout,
      formatTable([
        ['smtp', `${inbox.smtp.url}  (${describeSmtp(flags)})`],
        ['inbox', inbox.url],
        ['store', describeStore(flags, inbox, io.cwd)],
        ...(ca === undefined
          ? []
          : [['ca', `${ca.file}  (trust it in the app under test; made for this run)`] as const]),
      ]),
    );
    writeLine(io.stdout, `Open ${inbox.url} in a browser. Stop with Ctrl-C.`);
    inbox.smtp.onMessage((message) => {
      const { mailFrom, rcptTo } = message.envelope;
      writeLine(
        io.stdout,
        printable(
          `${new Date(message.receivedAt).toISOString()} received from <${mailFrom}> to <${rcptTo.join('>, <')}>, ${formatBytes(message.raw.byteLength)}`,
        ),
      );
    });
    return await serveUntilStopped(inbox, io, signals);
  } finally {
    await inbox.close();
    if (ca !== undefined) await rm(ca.folder, { recursive: true, force: true });
  }
}
