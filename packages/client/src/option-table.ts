/**
 * The client's options, declared once. {@link OPTION_TABLE} has one entry per option of
 * `ClientOptions`: its check (which returns the normalised value or throws `ClientStateError`
 * `SMTP_CLIENT_INVALID_OPTIONS` naming the option's path), its default, the field of
 * `ResolvedClientOptions` it feeds, its shape in a JSON connection definition (or `false` when
 * it cannot be JSON) and which of its fields are secrets.
 *
 * Everything runs from it: `resolveClientOptions()` (resolve-options.ts) checks and defaults
 * each option through the table and only adds the rules that join several options (the
 * target, the security level, the TLS server name); `parseConnectionDefinition()` and
 * `toConnectionDefinition()` (connection-definition.ts) take the JSON shapes and the secret
 * fields from it. The interfaces in options.ts stay the documented types, tied to the table by
 * {@link OptionTableChecks}: the build fails when the two disagree.
 */
import { isIP, type LookupFunction } from 'node:net';
import type { DkimSigner, DkimSignerOptions } from '@smtp/dkim';
import { SASL_MECHANISMS, type SaslMechanismName, validateDomain } from '@smtp/protocol';
import {
  type Connector,
  connect,
  type SlowOperationOptions,
  type TransportEvent,
} from '@smtp/transport';
import { parseSmtpUrl, type SmtpProtocol, type SmtpUrl } from '@smtp/url';
import { defaultClientName, resolveClientName } from './client-name.ts';
import { DkimSigners, isDkimSigner } from './dkim-signers.ts';
import {
  checkBoolean,
  checkInteger,
  checkKeys,
  checkObject,
  defineRedaction,
  invalidOption,
  REDACTED_VALUE,
} from './option-checks.ts';
import type {
  ClientOptions,
  Credentials,
  PasswordCredentials,
  ProxyConfig,
  ResolvedClientOptions,
  Security,
  Timeouts,
  TokenCredentials,
} from './options.ts';
import { checkProxy } from './proxy-option.ts';

// ---------------------------------------------------------------------------------------------
// Shapes of a JSON connection definition

/**
 * What an option looks like in a JSON connection definition:
 * - `'string'`: a non-empty string; `'number'`: a finite number; `'boolean'`: true or false;
 * - `'pem'`: PEM text (`-----BEGIN ...`) or a non-empty list of PEM texts;
 * - `{ oneOf }`: one of these values; `{ list }`: a list of such values;
 * - `{ fields }`: an object with only these fields, each optional.
 */
export type JsonShape =
  | 'string'
  | 'number'
  | 'boolean'
  | 'pem'
  | { readonly oneOf: readonly (string | number | boolean)[] }
  | { readonly list: JsonShape }
  | { readonly fields: { readonly [field: string]: JsonShape } };

/** The TypeScript type of a JSON value of shape `S`. */
export type JsonValueOf<S> = S extends 'string'
  ? string
  : S extends 'number'
    ? number
    : S extends 'boolean'
      ? boolean
      : S extends 'pem'
        ? string | readonly string[]
        : S extends { readonly oneOf: readonly (infer V)[] }
          ? V
          : S extends { readonly list: infer L }
            ? readonly JsonValueOf<L>[]
            : S extends { readonly fields: infer F }
              ? { readonly [P in keyof F]?: JsonValueOf<F[P]> }
              : never;

