/**
 * The outbox: a BullMQ queue of messages composed once. `enqueue` composes the message (so every
 * attempt sends the same bytes and the same Message-ID), refuses one over `maxMessageSize`, and
 * stores it with its envelope; the same `id` twice is one job. The outbox also answers for the
 * jobs: their counts by state, the ones held as `unknown`, and `release` and `discard` for those.
 *
 * Held jobs are failed jobs for BullMQ (so nothing retries them), marked in their `progress`
 * (marks.ts) and listed in a Redis set beside the queue's keys, which is what `counts().held`
 * and `held()` read.
 */

import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { type Job, Queue } from 'bullmq';
import { compose, type QueueInput } from './compose.ts';
import { QueueError } from './errors.ts';
import { JOB_DATA_VERSION, type JobData, readJobData } from './job-data.ts';
import { type HeldInfo, markOf } from './marks.ts';
import { closeRedis, openRedis, type RedisHandle, type RedisTarget } from './redis-connection.ts';

/** The defaults of {@link OutboxOptions}. */
export const OUTBOX_DEFAULTS = Object.freeze({
  name: 'smtp',
  prefix: 'bull',
  maxMessageSize: 25 * 1024 * 1024,
  attempts: 5,
  backoff: 30_000,
  keepCompleted: 10_000,
});

/** Options of {@link createOutbox}; the workers take the same `redis`, `name` and `prefix`. */
export interface OutboxOptions {
  /** Where Redis is: a `redis://` URL, ioredis options, or an ioredis client (left open). */
  readonly redis: RedisTarget;
  /** The queue's name. Default `smtp`. */
  readonly name?: string;
  /** BullMQ's key prefix. Default `bull`. */
  readonly prefix?: string;
  /** The largest composed message `enqueue` stores, in octets. Default 25 MiB. */
  readonly maxMessageSize?: number;
  /**
   * Attempts in all for a message whose failures may pass (`not-sent`, a 4xx). Default 5. A 5xx
   * fails at once; `unknown` is held; neither uses an attempt again.
   */
  readonly attempts?: number;
  /** The first retry's delay in ms, doubled at each one after (BullMQ's exponential backoff). Default 30 000. */
  readonly backoff?: number;
  /** Completed jobs kept (the newest), for `job(id)` and deduplication. Default 10 000. */
  readonly keepCompleted?: number;
}

/** Options of {@link Outbox.enqueue}. */
export interface EnqueueOptions {
  /**
   * The job's id: enqueueing the same id again is a no-op that returns the job already there.
   * Any string but an integer (BullMQ's own ids are), with no `:` or control character, at most
   * 256 characters. Default: an id BullMQ makes.
   */
  readonly id?: string;
  /** Send no earlier than this many ms from now. */
  readonly delay?: number;
  /** BullMQ priority, 1 (the highest) to 2 097 152; without it, first in first out. */
  readonly priority?: number;
}

/** What {@link Outbox.enqueue} stored, or found. */
export interface EnqueuedMessage {
  readonly id: string;
  /** The stored message's Message-ID, when it has one. */
  readonly messageId: string | undefined;
  /** Octets of the stored message. */
  readonly size: number;
  /** False when a job with this `id` was already there: this call stored nothing. */
  readonly queued: boolean;
}

/** A job's state, with `held` for a job held as `unknown`. */
export type QueuedState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'held';

/** What {@link Outbox.job} reports. */
export interface QueuedJob {
  readonly id: string;
  readonly state: QueuedState;
  readonly messageId: string | undefined;
  readonly from: string;
  readonly to: readonly string[];
  readonly size: number;
  /** Attempts made so far. */
  readonly attempts: number;
  /** The worker's result for a completed job (`JobResult`). */
  readonly result: unknown;
  /** Why the job failed or is held. */
  readonly reason: string | undefined;
  /** For a held job: why and when. */
  readonly held: HeldInfo | undefined;
}

/** Jobs by state. `failed` does not count the held ones. */
export interface QueueCounts {
  readonly waiting: number;
  readonly delayed: number;
  readonly active: number;
  readonly completed: number;
  readonly failed: number;
  readonly held: number;
}

/** The settings an outbox and its workers agree on. */
export interface QueueLocation {
  readonly name: string;
  readonly prefix: string;
}

/** The Redis key of the set of held job ids. */
export function heldKey(location: QueueLocation): string {
  return `${location.prefix}:${location.name}:smtp-held`;
}

/** BullMQ's job ids are integers: a custom id must not look like one (it would be refused). */
const INTEGER = /^-?\d+$/;
const UNFIT_ID = /[:\u0000-\u001f\u007f]/;

function checkId(id: unknown): string {
  if (
    typeof id !== 'string' ||
    id === '' ||
    id.length > 256 ||
    INTEGER.test(id) ||
    UNFIT_ID.test(id)
  ) {
    throw new QueueError(
      'SMTP_QUEUE_INVALID_ID',
      'id must be a string of 1 to 256 characters, not an integer, without ":" or control characters',
    );
  }
  return id;
}

