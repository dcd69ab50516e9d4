/**
 * A worker: takes jobs from the outbox's queue (BullMQ) and sends them through an `SmtpPool`, on
 * as many machines as you run it. Each attempt:
 *
 * 1. finds the job's mark (marks.ts): an earlier attempt that reached the end of data and never
 *    recorded its outcome (its worker died, or the job stalled) means the message may be out, so
 *    the job is held as `unknown` and nothing is sent (decision 12 in docs/security.md);
 * 2. sends the stored bytes, recording the end-of-data mark in Redis, and awaiting it, just before
 *    the end of data is handed over (`beforeEndOfData`);
 * 3. maps the outcome (decide.ts): accepted or partial completes the job with the result; a
 *    failure that may pass is thrown for BullMQ to retry with its backoff (the mark cleared first,
 *    the server having said no); a final one fails the job; `unknown` holds it.
 *
 * A worker killed at any moment therefore never causes a second delivery: before the mark nothing
 * can have been delivered, and after it the job is never sent again without `release`.
 *
 * Retries belong to BullMQ (the pool's own are off), so there is one count of attempts, kept in
 * Redis. The rate limit in `rateLimit` is BullMQ's, over every worker of the queue; the pool's
 * `rateLimit` settings still limit each worker.
 */
import { EventEmitter } from 'node:events';
import {
  type ClientOptions,
  type LoggingOptions,
  type PoolSettings,
  type SendResult,
  SmtpPool,
} from '@smtp/client';
import { Worker as BullWorker, type Job, UnrecoverableError } from 'bullmq';
import { decide } from './decide.ts';
import { QueueError } from './errors.ts';
import { rawMessageOf, readJobData } from './job-data.ts';
import { type HeldInfo, markOf } from './marks.ts';
import { heldKey, locationOf, type QueueLocation } from './outbox.ts';
import { closeRedis, openRedis, type RedisHandle, type RedisTarget } from './redis-connection.ts';

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /** Where Redis is, as for the outbox. */
  readonly redis: RedisTarget;
  /** The queue's name, as for the outbox. Default `smtp`. */
  readonly name?: string;
  /** BullMQ's key prefix, as for the outbox. Default `bull`. */
  readonly prefix?: string;
  /** The SMTP server: a URL or the options of `SmtpPool`/`SmtpClient`. */
  readonly smtp: string | ClientOptions;
  /** The pool's settings (`maxConnections`, `rateLimit`...). `retries` is BullMQ's: always 0 here. */
  readonly pool?: Omit<PoolSettings, 'retries' | 'retryDelay' | 'maxRetryDelay'>;
  /** Jobs in progress at once in this worker. Default: twice the pool's `maxConnections`. */
  readonly concurrency?: number;
  /**
   * At most `max` messages started per `duration` ms across every worker of the queue: BullMQ's
   * limiter, which counts in fixed windows, so a sliding window that straddles two of them can
   * see up to twice `max` (measured: 563 to 807 in a 1000 ms window with `max` 500). For a hard
   * ceiling of N per D ms in any window, give `{ max: N / 2, duration: D }`.
   */
  readonly rateLimit?: { readonly max: number; readonly duration: number };
  /**
   * How long a job stays this worker's without the worker renewing it, in ms: a worker that
   * died is noticed after this. Default 30 000 (BullMQ's).
   */
  readonly lockDuration?: number;
  /** How often stalled jobs are looked for, in ms. Default 30 000 (BullMQ's). */
  readonly stalledInterval?: number;
  /** SIGTERM and SIGINT close the worker gracefully (then the process may exit). Default false. */
  readonly handleSignals?: boolean;
  /** The pool's logs. */
  readonly logging?: LoggingOptions;
}

/** A refused recipient in a job's result. */
export interface JobRefusal {
  readonly recipient: string;
  readonly code: number;
  readonly text: string;
}

/** A completed job's result (BullMQ's `returnvalue`). */
export interface JobResult {
  readonly outcome: 'accepted' | 'partial';
  readonly messageId: string | null;
  /** The server's queue id, when its reply named one. */
  readonly queueId: string | null;
  readonly accepted: readonly string[];
  readonly rejected: readonly JobRefusal[];
  /** The final reply. */
  readonly reply: { readonly code: number; readonly text: string };
  /** Attempts it took, this one included. */
  readonly attempts: number;
}