/** One row of {@link OPTION_TABLE}. */
export interface OptionSpec<T> {
  /** The field of `ResolvedClientOptions` this option feeds. */
  readonly resolved: keyof ResolvedClientOptions;
  /**
   * `false`: the resolved field is the checked value, or the default when the option is absent.
   * `true`: the field also depends on other options, and `resolveClientOptions()` computes it
   * (the target from `url`/`host`/`port`/`path`, the security level, the credentials, the TLS
   * server name, the DNS family).
   */
  readonly combined: boolean;
  /**
   * Checks a value the caller gave (never `undefined`: an undefined option is absent) and
   * returns it normalised.
   *
   * @param path The option's name in messages (`timeouts`, `options.auth`).
   * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS`, the message naming `path`.
   */
  readonly check: (value: unknown, path: string) => T;
  /** The value when the option is absent (a function: the client name depends on the machine). */
  readonly default: () => T | undefined;
  /**
   * How the option appears in a JSON connection definition: its {@link JsonShape} inside
   * `options`; `'url'` for the definition's own `url` field; `false` when it cannot be JSON (a
   * function), so a definition leaves it out.
   */
  readonly json: JsonShape | 'url' | false;
  /**
   * Fields of the option that are secrets (INV-10): hidden from `JSON.stringify` and
   * `util.inspect` of the resolved options, and left out of a definition written without
   * secrets.
   */
  readonly secrets: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Defaults

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

/** RFC 8305 section 5's Connection Attempt Delay, in ms. */
export const DEFAULT_CONNECTION_ATTEMPT_DELAY_MS = 250;

/** Default BDAT chunk size in octets. */
export const DEFAULT_CHUNK_SIZE = 65_536;

/** The security levels, for validation and messages. */
export const SECURITY_LEVELS: readonly Security[] = Object.freeze([
  'implicit',
  'starttls',
  'opportunistic',
  'none',
]);

/** The dialogues, for validation and messages: SMTP, or LMTP (RFC 2033). */
export const PROTOCOLS: readonly SmtpProtocol[] = Object.freeze(['smtp', 'lmtp']);

/** The longest timer Node can arm: longer values fire at once (`setTimeout` clamps to 1 ms). */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** The largest BDAT chunk: a chunk is one buffer. */
const MAX_CHUNK_SIZE = 2 ** 31 - 1;

// ---------------------------------------------------------------------------------------------
// Hints for names other mail libraries use

/** What other mail libraries call things, and what to write here instead. */
export const OPTION_HINTS: Readonly<Record<string, string>> = Object.freeze({
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
  disableFileAccess: 'use allowFileAccess: false',
  logger: 'pass logging as the second argument: new SmtpClient(options, { log, debugLog })',
  log: 'pass logging as the second argument: new SmtpClient(options, { log, debugLog })',
  debug: 'pass logging as the second argument: new SmtpClient(options, { log, debugLog })',
  debugLog: 'pass logging as the second argument: new SmtpClient(options, { log, debugLog })',
});

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
  lookup: 'use the lookup option',
};

// ---------------------------------------------------------------------------------------------
// Checks

export {
  checkBoolean,
  checkInteger,
  checkKeys,
  checkObject,
  defineRedaction,
  invalidOption,
  isRecord,
  REDACTED_VALUE,
} from './option-checks.ts';

/** A check for an option that takes a function. */
function checkFunction<T>(): (value: unknown, path: string) => T {
  return (value, path) => {
    if (typeof value !== 'function') throw invalidOption(`${path} must be a function`);
    return value as T;
  };
}

function checkPositiveInteger(value: unknown, path: string, max = Number.MAX_SAFE_INTEGER): number {
  return checkInteger(value, path, 1, max);
}

function checkUrl(value: unknown, path: string): SmtpUrl {
  if (typeof value !== 'string') throw invalidOption(`${path} must be a string`);
  try {
    return parseSmtpUrl(value);
  } catch (error) {
    // UrlError messages never quote the input (it may hold a password); the code stays on `cause`.
    throw invalidOption(`${path}: ${(error as Error).message}`, error);
  }
}

/** A checked `host`, in the transport's form (IPv6 without brackets, IDN as A-labels). */
export interface CheckedHost {
  readonly kind: 'dns' | 'ipv4' | 'ipv6';
  readonly host: string;
}

function checkHost(value: unknown, path: string): CheckedHost {
  if (typeof value !== 'string' || value === '') {
    throw invalidOption(`${path} must be a non-empty string`);
  }
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  if (isIP(bare) === 6) return { kind: 'ipv6', host: bare.toLowerCase() };
  if (value.includes(':') || value.includes('/') || value.includes('@')) {
    throw invalidOption(
      `${path} must be a host name or an IP address alone: use port, path or url for the rest`,
    );
  }
  let parsed: SmtpUrl;
  try {
    // The host alone, not a URL: the grammar (and IDN to A-labels) of @smtp/url's host part.
    parsed = parseSmtpUrl(value);
  } catch (error) {
    throw invalidOption(
      `${path} is not a valid host name or IP address: ${(error as Error).message}`,
      error,
    );
  }
  if (parsed.kind === 'unix')
    throw invalidOption(`${path} names a socket path: use the path option`);
  return { kind: parsed.kind, host: parsed.host };
}

