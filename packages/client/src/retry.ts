/**
 * When the pool sends a message again, and how long it waits first. The rule is decision 8 of
 * docs/security.md carried to the pool: a message that may have been delivered is never sent
 * again by itself, so only a failure the server cannot have acted on is retried.
 *
 * - Retried: `not-sent` or `rejected` failures that are `temporary` (outcome.ts): a 4xx reply, or
 *   the connection failing, refused or timing out before the end of data was written.
 * - Never retried: `unknown` (the end of data may have arrived), a 5xx, an invalid message, a
 *   security refusal, an abort, a closed pool, and a streamed raw body that was already read (it
 *   cannot be produced twice; {@link trackReads}). Nor a failure that names a recipient who
 *   has, or may have, the message (LMTP answers each recipient after the data): a retry would
 *   deliver it to them again.
 */
import { Message } from '@smtp/mime';
import type { SendError } from './errors.ts';
import type { RawMessage, SendableMessage } from './message-source.ts';

/** How retries are spaced. */
export interface RetrySchedule {
  /** The delay before the first retry, in ms; each next one doubles it. */
  readonly baseDelayMs: number;
  /** The longest delay, in ms. */
  readonly maxDelayMs: number;
}

/** True when `error` leaves the server untouched and waiting may cure it. */
export function isRetryable(error: SendError): boolean {
  if (error.outcome === 'unknown' || !error.temporary) return false;
  // Decision 8 per recipient: any delivery after the data, or any doubt about one, is final.
  if (error.accepted.length > 0 || error.unknown.length > 0) return false;
  return error.reply === undefined || error.reply.code < 500;
}

/**
 * The wait before retry number `retry` (1 for the first): exponential, with "equal jitter" (half
 * the delay fixed, half random) so that messages failed together by one event (a dropped
 * connection, a 421) do not come back together and fail together again.
 */
export function retryDelay(
  retry: number,
  schedule: RetrySchedule,
  random: () => number = Math.random,
): number {
  const exponential = schedule.baseDelayMs * 2 ** Math.max(0, retry - 1);
  const delay = Math.min(schedule.maxDelayMs, exponential);
  return delay / 2 + random() * (delay / 2);
}

/** A message and whether its body may be produced again for another attempt. */
export interface TrackedMessage {
  readonly message: SendableMessage;
  /** False once a single-use body (a raw stream) has been read from. */
  readonly replayable: () => boolean;
}

/**
 * Wraps a raw message whose body is a stream so that reading it is noticed: a retry of a
 * message whose stream was read would send a truncated body. Bytes, strings and `Message`s
 * are produced again for each attempt (a `Message` with a streamed part refuses a second
 * serialisation itself, with `SMTP_MIME_CONTENT_READ`).
 */
export function trackReads(message: SendableMessage): TrackedMessage {
  if (!isStreamedRaw(message)) return { message, replayable: always };
  const source = message.raw;
  let read = false;
  const raw: AsyncIterable<Uint8Array | string> = {
    [Symbol.asyncIterator]() {
      read = true;
      return source[Symbol.asyncIterator]();
    },
  };
  return { message: { ...message, raw }, replayable: () => !read };
}

/** `replayable` of a body produced again for each attempt: one function for every message. */
function always(): boolean {
  return true;
}

/** `message` is normalised (normalizeInput): a `Message`, or else a `RawMessage`. */
function isStreamedRaw(
  message: SendableMessage,
): message is RawMessage & { readonly raw: AsyncIterable<Uint8Array | string> } {
  return (
    !(message instanceof Message) &&
    typeof message.raw !== 'string' &&
    !(message.raw instanceof Uint8Array)
  );
}
