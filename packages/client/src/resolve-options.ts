/**
 * Turns what a caller passes to `new SmtpClient(...)` (a URL string, or a `ClientOptions`
 * object that may hold a `url` plus overrides) into the one checked, frozen
 * `ResolvedClientOptions` the rest of the client works from. Runs once, before any I/O; every
 * mistake is a `ClientStateError` `SMTP_CLIENT_INVALID_OPTIONS` whose message names the option
 * (`timeouts.connect must be ...`), and an unknown option name is a mistake too, with a hint
 * for the names other mail libraries use (`secure: true` → `security: 'implicit'`).
 *
 * Each option is checked and defaulted through `OPTION_TABLE` (option-table.ts); this module
 * adds only the rules that join several options. Decisions, each documented where it is
 * applied:
 * - Precedence: explicit fields win over the URL; `auth` wins over URL credentials.
 * - Security: from the URL scheme, else `opportunistic`; with credentials and without
 *   `allowInsecureAuth`, `opportunistic` becomes `starttls` (docs/security.md INV-1: TLS is required
 *   whenever credentials are configured, so a server without STARTTLS fails the connection with
 *   `SMTP_TLS_REQUIRED` rather than the mail going out unauthenticated or in the clear).
 * - Port without a URL: 465 for `implicit` (RFC 8314), 587 for `starttls` (RFC 6409
 *   submission), 25 for `opportunistic` and `none` (RFC 5321 relay). With a URL, its port (or
 *   its scheme's default) stands even when `security` is overridden. With `protocol: 'lmtp'`
 *   and no URL, 24 (the `lmtp` scheme's).
 * - Protocol: from the option, else the URL scheme (`lmtp://`), else `smtp`; LMTP on TCP port
 *   25 is refused (RFC 2033 section 5: an SMTP server there would not answer it in step).
 * - Proxy: not with a UNIX socket (a proxy tunnels TCP).
 * - Local address and family: not with a UNIX socket; they must agree with each other and with
 *   an IP address given as the host; without `family`, DNS lookups follow `localAddress`'s
 *   family (an IPv4 local address cannot reach an IPv6 server).
 * - Secrets (INV-10): credentials become an object whose `pass`/`accessToken` is
 *   non-enumerable, with `toJSON` and `util.inspect` hooks that print `[REDACTED]`; the `tls`
 *   object keeps its fields enumerable (the transport spreads it into `tls.connect`) but gets
 *   the same hooks for its secret fields (`key`, `passphrase`, `pfx`). So
 *   `JSON.stringify(resolved)` and `util.inspect(resolved)` show no secret.
 */
import { isIP } from 'node:net';
import { SMTP_SCHEMES, type SmtpProtocol, type SmtpUrl } from '@smtp/url';
import { mechanismsFor } from './auth.ts';
import {
  type CheckedValue,
  type CombinedField,
  checkKeys,
  checkObject,
  defineRedaction,
  hideCredentials,
  invalidOption,
  OPTION_HINTS,
  OPTION_NAMES,
  OPTION_TABLE,
  type OptionName,
  type OptionSpec,
  REDACTED_VALUE,
} from './option-table.ts';
import type { ClientOptions, ResolvedClientOptions, Security } from './options.ts';

export {
  createCredentials,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_CLIENT_TIMEOUTS,
  hideCredentials,
  SECURITY_LEVELS,
} from './option-table.ts';

import { securityFor } from './policy.ts';
import { POOL_SETTING_HINTS } from './pool-options.ts';

/** The port used without a URL, by security level (see the module docblock). */
export const DEFAULT_PORTS: Readonly<Record<Security, number>> = Object.freeze({
  implicit: 465,
  starttls: 587,
  opportunistic: 25,
  none: 25,
});

/** The checked value of each option the caller gave. */
type CheckedOptions = { readonly [K in OptionName]?: CheckedValue<K> };

type Target = ResolvedClientOptions['target'];

/**
 * Resolved options already worked out for a frozen `ClientOptions` object, by
 * `parseConnectionDefinition()`: resolving it again (in the client's constructor) returns them
 * instead of parsing its URL a second time.
 */
