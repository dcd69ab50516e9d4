/**
 * `smtp send`: builds a message from options (or takes a raw `.eml`), sends it, prints the
 * result, and exits with a code that says what happened (see exit-codes.ts). With `--count`
 * (or a pool option) the message is made afresh and sent that many times through a pool of
 * connections, with a summary at the end (bulk-run.ts).
 */

import { describeReply, type SmtpClient } from '@smtp/client';
import { type Command, Option } from 'commander';
import { type BulkItem, runBulk } from '../bulk-run.ts';
import { createCliClient } from '../connection.ts';
import { addDkimOptions, DKIM_HELP, type DkimFlags } from '../dkim-flags.ts';
import { EXIT_CODE_HELP, ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import {
  type MessageFactory,
  type MessageFlags,
  prepareInput,
  prepareMessageFactory,
} from '../message-input.ts';
import { printSendResult, reportError } from '../output.ts';
import { addPoolOptions, type PoolFlags, parseCount, RUN_HELP } from '../pool-flags.ts';
import { createProgress, type Progress, progressModeFor } from '../progress.ts';
import {
  addConnectionOptions,
  addOutputOptions,
  type CommandContext,
  CREDENTIALS_HELP,
  collect,
} from './shared.ts';

/** The options of `smtp send`. */
export interface SendFlags extends MessageFlags, PoolFlags, DkimFlags {
  readonly count?: number;
  readonly url?: string;
  readonly ca?: string[];
  readonly name?: string;
  readonly verbose?: boolean;
  readonly quiet?: boolean;
  readonly json?: boolean;
  readonly progress?: boolean;
}

const EXAMPLES = `
Examples:
  $ smtp send --url smtps://ana%40example.com@smtp.example.com --from ana@example.com \\
      --to bob@example.org --subject Hello --text 'Hi Bob!'
  $ SMTP_USER=ana SMTP_PASSWORD=... smtp send --url esmtp://smtp.example.com \\
      --from 'Ana <ana@example.com>' --to bob@example.org --cc eve@example.org \\
      --subject Report --text-file body.txt --html-file body.html \\
      --attach report.pdf --attach data.csv --header 'X-Campaign: q4'
  $ smtp send --url smtp://localhost:2525 --from a@example.com --to b@example.com \\
      --raw message.eml --json
  $ smtp send --url smtp://localhost:2525 --from a@example.com --to b@example.com \\
      --subject Load --text 'Hello' --count 1000 --concurrency 8 --rate 200/s
  $ smtp send --url esmtp://smtp.example.com --from ana@example.com --to bob@example.org \\
      --subject Signed --text Hi --dkim-key ed.pem --dkim-selector ed1 \\
      --dkim-domain example.com --dkim-key rsa.pem --dkim-selector rsa1 \\
      --dkim-domain example.com

${CREDENTIALS_HELP}

A progress bar (bytes sent, rate, time left) is shown on stderr for messages over
256 KiB when stderr is a terminal; plain lines at each quarter otherwise.

--count N sends the message N times, each a fresh message with its own
Message-ID and Date (the subject is the same). It cannot be combined with --raw
(to send .eml files, use smtp bulk). --concurrency, --rate or --retries alone
send one message through the pool, with the summary.

${RUN_HELP}

${DKIM_HELP}

${EXIT_CODE_HELP}
`;

/** Registers `smtp send`. */
export function registerSend(program: Command, context: CommandContext): void {
  const command = program
    .command('send')
    .summary('send a message and print the result')
    .description(
      'Send a message built from the options (or a raw .eml file with --raw) and print the ' +
        'result: accepted and refused recipients, queue id, timings.',
    )
    .option('--from <address>', 'the sender (From and the envelope sender)')
    .option('--to <addresses>', 'a recipient or a comma-separated list (repeatable)', collect)
    .option('--cc <addresses>', 'a Cc recipient or list (repeatable)', collect)
    .option(
      '--bcc <addresses>',
      'a Bcc recipient or list (repeatable; never in the headers)',
      collect,
    )
    .option('--subject <text>', 'the subject')
    .addOption(new Option('--text <text>', 'the plain-text body').conflicts('textFile'))
    .option('--text-file <file>', 'read the plain-text body from a UTF-8 file')
    .option('--html-file <file>', 'read the HTML body from a UTF-8 file')
    .option('--attach <file>', 'attach a file (repeatable)', collect)
    .option('--header <header>', "add a header, 'Name: value' (repeatable)", collect)
    .option('--raw <file>', 'send this .eml file as it is (envelope from --from/--to/--cc/--bcc)')
    .addOption(
      new Option(
        '--count <n>',
        'send the message this many times, each with its own Message-ID, through a pool',
      ).argParser(parseCount),
    );
  addPoolOptions(command);
  addDkimOptions(command);
  command.option('--no-progress', 'never show progress');
  addConnectionOptions(command, true);
  addOutputOptions(command);
  command.addHelpText('after', EXAMPLES).action(async (flags: SendFlags) => {
    context.exitCode = await runSend(flags, context);
  });
}

/** True when the flags ask for the pool: `--count`, `--concurrency`, `--rate` or `--retries`. */
export function wantsPool(flags: SendFlags): boolean {
  return (
    flags.count !== undefined ||
    flags.concurrency !== undefined ||
    flags.rate !== undefined ||
    flags.retries !== undefined
  );
}

/** Runs `smtp send` and returns its exit code. */
export async function runSend(flags: SendFlags, context: CommandContext): Promise<ExitCodeValue> {
  if (wantsPool(flags)) return runSendMany(flags, context);
  const { io } = context;
  const json = flags.json === true;
  let client: SmtpClient | undefined;
  let progress: Progress | undefined;
  let written = 0;
  try {
    const prepared = await prepareInput(flags, io.cwd);
    const created = await createCliClient(flags, io, context.prompt, {
      onEvent: (event) => {
        if (event.type === 'data' && event.direction === 'out') {
          written += event.size;
          progress?.add(event.size);
        }
      },
    });
    client = created.client;
    const quietProgress = json || flags.quiet === true || flags.progress === false;
    progress = createProgress({
      stream: io.stderr,
      total: prepared.size,
      estimated: prepared.estimated,
      mode: quietProgress ? 'off' : progressModeFor(io.stderr),
    });
    if (flags.verbose === true) io.stderr.write(`* sending to ${created.target.display}\n`);
    const result = await client.send(prepared.input);
    progress.stop(true);
    if (flags.quiet !== true || json) printSendResult(result, io, json);
    else {
      for (const r of result.rejected) {
        io.stderr.write(`smtp: refused ${r.recipient}: ${describeReply(r.reply)}\n`);
      }
    }
    return result.outcome === 'accepted' ? ExitCode.ok : ExitCode.partial;
  } catch (error) {
    progress?.stop(false);
    if (flags.verbose === true && written > 0) io.stderr.write(`* ${written} bytes written\n`);
    return reportError(error, io, json);
  } finally {
    await client?.close().catch(() => client?.destroy());
  }
}

/** `smtp send --count N`: N fresh messages from the same options, through a pool. */
export async function runSendMany(
  flags: SendFlags,
  context: CommandContext,
): Promise<ExitCodeValue> {
  const count = flags.count ?? 1;
  let factory: MessageFactory;
  try {
    factory = await prepareMessageFactory(flags, context.io.cwd);
  } catch (error) {
    return reportError(error, context.io, flags.json === true);
  }
  return runBulk(flags, { total: count, items: freshMessages(factory, count) }, context);
}

async function* freshMessages(factory: MessageFactory, count: number): AsyncGenerator<BulkItem> {
  for (let n = 1; n <= count; n++) yield { label: `message ${n}`, input: factory.next() };
}
