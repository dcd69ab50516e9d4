/**
 * What a job becomes after an attempt failed: the client's honest outcome, mapped, not flattened
 * (docs/outcomes.md, "In the queue"):
 *
 * - `retry`: `not-sent`, or `rejected` with a 4xx: the server has not got the message and waiting
 *   may cure it. BullMQ tries again with its backoff, up to the job's `attempts`.
 * - `fail`: a 5xx, an invalid message, a security refusal, anything waiting will not cure.
 * - `hold`: `unknown`, the end of data may have arrived, and any failure that names a recipient
 *   who has or may have the message (LMTP). Never retried by itself.
 */
import { SendError } from '@smtp/client';

/** The job's fate after a failed attempt. */
export type Decision = 'retry' | 'fail' | 'hold';

/** True when the error came from the queue's own end-of-data record (Redis), not the server. */
export type IsMarkFailure = (error: unknown) => boolean;

/** Decides a failed attempt (see the module docblock). */
export function decide(error: unknown, isMarkFailure: IsMarkFailure): Decision {
  if (!(error instanceof SendError)) return 'fail';
  if (error.outcome === 'unknown') return 'hold';
  if (error.accepted.length > 0 || error.unknown.length > 0) return 'hold';
  // The record before the end of data could not be written (Redis away): nothing was sent, and
  // Redis coming back is what waiting cures.
  if (error.outcome === 'not-sent' && isMarkFailure(error.cause)) return 'retry';
  return error.temporary ? 'retry' : 'fail';
}
