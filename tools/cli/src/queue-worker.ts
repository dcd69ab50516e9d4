/**
 * `smtp queue worker`: takes jobs from the outbox and sends them (`createWorker` from
 * `@smtp/queue`) until SIGTERM or SIGINT. The SMTP side is built as for `smtp send`: `--url`,
 * credentials, `--ca`, `--proxy`, `--name` (connection.ts). `--connections` sizes this worker's
 * pool, `--concurrency` the jobs it works on at once, and `--rate` is BullMQ's limit over every
 * worker of the queue, not this one's.
 *
 * The first signal stops taking jobs, lets the ones in flight finish (their outcome recorded),
 * QUITs and exits 0. The second exits at once, the only place the CLI ends the process itself:
 * it is asked to, and the queue makes it safe, since a job whose end of data may have reached the
 * server is held when it is found again, and the others are sent by the next worker.
 *
 * Lines on stderr start with the time: ready, stopping, stopped (with counts) and Redis errors
 * always; with `--verbose`, one line per job (sent, retrying, failed, held) with its id and
 * Message-ID.
 */
import { constants } from 'node:os';
import type { ClientOptions } from '@smtp/client';
import type { JobResult, Outbox, QueueWorker } from '@smtp/queue';
import type { CommandContext } from './commands/shared.ts';
import { type ConnectionFlags, clientOptionsFor } from './connection.ts';
import type { Target } from './credentials.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { type CliIo, writeLine } from './io.ts';
import { reportError } from './output.ts';
import { DEFAULT_CONCURRENCY, formatRateFlag, type RateFlag } from './pool-flags.ts';
import type { QueueFlags } from './queue-flags.ts';
import { parseRedisUrl, type RedisTarget, redisError } from './redis-target.ts';

/** The options of `smtp queue worker`. */
export interface QueueWorkerFlags extends ConnectionFlags, QueueFlags {
  readonly concurrency?: number;
  readonly connections?: number;
  readonly rate?: RateFlag;
}

/** The signals that stop a worker. */
export type StopSignal = 'SIGTERM' | 'SIGINT';

/** How a worker hears the stop signals, and leaves at once; tests and embedders may pass theirs. */
export interface WorkerSignals {
  /** Calls `handler` at each stop signal until the returned function is called. */
  on(handler: (signal: StopSignal) => void): () => void;
  /** Ends the process now with `code`. */
  exitNow(code: number): void;
}