/** What a worker reports. */
export interface WorkerEvents {
  /** A job was sent (accepted or partial). */
  sent: [id: string, result: JobResult];
  /** An attempt failed in a way that may pass; BullMQ tries again after its backoff. */
  retrying: [id: string, error: Error, attempt: number];
  /** A job failed for good (a 5xx, an invalid message, attempts used up). */
  failed: [id: string, error: Error];
  /** A job was held as `unknown`: it may have been delivered, and is not sent again by itself. */
  held: [id: string, info: HeldInfo];
  /** BullMQ or Redis reported a problem the worker goes on after (a lost connection...). */
  error: [error: Error];
}

/** Counts since the worker started. */
export interface WorkerStats {
  readonly sent: number;
  readonly retrying: number;
  readonly failed: number;
  readonly held: number;
}

/** Set on an error thrown by the end-of-data mark, so decide.ts can tell it from the server's. */
class MarkFailure extends Error {
  override readonly name = 'MarkFailure';
}

/** A queue worker; see the module docblock. Make one with {@link createWorker}. */
export class QueueWorker extends EventEmitter<WorkerEvents> {
  readonly #redis: RedisHandle;
  readonly #location: QueueLocation;
  readonly #pool: SmtpPool;
  readonly #worker: BullWorker;
  readonly #stats = { sent: 0, retrying: 0, failed: 0, held: 0 };
  #closing: Promise<void> | undefined;
  readonly #onSignal = (): void => {
    void this.close();
  };
  readonly #handleSignals: boolean;

  constructor(options: WorkerOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new QueueError('SMTP_QUEUE_INVALID_OPTIONS', 'options must be an object');
    }
    this.#location = locationOf(options);
    const concurrency = options.concurrency ?? 2 * (options.pool?.maxConnections ?? 5);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new QueueError('SMTP_QUEUE_INVALID_OPTIONS', 'concurrency must be a positive integer');
    }
    const { rateLimit } = options;
    if (
      rateLimit !== undefined &&
      (!Number.isInteger(rateLimit.max) ||
        rateLimit.max < 1 ||
        !Number.isInteger(rateLimit.duration) ||
        rateLimit.duration < 1)
    ) {
      throw new QueueError(
        'SMTP_QUEUE_INVALID_OPTIONS',
        'rateLimit must be { max, duration }, both positive integers',
      );
    }
    const smtp: ClientOptions =
      typeof options.smtp === 'string' ? { url: options.smtp } : options.smtp;
    // Jobs wait in BullMQ, not in the pool: its queue only needs room for this worker's jobs.
    this.#pool = new SmtpPool(
      { ...smtp, maxQueued: concurrency, ...options.pool, retries: 0 },
      options.logging,
    );
    this.#redis = openRedis(options.redis);
    this.#handleSignals = options.handleSignals === true;
    this.#worker = new BullWorker(this.#location.name, (job) => this.#process(job), {
      connection: this.#redis.client,
      prefix: this.#location.prefix,
      concurrency,
      ...(rateLimit === undefined ? {} : { limiter: { ...rateLimit } }),
      ...(options.lockDuration === undefined ? {} : { lockDuration: options.lockDuration }),
      ...(options.stalledInterval === undefined
        ? {}
        : { stalledInterval: options.stalledInterval }),
      // A stalled job always goes back through #process, which holds it when its mark says the
      // end of data may be out: BullMQ's own "stalled too often" failure would skip that check.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
      removeOnFail: { count: Number.MAX_SAFE_INTEGER },
    });
    this.#worker.on('error', (error) => {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
    this.#worker.on('failed', (job, error) => {
      if (job === undefined || error instanceof UnrecoverableError) return;
      // A failure thrown for a retry: BullMQ says, once it has decided, whether one is left.
      if (job.attemptsMade >= (job.opts.attempts ?? 1)) this.#failed(job.id as string, error);
    });
    if (this.#handleSignals) {
      process.once('SIGTERM', this.#onSignal);
      process.once('SIGINT', this.#onSignal);
    }
  }

  /** The pool the worker sends through: its `stats` and events (`accepted`, `retry`...). */
  get pool(): SmtpPool {
    return this.#pool;
  }

  /** Counts since the worker started. */
  get stats(): WorkerStats {
    return { ...this.#stats };
  }

  /** Resolves once the worker takes jobs (connected to Redis). */
  async ready(): Promise<void> {
    await this.#worker.waitUntilReady();
  }

  #failed(id: string, error: Error): void {
    this.#stats.failed++;
    this.emit('failed', id, error);
  }

  async #process(job: Job): Promise<JobResult> {
    const id = job.id as string;
    let data: ReturnType<typeof readJobData>;
    try {
      data = readJobData(job.data);
    } catch (error) {
      this.#failed(id, error as Error);
      throw new UnrecoverableError((error as Error).message);
    }
    if (markOf(job.progress).endOfData !== undefined) {
      // An attempt before this one reached the end of data and never recorded an outcome.
      throw await this.#hold(job, {
        code: 'SMTP_QUEUE_INTERRUPTED',
        reason:
          'An earlier attempt handed the end of data to the server and its worker stopped before recording the outcome',
        at: Date.now(),
      });
    }
    let marked = false;
    let result: SendResult;
    try {
      result = await this.#pool.send(rawMessageOf(data), {
        ...(data.dsn === null ? {} : { dsn: data.dsn }),
        beforeEndOfData: async () => {
          try {
            await job.updateProgress({ endOfData: Date.now() });
          } catch (error) {
            throw new MarkFailure('Could not record the end of data in Redis', { cause: error });
          }
          marked = true;
        },
      });
    } catch (error) {
      const decision = decide(error, (cause) => cause instanceof MarkFailure);
      if (decision === 'hold') {
        const code = (error as { code?: unknown }).code;
        throw await this.#hold(job, {
          code: typeof code === 'string' ? code : 'SMTP_SEND_FAILED',
          reason: (error as Error).message,
          at: Date.now(),
        });
      }
      // The server's answer says the message is not there: the next attempt may send it.
      if (marked) await job.updateProgress({});
      if (decision === 'retry') {
        // On the last attempt BullMQ fails the job instead; the `failed` listener reports it.
        const attempt = job.attemptsMade + 1;
        if (attempt < (job.opts.attempts ?? 1)) {
          this.#stats.retrying++;
          this.emit('retrying', id, error as Error, attempt);
        }
        throw error;
      }
      this.#failed(id, error as Error);
      throw new UnrecoverableError((error as Error).message);
    }
    // The mark stays: a crash before BullMQ records the completion leaves a job that is held,
    // never sent twice. It goes with the job.
    const jobResult = resultOf(result, job.attemptsMade + 1, data.messageId);
    this.#stats.sent++;
    this.emit('sent', id, jobResult);
    return jobResult;
  }

  /** Marks the job held and returns the error that fails it for BullMQ without a retry. */
  async #hold(job: Job, info: HeldInfo): Promise<UnrecoverableError> {
    const id = job.id as string;
    await job.updateProgress({ ...markOf(job.progress), endOfData: Date.now(), held: info });
    await this.#redis.client.sadd(heldKey(this.#location), id);
    this.#stats.held++;
    this.emit('held', id, info);
    return new UnrecoverableError(`held as unknown: ${info.reason}`);
  }

  /**
   * Stops taking jobs, lets the ones in progress finish, then QUITs the SMTP connections and
   * closes the Redis client the worker opened. Idempotent; what SIGTERM does with
   * `handleSignals`.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#handleSignals) {
        process.off('SIGTERM', this.#onSignal);
        process.off('SIGINT', this.#onSignal);
      }
      await this.#worker.close();
      await this.#pool.close();
      await closeRedis(this.#redis);
    })();
    return this.#closing;
  }
}

/** The job's result; the Message-ID is the stored message's (a raw send does not parse it). */
function resultOf(result: SendResult, attempts: number, messageId: string | null): JobResult {
  return {
    outcome: result.outcome,
    messageId: result.messageId ?? messageId,
    queueId: result.queueId ?? null,
    accepted: result.accepted,
    rejected: result.rejected.map(({ recipient, reply }) => ({
      recipient,
      code: reply.code,
      text: reply.text,
    })),
    reply: { code: result.reply.code, text: result.reply.text },
    attempts,
  };
}

/**
 * Starts a worker on the outbox's queue.
 *
 * @throws {QueueError} `SMTP_QUEUE_INVALID_OPTIONS`.
 * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS` for SMTP options the client refuses.
 * @example
 * ```ts
 * const worker = createWorker({
 *   redis: 'redis://127.0.0.1:6379',
 *   smtp: 'smtps://user:pass@smtp.example.com',
 *   pool: { maxConnections: 4 },
 *   rateLimit: { max: 100, duration: 1000 },
 *   handleSignals: true,
 * });
 * worker.on('held', (id, info) => console.warn(`job ${id} held: ${info.reason}`));
 * ```
 */
export function createWorker(options: WorkerOptions): QueueWorker {
  return new QueueWorker(options);
}