function checkPath(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '' || value.includes('\u0000')) {
    throw invalidOption(`${path} must be a non-empty string without NUL`);
  }
  return value;
}

function checkLocalAddress(value: unknown, path: string): string {
  if (typeof value !== 'string' || isIP(value) === 0) {
    throw invalidOption(`${path} must be an IPv4 or IPv6 address of this machine to connect from`);
  }
  return value;
}

function checkFamily(value: unknown, path: string): 0 | 4 | 6 {
  if (value !== 0 && value !== 4 && value !== 6) throw invalidOption(`${path} must be 0, 4 or 6`);
  return value;
}

function checkSecurity(value: unknown, path: string): Security {
  if (typeof value !== 'string' || !(SECURITY_LEVELS as readonly string[]).includes(value)) {
    throw invalidOption(
      `${path} must be one of ${SECURITY_LEVELS.map((s) => `'${s}'`).join(', ')}`,
    );
  }
  return value as Security;
}

function checkProtocol(value: unknown, path: string): SmtpProtocol {
  if (value !== 'smtp' && value !== 'lmtp') throw invalidOption(`${path} must be 'smtp' or 'lmtp'`);
  return value;
}

function checkMechanism(value: unknown, path: string): SaslMechanismName {
  const name = typeof value === 'string' ? value.toUpperCase() : undefined;
  if (name === undefined || !(SASL_MECHANISMS as readonly string[]).includes(name)) {
    throw invalidOption(`${path} must be one of ${SASL_MECHANISMS.join(', ')}`);
  }
  return name as SaslMechanismName;
}

/** The `tls` option as callers give it. */
type ClientTls = NonNullable<ClientOptions['tls']>;

/**
 * Checks `tls` and returns a copy. The server name default, the redaction hooks and the freeze
 * come later (`resolveClientOptions()`), once the target is known.
 */
function checkTls(value: unknown, path: string): ClientTls {
  const tls = checkObject(value, path);
  for (const key of Object.keys(tls)) {
    const reason = Object.hasOwn(TLS_FORBIDDEN, key) ? TLS_FORBIDDEN[key] : undefined;
    if (reason !== undefined) throw invalidOption(`${path}.${key} is not accepted: ${reason}`);
  }
  const { servername, rejectUnauthorized, minVersion } = tls;
  if (servername !== undefined && (typeof servername !== 'string' || servername === '')) {
    throw invalidOption(`${path}.servername must be a non-empty string`);
  }
  if (rejectUnauthorized !== undefined && typeof rejectUnauthorized !== 'boolean') {
    throw invalidOption(`${path}.rejectUnauthorized must be true or false`);
  }
  if (minVersion !== undefined && typeof minVersion !== 'string') {
    throw invalidOption(`${path}.minVersion must be a string such as 'TLSv1.2'`);
  }
  return { ...tls } as ClientTls;
}

function checkTimeouts(value: unknown, path: string): Required<Timeouts> {
  const timeouts = checkObject(value, path);
  checkKeys(timeouts, Object.keys(TIMEOUT_JSON), path, TIMEOUT_HINTS);
  const resolved: Record<string, number> = { ...DEFAULT_CLIENT_TIMEOUTS };
  for (const [key, ms] of Object.entries(timeouts)) {
    if (ms === undefined) continue;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > MAX_TIMEOUT_MS) {
      throw invalidOption(
        `${path}.${key} must be a number of milliseconds above 0 and at most ${MAX_TIMEOUT_MS}`,
      );
    }
    resolved[key] = ms;
  }
  return Object.freeze(resolved) as Required<Timeouts>;
}

function checkChunking(value: unknown, path: string): boolean | 'auto' {
  if (value !== true && value !== false && value !== 'auto') {
    throw invalidOption(`${path} must be true, false or 'auto'`);
  }
  return value;
}

function checkReplyLimits(value: unknown, path: string): ResolvedClientOptions['replyLimits'] {
  const limits = checkObject(value, path);
  const keys = Object.keys(REPLY_LIMIT_JSON);
  checkKeys(limits, keys, path);
  for (const key of keys) {
    if (limits[key] !== undefined) checkPositiveInteger(limits[key], `${path}.${key}`);
  }
  return Object.freeze({ ...limits }) as ResolvedClientOptions['replyLimits'];
}

