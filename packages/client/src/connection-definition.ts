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
 * Which options a definition may hold, and in what shape, comes from `OPTION_TABLE`
 * (option-table.ts): every option whose `json` column is a shape. What is left out, because it
 * cannot be JSON: `connector`, `onEvent`, a token provider function, and TLS material other than
 * PEM text (no `Buffer`s, no `pfx`). Everything is checked, with the path of the bad field in the
 * message (`options.timeouts.connect must be a number`), and then resolved once as the client
 * would, so a definition that parses is one the client accepts. Any input, whatever its shape,
 * raises `ClientStateError` and nothing else.
 *
 * The URL is parsed once: the resolved options are worked out from that parse and remembered
 * for the returned object, so `new SmtpClient(parseConnectionDefinition(definition))` does not
 * parse it again.
 *
 * The returned options hold no secret in readable form: URL credentials are moved out of the
 * URL into `auth`, and `auth` is hidden from `JSON.stringify` and `util.inspect` (INV-10).
 *
 * {@link toConnectionDefinition} goes the other way, from resolved options to a definition.
 */
import { Buffer } from 'node:buffer';
import { isIP } from 'node:net';
import { sanitizeServerText } from '@smtp/protocol';
import {
  formatSmtpUrl,
  parseSmtpUrl,
  SMTP_SCHEMES,
  type SmtpScheme,
  type SmtpUrl,
} from '@smtp/url';
import { ClientStateError } from './errors.ts';
import {
  createCredentials,
  isRecord,
  type JsonOptionName,
  type JsonShape,
  type JsonValueOf,
  OPTION_NAMES,
  OPTION_TABLE,
  type OptionSpec,
  type OptionTable,
} from './option-table.ts';
import type { ClientOptions, ResolvedClientOptions } from './options.ts';
import { checkProxy, proxyConfigOf } from './proxy-option.ts';
import { rememberResolved, resolveOptionRecord } from './resolve-options.ts';

/**
 * The JSON-only options of a {@link ConnectionDefinition}: every option of `ClientOptions` that
 * can be JSON, each optional, typed from its shape in `OPTION_TABLE`. See `ClientOptions` for
 * what each one means.
 */
export type ConnectionDefinitionOptions = {
  readonly [K in JsonOptionName]?: JsonValueOf<OptionTable[K]['json']>;
};

/** The TLS settings a definition may carry: names, versions, ciphers and PEM text. */
export type ConnectionDefinitionTls = NonNullable<ConnectionDefinitionOptions['tls']>;

/** A connection as plain JSON: an SMTP URL and optional overrides. */
export interface ConnectionDefinition {
  /**
   * An SMTP URL (`@smtp/url`): scheme (and so security), host and port, or a socket path.
   * Credentials in it are accepted and moved to `auth`; {@link toConnectionDefinition} never
   * writes them here.
   */
  readonly url: string;
  readonly options?: ConnectionDefinitionOptions;
  /**
   * What {@link toConnectionDefinition} could not write, as option paths (`connector`,
   * `onEvent`, `auth.pass`, `auth.accessToken`, `tls.pfx`, `tls.key`...): functions, non-PEM
   * TLS material, and secrets unless asked for. Absent when nothing was left out.
   * {@link parseConnectionDefinition} refuses a definition that lists anything here, since the
   * client it built would silently lack those (a proxy connector, a password): supply them and
   * remove the list.
   */
  readonly omitted?: readonly string[];
}

/** Options of {@link toConnectionDefinition}. */
export interface ToConnectionDefinitionOptions {
  /**
   * Write the password, access token, TLS private key and passphrase into the definition.
   * Default `false`. Only for handing the definition to something that must connect with it
   * (another process), never for logs: the result is then plain JSON with the secrets readable.
   */
  readonly includeSecrets?: boolean;
}

