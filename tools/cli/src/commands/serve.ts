/**
 * `smtp serve`: registers the mail catcher command (the work is in serve.ts).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { wholeNumber } from '../pool-flags.ts';
import { DEFAULT_HTTP_PORT, DEFAULT_SMTP_PORT, runServe, type ServeFlags } from '../serve.ts';
import type { CommandContext } from './shared.ts';

const EXAMPLES = `
Examples:
  $ smtp serve
  $ smtp serve --port 2525 --http 8080 --dir ./mail --limit 1000
  $ smtp serve --tls starttls --user app:app-test-password
  $ smtp serve --port 0 --http 0          # any free ports, printed on start

Point the app under development at the SMTP URL printed on start and open the
inbox URL in a browser: each message shows as it arrives, with its HTML (in a
sandboxed frame that loads nothing remote and runs no script), text, headers,
source and attachments. Both sides listen on --host only (loopback).

Messages are kept in memory (the newest 500, or --limit), or with --dir as one
.eml file each in that folder, whose .eml files already there are listed too;
with --dir and --limit, the oldest files past the limit are deleted.

With --tls, the certificate comes from a CA made for this run, written to a file
the app must trust (its path is printed). --user accounts are for tests only: the
password is on the command line.

Stops at SIGINT (Ctrl-C) or SIGTERM and exits 0; a second signal exits at once
(130 or 143).
Exit codes: 0 stopped by a signal; 2 bad option, a port in use or not allowed,
or a --dir that cannot be used. See 'smtp --help' for the full table.
`;

function port(option: string) {
  return (value: string): number => wholeNumber(option, value, 0, 65_535);
}

function parseLimit(value: string): number {
  return wholeNumber('--limit', value, 1, Number.MAX_SAFE_INTEGER);
}

/** `--user NAME:PASS`, repeatable; the password may hold colons, the name may not. */
export function collectUser(
  value: string,
  previous: readonly (readonly [string, string])[] | undefined,
): (readonly [string, string])[] {
  const colon = value.indexOf(':');
  const name = colon < 0 ? '' : value.slice(0, colon);
  const pass = colon < 0 ? '' : value.slice(colon + 1);
  if (name === '' || pass === '') {
    throw new InvalidArgumentError('--user must be NAME:PASSWORD, both non-empty.');
  }
  return [...(previous ?? []), [name, pass]];
}

/** Registers `smtp serve`. */
export function registerServe(program: Command, context: CommandContext): void {
  program
    .command('serve')
    .summary('run a local mail catcher with a web inbox')
    .description(
      'Run an SMTP server that catches every message sent to it, and a web page that shows ' +
        'them as they arrive (HTML, text, headers, source, attachments), both on loopback, ' +
        'until Ctrl-C.',
    )
    .addOption(
      new Option('--port <n>', 'the SMTP port (0: any free port)')
        .argParser(port('--port'))
        .default(DEFAULT_SMTP_PORT),
    )
    .addOption(
      new Option('--http <n>', 'the web inbox port (0: any free port)')
        .argParser(port('--http'))
        .default(DEFAULT_HTTP_PORT),
    )
    .addOption(
      new Option('--host <address>', 'the loopback address both listen on')
        .choices(['127.0.0.1', '::1'])
        .default('127.0.0.1'),
    )
    .addOption(
      new Option(
        '--limit <n>',
        'keep the newest n messages (default: 500 in memory, all in --dir)',
      ).argParser(parseLimit),
    )
    .option('--dir <path>', 'keep each message as an .eml file in this folder')
    .addOption(
      new Option('--tls <mode>', 'none, STARTTLS offered, or TLS from the first byte')
        .choices(['none', 'starttls', 'implicit'])
        .default('none'),
    )
    .addOption(
      new Option(
        '--user <name:password>',
        'require AUTH, accepting this account (repeatable)',
      ).argParser(collectUser),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (flags: ServeFlags) => {
      context.exitCode = await runServe(flags, context);
    });
}