const KNOWN = new WeakMap<ClientOptions, ResolvedClientOptions>();

/**
 * Records that `options` (frozen at every level, so it cannot change) resolves to `resolved`.
 *
 * @internal For `parseConnectionDefinition()`.
 */
export function rememberResolved(options: ClientOptions, resolved: ResolvedClientOptions): void {
  KNOWN.set(options, resolved);
}

function checkOptions(
  options: Record<string, unknown>,
  parsed: { readonly url: SmtpUrl } | undefined,
): CheckedOptions {
  const checked: Partial<Record<OptionName, unknown>> = {};
  for (const name of OPTION_NAMES) {
    if (name === 'url' && parsed !== undefined) {
      checked.url = parsed.url;
      continue;
    }
    const value = options[name];
    if (value !== undefined) checked[name] = OPTION_TABLE[name].check(value, name);
  }
  return checked as CheckedOptions;
}

function resolveTarget(
  checked: CheckedOptions,
  url: SmtpUrl | undefined,
  security: Security,
  protocol: SmtpProtocol,
): Target {
  const { host, port, path } = checked;
  if (path !== undefined) {
    if (host !== undefined || port !== undefined) {
      throw invalidOption('give path, or host and port, not both');
    }
    return { kind: 'unix', path };
  }
  if (host !== undefined) {
    const urlPort = url !== undefined && url.kind !== 'unix' ? url.port : undefined;
    const fallback = protocol === 'lmtp' ? SMTP_SCHEMES.lmtp.defaultPort : DEFAULT_PORTS[security];
    return { ...host, port: port ?? urlPort ?? fallback };
  }
  if (url === undefined) throw invalidOption('give url, host or path');
  if (url.kind === 'unix') {
    if (port !== undefined) throw invalidOption('port cannot be used with a socket path URL');
    return { kind: 'unix', path: url.path };
  }
  return { kind: url.kind, host: url.host, port: port ?? url.port };
}

/** The `tls` option with the default server name and the redaction hooks, frozen. */
function finishTls(
  tls: NonNullable<ClientOptions['tls']>,
  target: Target,
): ResolvedClientOptions['tls'] {
  const resolved: Record<string, unknown> = { ...tls };
  // Verify against the host the caller named (INV-3); for an IP the transport checks IP SANs
  // and sends no SNI, so only DNS names get a default servername.
  if (resolved.servername === undefined && target.kind === 'dns') resolved.servername = target.host;
  defineRedaction(resolved, () => {
    const view: Record<string, unknown> = { ...resolved };
    for (const key of OPTION_TABLE.tls.secrets) {
      if (view[key] !== undefined) view[key] = REDACTED_VALUE;
    }
    return view;
  });
  return Object.freeze(resolved) as ResolvedClientOptions['tls'];
}

/** The DNS family: the option, else `localAddress`'s family, else 0; checked against the target. */
function resolveFamily(checked: CheckedOptions, target: Target): 0 | 4 | 6 {
  const { localAddress, family } = checked;
  if (target.kind === 'unix') {
    if (localAddress !== undefined) {
      throw invalidOption('localAddress cannot be used with a UNIX socket');
    }
    if (family !== undefined && family !== 0) {
      throw invalidOption('family cannot be used with a UNIX socket');
    }
    return 0;
  }
  const local = localAddress === undefined ? 0 : (isIP(localAddress) as 4 | 6);
  if (family !== undefined && family !== 0 && local !== 0 && family !== local) {
    throw invalidOption(`localAddress is an IPv${local} address but family is ${family}`);
  }
  const resolved = family ?? (local === 0 ? OPTION_TABLE.family.default() : local);
  const server = target.kind === 'ipv4' ? 4 : target.kind === 'ipv6' ? 6 : 0;
  if (server !== 0 && local !== 0 && local !== server) {
    throw invalidOption(
      `localAddress is an IPv${local} address but the server's address is IPv${server}`,
    );
  }
  if (server !== 0 && resolved !== 0 && resolved !== server) {
    throw invalidOption(`family is ${resolved} but the server's address is IPv${server}`);
  }
  return resolved;
}

