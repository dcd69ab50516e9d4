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
import { ConnectionError, ProxyError, type ProxyErrorCode, TimeoutError } from '@smtp/transport';
import {
  type FailedOutcome,
  type RecipientRefusal,
  type RecipientReply,
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
 * (refused, reset, closed, DNS, a deadline, a proxy that was down, busy or refused the server). Not an invalid message, a security refusal, a
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
        : error instanceof ConnectionError ||
          error instanceof TimeoutError ||
          (error instanceof ProxyError && TEMPORARY_PROXY_FAILURES.has(error.code));
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
 * Proxy failures that may pass: the proxy or the server behind it was down, slow or busy. A
 * refused login and a proxy that does not speak its protocol stay as they are until someone
 * changes the configuration.
 */
const TEMPORARY_PROXY_FAILURES: ReadonlySet<ProxyErrorCode> = new Set([
  'SMTP_PROXY_UNREACHABLE',
  'SMTP_PROXY_REFUSED',
  'SMTP_PROXY_CLOSED',
  'SMTP_PROXY_TIMEOUT',
]);

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
  return copyError(error, { attempts });
}

/** What a `SendError` says per recipient, beyond its refusals (see `SendError`). */
export interface RecipientFates {
  readonly accepted?: readonly string[];
  readonly unknown?: readonly string[];
  readonly finalReplies?: readonly RecipientReply[];
}

/**
 * `error` with what it says per recipient set to `fates`, and its message replaced when
 * `message` is given (already scrubbed); the rest kept.
 */
export function withRecipients(
  error: SendError,
  fates: RecipientFates,
  message?: string,
): SendError {
  return copyError(error, message === undefined ? fates : { ...fates, message });
}

/**
 * An `unknown` failure that does not say yet who may have the message: every recipient of
 * `recipients` (the envelope, in RCPT order) not refused, since the end of data may have reached
 * the server for all of them (INV-9). Anything else is returned as it is. One place for every
 * path that ends in `unknown`, so none can leave `unknown` empty.
 */
export function withUnknownRecipients(
  error: unknown,
  recipients: readonly { readonly recipient: string }[],
): unknown {
  if (!(error instanceof SendError) || error.outcome !== 'unknown' || error.unknown.length > 0) {
    return error;
  }
  // Refusals are matched in order, so a recipient given twice and refused once stays once.
  const refused = error.rejected.map((refusal) => refusal.recipient);
  const unknown: string[] = [];
  for (const { recipient } of recipients) {
    const at = refused.indexOf(recipient);
    if (at === -1) unknown.push(recipient);
    else refused.splice(at, 1);
  }
  return copyError(error, { unknown });
}

/**
 * A copy of `error` with `changes`, its stack kept unless the message changes: where it failed
 * matters more than who relabelled it.
 */
function copyError(
  error: SendError,
  changes: RecipientFates & { readonly attempts?: number; readonly message?: string },
): SendError {
  const copy = new SendError(
    {
      code: error.code,
      outcome: error.outcome,
      ...(error.reply === undefined ? {} : { reply: error.reply }),
      rejected: error.rejected,
      accepted: changes.accepted ?? error.accepted,
      unknown: changes.unknown ?? error.unknown,
      finalReplies: changes.finalReplies ?? error.finalReplies,
      temporary: error.temporary,
      attempts: changes.attempts ?? error.attempts,
    },
    changes.message ?? error.message,
    error.cause === undefined ? undefined : { cause: error.cause },
  );
  // A new message is a new error; otherwise the stack says where it failed.
  if (changes.message === undefined && error.stack !== undefined) copy.stack = error.stack;
  return copy;
}
