/**
 * What the commands share: the context they run in, and the connection and output options
 * (`--url`, `--ca`, `--name`, `--verbose`, `--quiet`, `--json`).
 */
import { type Command, Option } from 'commander';
import type { PasswordPrompt } from '../credentials.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';

/** What a command runs with, and where it leaves its exit code. */
export interface CommandContext {
  readonly io: CliIo;
  /** Asks for a password with no echo; `undefined` uses `@inquirer/password`. */
  readonly prompt: PasswordPrompt | undefined;
  exitCode: ExitCodeValue;
}

/** Commander's collector for a repeatable option. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Adds `--url` (default from `SMTP_URL` where a URL is required; the demo ignores `SMTP_URL` so
 * it never leaves the machine unless asked), `--ca`, `--name` and `--verbose` (which shows the
 * dialogue unless the command says otherwise in `verboseHelp`).
 */
export function addConnectionOptions(
  command: Command,
  urlRequired: boolean,
  verboseHelp = 'show the SMTP dialogue on stderr (credentials redacted)',
): Command {
  return command
    .addOption(
      urlRequired
        ? new Option('--url <url>', 'server URL, e.g. smtp://mail.example.com:587').env('SMTP_URL')
        : new Option('--url <url>', 'send to this server instead of the embedded one'),
    )
    .addOption(
      new Option('--ca <file>', 'also trust this PEM CA certificate (repeatable)').argParser(
        collect,
      ),
    )
    .addOption(
      new Option(
        '--proxy <url>',
        'reach the server through a proxy: socks5://, socks5h://, socks4a://, http:// or https://',
      ).env('SMTP_PROXY'),
    )
    .option(
      '--proxy-insecure-auth',
      "send the proxy's credentials over a plain link to a proxy on another machine",
    )
    .option('--name <domain>', 'the name to send in EHLO (default: this host name)')
    .option('-v, --verbose', verboseHelp);
}

/** Adds `--quiet` and `--json`. */
export function addOutputOptions(command: Command): Command {
  return command
    .option('-q, --quiet', 'print nothing on success (errors still go to stderr)')
    .option('--json', 'print one JSON object on stdout (errors too)');
}

/** The credentials note shown in the help of every network command. */
export const CREDENTIALS_HELP = `Credentials: from the URL (smtp://user:pass@host, percent-encode @ as %40), else
SMTP_USER and SMTP_PASSWORD, else a prompt with no echo when a user is known and
stdin is a terminal. There is no --password flag: it would land in shell history.
Certificates are always verified; use --ca to trust a private CA. Through --proxy
(or SMTP_PROXY), TLS still runs end to end with the server and is verified against
its name; proxy credentials go in the proxy URL (socks5://user:pass@host:1080).`;
