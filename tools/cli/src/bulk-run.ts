/**
 * A run of many messages through one `SmtpPool` (`send --count`, `bulk`): messages are made or
 * read one at a time, only when the pool has room for another (its queue is bounded and
 * `whenFull: 'wait'`), progress is shown on stderr, each message that is not accepted by every
 * recipient is reported as it ends, and a summary by outcome is printed at the end.
 *
 * Ctrl-C (SIGINT) stops taking messages and lets the pool finish what it holds (`close()`); a
 * second Ctrl-C drops the connections (`destroy()`: queued messages fail as not sent, messages
 * in flight with their outcome). The summary is printed either way.
 */
import {
  describeReply,
  SendError,
  type SendInput,
  type SendResult,
  type SmtpPool,
} from '@smtp/client';
import type { CommandContext } from './commands/shared.ts';
import { type ConnectionFlags, createCliPool } from './connection.ts';
import { type ExitCodeValue, exitCodeForCounts, isInputErrorCode } from './exit-codes.ts';
import { type BulkFailure, type BulkSummary, printBulkSummary, reportError } from './output.ts';
import { type PoolFlags, poolSettings } from './pool-flags.ts';
import { type CountProgress, createCountProgress, progressModeFor } from './progress.ts';

/**
 * One message of a run: its input, or why it could not be made (a file that could not be read
 * when its turn came), which counts as not sent.
 */
export type BulkItem = {
  /** How the message is named in output: `message 3`, or the file. */
  readonly label: string;
  /** The file it was read from (`bulk`). */
  readonly file?: string;
} & ({ readonly input: SendInput } | { readonly error: Error & { readonly code?: string } });

/** The flags a run reads besides the messages. */
export interface BulkFlags extends ConnectionFlags, PoolFlags {
  readonly quiet?: boolean;
  readonly json?: boolean;
  readonly progress?: boolean;
}

/** What a run sends. */
export interface BulkSource {
  /** How many messages `items` yields. */
  readonly total: number;
  /** The messages, made or read when asked for. */
  readonly items: AsyncIterable<BulkItem>;
}

/** The most failures a JSON summary lists; the rest are counted. */
export const MAX_LISTED_FAILURES = 100;

/** How a run listens for Ctrl-C; tests and embedders may pass their own. */
export interface InterruptSource {
  on(handler: () => void): () => void;
}

