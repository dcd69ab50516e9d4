/**
 * The `smtp` command's exit codes, one per outcome a script may want to act on, and the mapping
 * from an error to its code. The table is printed at the end of `smtp --help` and
 * `smtp send --help`, so it is written once, here.
 */
import { isSmtpError, SendError } from '@smtp/client';
import { CliInputError, CliRedisError } from './cli-error.ts';

/** Every exit code the command uses. */
export const ExitCode = {
  /** Done: the message was accepted for every recipient (send), the server answered (ping). */
  ok: 0,
  /** A bug or an unexpected failure (the message says what). */
  internal: 1,
  /** Bad input or usage: unknown option, bad URL, missing or unreadable file, invalid address. Nothing was sent. */
  usage: 2,
  /** Accepted for some recipients, refused for others (listed in the output). */
  partial: 3,
  /** The server refused the sender, every recipient, or the message. */
  rejected: 4,
  /**
   * Not sent: connection, TLS, AUTH or timeout failure before the end of data; safe to retry.
   * For `smtp queue`: Redis could not be used, and nothing was queued or changed.
   */
  notSent: 5,
  /** Unknown: the end of data was handed over and no final reply came; it may have been delivered. */
  unknown: 6,
  /** `smtp queue release` or `discard`: the queue holds no job with that id, or it is not held. */
  notFound: 7,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code table, as shown in `--help`. */
export const EXIT_CODE_HELP = `Exit codes:
  0  accepted by every recipient (send); the server answered (ping); demo succeeded
  1  unexpected internal error
  2  bad input or usage (unknown option, bad URL, missing/unreadable file, invalid
     address or header, a DKIM key that cannot be used); nothing was sent
  3  partial: accepted for some recipients, refused for others
  4  rejected: the server refused the sender, every recipient or the message
  5  not sent: connection, TLS, AUTH or timeout failure before the end of data
     (safe to retry); queue: Redis could not be used, nothing was changed
  6  unknown outcome: the end of data was sent and no final reply came; the
     message may have been delivered (do not resend blindly)
  7  queue release/discard: no job with that id, or the job is not held
Many messages (send --count, bulk): 0 when every message was accepted by every
recipient, else the code of the worst outcome among them: 6 before 5 before 4
before 3. A run stopped by Ctrl-C before every message was handed over exits 5.`;

/**
 * Error code prefixes that mean the caller's input was at fault, whatever the outcome: a DKIM key,
 * option or message that cannot be signed too (not a source that failed to read, nor a runtime
 * without the crypto it needs).
 */
const INPUT_CODE =
  /^SMTP_(?:INVALID_|MIME_|URL_|DKIM_(?:INVALID_|WEAK_KEY$)|CLIENT_INVALID_OPTIONS$|TRANSPORT_INVALID_OPTIONS$|QUEUE_(?:INVALID_OPTIONS|INVALID_ID|MESSAGE_TOO_LARGE)$)/;

/** `@smtp/queue` codes for a job id that names no job the request can act on. */
const NOT_FOUND_CODES: ReadonlySet<string> = new Set([
  'SMTP_QUEUE_NOT_FOUND',
  'SMTP_QUEUE_NOT_HELD',
]);

/** True when an error's code says the input (not the server or the network) was at fault. */
export function isInputErrorCode(code: string): boolean {
  return INPUT_CODE.test(code);
}

/**
 * The exit code for an error thrown by a command: input errors are {@link ExitCode.usage};
 * a `SendError` maps by its outcome; a Redis that `smtp queue` could not use is
 * {@link ExitCode.notSent}, a job it cannot find (or that is not held) {@link ExitCode.notFound};
 * any other `@smtp` error (from `ping()` or `connect()`) is {@link ExitCode.notSent}; anything
 * else is {@link ExitCode.internal}.
 */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof CliInputError) return ExitCode.usage;
  if (error instanceof CliRedisError) return ExitCode.notSent;
  if (!isSmtpError(error)) return ExitCode.internal;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && isInputErrorCode(code)) return ExitCode.usage;
  if (typeof code === 'string' && NOT_FOUND_CODES.has(code)) return ExitCode.notFound;
  if (error instanceof SendError) {
    if (error.outcome === 'rejected') return ExitCode.rejected;
    if (error.outcome === 'unknown') return ExitCode.unknown;
    return ExitCode.notSent;
  }
  return ExitCode.notSent;
}

/** How many messages of a run ended each way (`send --count`, `bulk`). */
export interface OutcomeCounts {
  readonly partial: number;
  readonly rejected: number;
  readonly notSent: number;
  readonly unknown: number;
  /** Never handed to the pool (the run was interrupted). */
  readonly skipped: number;
}

/**
 * The exit code of a run of many messages: {@link ExitCode.ok} when every one was accepted by
 * every recipient, else the code of the worst outcome: unknown (may have been delivered: the
 * one a script must not retry blindly), then not sent (messages never handed over count here:
 * safe to send again), then rejected, then partial.
 */
export function exitCodeForCounts(counts: OutcomeCounts): ExitCodeValue {
  if (counts.unknown > 0) return ExitCode.unknown;
  if (counts.notSent > 0 || counts.skipped > 0) return ExitCode.notSent;
  if (counts.rejected > 0) return ExitCode.rejected;
  if (counts.partial > 0) return ExitCode.partial;
  return ExitCode.ok;
}
