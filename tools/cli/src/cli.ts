/**
 * The `smtp` program: commander set up with every command, errors turned into exit codes
 * instead of `process.exit`, and output written to the given streams, so the whole CLI runs in
 * a test as it runs in a terminal.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerBulk } from './commands/bulk.ts';
import { registerDemo } from './commands/demo.ts';
import { registerDkim } from './commands/dkim.ts';
import { registerPing } from './commands/ping.ts';
import { registerQueue } from './commands/queue.ts';
import { registerSchemes } from './commands/schemes.ts';
import { registerSend } from './commands/send.ts';
import { registerServe } from './commands/serve.ts';
import type { CommandContext } from './commands/shared.ts';
import type { PasswordPrompt } from './credentials.ts';
import { EXIT_CODE_HELP, ExitCode } from './exit-codes.ts';
import { type CliIo, processIo } from './io.ts';
import { reportError } from './output.ts';

/**
 * The version printed by `smtp --version`: the one in the installed package.json (next to `dist`
 * and `src` alike), so a release that bumps it cannot leave the command printing an old one.
 */
export const CLI_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** Options of {@link runCli} for tests. */
export interface RunCliOptions {
  /** Replaces the no-echo password prompt. */
  readonly prompt?: PasswordPrompt;
}

/** Builds the commander program for one run. */
export function createProgram(context: CommandContext): Command {
  const program = new Command('smtp')
    .description(
      'Send mail (one message, many, or a folder of .eml files), DKIM-signed if asked, queue it on Redis for workers to send, ping a server, make a DKIM key, list SMTP URL schemes, or run the demo.',
    )
    .version(CLI_VERSION)
    .showHelpAfterError("(run 'smtp <command> --help' for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
    })
    .addHelpText(
      'after',
      `
Examples:
  $ smtp demo
  $ smtp ping --url smtp://mail.example.com
  $ smtp send --url smtps://ana%40example.com@smtp.example.com --from ana@example.com \\
      --to bob@example.org --subject Hi --text 'Hello!' --attach report.pdf
  $ smtp send --url smtp://localhost:2525 --from a@example.com --to b@example.com \\
      --subject Load --text Hi --count 1000 --concurrency 8 --rate 200/s
  $ smtp bulk outbox/ --url smtp://localhost:2525 --from a@example.com --to b@example.com
  $ smtp queue add outbox/ --redis redis://127.0.0.1:6379 --from a@example.com \\
      --to b@example.com --id-from-name
  $ smtp queue worker --redis redis://127.0.0.1:6379 --url smtp://localhost:2525
  $ smtp dkim keygen --selector mail2026 --domain example.com --out mail2026.pem
  $ smtp send --url esmtp://smtp.example.com --from ana@example.com --to bob@example.org \\
      --subject Signed --text Hi --dkim-key mail2026.pem --dkim-selector mail2026 \\
      --dkim-domain example.com
  $ smtp schemes
  $ smtp serve --port 1025 --http 8025

${EXIT_CODE_HELP}
`,
    );
  registerSend(program, context);
  registerBulk(program, context);
  registerQueue(program, context);
  registerPing(program, context);
  registerDkim(program, context);
  registerSchemes(program, context);
  registerDemo(program, context);
  registerServe(program, context);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
    });
    command.showHelpAfterError(`(run 'smtp ${command.name()} --help' for usage)`);
  }
  return program;
}

/**
 * Runs the CLI on `argv` (without `node` and the script path) and resolves with the exit code;
 * it never calls `process.exit`, but for `smtp queue worker` at a second stop signal, which is
 * its promise to stop at once (queue-worker.ts).
 *
 * @example
 * ```ts
 * const code = await runCli(['schemes']);
 * ```
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = processIo(),
  options: RunCliOptions = {},
): Promise<number> {
  const context: CommandContext = { io, prompt: options.prompt, exitCode: ExitCode.ok };
  const program = createProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return ExitCode.ok;
      }
      // commander has printed the message; `smtp` alone shows the help and is a usage error.
      return ExitCode.usage;
    }
    return reportError(error, io, false);
  }
}