function checkSlowOperation(value: unknown, path: string): SlowOperationOptions {
  const slow = checkObject(value, path);
  const keys = Object.keys(SLOW_OPERATION_JSON);
  checkKeys(slow, keys, path);
  for (const key of keys) {
    const number = slow[key];
    if (
      number !== undefined &&
      (typeof number !== 'number' || !(number > 0) || !Number.isFinite(number))
    ) {
      throw invalidOption(`${path}.${key} must be a positive number`);
    }
  }
  return Object.freeze({ ...slow });
}

// ---------------------------------------------------------------------------------------------
// DKIM (decision 11: the private keys are secrets)

/** Every field of `DkimSignerOptions`: the compiler fails here when `@smtp/dkim` adds one. */
const DKIM_OPTION_FIELDS = {
  domain: true,
  selector: true,
  privateKey: true,
  algorithm: true,
  canonicalization: true,
  headers: true,
  oversign: true,
  identity: true,
  expiresIn: true,
  bodyLength: true,
  onWarning: true,
  implementation: true,
} as const satisfies Record<keyof DkimSignerOptions, true>;

const DKIM_ALGORITHMS: readonly string[] = ['rsa-sha256', 'ed25519-sha256'];

/**
 * A selector (RFC 6376 section 3.1): labels of letters, digits, hyphens (and the underscores
 * some providers use) separated by dots.
 */
const SELECTOR =
  /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;

/**
 * `d=`: a domain name (an IDN is written as A-labels by the signer), not an address literal. The
 * message never quotes the value: a key put in the wrong field must not reach an error.
 */
function checkDkimDomain(value: unknown, path: string): void {
  let valid = typeof value === 'string' && value !== '' && !value.startsWith('[');
  if (valid) {
    try {
      validateDomain(value as string, { smtpUtf8: true });
    } catch {
      valid = false;
    }
  }
  if (!valid) throw invalidOption(`${path} must be a domain name (the d= of the signature)`);
}

function checkDkimSelector(value: unknown, path: string): void {
  if (typeof value !== 'string' || value.length > 253 || !SELECTOR.test(value)) {
    throw invalidOption(`${path} must be a selector: labels of letters, digits and hyphens`);
  }
}

/**
 * One signer or the options of one. What needs the key (its format, the algorithm it implies,
 * the rest of the options) is checked by `createDkimSigner` on the first send; here, only what
 * can be seen now. Options are copied and frozen: the caller's object is not read again.
 */
function checkDkimEntry(value: unknown, path: string): DkimSigner | DkimSignerOptions {
  const entry = checkObject(value, path) as unknown as DkimSigner | DkimSignerOptions;
  if (isDkimSigner(entry)) {
    checkDkimDomain(entry.domain, `${path}.domain`);
    checkDkimSelector(entry.selector, `${path}.selector`);
    if (!DKIM_ALGORITHMS.includes(entry.algorithm)) {
      throw invalidOption(`${path}.algorithm must be ${DKIM_ALGORITHMS.join(' or ')}`);
    }
    return entry;
  }
  checkKeys(entry as unknown as Record<string, unknown>, Object.keys(DKIM_OPTION_FIELDS), path);
  checkDkimDomain(entry.domain, `${path}.domain`);
  checkDkimSelector(entry.selector, `${path}.selector`);
  const key: unknown = entry.privateKey;
  if (!((typeof key === 'string' && key !== '') || (key instanceof Uint8Array && key.length > 0))) {
    throw invalidOption(
      `${path}.privateKey must be PEM text, a base64 Ed25519 seed, or the bytes of a key file`,
    );
  }
  if (entry.algorithm !== undefined && !DKIM_ALGORITHMS.includes(entry.algorithm)) {
    throw invalidOption(`${path}.algorithm must be ${DKIM_ALGORITHMS.join(' or ')}`);
  }
  return Object.freeze({ ...entry });
}

/** `dkim`: a signer, a signer's options, or a non-empty list of either (order kept). */
function checkDkim(value: unknown, path: string): DkimSigners {
  if (!Array.isArray(value)) return new DkimSigners([checkDkimEntry(value, path)]);
  if (value.length === 0) throw invalidOption(`${path} must name at least one signer`);
  return new DkimSigners(value.map((entry, index) => checkDkimEntry(entry, `${path}[${index}]`)));
}