function invalid(message: string, cause?: unknown): ClientStateError {
  return new ClientStateError(
    'SMTP_CLIENT_INVALID_OPTIONS',
    `connection definition: ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

function isPem(value: unknown): value is string {
  return typeof value === 'string' && value.trimStart().startsWith('-----BEGIN ');
}

function checkPem(value: unknown, path: string): void {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) throw invalid(`${path} must not be an empty list`);
  items.forEach((item, index) => {
    const where = Array.isArray(value) ? `${path}[${index}]` : path;
    if (!isPem(item)) {
      throw invalid(`${where} must be PEM text (-----BEGIN ...) or a list of PEM texts`);
    }
  });
}

/** Checks a JSON value against its shape, naming the path of the first bad field. */
function checkJson(value: unknown, shape: JsonShape, path: string): void {
  switch (shape) {
    case 'string':
      if (typeof value !== 'string' || value === '') {
        throw invalid(`${path} must be a non-empty string`);
      }
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw invalid(`${path} must be a number`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(`${path} must be true or false`);
      return;
    case 'pem':
      checkPem(value, path);
      return;
  }
  if ('oneOf' in shape) {
    if (!(shape.oneOf as readonly unknown[]).includes(value)) {
      throw invalid(
        `${path} must be one of ${shape.oneOf.map((v) => JSON.stringify(v)).join(', ')}`,
      );
    }
    return;
  }
  if ('list' in shape) {
    if (!Array.isArray(value)) throw invalid(`${path} must be a list`);
    value.forEach((item, index) => {
      checkJson(item, shape.list, `${path}[${index}]`);
    });
    return;
  }
  if (!isRecord(value)) throw invalid(`${path} must be an object`);
  for (const [key, item] of Object.entries(value)) {
    const where = `${path}.${sanitizeServerText(key, 40)}`;
    if (!Object.hasOwn(shape.fields, key)) {
      throw invalid(
        `${where} is not a known field (known: ${Object.keys(shape.fields).join(', ')})`,
      );
    }
    // JSON has no undefined, but an object built in code may: treat it as absent.
    if (item !== undefined) checkJson(item, shape.fields[key] as JsonShape, where);
  }
}

/** The `options` of a definition: every option of the table that has a JSON shape. */
const OPTIONS_SHAPE: JsonShape = {
  fields: Object.fromEntries(
    OPTION_NAMES.flatMap((name) => {
      const { json } = OPTION_TABLE[name] as OptionSpec<unknown>;
      return json === false || json === 'url' ? [] : [[name, json]];
    }),
  ),
};

const DEFINITION_SHAPE: JsonShape = {
  fields: { url: 'string', options: OPTIONS_SHAPE, omitted: { list: 'string' } },
};

/** A deep copy of a checked JSON value, frozen, without undefined fields. */
function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return Object.freeze(value.map(copyJson));
  if (!isRecord(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) copy[key] = copyJson(item);
  }
  return Object.freeze(copy);
}

/**
 * Checks a connection definition (a parsed JSON value, or JSON text) and returns the
 * `ClientOptions` it stands for. `createClient(definition)` is
 * `new SmtpClient(parseConnectionDefinition(definition))`.
 *
 * - `url` is required: an SMTP URL (`@smtp/url`) giving the scheme (and so the security),
 *   the host and port or a socket path, and optionally credentials.
 * - `options` may hold every option that can be JSON (not `connector`, `onEvent`, a token
 *   function, `tls.pfx` or TLS material other than PEM text); they override the URL.
 * - `omitted`, as written by {@link toConnectionDefinition}, must be empty or absent.
 *
 * The result is frozen at every level, and holds no readable secret: URL credentials are moved
 * into `auth` (the URL keeps no password), and `auth` hides its secret from `JSON.stringify`
 * and `util.inspect` (INV-10). The URL is parsed once: the definition is resolved as the client
 * would resolve it, and that result is remembered for the returned object, so the client built
 * from it neither checks it nor parses the URL again.
 *
 * @param json A parsed JSON value, or JSON text.
 * @returns The client options the definition stands for, frozen.
 * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS` for anything wrong, and never another
 *   error. A field of the wrong JSON type names its path (`definition.options.timeouts.connect
 *   must be a number`); a value the client refuses is prefixed `options:` (`options: port must be
 *   an integer from 1 to 65535`). Messages never quote a password, even from invalid JSON text.
 * @example
 * ```ts
 * const options = parseConnectionDefinition(
 *   '{"url":"smtps://alice:s3cret@mail.example.com","options":{"timeouts":{"connect":10000}}}',
 * );
 * // { url: 'smtps://mail.example.com', timeouts: { connect: 10000 },
 * //   auth: { user: 'alice', pass: [hidden] } }
 * const client = new SmtpClient(options);
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
  checkJson(proxyAsObject(value), DEFINITION_SHAPE, 'definition');
  const definition = proxyAsObject(value) as {
    readonly url?: string;
    readonly options?: Readonly<Record<string, unknown>>;
    readonly omitted?: readonly string[];
  };
  if (definition.url === undefined) throw invalid('definition.url is required');
  if (definition.omitted !== undefined && definition.omitted.length > 0) {
    const listed = definition.omitted.slice(0, 5).map((path) => sanitizeServerText(path, 40));
    const more = definition.omitted.length > 5 ? ', ...' : '';
    throw invalid(
      `definition.omitted lists what was left out when it was written (${listed.join(', ')}${more}): supply it and remove omitted`,
    );
  }

  // The one parse of the URL.
  let parsed: SmtpUrl;
  try {
    parsed = parseSmtpUrl(definition.url);
  } catch (error) {
    throw invalid(`url: ${(error as Error).message}`, error);
  }
  const { credentials, ...rest } = parsed;
  const location = rest as SmtpUrl;

  // URL credentials are split off, so the URL string left in the options holds no password.
  const options: Record<string, unknown> = {
    url: credentials === undefined ? definition.url : formatSmtpUrl(location),
  };
  for (const [key, item] of Object.entries(definition.options ?? {})) {
    if (item !== undefined) options[key] = copyJson(item);
  }
  try {
    if (options.auth !== undefined) {
      options.auth = createCredentials(options.auth, 'options.auth');
    } else if (credentials !== undefined) {
      options.auth = createCredentials(
        { user: credentials.username, pass: credentials.password },
        'url credentials',
      );
    }
    // The proxy's password leaves its URL and hides in `auth`, as the server's does.
    if (options.proxy !== undefined) {
      options.proxy = proxyConfigOf(checkProxy(options.proxy, 'options.proxy'), false);
    }
  } catch (error) {
    throw invalid((error as Error).message, error);
  }
  const result = Object.freeze(options) as ClientOptions;
  let resolved: ResolvedClientOptions;
  try {
    // Resolve now, from the parsed URL, so a definition that parses is one the client accepts.
    resolved = resolveOptionRecord(options, { url: location });
  } catch (error) {
    throw invalid(`options: ${(error as Error).message}`, error);
  }
  rememberResolved(result, resolved);
  return result;
}

/**
 * A definition whose `options.proxy` is a URL string, with the object form (`{ url }`) in its
 * place: the one shape the table describes. Anything else is returned as it is.
 */
function proxyAsObject(value: unknown): unknown {
  if (!isRecord(value) || !isRecord(value.options) || typeof value.options.proxy !== 'string') {
    return value;
  }
  return { ...value, options: { ...value.options, proxy: { url: value.options.proxy } } };
}

/** The URL (and any options it cannot say) for the target and security of `resolved`. */
function writeLocation(resolved: ResolvedClientOptions): {
  readonly url: string;
  readonly options: Readonly<Record<string, unknown>>;
} {
  const { target, security, protocol } = resolved;
  const submission = target.kind !== 'unix' && target.port === 587;
  // `lmtp` says LMTP with STARTTLS when offered; LMTP with any other level is an option beside
  // an SMTP scheme that says the level.
  const lmtpScheme = protocol === 'lmtp' && (security === 'opportunistic' || security === 'none');
  const scheme: SmtpScheme = lmtpScheme
    ? 'lmtp'
    : security === 'implicit'
      ? 'smtps'
      : security === 'starttls'
        ? submission
          ? 'esmtptls'
          : 'smtptls'
        : submission
          ? 'esmtp'
          : 'smtp';
  const { security: schemeSecurity, protocol: schemeProtocol, defaultPort } = SMTP_SCHEMES[scheme];
  // No scheme says "never TLS": `none` is an option beside a plain smtp URL.
  const extra = {
    ...(security === 'none' ? { security } : {}),
    ...(protocol === schemeProtocol ? {} : { protocol }),
  };
  try {
    const url: SmtpUrl =
      target.kind === 'unix'
        ? {
            scheme,
            security: schemeSecurity,
            protocol: schemeProtocol,
            kind: 'unix',
            path: target.path,
          }
        : { scheme, security: schemeSecurity, protocol: schemeProtocol, ...target };
    return { url: formatSmtpUrl(url), options: extra };
  } catch {
    // A target the URL grammar cannot write (a relative socket path, an IPv6 address with a
    // zone): the URL keeps the scheme with a placeholder host, and `host` and `port`, or
    // `path`, which override it, say where to connect.
    const url = formatSmtpUrl({
      scheme,
      security: schemeSecurity,
      protocol: schemeProtocol,
      kind: 'dns',
      host: 'localhost',
      port: defaultPort,
    });
    const where =
      target.kind === 'unix' ? { path: target.path } : { host: target.host, port: target.port };
    return { url, options: { ...where, ...extra } };
  }
}

/** PEM text for a `ca`/`cert`/`key` value (strings or Buffers of PEM), or `undefined`. */
function pemText(value: unknown): string | string[] | undefined {
  if (Array.isArray(value)) {
    const items = value.map(pemText);
    return items.length > 0 && items.every((item) => typeof item === 'string')
      ? (items as string[])
      : undefined;
  }
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  return isPem(text) ? text : undefined;
}

/** Writes resolved values as JSON of the table's shapes, noting what cannot be written. */
class DefinitionWriter {
  readonly omitted: string[] = [];
  readonly #includeSecrets: boolean;

  constructor(includeSecrets: boolean) {
    this.#includeSecrets = includeSecrets;
  }

  /**
   * `value` as JSON of `shape`, or `undefined` when it equals `fallback` (the default) or
   * cannot be written (then noted under `path`). For an object, only the fields that differ
   * from the default's are written; `secrets` are fields written only with `includeSecrets`.
   */
  write(
    value: unknown,
    shape: JsonShape,
    fallback: unknown,
    path: string,
    secrets: readonly string[] = [],
  ): unknown {
    if (value === undefined || value === fallback) return undefined;
    if (typeof shape === 'object' && 'fields' in shape) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const where = `${path}.${key}`;
        const itemFallback = isRecord(fallback) ? fallback[key] : undefined;
        const itemShape = Object.hasOwn(shape.fields, key) ? shape.fields[key] : undefined;
        if (item === undefined || item === itemFallback) continue;
        if (itemShape === undefined || (secrets.includes(key) && !this.#includeSecrets)) {
          this.omitted.push(where);
          continue;
        }
        const json = this.write(item, itemShape, itemFallback, where);
        if (json !== undefined) out[key] = json;
      }
      // Nothing differs from the default's fields: the default stands, unless there is none
      // (`slowOperation: {}` is set, though empty).
      return Object.keys(out).length > 0 || fallback === undefined ? out : undefined;
    }
    const json = shape === 'pem' ? pemText(value) : fits(value, shape) ? value : undefined;
    if (json === undefined) this.omitted.push(path);
    return json;
  }
}

/** True when a resolved value can be written as JSON of a scalar shape. */
function fits(value: unknown, shape: JsonShape): boolean {
  switch (shape) {
    case 'string':
      return typeof value === 'string' && value !== '';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
  return typeof shape === 'object' && 'oneOf' in shape && shape.oneOf.includes(value as never);
}

/**
 * Writes resolved options back as a JSON connection definition: the reverse of
 * {@link parseConnectionDefinition}, for `client.definition()`, a configuration dump or handing
 * a connection to another process.
 *
 * - `url` gives the scheme (chosen from the security level and the port: `smtps`, `smtptls`,
 *   `esmtptls`, `smtp`, `esmtp`; `lmtp` for LMTP), the host and port or an absolute socket path,
 *   and never credentials. `security: 'none'`, which no scheme says, goes in `options`, and so
 *   does `protocol: 'lmtp'` with a level `lmtp://` does not say (`implicit`, `starttls`).
 * - `options` holds only what differs from the defaults (and from the TLS server name the host
 *   implies); it is absent when nothing does.
 * - `omitted` lists, as option paths, what could not be written: `connector` and `onEvent`
 *   when set, a token provider function (`auth.accessToken`), TLS fields that are not PEM text
 *   or not JSON (`tls.pfx`, a DER `Buffer`, `tls.checkServerIdentity`), and, without
 *   `includeSecrets`, the secrets (`auth.pass`, `auth.accessToken`, `tls.key`,
 *   `tls.passphrase`). It is absent when nothing was left out.
 *
 * Without `includeSecrets` (the default) no secret appears anywhere in the result, so it is
 * safe to log. Such a definition cannot log in: `auth` holds only the user, and
 * `parseConnectionDefinition()` refuses it (its `omitted` is not empty) until the caller adds
 * the password (or token, or key) and removes `omitted`. With `includeSecrets: true` and no
 * functions, `parseConnectionDefinition(toConnectionDefinition(resolved, { includeSecrets:
 * true }))` resolves to options equivalent to `resolved`.
 *
 * @param resolved Options from `resolveClientOptions()`.
 * @returns A fresh plain object, JSON-able as it is.
 * @example
 * ```ts
 * const resolved = resolveClientOptions({
 *   host: 'mail.example.com',
 *   auth: { user: 'alice', pass: 's3cret' },
 *   timeouts: { connect: 10_000 },
 * });
 * toConnectionDefinition(resolved);
 * // { url: 'smtptls://mail.example.com',
 * //   options: { auth: { user: 'alice' }, timeouts: { connect: 10000 } },
 * //   omitted: ['auth.pass'] }
 * ```
 */
export function toConnectionDefinition(
  resolved: ResolvedClientOptions,
  options: ToConnectionDefinitionOptions = {},
): ConnectionDefinition {
  const includeSecrets = options.includeSecrets === true;
  const writer = new DefinitionWriter(includeSecrets);
  const location = writeLocation(resolved);
  const written: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    const spec: OptionSpec<unknown> = OPTION_TABLE[name];
    switch (name) {
      case 'url':
        continue;
      case 'host':
      case 'port':
      case 'path':
      case 'security':
      case 'protocol':
        if (location.options[name] !== undefined) written[name] = location.options[name];
        continue;
      case 'auth': {
        const { credentials } = resolved;
        if (credentials === undefined) continue;
        const key = 'accessToken' in credentials ? 'accessToken' : 'pass';
        const secret = 'accessToken' in credentials ? credentials.accessToken : credentials.pass;
        const auth: Record<string, unknown> = { user: credentials.user };
        if (includeSecrets && typeof secret === 'string') auth[key] = secret;
        else writer.omitted.push(`auth.${key}`);
        written.auth = auth;
        continue;
      }
      case 'proxy': {
        const { proxy } = resolved;
        if (proxy === undefined) continue;
        const { tls, ...config } = proxyConfigOf(proxy, includeSecrets);
        const out: Record<string, unknown> = { ...config };
        if (config.auth !== undefined) {
          out.auth = { ...config.auth };
          if (!includeSecrets && proxy.password !== undefined) {
            writer.omitted.push('proxy.auth.pass');
          }
        }
        const tlsShape = OPTION_TABLE.proxy.json.fields.tls;
        const tlsJson = writer.write(tls, tlsShape, undefined, 'proxy.tls');
        if (tlsJson !== undefined) out.tls = tlsJson;
        written.proxy = out;
        continue;
      }
    }
    const value = resolved[spec.resolved];
    const fallback =
      name === 'tls'
        ? resolved.target.kind === 'dns'
          ? { servername: resolved.target.host }
          : {}
        : name === 'family'
          ? resolved.localAddress === undefined
            ? spec.default()
            : isIP(resolved.localAddress)
          : spec.default();
    if (spec.json === false) {
      if (value !== fallback) writer.omitted.push(name);
      continue;
    }
    const json = writer.write(value, spec.json as JsonShape, fallback, name, spec.secrets);
    if (json !== undefined) written[name] = json;
  }
  return {
    url: location.url,
    ...(Object.keys(written).length > 0 ? { options: written as ConnectionDefinitionOptions } : {}),
    ...(writer.omitted.length > 0 ? { omitted: writer.omitted } : {}),
  };
}
