/**
 * `smtp queue add`: stores `.eml` files in the outbox as they are, each with the envelope from
 * `--from` and `--to` (never from the headers, as `smtp bulk` does), to be sent by the workers.
 * A job id makes the add idempotent: `--id` for one file, or `--id-from-name` for each file's
 * name without `.eml`; adding an id the queue already holds stores nothing and says so.
 */
import { basename } from 'node:path';
import type { EnqueuedMessage } from '@smtp/queue';
import { CliInputError } from './cli-error.ts';
import { listMessages } from './commands/bulk.ts';
import type { CommandContext } from './commands/shared.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { writeLine } from './io.ts';
import { type MessageFlags, type RawEnvelope, rawEnvelope, readUserFile } from './message-input.ts';
import { reportError } from './output.ts';
import type { QueueFlags } from './queue-flags.ts';
import { checkJobIds, withOutbox } from './queue-outbox.ts';

/** The options of `smtp queue add`. */
export interface QueueAddFlags extends QueueFlags, Pick<MessageFlags, 'from' | 'to'> {
  readonly id?: string;
  readonly idFromName?: boolean;
  readonly delay?: number;
  readonly priority?: number;
  readonly quiet?: boolean;
  readonly json?: boolean;
}

/** A file and the job it is, or is already, in. */
interface AddedFile extends EnqueuedMessage {
  readonly file: string;
}

/** The job id `--id-from-name` gives a file: its name without `.eml`. */
function idFromName(file: string): string {
  return basename(file).replace(/\.eml$/i, '');
}

/** Runs `smtp queue add` and returns its exit code. */
export async function runQueueAdd(
  paths: readonly string[],
  flags: QueueAddFlags,
  context: CommandContext,
): Promise<ExitCodeValue> {
  const { io } = context;
  const json = flags.json === true;
  let envelope: RawEnvelope;
  let files: string[];
  try {
    envelope = rawEnvelope(flags);
    files = await listMessages(paths, io);
    if (flags.id !== undefined && files.length !== 1) {
      throw new CliInputError(
        'SMTP_CLI_USAGE',
        `--id names one job, and ${files.length} files were given: use --id-from-name for several`,
      );
    }
  } catch (error) {
    return reportError(error, io, json);
  }
  const ids = files.map((file) =>
    flags.id !== undefined
      ? { id: flags.id, source: '--id' }
      : flags.idFromName === true
        ? { id: idFromName(file), source: `the name of ${file}` }
        : undefined,
  );
  return withOutbox(flags, context, json, async (outbox, place) => {
    // An id that cannot be one fails the command before any file is stored.
    await checkJobIds(
      outbox,
      ids.filter((id) => id !== undefined),
    );
    const added: AddedFile[] = [];
    for (const [index, file] of files.entries()) {
      const raw = new Uint8Array(await readUserFile('message', file, io.cwd));
      const id = ids[index]?.id;
      const stored = await outbox.enqueue(
        { envelope, raw },
        {
          ...(id !== undefined ? { id } : {}),
          ...(flags.delay !== undefined ? { delay: flags.delay } : {}),
          ...(flags.priority !== undefined ? { priority: flags.priority } : {}),
        },
      );
      added.push({ file, ...stored });
      if (!json && flags.quiet !== true) writeLine(io.stdout, addedLine(file, stored));
    }
    if (json) {
      writeLine(
        io.stdout,
        JSON.stringify({
          ok: true,
          exitCode: ExitCode.ok,
          queue: place.name,
          jobs: added.map((job) => ({
            file: job.file,
            id: job.id,
            queued: job.queued,
            messageId: job.messageId ?? null,
            size: job.size,
          })),
        }),
      );
    }
    return ExitCode.ok;
  });
}

/** The line `queue add` prints for a file. */
function addedLine(file: string, stored: EnqueuedMessage): string {
  if (!stored.queued) return `${file}: already queued as ${stored.id}, nothing stored`;
  return `${file}: queued as ${stored.id} (Message-ID ${stored.messageId ?? 'none'})`;
}