function checkCount(
  value: unknown,
  path: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new QueueError(
      'SMTP_QUEUE_INVALID_OPTIONS',
      `${path} must be an integer from ${min} to ${max}`,
    );
  }
  return value;
}

/** BullMQ's largest priority (2^21). */
const MAX_PRIORITY = 2_097_152;

function checkName(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '' || UNFIT_ID.test(value)) {
    throw new QueueError(
      'SMTP_QUEUE_INVALID_OPTIONS',
      `${path} must be a non-empty string without ":" or control characters`,
    );
  }
  return value;
}

/** `name` and `prefix` from options, checked, with the defaults. */
export function locationOf(options: {
  readonly name?: string;
  readonly prefix?: string;
}): QueueLocation {
  return {
    name: checkName(options.name ?? OUTBOX_DEFAULTS.name, 'name'),
    prefix: checkName(options.prefix ?? OUTBOX_DEFAULTS.prefix, 'prefix'),
  };
}

function stateOf(state: string): QueuedState {
  switch (state) {
    case 'delayed':
    case 'active':
    case 'completed':
    case 'failed':
      return state;
    default:
      // `waiting`, `prioritized`, `waiting-children`: not started yet.
      return 'waiting';
  }
}

/** A durable outbox on BullMQ; see the module docblock. Make one with {@link createOutbox}. */
export class Outbox {
  readonly #redis: RedisHandle;
  readonly #queue: Queue;
  readonly #location: QueueLocation;
  readonly #maxMessageSize: number;
  readonly #attempts: number;
  readonly #backoff: number;
  readonly #keepCompleted: number;
  #closed = false;

