/**
 * The `proxy` option of `connect()`: which proxy, how to authenticate to it, checked before any
 * I/O like every other option.
 *
 * Proxy credentials are secrets (docs/security.md decision 11): the resolved settings keep the
 * password in a property that `JSON.stringify` and `util.inspect` do not show, and no message
 * here quotes a user name or a password. Host names are held to the characters a DNS name can
 * have, because both land on the wire inside the proxy's protocol: a CR or LF in a name would
 * add lines to an HTTP CONNECT request, and a SOCKS name carries its length in one octet.
 */
import { isIP } from 'node:net';
import { TransportUsageError } from '../errors/usage-error.ts';
import type { TlsConnectOptions } from '../tls-connect-options.ts';

/**
 * How the proxy is spoken to:
 * - `socks5`: SOCKS5 (RFC 1928); this machine resolves the SMTP host name and the proxy gets an
 *   IP address.
 * - `socks5h`: SOCKS5; the proxy gets the name and resolves it (this machine's DNS is not asked).
 * - `socks4a`: SOCKS4a; the proxy gets the name; a user id, no password.
 * - `http`: an HTTP proxy, through `CONNECT host:port` (RFC 9110 section 9.3.6).
 * - `https`: the same over TLS to the proxy, verified against the proxy's own name.
 */
export type ProxyProtocol = 'socks4a' | 'socks5' | 'socks5h' | 'http' | 'https';

/** Every {@link ProxyProtocol}. */
export const PROXY_PROTOCOLS: readonly ProxyProtocol[] = Object.freeze([
  'socks4a',
  'socks5',
  'socks5h',
  'http',
  'https',
]);

/** The `proxy` option of `connect()`. */
export interface ProxyOptions {
  readonly protocol: ProxyProtocol;
  /** The proxy's DNS name or IP address (IPv6 without brackets). */
  readonly host: string;
  /** The proxy's TCP port, 1 to 65535. */
  readonly port: number;
  /**
   * SOCKS5 user name (RFC 1929), HTTP `Proxy-Authorization: Basic` user name (RFC 7617), or the
   * SOCKS4a user id. Needs `password`, except for `socks4a`.
   */
  readonly username?: string;
  /**
   * The password that goes with `username` (not for `socks4a`). A secret: it never appears in an
   * error, an event, `util.inspect` or `JSON.stringify` output.
   */
  readonly password?: string;
  /**
   * For an `https` proxy: TLS options for the link to the proxy itself (its CA, a client
   * certificate...), verified against `host`. They are not used for the SMTP server, whose TLS
   * runs inside the tunnel with the connection's own `tlsOptions`.
   */
  readonly tlsOptions?: TlsConnectOptions;
}

/** {@link ProxyOptions} checked. `password` is not enumerable: JSON and inspect leave it out. */
export interface ProxySettings {
  readonly protocol: ProxyProtocol;
  readonly host: string;
  readonly port: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** TLS options for an `https` proxy (empty otherwise). */
  readonly tlsOptions: TlsConnectOptions;
}

/** The part of the resolved target the proxy needs to know about. */
export type ProxiedTarget =
  | { readonly host: string; readonly kind: 'dns' | 'ipv4' | 'ipv6' }
  | { readonly path: string };

/** RFC 1929 section 2: ULEN and PLEN are one octet each, and neither may be zero. */
const SOCKS5_FIELD_MAX_BYTES = 255;

/**
 * A SOCKS5 domain name carries its length in one octet (RFC 1928 section 5), and a DNS name is
 * at most 253 characters written out anyway.
 */
const MAX_HOST_NAME_LENGTH = 255;

/**
 * What a host name may hold on its way to a proxy: the letters, digits, hyphens, dots and
 * underscores of DNS names (A-labels for international names, as `@smtp/url` writes them).
 */
const HOST_NAME = /^[A-Za-z0-9_.-]+$/;

function invalid(message: string): TransportUsageError {
  return new TransportUsageError('SMTP_TRANSPORT_INVALID_OPTIONS', message);
}

function isHostName(host: string): boolean {
  return host.length <= MAX_HOST_NAME_LENGTH && HOST_NAME.test(host);
}

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Half a surrogate pair: UTF-8 cannot carry it, and the encoder would send U+FFFD instead. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkHost(host: unknown): string {
  if (typeof host !== 'string' || host === '') {
    throw invalid('proxy.host must be a non-empty string');
  }
  if (host.startsWith('[')) throw invalid('give an IPv6 proxy.host without brackets');
  if (isIP(host) === 0 && !isHostName(host)) {
    throw invalid('proxy.host must be an IP address or a DNS name (letters, digits, -, ., _)');
  }
  return host;
}