/** The proxy, which tunnels TCP only: a UNIX socket is reached directly or not at all. */
function resolveProxy(checked: CheckedOptions, target: Target): ResolvedClientOptions['proxy'] {
  if (checked.proxy !== undefined && target.kind === 'unix') {
    throw invalidOption('proxy cannot be used with a UNIX socket');
  }
  return checked.proxy;
}

/**
 * Resolves an options record: each option through `OPTION_TABLE`, then the rules that join
 * several. `parsed.url`, when given, is `options.url` already parsed (a connection definition
 * parses its URL once and hands it over).
 *
 * @internal For `resolveClientOptions()` and `parseConnectionDefinition()`.
 */
export function resolveOptionRecord(
  options: Record<string, unknown>,
  parsed?: { readonly url: SmtpUrl },
): ResolvedClientOptions {
  checkKeys(options, OPTION_NAMES, '', { ...OPTION_HINTS, ...POOL_SETTING_HINTS });
  const checked = checkOptions(options, parsed);
  const { url } = checked;

  const allowInsecureAuth = checked.allowInsecureAuth ?? OPTION_TABLE.allowInsecureAuth.default();
  const credentials =
    checked.auth ??
    (url?.credentials === undefined
      ? undefined
      : hideCredentials({ user: url.credentials.username, pass: url.credentials.password }));
  const requested = checked.security ?? url?.security ?? OPTION_TABLE.security.default();
  const security = securityFor(requested, credentials !== undefined, allowInsecureAuth);
  const protocol = checked.protocol ?? url?.protocol ?? OPTION_TABLE.protocol.default();
  // The default port follows the level asked for, not the one credentials raised it to: an
  // `opportunistic` client with a password still talks to port 25 unless told otherwise.
  const target = resolveTarget(checked, url, requested, protocol);
  if (protocol === 'lmtp' && target.kind !== 'unix' && target.port === 25) {
    throw invalidOption(
      "protocol 'lmtp' cannot use port 25, the SMTP port (RFC 2033 section 5): give the LMTP server's port (24 by default) or socket path",
    );
  }

  const { mechanism } = checked;
  if (mechanism !== undefined && credentials !== undefined) {
    if (!mechanismsFor(credentials).includes(mechanism)) {
      throw invalidOption(
        `mechanism ${mechanism} does not fit the credentials: use one of ${mechanismsFor(credentials).join(', ')}`,
      );
    }
  }

  const tls = finishTls(checked.tls ?? OPTION_TABLE.tls.default(), target);
  if (
    target.kind === 'unix' &&
    (security === 'implicit' || security === 'starttls') &&
    tls.servername === undefined &&
    tls.rejectUnauthorized !== false
  ) {
    throw invalidOption(
      'tls.servername is required for TLS over a UNIX socket: the certificate is checked against it',
    );
  }

  const combined: Pick<ResolvedClientOptions, CombinedField> = {
    target: Object.freeze(target),
    family: resolveFamily(checked, target),
    proxy: resolveProxy(checked, target),
    security,
    protocol,
    credentials,
    tls,
  };
  const resolved: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    const spec: OptionSpec<unknown> = OPTION_TABLE[name];
    if (Object.hasOwn(resolved, spec.resolved)) continue;
    resolved[spec.resolved] = spec.combined
      ? combined[spec.resolved as CombinedField]
      : (checked[name] ?? spec.default());
  }
  return Object.freeze(resolved) as unknown as ResolvedClientOptions;
}

/**
 * Checks and normalises the client's options. A string is a URL (`parseSmtpUrl` from
 * `@smtp/url`); an object may give `url` plus fields that override it. The result is frozen
 * and holds no secret in enumerable form (see the module docblock).
 *
 * Options returned by `parseConnectionDefinition()` were resolved when they were parsed: they
 * give back that result, without parsing the URL again.
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
  if (typeof target === 'object' && target !== null) {
    const known = KNOWN.get(target);
    if (known !== undefined) return known;
  }
  return resolveOptionRecord(
    typeof target === 'string' ? { url: target } : checkObject(target, 'options'),
  );
}