/** SIGTERM and SIGINT of this process, and `process.exit`. */
export const processSignals: WorkerSignals = {
  on(handler) {
    const onTerm = (): void => handler('SIGTERM');
    const onInt = (): void => handler('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    return () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    };
  },
  exitNow(code) {
    process.exit(code);
  },
};

/** A process ended by a signal exits 128 plus its number, as shells report it. */
function exitCodeForSignal(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/** One line of text: a server reply or error message over several lines is joined. */
function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ');
}

function errorCode(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}

/** The line `--verbose` prints for a sent job. */
function sentLine(id: string, result: JobResult): string {
  const total = result.accepted.length + result.rejected.length;
  return `sent ${id} ${result.messageId ?? '(no Message-ID)'}: ${result.outcome} for ${result.accepted.length} of ${total} recipients, ${result.reply.code} ${oneLine(result.reply.text)} (attempt ${result.attempts})`;
}

/** Runs `smtp queue worker` until a stop signal and returns its exit code. */
export async function runQueueWorker(
  flags: QueueWorkerFlags,
  context: CommandContext,
  signals: WorkerSignals = processSignals,
): Promise<ExitCodeValue> {
  const { io } = context;
  let redis: RedisTarget;
  let smtp: ClientOptions;
  let server: Target;
  try {
    redis = parseRedisUrl(flags.redis);
    // The dialogue is not logged: --verbose is one line per job here.
    const built = await clientOptionsFor(flags, io, context.prompt, { logging: {} });
    smtp = built.options;
    server = built.target;
  } catch (error) {
    return reportError(error, io, false);
  }
  const queue = await import('@smtp/queue');
  const name = flags.queue ?? queue.OUTBOX_DEFAULTS.name;
  const connections = flags.connections ?? DEFAULT_CONCURRENCY;
  const concurrency = flags.concurrency ?? 2 * connections;
  // Redis is checked before the worker starts: BullMQ's worker, once its connection has failed,
  // keeps a retry timer that close() does not clear, and the command would linger on it.
  let outbox: Outbox | undefined;
  try {
    outbox = queue.createOutbox({ redis: redis.options, name });
    outbox.queue.on('error', () => undefined);
    await outbox.queue.waitUntilReady();
  } catch (error) {
    await outbox?.close().catch(() => undefined);
    return reportError(redisError(error, redis), io, false);
  }
  // The outbox stays open for the Message-IDs of the --verbose lines only.
  const lookups = flags.verbose === true ? outbox : undefined;
  if (lookups === undefined) await outbox.close().catch(() => undefined);
  let worker: QueueWorker;
  try {
    worker = queue.createWorker({
      redis: redis.options,
      name,
      smtp,
      pool: { maxConnections: connections },
      concurrency,
      ...(flags.rate !== undefined
        ? { rateLimit: { max: flags.rate.limit, duration: flags.rate.intervalMs } }
        : {}),
      logging: {},
    });
  } catch (error) {
    await lookups?.close().catch(() => undefined);
    return reportError(error, io, false);
  }

  const log = (line: string, at = new Date()): void => {
    writeLine(io.stderr, `${at.toISOString()} ${line}`);
  };
  let started = false;
  worker.on('error', (error) => {
    // Before the start, the failure to start says it all, once.
    if (started) log(`error: ${oneLine((redisError(error, redis) as Error).message)}`);
  });
  const jobLines = lookups === undefined ? undefined : new JobLines(worker, lookups, io);

  let onFirstSignal: (signal: StopSignal) => void = () => undefined;
  const firstSignal = new Promise<StopSignal>((resolve) => {
    onFirstSignal = resolve;
  });
  let signalsSeen = 0;
  const stopListening = signals.on((signal) => {
    signalsSeen++;
    if (signalsSeen === 1) {
      onFirstSignal(signal);
      return;
    }
    log(
      `stopping at once (${signal}): the jobs in flight are left to the queue, which holds any that may have reached the server and sends the others again`,
    );
    signals.exitNow(exitCodeForSignal(signal));
  });

  try {
    const ready = worker.ready();
    ready.catch(() => undefined);
    try {
      await Promise.race([ready, firstSignal]);
    } catch (error) {
      return reportError(redisError(error, redis), io, false);
    }
    if (signalsSeen === 0) {
      redis.keepReconnecting();
      started = true;
      const rate =
        flags.rate === undefined
          ? ''
          : `, at most ${formatRateFlag(flags.rate)} across every worker of the queue`;
      log(
        `ready: queue ${name} at ${redis.display}, sending to ${server.display}: ${concurrency} jobs at once over at most ${connections} connections${rate}`,
      );
    }
    const signal = await firstSignal;
    log(
      `stopping (${signal}): taking no new jobs, finishing the ones in flight (${signal} again to stop at once)`,
    );
    await worker.close();
    await jobLines?.flush();
    const stats = worker.stats;
    log(
      `stopped: ${stats.sent} sent, ${stats.retrying} retrying, ${stats.failed} failed, ${stats.held} held${stats.held > 0 ? ' (see smtp queue held)' : ''}`,
    );
    return ExitCode.ok;
  } finally {
    await worker.close().catch(() => undefined);
    await jobLines?.close();
    stopListening();
  }
}

/**
 * The `--verbose` line of each job, in the order of the events. The worker's events other than
 * `sent` carry no Message-ID, so it is read from the job (one small read, only with `--verbose`).
 */
class JobLines {
  readonly #lookups: Outbox;
  readonly #io: CliIo;
  #written: Promise<void> = Promise.resolve();

  constructor(worker: QueueWorker, lookups: Outbox, io: CliIo) {
    this.#lookups = lookups;
    this.#io = io;
    worker.on('sent', (id, result) => this.#add(sentLine(id, result)));
    worker.on('retrying', (id, error, attempt) =>
      this.#add(
        (messageId) =>
          `retrying ${id} ${messageId}: attempt ${attempt} failed, ${errorCode(error)}: ${oneLine(error.message)}`,
        id,
      ),
    );
    worker.on('failed', (id, error) =>
      this.#add(
        (messageId) => `failed ${id} ${messageId}: ${errorCode(error)}: ${oneLine(error.message)}`,
        id,
      ),
    );
    worker.on('held', (id, info) =>
      this.#add(
        (messageId) =>
          `held ${id} ${messageId}: ${info.code}: ${oneLine(info.reason)} (see smtp queue held, then release or discard it)`,
        id,
      ),
    );
  }

  #add(line: string | ((messageId: string) => string), id?: string): void {
    const at = new Date();
    const messageId =
      typeof line === 'string' || id === undefined
        ? Promise.resolve(undefined)
        : this.#lookups.job(id).then(
            (job) => job?.messageId,
            () => undefined,
          );
    this.#written = this.#written.then(async () => {
      const text = typeof line === 'string' ? line : line((await messageId) ?? '(no Message-ID)');
      writeLine(this.#io.stderr, `${at.toISOString()} ${text}`);
    });
  }

  /** Resolves once every line so far is written. */
  flush(): Promise<void> {
    return this.#written;
  }

  async close(): Promise<void> {
    await this.#written;
    await this.#lookups.close().catch(() => undefined);
  }
}
