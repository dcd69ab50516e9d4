/**
 * Where the CLI's credentials come from, in order: the URL (`smtp://user:pass@host`), the
 * environment (`SMTP_USER`, `SMTP_PASSWORD`), or a prompt with no echo when a user name is known,
 * the password is not, and stdin is a terminal. There is deliberately no `--password` flag: a
 * password on the command line lands in shell history and `ps` output.
 *
 * The password is handed to the client as `auth` and never printed: the URL shown to the user is
 * formatted by `@smtp/url` with the password as `***` (docs/security.md INV-10).
 */
import { formatSmtpUrl, parseSmtpUrl, type SmtpUrl, UrlError } from '@smtp/url';
import { CliInputError } from './cli-error.ts';
import type { CliIo } from './io.ts';

/** Asks for a password without echoing it. */
export type PasswordPrompt = (message: string) => Promise<string>;

/** A server to talk to, with the credentials to use, if any. */
export interface Target {
  /** The URL without credentials, for the client. */
  readonly url: string;
  /** The URL for display: credentials shown as `user:***`. */
  readonly display: string;
  /** The parsed URL (credentials hidden from JSON and inspect). */
  readonly parsed: SmtpUrl;
  /** Credentials for AUTH, when any were found. */
  readonly auth?: { readonly user: string; readonly pass: string };
}

/** The default prompt: `@inquirer/password` with no echo, written to stderr. */
export const inquirerPrompt: PasswordPrompt = async (message) => {
  const { default: password } = await import('@inquirer/password');
  return password({ message, mask: false }, { input: process.stdin, output: process.stderr });
};

/** `scheme://user@rest` → the user name and the URL without it, or undefined. */
function splitUserOnly(input: string): { user: string; rest: string } | undefined {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^@/:]+)@(.*)$/s.exec(input);
  if (match === null) return undefined;
  const [, scheme = '', user = '', rest = ''] = match;
  try {
    return { user: decodeURIComponent(user), rest: `${scheme}${rest}` };
  } catch {
    return undefined;
  }
}

/**
 * Parses `--url` and finds the credentials.
 *
 * @param input The URL as given.
 * @param io The environment (`SMTP_USER`, `SMTP_PASSWORD`) and stdin (is it a terminal?).
 * @param prompt Asks for the password when needed and possible.
 * @throws {UrlError} The URL cannot be used (its `code` says why).
 * @throws {CliInputError} `SMTP_CLI_CREDENTIALS`: a user name but no password, and no terminal
 *   to ask on.
 */
export async function resolveTarget(
  input: string,
  io: Pick<CliIo, 'env' | 'stdin'>,
  prompt: PasswordPrompt = inquirerPrompt,
): Promise<Target> {
  let parsed: SmtpUrl;
  let urlUser: string | undefined;
  try {
    parsed = parseSmtpUrl(input);
  } catch (error) {
    // `smtp://user@host`: the user is known, the password is to come from elsewhere.
    const split =
      error instanceof UrlError && error.code === 'SMTP_URL_MISSING_PASSWORD'
        ? splitUserOnly(input)
        : undefined;
    if (split === undefined) throw error;
    parsed = parseSmtpUrl(split.rest);
    urlUser = split.user;
  }
  const { credentials, ...withoutCredentials } = parsed;
  const url = formatSmtpUrl(withoutCredentials);
  let auth: { user: string; pass: string } | undefined;
  if (credentials !== undefined) {
    auth = hiddenPassword(credentials.username, credentials.password);
  } else {
    const user = urlUser ?? nonEmpty(io.env.SMTP_USER);
    if (user !== undefined) {
      const pass = nonEmpty(io.env.SMTP_PASSWORD) ?? (await ask(user, url, io, prompt));
      auth = hiddenPassword(user, pass);
    } else if (nonEmpty(io.env.SMTP_PASSWORD) !== undefined) {
      throw new CliInputError(
        'SMTP_CLI_CREDENTIALS',
        'SMTP_PASSWORD is set but no user name is: put the user in the URL or in SMTP_USER',
      );
    }
  }
  const display =
    auth === undefined ? url : url.replace('://', `://${encodeURIComponent(auth.user)}:***@`);
  return auth === undefined ? { url, display, parsed } : { url, display, parsed, auth };
}

/**
 * `{ user, pass }` whose `pass` is readable but hidden from `JSON.stringify`, `util.inspect`
 * and spreading (INV-10), like `@smtp/url`'s credentials.
 */
export function hiddenPassword(
  user: string,
  pass: string,
): { readonly user: string; readonly pass: string } {
  const auth = { user } as { user: string; pass: string };
  Object.defineProperty(auth, 'pass', { value: pass, enumerable: false });
  Object.defineProperty(auth, 'toJSON', {
    value: () => ({ user, pass: '[REDACTED]' }),
    enumerable: false,
  });
  Object.defineProperty(auth, Symbol.for('nodejs.util.inspect.custom'), {
    value: () => ({ user, pass: '[REDACTED]' }),
    enumerable: false,
  });
  return Object.freeze(auth);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

async function ask(
  user: string,
  url: string,
  io: Pick<CliIo, 'stdin'>,
  prompt: PasswordPrompt,
): Promise<string> {
  if (io.stdin.isTTY !== true) {
    throw new CliInputError(
      'SMTP_CLI_CREDENTIALS',
      `no password for ${user}: set SMTP_PASSWORD, put it in the URL, or run on a terminal to be asked`,
    );
  }
  const pass = await prompt(`Password for ${user} at ${url}:`);
  if (pass === '') throw new CliInputError('SMTP_CLI_CREDENTIALS', 'empty password');
  return pass;
}
