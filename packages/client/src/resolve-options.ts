/**
 * Turns what a caller passes to `new SmtpClient(...)` (a URL string, or a `ClientOptions`
 * object that may hold a `url` plus overrides) into the one checked, frozen
 * `ResolvedClientOptions` the rest of the client works from. Runs once, before any I/O; every
 * mistake is a `ClientStateError` `SMTP_CLIENT_INVALID_OPTIONS` whose message names the option
 * (`timeouts.connect must be ...`), and an unknown option name is a mistake too, with a hint
 * for the names other mail libraries use (`secure: true` → `security: 'implicit'`).
 *
 * Decisions, each documented where it is applied:
 * - Precedence: explicit fields win over the URL; `auth` wins over URL credentials.
 * - Security: from the URL scheme, else `opportunistic`; with credentials and without
 *   `allowInsecureAuth`, `opportunistic` becomes `starttls` (SECURITY.md INV-1: TLS is required
 *   whenever credentials are configured, so a server without STARTTLS fails the connection with
 *   `SMTP_TLS_REQUIRED` rather than the mail going out unauthenticated or in the clear).
 * - Port without a URL: 465 for `implicit` (RFC 8314), 587 for `starttls` (RFC 6409
 *   submission), 25 for `opportunistic` and `none` (RFC 5321 relay). With a URL, its port (or
 *   its scheme's default) stands even when `security` is overridden.
 * - Secrets (INV-10): credentials become an object whose `pass`/`accessToken` is
 *   non-enumerable, with `toJSON` and `util.inspect` hooks that print `[REDACTED]`; the `tls`
 *   object keeps its fields enumerable (the transport spreads it into `tls.connect`) but gets
 *   the same hooks for `key`, `passphrase` and `pfx`. So `JSON.stringify(resolved)` and
 *   `util.inspect(resolved)` show no secret.
 */
import { isIP } from 'node:net';
import { SASL_MECHANISMS, type SaslMechanismName } from '@smtp/protocol';
import { connect } from '@smtp/transport';
import { parseSmtpUrl, type SmtpUrl } from '@smtp/url';
import { mechanismsFor } from './auth.ts';
import { resolveClientName } from './client-name.ts';
import { ClientStateError } from './errors.ts';
import type {
  ClientOptions,
  Credentials,
  ResolvedClientOptions,
  Security,
  Timeouts,
} from './options.ts';
import { sanitizeServerText } from './reply-info.ts';

/** The deadlines used when `timeouts` leaves one out, in milliseconds (see `Timeouts`). */
export const DEFAULT_CLIENT_TIMEOUTS: Readonly<Required<Timeouts>> = Object.freeze({
  connect: 30_000,
  greeting: 30_000,
  command: 15_000,
  tls: 30_000,
  dataInit: 120_000,
  dataBlock: 180_000,
  dataFinal: 600_000,
  quit: 5_000,
});

/** The port used without a URL, by security level (see the module docblock). */
export const DEFAULT_PORTS: Readonly<Record<Security, number>> = Object.freeze({
  implicit: 465,
  starttls: 587,
  opportunistic: 25,
  none: 25,
});

/** Default BDAT chunk size in octets. */
export const DEFAULT_CHUNK_SIZE = 65_536;

/** The security levels, for validation and messages. */
export const SECURITY_LEVELS: readonly Security[] = Object.freeze([
  'implicit',
  'starttls',
  'opportunistic',
  'none',
]);

/** The longest timer Node can arm: longer values fire at once (`setTimeout` clamps to 1 ms). */
const MAX_TIMEOUT_MS = 2_147_483_647;

// A Record over every key, so adding an option to ClientOptions without listing it here fails
// to compile rather than being refused at run time as unknown.
const CLIENT_OPTION_KEYS: Readonly<Record<keyof ClientOptions, true>> = {
  url: true,
  host: true,
  port: true,
  path: true,
  security: true,
  auth: true,
  mechanism: true,
  allowInsecureAuth: true,
  name: true,
  tls: true,
  timeouts: true,
  keepAlive: true,
  pipelining: true,
  chunking: true,
  chunkSize: true,
  requireAllRecipients: true,
  dryRun: true,
  connector: true,
  replyLimits: true,
  onEvent: true,
  slowOperation: true,
};

const TIMEOUT_KEYS: Readonly<Record<keyof Timeouts, true>> = {
  connect: true,
  greeting: true,
  command: true,
  tls: true,
  dataInit: true,
  dataBlock: true,
  dataFinal: true,
  quit: true,
};