// ---------------------------------------------------------------------------------------------
// Credentials (INV-10)

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
  checkKeys(auth, Object.keys(AUTH_JSON), path, AUTH_HINTS);
  const { user, pass, accessToken } = auth;
  if (typeof user !== 'string' || user === '') {
    throw invalidOption(`${path}.user must be a non-empty string`);
  }
  if (pass !== undefined && accessToken !== undefined) {
    throw invalidOption(`${path} takes pass or accessToken, not both`);
  }
  if (accessToken !== undefined) {
    if (
      !(
        typeof accessToken === 'function' ||
        (typeof accessToken === 'string' && accessToken !== '')
      )
    ) {
      throw invalidOption(
        `${path}.accessToken must be a non-empty string or a function that returns one`,
      );
    }
    return hideCredentials({
      user,
      accessToken: accessToken as string | (() => string | Promise<string>),
    });
  }
  if (typeof pass !== 'string' || pass === '') {
    throw invalidOption(`${path}.pass must be a non-empty string (or give ${path}.accessToken)`);
  }
  return hideCredentials({ user, pass });
}

// ---------------------------------------------------------------------------------------------
// The table

/** `{ field: shape }` for every key of `keys`, typed. */
function fieldsOf<T extends object, S extends JsonShape>(
  keys: T,
  shape: S,
): { readonly [K in keyof T]-?: S } {
  return Object.fromEntries(Object.keys(keys).map((key) => [key, shape])) as {
    readonly [K in keyof T]-?: S;
  };
}

const TIMEOUT_JSON = fieldsOf(DEFAULT_CLIENT_TIMEOUTS, 'number');

const REPLY_LIMIT_JSON = {
  maxLineLength: 'number',
  maxReplySize: 'number',
  maxLines: 'number',
} as const satisfies Record<keyof ResolvedClientOptions['replyLimits'], 'number'>;

const SLOW_OPERATION_JSON = {
  slowOperationMs: 'number',
  minThroughput: 'number',
} as const satisfies Record<keyof SlowOperationOptions, 'number'>;

const AUTH_JSON = {
  user: 'string',
  pass: 'string',
  accessToken: 'string',
} as const satisfies Record<keyof PasswordCredentials | keyof TokenCredentials, 'string'>;

const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;

/**
 * The TLS settings a definition may carry: names, versions, ciphers and PEM text. Not `pfx`
 * (binary), no `Buffer`s, no functions (`checkServerIdentity`).
 */
const TLS_JSON = {
  servername: 'string',
  ca: 'pem',
  cert: 'pem',
  key: 'pem',
  passphrase: 'string',
  minVersion: { oneOf: TLS_VERSIONS },
  maxVersion: { oneOf: TLS_VERSIONS },
  rejectUnauthorized: 'boolean',
  ciphers: 'string',
} as const satisfies { readonly [K in keyof ClientTls]?: JsonShape };

/** The `proxy` option in a definition: always the object form, credentials beside the URL. */
const PROXY_JSON = {
  url: 'string',
  auth: { fields: { user: 'string', pass: 'string' } },
  tls: {
    fields: {
      ca: 'pem',
      rejectUnauthorized: 'boolean',
      minVersion: { oneOf: TLS_VERSIONS },
    },
  },
  allowInsecureAuth: 'boolean',
} as const satisfies { readonly [K in keyof ProxyConfig]-?: JsonShape };

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

const none = (): undefined => undefined;

/**
 * Every option of `ClientOptions`, in the order messages list them, each with its check, its
 * default, the resolved field it feeds, its JSON shape and its secret fields (see
 * {@link OptionSpec}). Frozen at every level.
 */
