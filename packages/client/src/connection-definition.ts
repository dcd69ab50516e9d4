/**
 * A serialisable connection definition: a URL plus the JSON-only part of `ClientOptions`, so a
 * configuration can come from a file, an environment variable or another process, and
 * `createClient(definition)` can build a client from it.
 *
 * ```json
 * { "url": "smtps://mail.example.com", "options": { "auth": { "user": "a", "pass": "b" },
 *   "timeouts": { "connect": 10000 }, "tls": { "ca": "-----BEGIN CERTIFICATE-----\n..." } } }
 * ```
 *
 * What is left out, because it cannot be JSON: `connector`, `onEvent`, a token provider
 * function, and TLS material other than PEM text (no `Buffer`s, no `pfx`). Everything is
 * checked, with the path of the bad field in the message (`options.timeouts.connect must be a
 * number`), and then resolved once as the client would, so a definition that parses is one the
 * client accepts. Any input, whatever its shape, raises `ClientStateError` and nothing else.
 *
 * The returned options hold no secret in readable form: URL credentials are moved out of the
 * URL into `auth`, and `auth` is hidden from `JSON.stringify` and `util.inspect` (INV-10).
 */
import { formatSmtpUrl, parseSmtpUrl, type SmtpUrl } from '@smtp/url';
import { ClientStateError } from './errors.ts';
import type { ClientOptions, Credentials, Security, Timeouts } from './options.ts';
import { sanitizeServerText } from './reply-info.ts';
import {
  createCredentials,
  DEFAULT_CLIENT_TIMEOUTS,
  resolveClientOptions,
  SECURITY_LEVELS,
} from './resolve-options.ts';

/** The TLS settings a definition may carry: names, versions, ciphers and PEM text. */
export interface ConnectionDefinitionTls {
  readonly servername?: string;
  /** Trusted CA certificates, PEM. */
  readonly ca?: string | readonly string[];
  /** Client certificate chain, PEM. */
  readonly cert?: string | readonly string[];
  /** Client private key, PEM. */
  readonly key?: string | readonly string[];
  readonly passphrase?: string;
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly rejectUnauthorized?: boolean;
  readonly ciphers?: string;
}

/** The JSON-only options of a {@link ConnectionDefinition}. */
export interface ConnectionDefinitionOptions {
  readonly host?: string;
  readonly port?: number;
  readonly path?: string;
  readonly security?: Security;
  readonly auth?:
    | { readonly user: string; readonly pass: string }
    | { readonly user: string; readonly accessToken: string };
  readonly mechanism?: string;
  readonly allowInsecureAuth?: boolean;
  readonly name?: string;
  readonly tls?: ConnectionDefinitionTls;
  readonly timeouts?: Timeouts;
  readonly keepAlive?: boolean;
  readonly pipelining?: boolean;
  readonly chunking?: boolean | 'auto';
  readonly chunkSize?: number;
  readonly requireAllRecipients?: boolean;
  readonly dryRun?: boolean;
  readonly replyLimits?: {
    readonly maxLineLength?: number;
    readonly maxReplySize?: number;
    readonly maxLines?: number;
  };
  readonly slowOperation?: {
    readonly slowOperationMs?: number;
    readonly minThroughput?: number;
  };
}

/** A connection as plain JSON: an SMTP URL and optional overrides. */
export interface ConnectionDefinition {
  readonly url: string;
  readonly options?: ConnectionDefinitionOptions;
}

type Check = (value: unknown, path: string) => void;