const REPLY_LIMIT_KEYS = ['maxLineLength', 'maxReplySize', 'maxLines'] as const;
const SLOW_OPERATION_KEYS = ['slowOperationMs', 'minThroughput'] as const;

/** What other mail libraries call things, and what to write here instead. */
const OPTION_HINTS: Readonly<Record<string, string>> = {
  secure: "use security: 'implicit' for TLS from the first byte (port 465), or 'starttls'",
  requireTLS: "use security: 'starttls'",
  ignoreTLS: "use security: 'none'",
  tlsMode: 'use security',
  user: 'put credentials in auth: { user, pass }',
  username: 'put credentials in auth: { user, pass }',
  pass: 'put credentials in auth: { user, pass }',
  password: 'put credentials in auth: { user, pass }',
  hostname: 'use host',
  socketPath: 'use path',
  clientName: 'use name',
  localName: 'use name',
  heloName: 'use name',
  ehloName: 'use name',
  authMethod: 'use mechanism',
  connectionTimeout: 'use timeouts: { connect }',
  greetingTimeout: 'use timeouts: { greeting }',
  socketTimeout: 'use timeouts: { command }',
  logger: 'pass logging as the second argument: new SmtpClient(options, { log, debugLog })',
  log: 'pass logging as the second argument: new SmtpClient(options, { log, debugLog })',
  debug: 'pass logging as the second argument: new SmtpClient(options, { log, debugLog })',
  debugLog: 'pass logging as the second argument: new SmtpClient(options, { log, debugLog })',
};

const AUTH_HINTS: Readonly<Record<string, string>> = {
  username: 'use user',
  password: 'use pass',
  token: 'use accessToken',
  oauth2: 'use accessToken',
};

const TIMEOUT_HINTS: Readonly<Record<string, string>> = {
  socket: 'use command',
  read: 'use command',
  data: 'use dataBlock',
};

/** `tls` fields the transport sets itself; passing them would fight it. */
const TLS_FORBIDDEN: Readonly<Record<string, string>> = {
  socket: 'the transport opens the socket',
  host: 'use the host option',
  port: 'use the port option',
  path: 'use the path option',
  timeout: 'use timeouts.tls',
  lookup: 'not supported; use a custom connector',
};

/** `tls` fields that hold secrets, hidden from JSON and inspect output. */
const TLS_SECRET_KEYS = ['key', 'passphrase', 'pfx'] as const;

const REDACTED_VALUE = '[REDACTED]';
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

function invalid(message: string, cause?: unknown): ClientStateError {
  return new ClientStateError(
    'SMTP_CLIENT_INVALID_OPTIONS',
    message,
    cause === undefined ? undefined : { cause },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An option name as it may be quoted in a message (it came from the caller: keep it short). */
function quoteName(name: string): string {
  return JSON.stringify(sanitizeServerText(name, 40));
}

/** Levenshtein distance, to suggest a known name for a typo. Inputs are short option names. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function suggestion(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    // A truncated name (`pipeline`, `timeout`) is as likely as a typo.
    if (lower.length >= 4 && name.toLowerCase().startsWith(lower)) return `did you mean ${name}?`;
    const d = distance(lower, name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best === undefined ? undefined : `did you mean ${best}?`;
}

/** Refuses keys of `value` not in `known`, naming the first one with a hint. */
function checkKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  path: string,
  hints: Readonly<Record<string, string>> = {},
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const where = path === '' ? key : `${path}.${key}`;
    const hint = Object.hasOwn(hints, key) ? hints[key] : suggestion(key, known);
    throw invalid(
      `unknown option ${quoteName(where)}${hint === undefined ? '' : `: ${hint}`} (known: ${known.join(', ')})`,
    );
  }
}

function checkBoolean(value: unknown, path: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(`${path} must be true or false`);
  return value;
}

function checkFunction<T>(value: unknown, path: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalid(`${path} must be a function`);
  return value as T;
}

function checkPositiveInteger(value: unknown, path: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`${path} must be an integer from 1 to ${max}`);
  }
  return value;
}

function checkObject(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) throw invalid(`${path} must be an object`);
  return value;
}

function checkSecurity(value: unknown): Security | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(SECURITY_LEVELS as readonly string[]).includes(value)) {
    throw invalid(`security must be one of ${SECURITY_LEVELS.map((s) => `'${s}'`).join(', ')}`);
  }
  return value as Security;
}

