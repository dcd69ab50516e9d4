/**
 * `smtp bulk`: sends every `.eml` file of a folder (or the files named) as it is, through a pool
 * of connections, with the envelope from `--from`/`--to`/`--cc`/`--bcc`; shows progress and
 * prints a summary by outcome (bulk-run.ts). Files are read one at a time, as the pool has room.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type BulkFlags, type BulkItem, runBulk } from '../bulk-run.ts';
import { CliInputError } from '../cli-error.ts';
import { addDkimOptions, DKIM_HELP } from '../dkim-flags.ts';
import { EXIT_CODE_HELP, type ExitCodeValue } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import {
  type MessageFlags,
  type RawEnvelope,
  rawEnvelope,
  readUserFile,
  reason,
} from '../message-input.ts';
import { reportError } from '../output.ts';
import { addPoolOptions, RUN_HELP } from '../pool-flags.ts';
import {
  addConnectionOptions,
  addOutputOptions,
  type CommandContext,
  CREDENTIALS_HELP,
  collect,
} from './shared.ts';

/** The options of `smtp bulk`. */
export interface BulkCommandFlags
  extends BulkFlags,
    Pick<MessageFlags, 'from' | 'to' | 'cc' | 'bcc'> {}

const EXAMPLES = `
Examples:
  $ smtp bulk outbox/ --url smtp://localhost:2525 --from news@example.com \\
      --to list@example.org
  $ smtp bulk a.eml b.eml c.eml --url esmtps://smtp.example.com --from ana@example.com \\
      --to bob@example.org --concurrency 8 --rate 600/m --retries 3 --json

The messages are sent as they are; the envelope (MAIL FROM, RCPT TO) comes from
--from and --to/--cc/--bcc only, never from the messages' headers, and is the same
for every file. A folder gives its *.eml files (not its subfolders), in name order.

${RUN_HELP}

${DKIM_HELP}

${CREDENTIALS_HELP}

${EXIT_CODE_HELP}
`;

/** Registers `smtp bulk`. */
export function registerBulk(program: Command, context: CommandContext): void {
  const command = program
    .command('bulk')
    .summary('send a folder of .eml files through a pool of connections')
    .description(
      'Send every .eml file of a folder (or the .eml files named) as it is, through a pool of ' +
        'connections, and print a summary: accepted, partial, rejected, not sent, unknown, ' +
        'retries, connections, time and rate.',
    )
    .argument('<paths...>', 'a folder of .eml files, or .eml files')
    .option('--from <address>', 'the envelope sender')
    .option('--to <addresses>', 'a recipient or a comma-separated list (repeatable)', collect)
    .option('--cc <addresses>', 'another recipient or list (repeatable)', collect)
    .option('--bcc <addresses>', 'another recipient or list (repeatable)', collect);
  addPoolOptions(command);
  addDkimOptions(command);
  command.option('--no-progress', 'never show progress');
  addConnectionOptions(command, true);
  addOutputOptions(command);
  command
    .addHelpText('after', EXAMPLES)
    .action(async (paths: string[], flags: BulkCommandFlags) => {
      context.exitCode = await runBulkCommand(paths, flags, context);
    });
}

/** Runs `smtp bulk` and returns its exit code. */
export async function runBulkCommand(
  paths: readonly string[],
  flags: BulkCommandFlags,
  context: CommandContext,
): Promise<ExitCodeValue> {
  const { io } = context;
  let files: string[];
  let envelope: RawEnvelope;
  try {
    envelope = rawEnvelope(flags);
    files = await listMessages(paths, io);
  } catch (error) {
    return reportError(error, io, flags.json === true);
  }
  return runBulk(flags, { total: files.length, items: readMessages(files, envelope, io) }, context);
}

/**
 * The files to send, as the user would name them: each folder's `*.eml` files in name order,
 * each file named as it is.
 *
 * @throws {CliInputError} A path that is missing or neither a folder nor a file, or no message.
 */
export async function listMessages(
  paths: readonly string[],
  io: Pick<CliIo, 'cwd'>,
): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const full = resolve(io.cwd, path);
    let isFolder: boolean;
    try {
      const info = await stat(full);
      if (!info.isDirectory() && !info.isFile()) throw new Error('not a folder or a regular file');
      isFolder = info.isDirectory();
    } catch (error) {
      throw new CliInputError('SMTP_CLI_FILE', `cannot read ${path}: ${reason(error)}`, {
        cause: error,
      });
    }
    if (!isFolder) {
      files.push(path);
      continue;
    }
    let entries: Dirent[];
    try {
      entries = await readdir(full, { withFileTypes: true });
    } catch (error) {
      throw new CliInputError('SMTP_CLI_FILE', `cannot read ${path}: ${reason(error)}`, {
        cause: error,
      });
    }
    const names: string[] = [];
    for (const entry of entries) {
      if (!entry.name.toLowerCase().endsWith('.eml')) continue;
      if (entry.isFile()) names.push(entry.name);
      else if (entry.isSymbolicLink()) {
        const target = await stat(join(full, entry.name)).catch(() => undefined);
        if (target?.isFile() === true) names.push(entry.name);
      }
    }
    if (names.length === 0) {
      throw new CliInputError('SMTP_CLI_FILE', `no .eml files in ${path}`);
    }
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) files.push(join(path, name));
  }
  return files;
}

/** Reads each file when the run asks for the next message; one that cannot be read is not sent. */
async function* readMessages(
  files: readonly string[],
  envelope: RawEnvelope,
  io: Pick<CliIo, 'cwd'>,
): AsyncGenerator<BulkItem> {
  for (const file of files) {
    try {
      const raw = new Uint8Array(await readUserFile('message', file, io.cwd));
      yield { label: file, file, input: { envelope, raw } };
    } catch (error) {
      yield {
        label: file,
        file,
        error: error instanceof Error ? error : new Error(String(error)),
      };
    }
  }
}
