/**
 * `waitForMessage()`: resolves with the first captured message that matches a query, whether it
 * arrived before the call or arrives later, so a test never sleeps and never races the server's
 * reply against its own assertion.
 */
import { type ParsedMessage, parseMessage } from './parsed-message.ts';
import type { ReceivedMessage } from './received-message.ts';

/** What to wait for; every field given must match. */
export interface MessageQuery {
  /** One of the envelope recipients (RCPT TO), compared without regard to case, or a pattern. */
  readonly to?: string | RegExp;
  /** The envelope sender (MAIL FROM), compared without regard to case, or a pattern. */
  readonly from?: string | RegExp;
  /** The decoded Subject, exactly, or a pattern. */
  readonly subject?: string | RegExp;
  /** Any other condition, on the message and its parsed form. */
  readonly where?: (message: CapturedMessage) => boolean;
  /** How long to wait, in ms. Default 5000. */
  readonly timeout?: number;
  /** Stops waiting (rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

/** A captured message with its parsed form. */
export interface CapturedMessage extends ReceivedMessage {
  readonly parsed: ParsedMessage;
}

/** Where messages are looked for: what a running server (or an inbox) offers. */
export interface MessageSource {
  readonly messages: readonly ReceivedMessage[];
  /** Calls `listener` for each message captured from now on; returns the unsubscribe. */
  onMessage(listener: (message: ReceivedMessage) => void): () => void;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** Waits for the first message of `source` matching `query` (in arrival order). */
export function waitForMessage(
  source: MessageSource,
  query: MessageQuery = {},
): Promise<CapturedMessage> {
  const timeout = query.timeout ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeout) || timeout < 0) {
    return Promise.reject(
      new RangeError(`waitForMessage: timeout must be >= 0 ms, got ${timeout}`),
    );
  }
  const signal = query.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise<CapturedMessage>((resolve, reject) => {
    const checked = new WeakSet<ReceivedMessage>();
    let settled = false;
    let pending = Promise.resolve();

    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    // Candidates are checked one at a time, in arrival order: parsing is asynchronous, and the
    // first match must win even when a later message parses sooner.
    const check = (message: ReceivedMessage): void => {
      if (checked.has(message)) return;
      checked.add(message);
      pending = pending.then(async () => {
        if (settled) return;
        const captured = await capture(message);
        // A query that throws is the test's own error: it ends the wait with it.
        try {
          if (captured !== undefined && matches(captured, query)) {
            finish(() => resolve(captured));
          }
        } catch (error) {
          finish(() => reject(error));
        }
      });
    };
    const onAbort = (): void => finish(() => reject(signal?.reason));
    const onTimeout = (): void => {
      const seen = source.messages;
      pending.then(() => finish(() => reject(new MessageWaitTimeoutError(query, timeout, seen))));
    };

    const unsubscribe = source.onMessage(check);
    const timer = setTimeout(onTimeout, timeout);
    signal?.addEventListener('abort', onAbort, { once: true });
    for (const message of source.messages) check(message);
  });
}

/** The message with its parsed form; `undefined` (never a match) when it cannot be parsed. */
async function capture(message: ReceivedMessage): Promise<CapturedMessage | undefined> {
  try {
    return { ...message, parsed: await parseMessage(message) };
  } catch {
    return undefined;
  }
}

function matches(message: CapturedMessage, query: MessageQuery): boolean {
  const { envelope, parsed } = message;
  return (
    (query.to === undefined || envelope.rcptTo.some((to) => sameAddress(to, query.to))) &&
    (query.from === undefined || sameAddress(envelope.mailFrom, query.from)) &&
    (query.subject === undefined || sameText(parsed.subject ?? '', query.subject)) &&
    (query.where === undefined || query.where(message))
  );
}

function sameAddress(address: string, wanted: string | RegExp | undefined): boolean {
  return typeof wanted === 'string'
    ? address.toLowerCase() === wanted.toLowerCase()
    : (wanted?.test(address) ?? true);
}

function sameText(text: string, wanted: string | RegExp): boolean {
  return typeof wanted === 'string' ? text === wanted : wanted.test(text);
}

/** No matching message arrived in time; the message lists what did arrive. */
export class MessageWaitTimeoutError extends Error {
  override readonly name = 'MessageWaitTimeoutError';
  readonly code = 'SMTP_TEST_SERVER_WAIT_TIMEOUT';

  constructor(query: MessageQuery, timeout: number, received: readonly ReceivedMessage[]) {
    const wanted = describeQuery(query);
    const seen = received
      .slice(-5)
      .map(
        (message) =>
          `from <${message.envelope.mailFrom}> to ${message.envelope.rcptTo.map((to) => `<${to}>`).join(', ')}`,
      );
    super(
      `no message ${wanted} arrived within ${timeout} ms; ${received.length} message(s) received` +
        (seen.length > 0 ? ` (last: ${seen.join('; ')})` : ''),
    );
  }
}

function describeQuery(query: MessageQuery): string {
  const parts = [
    query.to === undefined ? undefined : `to ${String(query.to)}`,
    query.from === undefined ? undefined : `from ${String(query.from)}`,
    query.subject === undefined
      ? undefined
      : `with subject ${JSON.stringify(String(query.subject))}`,
    query.where === undefined ? undefined : 'matching `where`',
  ].filter((part) => part !== undefined);
  return parts.length === 0 ? 'at all' : parts.join(', ');
}