/** Redaction hooks for an object: non-enumerable, so a spread copy carries only the data. */
function defineRedaction(target: object, view: () => Record<string, unknown>): void {
  Object.defineProperties(target, {
    toJSON: { value: view, enumerable: false },
    [INSPECT]: { value: view, enumerable: false },
  });
}

/**
 * Returns credentials whose secret (`pass` or `accessToken`) is non-enumerable and shown as
 * `[REDACTED]` by `JSON.stringify` and `util.inspect` (INV-10). Read the secret directly
 * (`credentials.pass`); `{ ...credentials }` copies only `user`. The result is frozen.
 */
export function hideCredentials(credentials: Credentials): Credentials {
  const hidden = { user: credentials.user };
  const key = 'accessToken' in credentials ? 'accessToken' : 'pass';
  const secret = 'accessToken' in credentials ? credentials.accessToken : credentials.pass;
  Object.defineProperty(hidden, key, { value: secret, enumerable: false });
  defineRedaction(hidden, () => ({ user: credentials.user, [key]: REDACTED_VALUE }));
  return Object.freeze(hidden) as Credentials;
}

/**
 * Checks caller credentials (`{ user, pass }` or `{ user, accessToken }`) and returns them
 * hidden ({@link hideCredentials}). Messages name the field, never its value. Use it for
 * `client.setCredentials(user, pass)` too: `createCredentials({ user, pass })`.
 *
 * @param path The option name for messages (`auth`, `options.auth`).
 * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS`.
 */
export function createCredentials(value: unknown, path = 'auth'): Credentials {
  const auth = checkObject(value, path);
  checkKeys(auth, ['user', 'pass', 'accessToken'], path, AUTH_HINTS);
  const { user, pass, accessToken } = auth;
  if (typeof user !== 'string' || user === '') {
    throw invalid(`${path}.user must be a non-empty string`);
  }
  if (pass !== undefined && accessToken !== undefined) {
    throw invalid(`${path} takes pass or accessToken, not both`);
  }
  if (accessToken !== undefined) {
    if (
      !(
        typeof accessToken === 'function' ||
        (typeof accessToken === 'string' && accessToken !== '')
      )
    ) {
      throw invalid(
        `${path}.accessToken must be a non-empty string or a function that returns one`,
      );
    }
    return hideCredentials({
      user,
      accessToken: accessToken as string | (() => string | Promise<string>),
    });
  }
  if (typeof pass !== 'string' || pass === '') {
    throw invalid(`${path}.pass must be a non-empty string (or give ${path}.accessToken)`);
  }
  return hideCredentials({ user, pass });
}

/**
 * The security in force for a requested level: `opportunistic` becomes `starttls` when
 * credentials are configured and `allowInsecureAuth` is off (INV-1). The rule is idempotent, so
 * `client.setCredentials()` can re-apply it to the resolved value.
 */
export function securityFor(
  requested: Security,
  hasCredentials: boolean,
  allowInsecureAuth: boolean,
): Security {
  return requested === 'opportunistic' && hasCredentials && !allowInsecureAuth
    ? 'starttls'
    : requested;
}

function checkMechanism(value: unknown): SaslMechanismName | undefined {
  if (value === undefined) return undefined;
  const name = typeof value === 'string' ? value.toUpperCase() : undefined;
  if (name === undefined || !(SASL_MECHANISMS as readonly string[]).includes(name)) {
    throw invalid(`mechanism must be one of ${SASL_MECHANISMS.join(', ')}`);
  }
  return name as SaslMechanismName;
}

function parseUrl(value: unknown): SmtpUrl | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid('url must be a string');
  try {
    return parseSmtpUrl(value);
  } catch (error) {
    // UrlError messages never quote the input (it may hold a password); the code stays on `cause`.
    throw invalid(`url: ${(error as Error).message}`, error);
  }
}

type Target = ResolvedClientOptions['target'];

/** Checks `host` and returns it in the transport's form (IPv6 without brackets, IDN as A-labels). */
function checkHost(value: unknown): { kind: 'dns' | 'ipv4' | 'ipv6'; host: string } {
  if (typeof value !== 'string' || value === '') throw invalid('host must be a non-empty string');
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  if (isIP(bare) === 6) return { kind: 'ipv6', host: bare.toLowerCase() };
  if (value.includes(':') || value.includes('/') || value.includes('@')) {
    throw invalid(
      'host must be a host name or an IP address alone: use port, path or url for the rest',
    );
  }
  let parsed: SmtpUrl;
  try {
    parsed = parseSmtpUrl(value);
  } catch (error) {
    throw invalid(
      `host is not a valid host name or IP address: ${(error as Error).message}`,
      error,
    );
  }
  if (parsed.kind === 'unix') throw invalid('host names a socket path: use the path option');
  return { kind: parsed.kind, host: parsed.host };
}

