/**
 * `@smtp/queue`: a durable outbox on BullMQ and Redis, and workers that send it through
 * `SmtpPool` from `@smtp/client` on any number of machines. Outcomes are mapped, not flattened:
 * accepted and partial complete a job, a 5xx fails it, `not-sent` and 4xx are retried with
 * BullMQ's backoff, and `unknown` is held until a person releases or discards it. A worker killed
 * at any moment causes no second delivery (decision 12 in docs/security.md).
 *
 * @packageDocumentation
 */
export type { QueueInput } from './compose.ts';
export { QueueError, type QueueErrorCode } from './errors.ts';
export type { HeldInfo } from './marks.ts';
export {
  createOutbox,
  type EnqueuedMessage,
  type EnqueueOptions,
  OUTBOX_DEFAULTS,
  Outbox,
  type OutboxOptions,
  type QueueCounts,
  type QueuedJob,
  type QueuedState,
  type QueueLocation,
} from './outbox.ts';
export type { RedisTarget } from './redis-connection.ts';
export {
  createWorker,
  type JobRefusal,
  type JobResult,
  QueueWorker,
  type WorkerEvents,
  type WorkerOptions,
  type WorkerStats,
} from './worker.ts';