export const OPTION_TABLE = deepFreeze({
  url: {
    resolved: 'target',
    combined: true,
    check: checkUrl,
    default: none,
    json: 'url',
    // The URL's password is moved to `auth` by a definition, never written in its URL.
    secrets: ['credentials'],
  },
  host: {
    resolved: 'target',
    combined: true,
    check: checkHost,
    default: none,
    json: 'string',
    secrets: [],
  },
  port: {
    resolved: 'target',
    combined: true,
    check: (value: unknown, path: string): number => checkPositiveInteger(value, path, 65_535),
    default: none,
    json: 'number',
    secrets: [],
  },
  path: {
    resolved: 'target',
    combined: true,
    check: checkPath,
    default: none,
    json: 'string',
    secrets: [],
  },
  localAddress: {
    resolved: 'localAddress',
    combined: false,
    check: checkLocalAddress,
    default: none,
    json: 'string',
    secrets: [],
  },
  family: {
    resolved: 'family',
    combined: true,
    check: checkFamily,
    default: (): 0 | 4 | 6 => 0,
    json: { oneOf: [0, 4, 6] },
    secrets: [],
  },
  autoSelectFamily: {
    resolved: 'autoSelectFamily',
    combined: false,
    check: checkBoolean,
    default: (): boolean => true,
    json: 'boolean',
    secrets: [],
  },
  connectionAttemptDelay: {
    resolved: 'connectionAttemptDelay',
    combined: false,
    // Node's own bounds for `autoSelectFamilyAttemptTimeout`.
    check: (value: unknown, path: string): number => checkInteger(value, path, 10, MAX_TIMEOUT_MS),
    default: (): number => DEFAULT_CONNECTION_ATTEMPT_DELAY_MS,
    json: 'number',
    secrets: [],
  },
  lookup: {
    resolved: 'lookup',
    combined: false,
    check: checkFunction<LookupFunction>(),
    default: none,
    json: false,
    secrets: [],
  },
  proxy: {
    resolved: 'proxy',
    combined: true,
    check: checkProxy,
    default: none,
    // Written by connection-definition.ts itself: the URL without credentials, `auth` beside it.
    json: { fields: PROXY_JSON },
    secrets: ['auth'],
  },
  security: {
    resolved: 'security',
    combined: true,
    check: checkSecurity,
    // Used when neither the option nor a URL scheme gives one.
    default: (): Security => 'opportunistic',
    json: { oneOf: SECURITY_LEVELS },
    secrets: [],
  },
  protocol: {
    resolved: 'protocol',
    combined: true,
    check: checkProtocol,
    // Used when neither the option nor a URL scheme gives one.
    default: (): SmtpProtocol => 'smtp',
    json: { oneOf: PROTOCOLS },
    secrets: [],
  },
  auth: {
    resolved: 'credentials',
    combined: true,
    check: createCredentials,
    default: none,
    json: { fields: AUTH_JSON },
    secrets: ['pass', 'accessToken'],
  },
  mechanism: {
    resolved: 'mechanism',
    combined: false,
    check: checkMechanism,
    default: none,
    json: 'string',
    secrets: [],
  },
  allowInsecureAuth: {
    resolved: 'allowInsecureAuth',
    combined: false,
    check: checkBoolean,
    default: (): boolean => false,
    json: 'boolean',
    secrets: [],
  },
  name: {
    resolved: 'clientName',
    combined: false,
    check: (value: unknown, path: string): string => resolveClientName(value, path),
    default: (): string => defaultClientName(),
    json: 'string',
    secrets: [],
  },
  tls: {
    resolved: 'tls',
    combined: true,
    check: checkTls,
    default: (): ClientTls => ({}),
    json: { fields: TLS_JSON },
    secrets: ['key', 'passphrase', 'pfx'],
  },
  timeouts: {
    resolved: 'timeouts',
    combined: false,
    check: checkTimeouts,
    default: (): Required<Timeouts> => DEFAULT_CLIENT_TIMEOUTS,
    json: { fields: TIMEOUT_JSON },
    secrets: [],
  },
  keepAlive: {
    resolved: 'keepAlive',
    combined: false,
    check: checkBoolean,
    default: (): boolean => true,
    json: 'boolean',
    secrets: [],
  },
  pipelining: {
    resolved: 'pipelining',
    combined: false,
    check: checkBoolean,
    default: (): boolean => true,
    json: 'boolean',
    secrets: [],
  },
  chunking: {
    resolved: 'chunking',
    combined: false,
    check: checkChunking,
    default: (): boolean | 'auto' => 'auto',
    json: { oneOf: [true, false, 'auto'] },
    secrets: [],
  },
  chunkSize: {
    resolved: 'chunkSize',
    combined: false,
    check: (value: unknown, path: string): number =>
      checkPositiveInteger(value, path, MAX_CHUNK_SIZE),
    default: (): number => DEFAULT_CHUNK_SIZE,
    json: 'number',
    secrets: [],
  },
  requireAllRecipients: {
    resolved: 'requireAllRecipients',
    combined: false,
    check: checkBoolean,
    default: (): boolean => false,
    json: 'boolean',
    secrets: [],
  },
  dryRun: {
    resolved: 'dryRun',
    combined: false,
    check: checkBoolean,
    default: (): boolean => false,
    json: 'boolean',
    secrets: [],
  },
  allowFileAccess: {
    resolved: 'allowFileAccess',
    combined: false,
    check: checkBoolean,
    default: (): boolean => true,
    json: 'boolean',
    secrets: [],
  },
  dkim: {
    resolved: 'dkim',
    combined: false,
    check: checkDkim,
    default: none,
    // Signers are objects with keys inside and a method: not JSON (a definition names `dkim` in
    // `omitted`).
    json: false,
    secrets: ['privateKey'],
  },
  connector: {
    resolved: 'connector',
    combined: false,
    check: checkFunction<Connector>(),
    default: (): Connector => connect,
    json: false,
    secrets: [],
  },
  replyLimits: {
    resolved: 'replyLimits',
    combined: false,
    check: checkReplyLimits,
    default: (): ResolvedClientOptions['replyLimits'] => Object.freeze({}),
    json: { fields: REPLY_LIMIT_JSON },
    secrets: [],
  },
  onEvent: {
    resolved: 'onEvent',
    combined: false,
    check: checkFunction<(event: TransportEvent) => void>(),
    default: none,
    json: false,
    secrets: [],
  },
  slowOperation: {
    resolved: 'slowOperation',
    combined: false,
    check: checkSlowOperation,
    default: none,
    json: { fields: SLOW_OPERATION_JSON },
    secrets: [],
  },
} as const satisfies { readonly [K in keyof ClientOptions]-?: OptionSpec<unknown> });