function checkPath(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.includes('\u0000')) {
    throw invalid('path must be a non-empty string without NUL');
  }
  return value;
}

function resolveTarget(
  options: Record<string, unknown>,
  url: SmtpUrl | undefined,
  security: Security,
): Target {
  const { host, port, path } = options;
  if (port !== undefined) checkPositiveInteger(port, 'port', 65_535);
  if (path !== undefined) {
    if (host !== undefined || port !== undefined) {
      throw invalid('give path, or host and port, not both');
    }
    return { kind: 'unix', path: checkPath(path) };
  }
  if (host !== undefined) {
    const checked = checkHost(host);
    const urlPort = url !== undefined && url.kind !== 'unix' ? url.port : undefined;
    return { ...checked, port: (port as number | undefined) ?? urlPort ?? DEFAULT_PORTS[security] };
  }
  if (url === undefined) throw invalid('give url, host or path');
  if (url.kind === 'unix') {
    if (port !== undefined) throw invalid('port cannot be used with a socket path URL');
    return { kind: 'unix', path: url.path };
  }
  return { kind: url.kind, host: url.host, port: (port as number | undefined) ?? url.port };
}

function resolveTimeouts(value: unknown): Required<Timeouts> {
  if (value === undefined) return DEFAULT_CLIENT_TIMEOUTS;
  const timeouts = checkObject(value, 'timeouts');
  checkKeys(timeouts, Object.keys(TIMEOUT_KEYS), 'timeouts', TIMEOUT_HINTS);
  const resolved: Record<string, number> = { ...DEFAULT_CLIENT_TIMEOUTS };
  for (const [key, ms] of Object.entries(timeouts)) {
    if (ms === undefined) continue;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > MAX_TIMEOUT_MS) {
      throw invalid(
        `timeouts.${key} must be a number of milliseconds above 0 and at most ${MAX_TIMEOUT_MS}`,
      );
    }
    resolved[key] = ms;
  }
  return Object.freeze(resolved) as Required<Timeouts>;
}

function resolveTls(value: unknown, target: Target): ResolvedClientOptions['tls'] {
  const tls = value === undefined ? {} : checkObject(value, 'tls');
  for (const key of Object.keys(tls)) {
    const reason = Object.hasOwn(TLS_FORBIDDEN, key) ? TLS_FORBIDDEN[key] : undefined;
    if (reason !== undefined) throw invalid(`tls.${key} is not accepted: ${reason}`);
  }
  const { servername, rejectUnauthorized, minVersion } = tls;
  if (servername !== undefined && (typeof servername !== 'string' || servername === '')) {
    throw invalid('tls.servername must be a non-empty string');
  }
  if (rejectUnauthorized !== undefined && typeof rejectUnauthorized !== 'boolean') {
    throw invalid('tls.rejectUnauthorized must be true or false');
  }
  if (minVersion !== undefined && typeof minVersion !== 'string') {
    throw invalid("tls.minVersion must be a string such as 'TLSv1.2'");
  }
  const resolved: Record<string, unknown> = { ...tls };
  // Verify against the host the caller named (INV-3); for an IP the transport checks IP SANs
  // and sends no SNI, so only DNS names get a default servername.
  if (servername === undefined && target.kind === 'dns') resolved.servername = target.host;
  defineRedaction(resolved, () => {
    const view: Record<string, unknown> = { ...resolved };
    for (const key of TLS_SECRET_KEYS) if (view[key] !== undefined) view[key] = REDACTED_VALUE;
    return view;
  });
  return Object.freeze(resolved) as ResolvedClientOptions['tls'];
}

function resolveReplyLimits(value: unknown): ResolvedClientOptions['replyLimits'] {
  if (value === undefined) return Object.freeze({});
  const limits = checkObject(value, 'replyLimits');
  checkKeys(limits, REPLY_LIMIT_KEYS, 'replyLimits');
  for (const key of REPLY_LIMIT_KEYS) {
    if (limits[key] !== undefined) checkPositiveInteger(limits[key], `replyLimits.${key}`);
  }
  return Object.freeze({ ...limits }) as ResolvedClientOptions['replyLimits'];
}

