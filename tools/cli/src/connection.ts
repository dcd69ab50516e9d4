/**
 * Builds the `SmtpClient` every network command uses (and the `SmtpPool` of `send --count` and
 * `bulk`, from the same options), from the shared options: `--url` (or `SMTP_URL`), credentials
 * (see credentials.ts), `--ca FILE` to trust a private CA for this run (certificates are always
 * verified: there is no option to turn that off), `--proxy URL` (or `SMTP_PROXY`) to reach the
 * server through a proxy, `--name` for EHLO, and `--verbose` for the
 * dialogue on stderr (redacted by the client: INV-10).
 */
import {
  type ClientOptions,
  type LoggingOptions,
  type PoolSettings,
  SmtpClient,
  SmtpPool,
} from '@smtp/client';
import { CliInputError } from './cli-error.ts';
import { type PasswordPrompt, resolveTarget, type Target } from './credentials.ts';
import { type DkimFlags, dkimSigners } from './dkim-flags.ts';
import type { CliIo } from './io.ts';
import { readUserFile } from './message-input.ts';

/** The connection options shared by `send`, `ping` and `demo --url` (DKIM: `send`, `bulk`). */
export interface ConnectionFlags extends DkimFlags {
  readonly url?: string;
  readonly ca?: readonly string[];
  readonly name?: string;
  readonly verbose?: boolean;
  /** `--proxy` (or `SMTP_PROXY`): a proxy URL. */
  readonly proxy?: string;
  /** `--proxy-insecure-auth`. */
  readonly proxyInsecureAuth?: boolean;
}

/** What `SmtpClient` gets besides the target and credentials. */
export interface ClientExtras {
  readonly onEvent?: ClientOptions['onEvent'];
  /** PEM certificates to trust, on top of reading `--ca`. */
  readonly ca?: readonly string[];
  /** The client's logs; default: {@link verboseLogging} with `--verbose`, else none. */
  readonly logging?: LoggingOptions;
}

/** Writes the client's two logs to stderr: events as `* line`, the dialogue as `C:`/`S:` lines. */
export function verboseLogging(io: Pick<CliIo, 'stderr'>): {
  log: (line: string) => void;
  debugLog: (line: string) => void;
} {
  return {
    log: (line) => io.stderr.write(`* ${line}\n`),
    debugLog: (line) => io.stderr.write(`  ${line}\n`),
  };
}

/**
 * The client options and logging for the flags: the target resolved (credentials included),
 * `--ca` files read, the DKIM signers made from `--dkim-*` (dkim-flags.ts). `smtp queue worker`
 * hands them to the queue's worker, which makes its own pool.
 *
 * @throws {CliInputError} No `--url`, an unreadable `--ca` or `--dkim-key`, `--dkim-*` flags
 *   that do not pair up, or missing credentials.
 * @throws {UrlError} A URL that cannot be used.
 * @throws {DkimError} A DKIM key, selector or domain that cannot be used.
 */
export async function clientOptionsFor(
  flags: ConnectionFlags,
  io: CliIo,
  prompt: PasswordPrompt | undefined,
  extras: ClientExtras,
): Promise<{ options: ClientOptions; logging: LoggingOptions; target: Target }> {
  if (flags.url === undefined || flags.url === '') {
    throw new CliInputError(
      'SMTP_CLI_USAGE',
      'missing --url (or the SMTP_URL environment variable)',
    );
  }
  const target = await resolveTarget(flags.url, io, prompt);
  const ca = [...(extras.ca ?? [])];
  for (const file of flags.ca ?? [])
    ca.push((await readUserFile('--ca', file, io.cwd)).toString('utf8'));
  const dkim = await dkimSigners(flags, io);
  const options: ClientOptions = {
    url: target.url,
    ...(target.auth !== undefined ? { auth: target.auth } : {}),
    ...(ca.length > 0 ? { tls: { ca } } : {}),
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.proxy !== undefined && flags.proxy !== ''
      ? { proxy: { url: flags.proxy, allowInsecureAuth: flags.proxyInsecureAuth === true } }
      : {}),
    ...(extras.onEvent !== undefined ? { onEvent: extras.onEvent } : {}),
    ...(dkim !== undefined ? { dkim } : {}),
  };
  const logging = extras.logging ?? (flags.verbose === true ? verboseLogging(io) : {});
  return { options, logging, target };
}

/**
 * Resolves the target and opens nothing yet: the client connects at its first call.
 *
 * @throws {CliInputError} No `--url`, an unreadable `--ca`, or missing credentials.
 * @throws {UrlError} A URL that cannot be used.
 */
export async function createCliClient(
  flags: ConnectionFlags,
  io: CliIo,
  prompt: PasswordPrompt | undefined,
  extras: ClientExtras = {},
): Promise<{ client: SmtpClient; target: Target }> {
  const { options, logging, target } = await clientOptionsFor(flags, io, prompt, extras);
  return { client: new SmtpClient(options, logging), target };
}

/**
 * A pool with the same client options as {@link createCliClient} and the given pool settings;
 * it opens nothing until its first `send()`.
 *
 * @throws {CliInputError} No `--url`, an unreadable `--ca`, or missing credentials.
 * @throws {UrlError} A URL that cannot be used.
 * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS` for a setting out of range.
 */
export async function createCliPool(
  flags: ConnectionFlags,
  io: CliIo,
  prompt: PasswordPrompt | undefined,
  settings: PoolSettings,
  extras: ClientExtras = {},
): Promise<{ pool: SmtpPool; target: Target }> {
  const { options, logging, target } = await clientOptionsFor(flags, io, prompt, extras);
  return { pool: new SmtpPool({ ...options, ...settings }, logging), target };
}