/** The type of {@link OPTION_TABLE}. */
export type OptionTable = typeof OPTION_TABLE;

/** An option name: a key of `ClientOptions`. */
export type OptionName = keyof OptionTable;

/** The option names, in table order. */
export const OPTION_NAMES: readonly OptionName[] = Object.freeze(
  Object.keys(OPTION_TABLE) as OptionName[],
);

/** What the check of option `K` returns. */
export type CheckedValue<K extends OptionName> = ReturnType<OptionTable[K]['check']>;

/** The options whose resolved field is computed from several options. */
export type CombinedOptionName = {
  [K in OptionName]: OptionTable[K]['combined'] extends true ? K : never;
}[OptionName];

/** The resolved fields `resolveClientOptions()` computes rather than copies. */
export type CombinedField = OptionTable[CombinedOptionName]['resolved'];

/** The options a JSON connection definition holds in its `options`. */
export type JsonOptionName = {
  [K in OptionName]: OptionTable[K]['json'] extends JsonShape ? K : never;
}[OptionName];

type DirectOptionName = Exclude<OptionName, CombinedOptionName>;

/** Direct options whose checked value or default does not fit their resolved field. */
type DirectTypeMismatch = {
  [K in DirectOptionName]: [CheckedValue<K> | ReturnType<OptionTable[K]['default']>] extends [
    ResolvedClientOptions[OptionTable[K]['resolved']],
  ]
    ? never
    : K;
}[DirectOptionName];

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Expect<T extends true> = T;

/**
 * Compile-time checks that the table and the interfaces of options.ts agree; each element must
 * be `true` or the build fails. (The `satisfies` on {@link OPTION_TABLE} already makes its keys
 * exactly those of `ClientOptions`.)
 *
 * @internal
 */
export type OptionTableChecks = [
  // One entry per option of ClientOptions.
  Expect<Same<OptionName, keyof ClientOptions>>,
  // Every field of ResolvedClientOptions is fed by some option, and only those.
  Expect<Same<OptionTable[OptionName]['resolved'], keyof ResolvedClientOptions>>,
  // A copied option's checked value and default fit its resolved field.
  Expect<Same<DirectTypeMismatch, never>>,
];
