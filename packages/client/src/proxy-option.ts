/**
 * The `proxy` option: checked once, resolved to a frozen {@link ResolvedProxy} whose password is
 * hidden from JSON and `inspect` (decision 11), turned into the transport's `ProxyOptions` for
 * each connection, and written back into a connection definition.
 *
 * Decision 11 also says where proxy credentials may go. SOCKS5 (RFC 1929) and HTTP Basic send
 * them as they are on the link to the proxy, so, as for AUTH ([INV-4](../../../docs/security.md)),
 * they are sent over that plain link only to a proxy on this machine (loopback) or when the
 * caller says `allowInsecureAuth: true`; an `https` proxy carries them inside TLS. The SMTP
 * dialogue itself is not affected: it keeps its own TLS, end to end, through any proxy.
 */
import { isIP } from 'node:net';
import type { ProxyOptions, TlsConnectOptions } from '@smtp/transport';
import { formatProxyUrl, PROXY_SCHEMES, type ProxyScheme, parseProxyUrl } from '@smtp/url';
import {
  checkBoolean,
  checkKeys,
  checkObject,
  defineRedaction,
  invalidOption,
  REDACTED_VALUE,
} from './option-checks.ts';

/** TLS to an `https` proxy, verified against the proxy's host name. */
export interface ProxyTls {
  /** Certificates to trust for the proxy (PEM), instead of the system's. */
  readonly ca?: TlsConnectOptions['ca'];
  readonly rejectUnauthorized?: boolean;
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** The `proxy` option in object form. */
export interface ProxyConfig {
  /** The proxy URL; credentials in it are taken unless `auth` gives them. */
  readonly url: string;
  /** The proxy's credentials (a SOCKS4 user id alone for `socks4a`). Secrets, never logged. */
  readonly auth?: { readonly user: string; readonly pass?: string };
  /** For an `https` proxy. */
  readonly tls?: ProxyTls;
  /**
   * Send the proxy's credentials over a plain link (`socks5`, `socks5h`, `http`) to a proxy that
   * is not on this machine. SOCKS5 and Basic authentication carry the password as it is.
   * Default false: such a configuration is refused (docs/security.md decision 11).
   */
  readonly allowInsecureAuth?: boolean;
}

/** The `proxy` option, checked: what the transport needs, and what a definition writes back. */
export interface ResolvedProxy {
  readonly protocol: ProxyScheme;
  readonly host: string;
  readonly port: number;
  /** The user (a SOCKS4 user id for `socks4a`). */
  readonly username: string | undefined;
  /** Hidden from `JSON.stringify` and `util.inspect`. */
  readonly password: string | undefined;
  /** TLS to an `https` proxy, verified against the proxy's host. */
  readonly tls: ProxyTls | undefined;
  readonly allowInsecureAuth: boolean;
}

/** The fields of `proxy` in object form, and of its `auth` and `tls`. */
export const PROXY_FIELDS = ['url', 'auth', 'tls', 'allowInsecureAuth'] as const;
const PROXY_AUTH_FIELDS = ['user', 'pass'] as const;
export const PROXY_TLS_FIELDS = ['ca', 'rejectUnauthorized', 'minVersion'] as const;

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function checkProxyTls(value: unknown, path: string): ProxyTls {
  const tls = checkObject(value, path);
  checkKeys(tls, PROXY_TLS_FIELDS, path);
  const { rejectUnauthorized, minVersion, ca } = tls;
  if (rejectUnauthorized !== undefined)
    checkBoolean(rejectUnauthorized, `${path}.rejectUnauthorized`);
  if (minVersion !== undefined && minVersion !== 'TLSv1.2' && minVersion !== 'TLSv1.3') {
    throw invalidOption(`${path}.minVersion must be 'TLSv1.2' or 'TLSv1.3'`);
  }
  const validCa =
    ca === undefined ||
    typeof ca === 'string' ||
    Buffer.isBuffer(ca) ||
    (Array.isArray(ca) && ca.every((item) => typeof item === 'string' || Buffer.isBuffer(item)));
  if (!validCa) throw invalidOption(`${path}.ca must be PEM text, a Buffer, or a list of them`);
  return Object.freeze({ ...tls }) as ProxyTls;
}

/**
 * Checks the `proxy` option: a proxy URL, or `{ url, auth, tls, allowInsecureAuth }`.
 *
 * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS` naming the field; for a bad URL the
 *   `UrlError` is the cause. Credentials over a plain link to a proxy that is not on loopback,
 *   without `allowInsecureAuth`, are refused here, before any connection.
 */
export function checkProxy(value: unknown, path: string): ResolvedProxy {
  const config: Record<string, unknown> =
    typeof value === 'string' ? { url: value } : checkObject(value, path);
  checkKeys(config, PROXY_FIELDS, path);
  if (typeof config.url !== 'string') throw invalidOption(`${path}.url must be a proxy URL`);
  let url: ReturnType<typeof parseProxyUrl>;
  try {
    url = parseProxyUrl(config.url);
  } catch (error) {
    // UrlError messages never quote the input, which may hold the password.
    throw invalidOption(`${path}: ${(error as Error).message}`, error);
  }
  let username = url.userId ?? url.credentials?.username;
  let password = url.credentials?.password;
  if (config.auth !== undefined) {
    const auth = checkObject(config.auth, `${path}.auth`);
    checkKeys(auth, PROXY_AUTH_FIELDS, `${path}.auth`);
    if (typeof auth.user !== 'string' || auth.user === '') {
      throw invalidOption(`${path}.auth.user must be a non-empty string`);
    }
    if (auth.pass !== undefined && (typeof auth.pass !== 'string' || auth.pass === '')) {
      throw invalidOption(`${path}.auth.pass must be a non-empty string`);
    }
    if (url.scheme === 'socks4a' && auth.pass !== undefined) {
      throw invalidOption(`${path}.auth.pass: a socks4a proxy takes a user id and no password`);
    }
    if (url.scheme !== 'socks4a' && auth.pass === undefined) {
      throw invalidOption(`${path}.auth.pass is required for a ${url.scheme} proxy`);
    }
    // Checked by the URL grammar, so `auth` cannot carry what a proxy URL could not.
    const where = { scheme: url.scheme, kind: url.kind, host: url.host, port: url.port };
    try {
      parseProxyUrl(
        formatProxyUrl(
          auth.pass === undefined
            ? { ...where, userId: auth.user }
            : { ...where, credentials: { username: auth.user, password: auth.pass as string } },
          { password: true },
        ),
      );
    } catch (error) {
      throw invalidOption(`${path}.auth: ${(error as Error).message}`, error);
    }
    username = auth.user;
    password = auth.pass as string | undefined;
  }
  const allowInsecureAuth =
    config.allowInsecureAuth === undefined
      ? false
      : checkBoolean(config.allowInsecureAuth, `${path}.allowInsecureAuth`);
  const tls = config.tls === undefined ? undefined : checkProxyTls(config.tls, `${path}.tls`);
  if (tls !== undefined && url.scheme !== 'https') {
    throw invalidOption(`${path}.tls is for an https proxy; a ${url.scheme} proxy has no TLS`);
  }
  if (
    password !== undefined &&
    !PROXY_SCHEMES[url.scheme].encrypted &&
    !isLoopback(url.host) &&
    !allowInsecureAuth
  ) {
    throw invalidOption(
      `${path}: a ${url.scheme} proxy would receive its password in the clear; use an https:// proxy, or set ${path}.allowInsecureAuth: true to send it anyway (docs/security.md decision 11)`,
    );
  }
  const resolved: ResolvedProxy = {
    protocol: url.scheme,
    host: url.host,
    port: url.port,
    username,
    password,
    tls,
    allowInsecureAuth,
  };
  defineRedaction(resolved, () => ({
    ...resolved,
    password: password === undefined ? undefined : REDACTED_VALUE,
  }));
  return Object.freeze(resolved);
}

/** The transport's `ProxyOptions` for a resolved proxy. */
export function transportProxy(proxy: ResolvedProxy): ProxyOptions {
  return {
    protocol: proxy.protocol,
    host: proxy.host,
    port: proxy.port,
    ...(proxy.username === undefined ? {} : { username: proxy.username }),
    ...(proxy.password === undefined ? {} : { password: proxy.password }),
    ...(proxy.tls === undefined ? {} : { tlsOptions: { ...proxy.tls } }),
  };
}

/** `scheme://host:port` for logs: never the credentials. */
export function describeProxy(proxy: ResolvedProxy): string {
  return formatProxyUrl({
    scheme: proxy.protocol,
    kind: isIP(proxy.host) === 6 ? 'ipv6' : isIP(proxy.host) === 4 ? 'ipv4' : 'dns',
    host: proxy.host,
    port: proxy.port,
  });
}

/**
 * The `proxy` option in object form, as a definition holds it: the URL without credentials,
 * `auth` beside it. With `reveal` false the password is non-enumerable and shown as
 * `[REDACTED]` by JSON and `inspect` (what `parseConnectionDefinition` returns); with `reveal`
 * true it is plain (what `toConnectionDefinition` writes with `includeSecrets`). Without
 * `reveal`, `omitted` receives `proxy.auth.pass` when a password was left out of view.
 */
export function proxyConfigOf(proxy: ResolvedProxy, reveal: boolean): ProxyConfig {
  const config: Record<string, unknown> = { url: describeProxy(proxy) };
  if (proxy.username !== undefined) {
    const auth: Record<string, unknown> = { user: proxy.username };
    if (proxy.password !== undefined) {
      Object.defineProperty(auth, 'pass', { value: proxy.password, enumerable: reveal });
      if (!reveal) {
        defineRedaction(auth, () => ({ user: proxy.username, pass: REDACTED_VALUE }));
      }
    }
    config.auth = Object.freeze(auth);
  }
  if (proxy.tls !== undefined) config.tls = proxy.tls;
  if (proxy.allowInsecureAuth) config.allowInsecureAuth = true;
  return Object.freeze(config) as unknown as ProxyConfig;
}
