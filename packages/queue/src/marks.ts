/**
 * What a job records about its attempts, in BullMQ's `progress` field (a small write to the job's
 * own hash, kept across retries and stall recovery, removed with the job):
 *
 * - `endOfData`: set, and awaited, just before an attempt hands the end of data to the transport
 *   (the client's `beforeEndOfData`). While it is set the message may have been delivered, so an
 *   attempt that finds it set, because the one before died or stalled in between, holds the job
 *   as `unknown` instead of sending (decision 12 in docs/security.md). It is cleared only when the
 *   server's answer says the message was not delivered, or by `release`.
 * - `held`: why and when the job was held; the job is then failed for BullMQ, and in the held set.
 */

/** Why a job is held as `unknown`. */
export interface HeldInfo {
  /** The error code that held it (`SMTP_TIMEOUT`, `SMTP_QUEUE_INTERRUPTED`, ...). */
  readonly code: string;
  /** What happened, in words (server text sanitised by the client). */
  readonly reason: string;
  /** When, in ms since the epoch. */
  readonly at: number;
}

/** The `progress` of a queue job. */
export interface JobMark {
  readonly endOfData?: number;
  readonly held?: HeldInfo;
}

/** The mark in a job's `progress` (anything else reads as no mark). */
export function markOf(progress: unknown): JobMark {
  if (typeof progress !== 'object' || progress === null) return {};
  const { endOfData, held } = progress as Record<string, unknown>;
  const mark: { endOfData?: number; held?: HeldInfo } = {};
  if (typeof endOfData === 'number') mark.endOfData = endOfData;
  if (typeof held === 'object' && held !== null) mark.held = held as HeldInfo;
  return mark;
}