function checkTarget(target: ProxiedTarget, protocol: ProxyProtocol): void {
  if ('path' in target) throw invalid('a proxy cannot reach a UNIX socket path');
  if (target.kind === 'dns' && !isHostName(target.host)) {
    throw invalid(
      'through a proxy, host must be an IP address or a DNS name (letters, digits, -, ., _)',
    );
  }
  if (target.kind === 'ipv6' && target.host.includes('%')) {
    throw invalid('a scoped IPv6 address (with a %zone) cannot be reached through a proxy');
  }
  if (target.kind === 'ipv6' && protocol === 'socks4a') {
    throw invalid('socks4a cannot reach an IPv6 address; use socks5 or socks5h');
  }
}

/**
 * The credentials' rules per protocol. Each message names the field, never its value.
 *
 * - SOCKS5: user name and password together, each 1 to 255 octets of UTF-8 (RFC 1929).
 * - SOCKS4a: a user id alone, without NUL (SOCKS4 ends it with a NUL on the wire), at most 255
 *   octets; no password.
 * - HTTP: user name and password together; the user name non-empty and without `:` (RFC 7617
 *   section 2: the first colon separates the two); the password may be empty.
 */
function checkCredentials(
  protocol: ProxyProtocol,
  username: unknown,
  password: unknown,
): { username: string | undefined; password: string | undefined } {
  if (username !== undefined && typeof username !== 'string') {
    throw invalid('proxy.username must be a string');
  }
  if (password !== undefined && typeof password !== 'string') {
    throw invalid('proxy.password must be a string');
  }
  for (const [name, value] of [
    ['username', username],
    ['password', password],
  ] as const) {
    if (value !== undefined && LONE_SURROGATE.test(value)) {
      throw invalid(`proxy.${name} must be well-formed Unicode (no lone surrogate)`);
    }
  }
  if (protocol === 'socks4a') {
    if (password !== undefined) throw invalid('socks4a takes a user id (username), no password');
    if (username !== undefined) {
      if (username === '' || username.includes('\0')) {
        throw invalid('proxy.username (the SOCKS4a user id) must be non-empty, without NUL');
      }
      if (utf8Length(username) > SOCKS5_FIELD_MAX_BYTES) {
        throw invalid('proxy.username (the SOCKS4a user id) must be at most 255 bytes');
      }
    }
    return { username, password: undefined };
  }
  if (username === undefined && password === undefined) {
    return { username: undefined, password: undefined };
  }
  if (username === undefined) throw invalid('proxy.password needs a proxy.username');
  if (password === undefined) throw invalid('proxy.username needs a proxy.password');
  if (protocol === 'socks5' || protocol === 'socks5h') {
    for (const [name, value] of [
      ['username', username],
      ['password', password],
    ] as const) {
      const length = utf8Length(value);
      if (length === 0 || length > SOCKS5_FIELD_MAX_BYTES) {
        throw invalid(`proxy.${name} must be 1 to 255 bytes for SOCKS5 (RFC 1929)`);
      }
    }
  } else if (username === '' || username.includes(':')) {
    throw invalid('proxy.username must be non-empty and without ":" for HTTP Basic (RFC 7617)');
  }
  return { username, password };
}

/**
 * Checks the `proxy` option against the target it must reach, and returns frozen settings whose
 * password is not enumerable. `undefined` stays `undefined` (no proxy).
 *
 * @throws {TransportUsageError} `SMTP_TRANSPORT_INVALID_OPTIONS`, before any I/O.
 */
export function resolveProxy(
  proxy: ProxyOptions | undefined,
  target: ProxiedTarget,
): ProxySettings | undefined {
  if (proxy === undefined) return undefined;
  if (typeof proxy !== 'object' || proxy === null) throw invalid('proxy must be an object');
  const { protocol, port } = proxy;
  if (!PROXY_PROTOCOLS.includes(protocol)) {
    throw invalid(`proxy.protocol must be one of ${PROXY_PROTOCOLS.join(', ')}`);
  }
  const host = checkHost(proxy.host);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalid('proxy.port must be an integer from 1 to 65535');
  }
  if (proxy.tlsOptions !== undefined) {
    if (protocol !== 'https') throw invalid('proxy.tlsOptions are for an https proxy only');
    if (typeof proxy.tlsOptions !== 'object' || proxy.tlsOptions === null) {
      throw invalid('proxy.tlsOptions must be an object');
    }
  }
  checkTarget(target, protocol);
  const { username, password } = checkCredentials(protocol, proxy.username, proxy.password);
  const settings = {
    protocol,
    host,
    port,
    username,
    tlsOptions: proxy.tlsOptions ?? {},
  };
  // Not enumerable: left out of JSON.stringify, util.inspect, spreads and toEqual diffs.
  Object.defineProperty(settings, 'password', { value: password, enumerable: false });
  return Object.freeze(settings as typeof settings & { readonly password: string | undefined });
}