  constructor(options: OutboxOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new QueueError('SMTP_QUEUE_INVALID_OPTIONS', 'options must be an object');
    }
    this.#location = locationOf(options);
    this.#maxMessageSize = checkCount(
      options.maxMessageSize ?? OUTBOX_DEFAULTS.maxMessageSize,
      'maxMessageSize',
      1,
    );
    this.#attempts = checkCount(options.attempts ?? OUTBOX_DEFAULTS.attempts, 'attempts', 1);
    this.#backoff = checkCount(options.backoff ?? OUTBOX_DEFAULTS.backoff, 'backoff', 0);
    this.#keepCompleted = checkCount(
      options.keepCompleted ?? OUTBOX_DEFAULTS.keepCompleted,
      'keepCompleted',
      0,
    );
    this.#redis = openRedis(options.redis);
    this.#queue = new Queue(this.#location.name, {
      connection: this.#redis.client,
      prefix: this.#location.prefix,
    });
  }

  /** The queue's name and key prefix. */
  get location(): QueueLocation {
    return this.#location;
  }

  /** The BullMQ queue underneath, for what this class does not cover (metrics, pausing). */
  get queue(): Queue {
    return this.#queue;
  }

  #open(): void {
    if (this.#closed) throw new QueueError('SMTP_QUEUE_CLOSED', 'The outbox is closed');
  }

  /**
   * Composes `input` once and stores it. With an `id` already in the queue, stores nothing and
   * returns that job (`queued: false`).
   *
   * @throws {QueueError} `SMTP_QUEUE_MESSAGE_TOO_LARGE`, `SMTP_QUEUE_INVALID_ID`,
   *   `SMTP_QUEUE_INVALID_OPTIONS`, `SMTP_QUEUE_CLOSED`, before anything is stored.
   * @throws `InvalidMessageError` (from `@smtp/mime`) for a message that cannot be built.
   */
  async enqueue(input: QueueInput, options: EnqueueOptions = {}): Promise<EnqueuedMessage> {
    this.#open();
    const id = options.id === undefined ? undefined : checkId(options.id);
    const delay = options.delay === undefined ? undefined : checkCount(options.delay, 'delay', 0);
    const priority =
      options.priority === undefined
        ? undefined
        : checkCount(options.priority, 'priority', 1, MAX_PRIORITY);
    const composed = await compose(input, this.#maxMessageSize);
    const data: JobData = {
      v: JOB_DATA_VERSION,
      from: composed.from,
      to: composed.to,
      raw: Buffer.from(
        composed.bytes.buffer,
        composed.bytes.byteOffset,
        composed.bytes.byteLength,
      ).toString('base64'),
      size: composed.bytes.byteLength,
      messageId: composed.messageId ?? null,
      body: composed.body ?? null,
      dsn: composed.dsn ?? null,
      nonce: randomUUID(),
    };
    const job = await this.#queue.add('message', data, {
      ...(id === undefined ? {} : { jobId: id }),
      ...(delay === undefined ? {} : { delay }),
      ...(priority === undefined ? {} : { priority }),
      attempts: this.#attempts,
      backoff: { type: 'exponential', delay: this.#backoff },
      removeOnComplete: this.#keepCompleted,
      // Failed jobs are kept: held ones are failed jobs, and go only by `discard`.
      removeOnFail: false,
    });
    if (id === undefined) {
      return { id: job.id as string, messageId: composed.messageId, size: data.size, queued: true };
    }
    // A second `add` with the same id is ignored by BullMQ: report the job that is there.
    const stored = await this.#queue.getJob(id);
    const storedData = stored === undefined ? data : readJobData(stored.data);
    return {
      id,
      messageId: storedData.messageId ?? undefined,
      size: storedData.size,
      queued: storedData.nonce === data.nonce,
    };
  }

  /** Jobs by state; `held` are the jobs held as `unknown`, not counted in `failed`. */
  async counts(): Promise<QueueCounts> {
    this.#open();
    const [counts, held] = await Promise.all([
      this.#queue.getJobCounts(
        'waiting',
        'prioritized',
        'delayed',
        'active',
        'completed',
        'failed',
      ),
      this.#redis.client.scard(heldKey(this.#location)),
    ]);
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      delayed: counts.delayed ?? 0,
      active: counts.active ?? 0,
      completed: counts.completed ?? 0,
      failed: Math.max(0, (counts.failed ?? 0) - held),
      held,
    };
  }

  /** One job, or `undefined` when the queue does not hold it (never added, or removed). */
  async job(id: string): Promise<QueuedJob | undefined> {
    this.#open();
    const job = await this.#queue.getJob(checkId(id));
    if (job === undefined) return undefined;
    return this.#describe(job);
  }

  async #describe(job: Job): Promise<QueuedJob> {
    const data = readJobData(job.data);
    const mark = markOf(job.progress);
    const state = stateOf(await job.getState());
    const held = state === 'failed' && mark.held !== undefined;
    return {
      id: job.id as string,
      state: held ? 'held' : state,
      messageId: data.messageId ?? undefined,
      from: data.from,
      to: data.to,
      size: data.size,
      attempts: job.attemptsMade,
      result: job.returnvalue ?? undefined,
      reason: job.failedReason || undefined,
      held: held ? mark.held : undefined,
    };
  }

  /** The jobs held as `unknown`, oldest first. */
  async held(): Promise<QueuedJob[]> {
    this.#open();
    const ids = await this.#redis.client.smembers(heldKey(this.#location));
    const jobs = await Promise.all(ids.map((id) => this.#queue.getJob(id)));
    const described = await Promise.all(
      jobs.filter((job): job is Job => job !== undefined).map((job) => this.#describe(job)),
    );
    return described
      .filter((job) => job.state === 'held')
      .sort((a, b) => (a.held?.at ?? 0) - (b.held?.at ?? 0));
  }

  /**
   * Sends a held job again, deliberately: a person decided that the message was not delivered
   * (or that a second copy is acceptable). The job waits again with its attempts reset.
   *
   * @throws {QueueError} `SMTP_QUEUE_NOT_FOUND`, `SMTP_QUEUE_NOT_HELD`.
   */
  async release(id: string): Promise<void> {
    const job = await this.#heldJob(id);
    // The mark goes first: a worker that took the job before it was cleared would hold it again.
    await job.updateProgress({});
    await this.#redis.client.srem(heldKey(this.#location), job.id as string);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  }

  /**
   * Removes a held job for good: a person decided it was delivered, or is not to be sent.
   *
   * @throws {QueueError} `SMTP_QUEUE_NOT_FOUND`, `SMTP_QUEUE_NOT_HELD`.
   */
  async discard(id: string): Promise<void> {
    const job = await this.#heldJob(id);
    await job.remove();
    await this.#redis.client.srem(heldKey(this.#location), job.id as string);
  }

  async #heldJob(id: string): Promise<Job> {
    this.#open();
    const job = await this.#queue.getJob(checkId(id));
    if (job === undefined) {
      throw new QueueError(
        'SMTP_QUEUE_NOT_FOUND',
        `The queue holds no job with id ${JSON.stringify(id)}`,
      );
    }
    const held = await this.#redis.client.sismember(heldKey(this.#location), job.id as string);
    if (held !== 1 || markOf(job.progress).held === undefined) {
      throw new QueueError(
        'SMTP_QUEUE_NOT_HELD',
        `Job ${JSON.stringify(id)} is not held as unknown`,
      );
    }
    return job;
  }

  /** Closes the queue and the Redis client the outbox opened. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.close();
    await closeRedis(this.#redis);
  }
}

/**
 * Opens an outbox on Redis.
 *
 * @throws {QueueError} `SMTP_QUEUE_INVALID_OPTIONS` for an option out of range.
 * @example
 * ```ts
 * const outbox = createOutbox({ redis: 'redis://127.0.0.1:6379' });
 * await outbox.enqueue({ from: 'a@example.com', to: 'b@example.org', subject: 'Hi', text: 'Hello' }, { id: 'welcome-42' });
 * ```
 */
export function createOutbox(options: OutboxOptions): Outbox {
  return new Outbox(options);
}
