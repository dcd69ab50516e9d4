/**
 * `smtp demo`: registers the demo command (the work is in demo.ts).
 */
import { type Command, Option } from 'commander';
import { defaultDemoOutDir, runDemo } from '../demo.ts';
import { EXIT_CODE_HELP } from '../exit-codes.ts';
import { addConnectionOptions, type CommandContext, collect } from './shared.ts';

/** Registers `smtp demo`. */
export function registerDemo(program: Command, context: CommandContext): void {
  const command = program
    .command('demo')
    .summary('send a real message to an embedded server and show what happened')
    .description(
      'Start an embedded SMTP server (STARTTLS with a certificate made for this run, AUTH ' +
        'required), send a multipart message (text, HTML, inline image, attachment) through ' +
        '@smtp/client, and show the dialogue (credentials redacted), the result, and the ' +
        'message as the server received it, saved as an .eml file.\n\n' +
        'With --url, send the same message to a real server instead (--from and --to needed; ' +
        'no .eml is saved then).\n\n' +
        'With --serve, keep the embedded server running afterwards in a web inbox, with the ' +
        'message in it, and print its URL to open in a browser; Ctrl-C ends it.',
    )
    .option('--out <dir>', `folder for the received .eml (default: ${defaultDemoOutDir()})`)
    .option('--from <address>', 'with --url: the sender')
    .option(
      '--to <addresses>',
      'with --url: a recipient or comma-separated list (repeatable)',
      collect,
    )
    .option('--json', 'also print {"ok":true,"eml":PATH,...} as the last line');
  command.addOption(
    new Option('--serve', 'then keep the message in a web inbox, until Ctrl-C').conflicts('url'),
  );
  addConnectionOptions(command, false);
  command
    .addHelpText(
      'after',
      `
Examples:
  $ smtp demo
  $ smtp demo --out ./demo-output
  $ smtp demo --serve
  $ SMTP_PASSWORD=... smtp demo --url esmtp://ana%40example.com@smtp.example.com \\
      --from ana@example.com --to ana@example.com

${EXIT_CODE_HELP}
`,
    )
    .action(async (flags: Parameters<typeof runDemo>[0]) => {
      context.exitCode = await runDemo(flags, context.io, context.prompt);
    });
}
