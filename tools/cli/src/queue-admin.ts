/**
 * The commands a person runs on an outbox: `smtp queue stats` (jobs by state), `smtp queue held`
 * (the jobs held as `unknown`: they may have been delivered, and wait for a decision), and
 * `smtp queue release` (send again) or `smtp queue discard` (drop) for held jobs, by id.
 */
import type { QueueCounts, QueuedJob } from '@smtp/queue';
import type { CommandContext } from './commands/shared.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { formatTable } from './format.ts';
import { writeLine } from './io.ts';
import type { QueueFlags } from './queue-flags.ts';
import { checkJobIds, type QueuePlace, withOutbox } from './queue-outbox.ts';

/** The options of `stats`, `held`, `release` and `discard`. */
export interface QueueAdminFlags extends QueueFlags {
  readonly quiet?: boolean;
  readonly json?: boolean;
}

/** What `release` and `discard` do to a held job. */
export type HeldAction = 'release' | 'discard';

const STATES = ['waiting', 'delayed', 'active', 'completed', 'failed', 'held'] as const;

/** Runs `smtp queue stats` and returns its exit code. */
export function runQueueStats(
  flags: QueueAdminFlags,
  context: CommandContext,
): Promise<ExitCodeValue> {
  const json = flags.json === true;
  return withOutbox(flags, context, json, async (outbox, place) => {
    const counts = await outbox.counts();
    if (json) {
      writeLine(
        context.io.stdout,
        JSON.stringify({ ok: true, queue: place.name, redis: place.redis, ...countsJson(counts) }),
      );
    } else if (flags.quiet !== true) {
      writeLine(
        context.io.stdout,
        formatTable([
          ['queue', `${place.name} at ${place.redis}`],
          ...STATES.map((state): [string, string] => [state, String(counts[state])]),
        ]),
      );
    }
    return ExitCode.ok;
  });
}

function countsJson(counts: QueueCounts): Record<(typeof STATES)[number], number> {
  return Object.fromEntries(STATES.map((state) => [state, counts[state]])) as Record<
    (typeof STATES)[number],
    number
  >;
}

/** Runs `smtp queue held` and returns its exit code. */
export function runQueueHeld(
  flags: QueueAdminFlags,
  context: CommandContext,
): Promise<ExitCodeValue> {
  const json = flags.json === true;
  return withOutbox(flags, context, json, async (outbox, place) => {
    const held = await outbox.held();
    if (json) {
      writeLine(
        context.io.stdout,
        JSON.stringify({ ok: true, queue: place.name, held: held.map(heldJson) }),
      );
    } else if (flags.quiet !== true) {
      writeLine(
        context.io.stdout,
        held.length === 0
          ? `no held jobs in queue ${place.name}`
          : held.map((job) => formatTable(heldRows(job))).join('\n\n'),
      );
    }
    return ExitCode.ok;
  });
}

function heldAt(job: QueuedJob): string | null {
  return job.held === undefined ? null : new Date(job.held.at).toISOString();
}

/** A held job as `queue held --json` shows it. */
function heldJson(job: QueuedJob): Record<string, unknown> {
  return {
    id: job.id,
    messageId: job.messageId ?? null,
    from: job.from,
    to: job.to,
    size: job.size,
    attempts: job.attempts,
    code: job.held?.code ?? null,
    reason: job.held?.reason ?? job.reason ?? null,
    heldAt: heldAt(job),
  };
}

/** The rows of a held job in `queue held`. */
function heldRows(job: QueuedJob): [string, string][] {
  return [
    ['job', job.id],
    ['message-id', job.messageId ?? '(none)'],
    ['from', job.from],
    ['to', job.to.join('\n')],
    ['held at', heldAt(job) ?? '(unknown)'],
    ['code', job.held?.code ?? '(none)'],
    ['reason', job.held?.reason ?? job.reason ?? '(none)'],
  ];
}

/** What became of one id given to `release` or `discard`. */
type Settled =
  | { readonly id: string; readonly ok: true }
  | { readonly id: string; readonly ok: false; readonly code: string; readonly message: string };

const DONE: Record<HeldAction, string> = {
  release: 'released: it waits to be sent again',
  discard: 'discarded: removed from the queue for good',
};

/**
 * Runs `smtp queue release` or `smtp queue discard` on each id and returns the exit code:
 * {@link ExitCode.notFound} when the queue held no such job, or did not hold it as `unknown`,
 * for any of them (the others are still done); {@link ExitCode.usage}, with nothing done, for an
 * id that cannot be one.
 */
export function runQueueHeldAction(
  action: HeldAction,
  ids: readonly string[],
  flags: QueueAdminFlags,
  context: CommandContext,
): Promise<ExitCodeValue> {
  const { io } = context;
  const json = flags.json === true;
  return withOutbox(flags, context, json, async (outbox, place) => {
    const found = await checkJobIds(
      outbox,
      ids.map((id) => ({ id })),
    );
    const settled: Settled[] = [];
    for (const id of ids) {
      try {
        await outbox[action](id);
        settled.push({ id, ok: true });
        if (!json && flags.quiet !== true) writeLine(io.stdout, `${id}: ${DONE[action]}`);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== 'SMTP_QUEUE_NOT_FOUND' && code !== 'SMTP_QUEUE_NOT_HELD') throw error;
        const message = notHeldMessage(action, id, found.get(id), place, code);
        settled.push({ id, ok: false, code, message });
        if (!json) writeLine(io.stderr, `smtp: ${code}: ${message}`);
      }
    }
    const exitCode = settled.every((one) => one.ok) ? ExitCode.ok : ExitCode.notFound;
    if (json) {
      writeLine(
        io.stdout,
        JSON.stringify({
          ok: exitCode === ExitCode.ok,
          exitCode,
          queue: place.name,
          action,
          jobs: settled,
        }),
      );
    }
    return exitCode;
  });
}

/** Why `action` could not be done to `id`, with the job's state when the queue holds it. */
function notHeldMessage(
  action: HeldAction,
  id: string,
  job: QueuedJob | undefined,
  place: QueuePlace,
  code: 'SMTP_QUEUE_NOT_FOUND' | 'SMTP_QUEUE_NOT_HELD',
): string {
  if (code === 'SMTP_QUEUE_NOT_FOUND' || job === undefined) {
    return `queue ${place.name} holds no job ${JSON.stringify(id)} (never added, discarded, or completed long ago)`;
  }
  return `job ${JSON.stringify(id)} is ${job.state === 'held' ? 'no longer held' : job.state}, not held: only a held job can be ${action === 'release' ? 'released' : 'discarded'}`;
}