/** SIGINT on this process, for the time of the run. */
export const processInterrupts: InterruptSource = {
  on(handler) {
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
};

/**
 * Sends every message of `source` through a pool made from the flags, prints the summary, and
 * returns the exit code ({@link exitCodeForCounts}; 2 for bad input before anything was sent).
 */
export async function runBulk(
  flags: BulkFlags,
  source: BulkSource,
  context: CommandContext,
  signals: InterruptSource = processInterrupts,
): Promise<ExitCodeValue> {
  const { io } = context;
  const json = flags.json === true;
  let pool: SmtpPool;
  const settings = poolSettings(flags);
  try {
    const created = await createCliPool(flags, io, context.prompt, settings);
    pool = created.pool;
    if (flags.verbose === true) {
      io.stderr.write(
        `* sending ${source.total} messages to ${created.target.display} over at most ${settings.maxConnections} connections\n`,
      );
    }
  } catch (error) {
    return reportError(error, io, json);
  }

  const quietProgress = json || flags.quiet === true || flags.progress === false;
  const progress: CountProgress = createCountProgress({
    stream: io.stderr,
    total: source.total,
    mode: quietProgress ? 'off' : progressModeFor(io.stderr),
  });
  const counts = { accepted: 0, partial: 0, rejected: 0, notSent: 0, unknown: 0 };
  const failures: BulkFailure[] = [];
  let failuresOmitted = 0;
  let started = 0;
  let stopping = false;
  let interrupts = 0;
  /** An error in the input itself (an invalid envelope): every message would fail the same way. */
  let inputError: { readonly error: SendError; readonly failure: BulkFailure } | undefined;
  const pending = new Set<Promise<void>>();

  const fail = (failure: BulkFailure): void => {
    if (failures.length < MAX_LISTED_FAILURES) failures.push(failure);
    else failuresOmitted++;
    if (!json) {
      if (failure.outcome === 'partial') {
        for (const r of failure.rejected) {
          progress.log(
            `smtp: ${failure.label}: partial: refused ${r.recipient}: ${describeReply(r.reply)}`,
          );
        }
      } else {
        progress.log(
          `smtp: ${failure.label}: ${failure.code} (${failure.outcome}): ${failure.message}`,
        );
        for (const r of failure.rejected) {
          progress.log(`  refused ${r.recipient}: ${describeReply(r.reply)}`);
        }
      }
    }
    progress.tick(false);
  };
  const onResult = (item: BulkItem, index: number, result: SendResult): void => {
    if (result.outcome === 'accepted') {
      counts.accepted++;
      progress.tick(true);
      return;
    }
    counts.partial++;
    fail({
      ...where(item, index),
      outcome: 'partial',
      code: null,
      message: `refused by ${result.rejected.length} of ${result.rejected.length + result.accepted.length} recipients`,
      attempts: result.attempts,
      rejected: result.rejected,
      messageId: result.messageId,
    });
  };
  const onError = (item: BulkItem, index: number, error: unknown): void => {
    const failed = asSendError(error);
    if (failed.outcome === 'rejected') counts.rejected++;
    else if (failed.outcome === 'unknown') counts.unknown++;
    else counts.notSent++;
    const failure: BulkFailure = {
      ...where(item, index),
      outcome: failed.outcome,
      code: failed.code,
      message: failed.message,
      attempts: failed.attempts,
      rejected: failed.rejected,
      reply: failed.reply,
    };
    if (failed.attempts === 0 && isInputErrorCode(failed.code)) {
      // Refused before it was queued, for its input: the next messages would be refused too.
      // Shown at the end: alone when nothing was sent, else as one failure among others.
      stopping = true;
      if (inputError === undefined) {
        inputError = { error: failed, failure };
        return;
      }
    }
    fail(failure);
  };

  const stopListening = signals.on(() => {
    interrupts++;
    if (interrupts === 1) {
      stopping = true;
      if (!json) {
        progress.log(
          'smtp: interrupted: finishing the messages already handed over (Ctrl-C again to abort them)',
        );
      }
      void pool.close().catch(() => undefined);
    } else if (interrupts === 2) {
      if (!json) progress.log('smtp: aborted: dropping the connections');
      pool.destroy();
    }
  });

  const startedAt = performance.now();
  try {
    for await (const item of source.items) {
      // Checked in the same turn as send(): a Ctrl-C cannot fall in between.
      if (stopping) break;
      started++;
      const index = started;
      if ('error' in item) {
        counts.notSent++;
        fail({
          ...where(item, index),
          outcome: 'not-sent',
          code: item.error.code ?? 'SMTP_CLI_FILE',
          message: item.error.message,
          attempts: 0,
          rejected: [],
        });
        continue;
      }
      let onQueued = (): void => {};
      const queued = new Promise<void>((resolve) => {
        onQueued = resolve;
      });
      pool.once('queued', onQueued);
      const settled: Promise<void> = pool.send(item.input).then(
        (result) => onResult(item, index, result),
        (error: unknown) => onError(item, index, error),
      );
      pending.add(settled);
      void settled.then(() => pending.delete(settled));
      // Room in the queue (or the end of this message) before the next one is made or read.
      await Promise.race([queued, settled]);
      pool.off('queued', onQueued);
    }
  } catch (error) {
    // The source itself failed: what was handed over still finishes, then the error is shown.
    await pool.close().catch(() => undefined);
    await Promise.all(pending);
    stopListening();
    progress.stop();
    return reportError(error, io, json);
  }
  await pool.close().catch(() => undefined);
  await Promise.all(pending);
  stopListening();
  const elapsedMs = performance.now() - startedAt;
  if (inputError !== undefined) {
    if (counts.accepted + counts.partial === 0) {
      progress.stop(false);
      return reportError(inputError.error, io, json);
    }
    fail(inputError.failure);
  }
  progress.stop();
  const stats = pool.stats;
  const skipped = Math.max(0, source.total - started);
  const exitCode = exitCodeForCounts({ ...counts, skipped });
  const summary: BulkSummary = {
    total: source.total,
    started,
    ...counts,
    skipped,
    interrupted: interrupts > 0,
    retried: stats.retried,
    connections: stats.connectionsOpened,
    connectionsFailed: stats.connectionsFailed,
    elapsedMs,
    failures: failures.sort((a, b) => a.index - b.index),
    failuresOmitted,
    exitCode,
  };
  printBulkSummary(summary, io, { json, quiet: flags.quiet === true });
  return exitCode;
}

function where(item: BulkItem, index: number): Pick<BulkFailure, 'label' | 'index' | 'file'> {
  return { label: item.label, index, ...(item.file !== undefined ? { file: item.file } : {}) };
}

/** The pool settles every send with a `SendError`; anything else is a bug, shown as one. */
function asSendError(error: unknown): SendError {
  if (error instanceof SendError) return error;
  return new SendError(
    { code: 'SMTP_CLI_INTERNAL', outcome: 'not-sent', temporary: false },
    error instanceof Error ? error.message : String(error),
    { cause: error },
  );
}