function resolveSlowOperation(value: unknown): ResolvedClientOptions['slowOperation'] {
  if (value === undefined) return undefined;
  const slow = checkObject(value, 'slowOperation');
  checkKeys(slow, SLOW_OPERATION_KEYS, 'slowOperation');
  for (const key of SLOW_OPERATION_KEYS) {
    const number = slow[key];
    if (
      number !== undefined &&
      (typeof number !== 'number' || !(number > 0) || !Number.isFinite(number))
    ) {
      throw invalid(`slowOperation.${key} must be a positive number`);
    }
  }
  return Object.freeze({ ...slow });
}

function resolveChunking(value: unknown): boolean | 'auto' {
  if (value === undefined) return 'auto';
  if (value !== true && value !== false && value !== 'auto') {
    throw invalid("chunking must be true, false or 'auto'");
  }
  return value;
}

/**
 * Checks and normalises the client's options. A string is a URL (`parseSmtpUrl` from
 * `@smtp/url`); an object may give `url` plus fields that override it. The result is frozen
 * and holds no secret in enumerable form (see the module docblock).
 *
 * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS`, the message naming the option;
 *   for a bad URL, `cause` is the `UrlError` with its `SMTP_URL_*` code.
 * @example
 * ```ts
 * const resolved = resolveClientOptions('smtps://alice:s3cret@mail.example.com');
 * resolved.target; // { kind: 'dns', host: 'mail.example.com', port: 465 }
 * resolved.security; // 'implicit'
 * JSON.stringify(resolved.credentials); // '{"user":"alice","pass":"[REDACTED]"}'
 * ```
 */
export function resolveClientOptions(target: string | ClientOptions): ResolvedClientOptions {
  const options: Record<string, unknown> =
    typeof target === 'string' ? { url: target } : checkObject(target, 'options');
  checkKeys(options, Object.keys(CLIENT_OPTION_KEYS), '', OPTION_HINTS);

  const url = parseUrl(options.url);
  const allowInsecureAuth = checkBoolean(options.allowInsecureAuth, 'allowInsecureAuth', false);
  const credentials =
    options.auth !== undefined
      ? createCredentials(options.auth)
      : url?.credentials !== undefined
        ? hideCredentials({ user: url.credentials.username, pass: url.credentials.password })
        : undefined;
  const requested = checkSecurity(options.security) ?? url?.security ?? 'opportunistic';
  const security = securityFor(requested, credentials !== undefined, allowInsecureAuth);
  // The default port follows the level asked for, not the one credentials raised it to: an
  // `opportunistic` client with a password still talks to port 25 unless told otherwise.
  const resolvedTarget = resolveTarget(options, url, requested);

  const mechanism = checkMechanism(options.mechanism);
  if (mechanism !== undefined && credentials !== undefined) {
    if (!mechanismsFor(credentials).includes(mechanism)) {
      throw invalid(
        `mechanism ${mechanism} does not fit the credentials: use one of ${mechanismsFor(credentials).join(', ')}`,
      );
    }
  }

  const tls = resolveTls(options.tls, resolvedTarget);
  if (
    resolvedTarget.kind === 'unix' &&
    (security === 'implicit' || security === 'starttls') &&
    tls.servername === undefined &&
    tls.rejectUnauthorized !== false
  ) {
    throw invalid(
      'tls.servername is required for TLS over a UNIX socket: the certificate is checked against it',
    );
  }

  const chunkSize =
    options.chunkSize === undefined
      ? DEFAULT_CHUNK_SIZE
      : checkPositiveInteger(options.chunkSize, 'chunkSize', 2 ** 31 - 1);

  const resolved: ResolvedClientOptions = {
    target: Object.freeze(resolvedTarget),
    security,
    credentials,
    mechanism,
    allowInsecureAuth,
    clientName: resolveClientName(options.name),
    tls,
    timeouts: resolveTimeouts(options.timeouts),
    keepAlive: checkBoolean(options.keepAlive, 'keepAlive', true),
    pipelining: checkBoolean(options.pipelining, 'pipelining', true),
    chunking: resolveChunking(options.chunking),
    chunkSize,
    requireAllRecipients: checkBoolean(options.requireAllRecipients, 'requireAllRecipients', false),
    dryRun: checkBoolean(options.dryRun, 'dryRun', false),
    connector:
      checkFunction<ResolvedClientOptions['connector']>(options.connector, 'connector') ?? connect,
    replyLimits: resolveReplyLimits(options.replyLimits),
    onEvent: checkFunction<NonNullable<ResolvedClientOptions['onEvent']>>(
      options.onEvent,
      'onEvent',
    ),
    slowOperation: resolveSlowOperation(options.slowOperation),
  };
  return Object.freeze(resolved);
}
