/**
 * Outcome classification (INV-9 in docs/security.md): how any failure of a send becomes the one
 * `SendError` the caller sees, with an honest `outcome`:
 *
 * - `rejected`: the server refused, by a 4xx or 5xx reply read in step;
 * - `not-sent`: it failed before the end of data was handed to the transport;
 * - `unknown`: the end of data may have reached the server and no final reply came, so the
 *   message may have been delivered. It is never sent again automatically (decision 8).
 *
 * The transaction decides which side of the end of data a failure fell on; this module only
 * builds the error: the code of the failure underneath (`SMTP_TIMEOUT`, `SMTP_REPLY`...),
 * whether waiting may cure it (`temporary`), and a message scrubbed of every secret (INV-10).
 */
import { ConnectionError, TimeoutError } from '@smtp/transport';
import {
  type FailedOutcome,
  type RecipientRefusal,
  type ReplyInfo,
  SendError,
  SmtpReplyError,
} from './errors.ts';
import type { Secrets } from './redact.ts';
import { describeReply } from './reply-info.ts';

/** True for a 4xx reply: the same request may succeed later. */
export function isTemporaryReply(reply: ReplyInfo): boolean {
  return reply.code >= 400 && reply.code < 500;
}

/**
 * The `SendError` for a refusal: a 4xx or 5xx reply, read in step. `temporary` defaults to
 * whether the reply is a 4xx.
 */
export function refusal(
  secrets: Secrets,
  reply: ReplyInfo,
  rejected: readonly RecipientRefusal[],
  what: string,
  temporary = isTemporaryReply(reply),
): SendError {
  return new SendError(
    { code: 'SMTP_REPLY', outcome: 'rejected', reply, rejected, temporary },
    secrets.scrub(`${what}: ${describeReply(reply)}`),
  );
}

/** The `SmtpReplyError` for a refused command of the opening dialogue, its message scrubbed. */
export function replyError(
  reply: ReplyInfo,
  secrets: Secrets,
  what = `The server refused ${reply.command}`,
): SmtpReplyError {
  return new SmtpReplyError(reply, secrets.scrub(`${what}: ${describeReply(reply)}`));
}

/**
 * The `SendError` for a failure underneath (timeout, connection, abort, protocol, security,
 * input), or `error` itself when it is one already.
 *
 * `temporary` means "the same send may succeed later": a 4xx reply, or a network failure
 * (refused, reset, closed, DNS, a deadline). Not an invalid message, a security refusal, a
 * certificate that fails verification, an abort or a closed client: waiting changes nothing.
 * An `unknown` outcome is never temporary, since it must not be retried blindly.
 */
export function failure(
  secrets: Secrets,
  error: unknown,
  outcome: FailedOutcome,
  rejected: readonly RecipientRefusal[] = [],
): SendError {
  if (error instanceof SendError) return error;
  const code = codeOf(error) ?? 'SMTP_SEND_FAILED';
  const reply = (error as { reply?: ReplyInfo } | undefined)?.reply;
  const why = error instanceof Error ? error.message : String(error);
  const temporary =
    outcome === 'unknown'
      ? false
      : reply !== undefined
        ? isTemporaryReply(reply)
        : error instanceof ConnectionError || error instanceof TimeoutError;
  const prefix =
    outcome === 'unknown'
      ? 'The message may have been delivered (end of data written, no final reply)'
      : 'The message was not sent';
  return new SendError(
    { code, outcome, ...(reply === undefined ? {} : { reply }), rejected, temporary },
    secrets.scrub(`${prefix}: ${why}`),
    { cause: error },
  );
}

/**
 * The code to report for `error`: its own, except that "the connection is closed" defers to
 * the failure that closed it (a reset, a timeout) when that failure has a code.
 */
function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SMTP_CONNECTION_CLOSED') {
    const cause = codeOf((error as { cause?: unknown }).cause);
    if (cause !== undefined) return cause;
  }
  return code;
}

/**
 * `error` as the last of `attempts` attempts (the pool's retries): the same code, outcome,
 * reply, refusals and message, with `cause` kept.
 */
export function withAttempts(error: SendError, attempts: number): SendError {
  if (error.attempts === attempts) return error;
  const copy = new SendError(
    {
      code: error.code,
      outcome: error.outcome,
      ...(error.reply === undefined ? {} : { reply: error.reply }),
      rejected: error.rejected,
      temporary: error.temporary,
      attempts,
    },
    error.message,
    error.cause === undefined ? undefined : { cause: error.cause },
  );
  // Where it failed matters more than where the pool relabelled it.
  if (error.stack !== undefined) copy.stack = error.stack;
  return copy;
}