function invalid(message: string, cause?: unknown): ClientStateError {
  return new ClientStateError(
    'SMTP_CLIENT_INVALID_OPTIONS',
    `connection definition: ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const string: Check = (value, path) => {
  if (typeof value !== 'string' || value === '')
    throw invalid(`${path} must be a non-empty string`);
};
const boolean: Check = (value, path) => {
  if (typeof value !== 'boolean') throw invalid(`${path} must be true or false`);
};
const number: Check = (value, path) => {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(`${path} must be a number`);
};
const oneOf =
  (values: readonly unknown[]): Check =>
  (value, path) => {
    if (!values.includes(value)) {
      throw invalid(`${path} must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`);
    }
  };
const pem: Check = (value, path) => {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) throw invalid(`${path} must not be an empty list`);
  items.forEach((item, index) => {
    const where = Array.isArray(value) ? `${path}[${index}]` : path;
    if (typeof item !== 'string' || !item.trimStart().startsWith('-----BEGIN ')) {
      throw invalid(`${where} must be PEM text (-----BEGIN ...) or a list of PEM texts`);
    }
  });
};

/** Checks an object against a table of field checks, refusing unknown fields. */
function object(fields: Readonly<Record<string, Check>>): Check {
  return (value, path) => {
    if (!isRecord(value)) throw invalid(`${path} must be an object`);
    for (const [key, item] of Object.entries(value)) {
      const where = `${path}.${sanitizeServerText(key, 40)}`;
      if (!Object.hasOwn(fields, key)) {
        throw invalid(`${where} is not a known field (known: ${Object.keys(fields).join(', ')})`);
      }
      // JSON has no undefined, but an object built in code may: treat it as absent.
      if (item !== undefined) (fields[key] as Check)(item, where);
    }
  };
}

const auth: Check = (value, path) => {
  object({ user: string, pass: string, accessToken: string })(value, path);
};

const OPTIONS_CHECK = object({
  host: string,
  port: number,
  path: string,
  security: oneOf(SECURITY_LEVELS),
  auth,
  mechanism: string,
  allowInsecureAuth: boolean,
  name: string,
  tls: object({
    servername: string,
    ca: pem,
    cert: pem,
    key: pem,
    passphrase: string,
    minVersion: oneOf(['TLSv1.2', 'TLSv1.3']),
    maxVersion: oneOf(['TLSv1.2', 'TLSv1.3']),
    rejectUnauthorized: boolean,
    ciphers: string,
  }),
  timeouts: object(
    Object.fromEntries(Object.keys(DEFAULT_CLIENT_TIMEOUTS).map((key) => [key, number])),
  ),
  keepAlive: boolean,
  pipelining: boolean,
  chunking: oneOf([true, false, 'auto']),
  chunkSize: number,
  requireAllRecipients: boolean,
  dryRun: boolean,
  replyLimits: object({ maxLineLength: number, maxReplySize: number, maxLines: number }),
  slowOperation: object({ slowOperationMs: number, minThroughput: number }),
});

const DEFINITION_CHECK = object({ url: string, options: OPTIONS_CHECK });

/** Splits URL credentials off, so the URL string left in the options holds no password. */
function splitUrl(text: string): { url: string; credentials: Credentials | undefined } {
  let parsed: SmtpUrl;
  try {
    parsed = parseSmtpUrl(text);
  } catch (error) {
    throw invalid(`url: ${(error as Error).message}`, error);
  }
  if (parsed.credentials === undefined) return { url: text, credentials: undefined };
  const { credentials, ...rest } = parsed;
  return {
    url: formatSmtpUrl(rest as SmtpUrl),
    credentials: createCredentials(
      { user: credentials.username, pass: credentials.password },
      'url credentials',
    ),
  };
}

/**
 * Checks a connection definition (a parsed JSON value, or JSON text) and returns the
 * `ClientOptions` it stands for. `createClient(definition)` is
 * `new SmtpClient(parseConnectionDefinition(definition))`.
 *
 * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS` for anything wrong, the message
 *   naming the field (`options.timeouts.connect must be a number`), and never another error.
 * @example
 * ```ts
 * parseConnectionDefinition('{"url":"smtp://localhost:2525","options":{"security":"none"}}');
 * // { url: 'smtp://localhost:2525', security: 'none' }
 * ```
 */
export function parseConnectionDefinition(json: unknown): ClientOptions {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch {
      // The text may hold a password and SyntaxError messages quote it, so neither the message
      // nor the error (as `cause`) is kept.
      throw invalid('the text is not valid JSON');
    }
  }
  DEFINITION_CHECK(value, 'definition');
  if ((value as { url?: unknown }).url === undefined) throw invalid('definition.url is required');
  const definition = value as { url: string; options?: Record<string, unknown> };
  const { url, credentials } = splitUrl(definition.url);
  const options: Record<string, unknown> = { ...definition.options, url };
  if (options.auth !== undefined) {
    options.auth = createCredentials(options.auth, 'options.auth');
  } else if (credentials !== undefined) {
    options.auth = credentials;
  }
  if (isRecord(options.tls)) options.tls = { ...options.tls };
  const result = Object.freeze(options) as ClientOptions;
  try {
    // Resolve once now, so a definition that parses is one the client accepts.
    resolveClientOptions(result);
  } catch (error) {
    throw invalid(`options: ${(error as Error).message}`, error);
  }
  return result;
}
