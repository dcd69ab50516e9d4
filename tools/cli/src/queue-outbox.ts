/**
 * The outbox a one-off `smtp queue` command works on (`add`, `stats`, `held`, `release`,
 * `discard`): opened from `--redis` and `--queue`, connected before the command does anything, so
 * a Redis that cannot be used is one clear error (exit code 5) and never a hang, and closed
 * whatever happens. `@smtp/queue` (BullMQ, ioredis) is loaded here, on first use, so the other
 * commands start without it.
 */
import type { Outbox, QueuedJob } from '@smtp/queue';
import { CliInputError } from './cli-error.ts';
import type { CommandContext } from './commands/shared.ts';
import type { ExitCodeValue } from './exit-codes.ts';
import { reportError } from './output.ts';
import type { QueueFlags } from './queue-flags.ts';
import { parseRedisUrl, type RedisTarget, redisError } from './redis-target.ts';

/** Which queue a command works on, as output names it. */
export interface QueuePlace {
  readonly name: string;
  /** The Redis URL with the password as `***`. */
  readonly redis: string;
}

/**
 * Opens the outbox, waits until Redis answers, runs `use`, and closes the outbox. An error thrown
 * on the way is reported (on stdout as JSON with `json`) and its exit code returned; a Redis
 * failure is reported as such, with the URL's password hidden.
 */
export async function withOutbox(
  flags: QueueFlags,
  context: CommandContext,
  json: boolean,
  use: (outbox: Outbox, place: QueuePlace) => Promise<ExitCodeValue>,
): Promise<ExitCodeValue> {
  const { io } = context;
  let target: RedisTarget;
  try {
    target = parseRedisUrl(flags.redis);
  } catch (error) {
    return reportError(error, io, json);
  }
  let outbox: Outbox | undefined;
  try {
    const { createOutbox } = await import('@smtp/queue');
    outbox = createOutbox({
      redis: target.options,
      ...(flags.queue !== undefined ? { name: flags.queue } : {}),
    });
    // Each failure also rejects the call waiting on it; without a listener BullMQ would print it.
    outbox.queue.on('error', () => undefined);
    await outbox.queue.waitUntilReady();
    return await use(outbox, { name: outbox.location.name, redis: target.display });
  } catch (error) {
    return reportError(redisError(error, target), io, json);
  } finally {
    await outbox?.close().catch(() => undefined);
  }
}

/**
 * Checks each id as the outbox does (`job()` refuses what `enqueue`, `release` and `discard`
 * refuse) before anything is stored or changed, and returns what the queue holds for each.
 *
 * @param ids Each id, with how the user gave it when that helps (`--id`, `the name of a.eml`).
 * @throws {CliInputError} `SMTP_CLI_USAGE` for an id that cannot be one, naming it.
 */
export async function checkJobIds(
  outbox: Outbox,
  ids: readonly { readonly id: string; readonly source?: string }[],
): Promise<Map<string, QueuedJob | undefined>> {
  const found = new Map<string, QueuedJob | undefined>();
  for (const { id, source } of ids) {
    try {
      found.set(id, await outbox.job(id));
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SMTP_QUEUE_INVALID_ID') throw error;
      throw new CliInputError(
        'SMTP_CLI_USAGE',
        `${JSON.stringify(id)}${source === undefined ? '' : ` (${source})`} cannot be a job id: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return found;
}
