/**
 * Proxy URLs: the proxy a client reaches the SMTP server through.
 *
 * Contract: {@link PROXY_SCHEMES} is data, like `SMTP_SCHEMES`; {@link parseProxyUrl} returns a
 * frozen {@link ProxyUrl} or throws a `UrlError` (and nothing else), with the same grammar as SMTP
 * URLs for the authority (percent-encoded credentials, IPv6 in brackets, internationalised
 * names as A-labels) and the same refusals (no path, query or fragment; no whitespace). A UNIX
 * socket is not a proxy address. Error messages never quote the input.
 *
 * ```
 * proxy-url = scheme "://" [ userinfo "@" ] host [ ":" port ] [ "/" ]
 * scheme    = "socks5" / "socks5h" / "socks4a" / "http" / "https", any case
 * userinfo  = user ":" password     ; socks5, socks5h, http, https
 *           / user                  ; socks4a: a user id, no password
 * ```
 */
import {
  checkAfterAuthority,
  checkCharacters,
  parseHostPort,
  SCHEME_SYNTAX,
  splitUserinfo,
  USERINFO_CHARACTERS,
} from './authority.ts';
import { createSmtpCredentials, type SmtpCredentials } from './credentials.ts';
import { UrlError } from './errors.ts';
import { formatCredentials, formatHostPort } from './format-smtp-url.ts';
import { percentDecode, percentEncode } from './percent-encoding.ts';

/** One row of {@link PROXY_SCHEMES}. */
export interface ProxySchemeInfo {
  /** The port used when the URL names none. */
  readonly defaultPort: number;
  /**
   * Who resolves the SMTP server's host name: `client` (the proxy gets an IP address) or `proxy`
   * (the proxy gets the name, and the client's DNS is never asked).
   */
  readonly resolves: 'client' | 'proxy';
  /** True when the link to the proxy itself is TLS, so its credentials are not in the clear. */
  readonly encrypted: boolean;
  /** `password`: user and password (RFC 1929, RFC 7617); `user-id`: a SOCKS4 user id alone. */
  readonly credentials: 'password' | 'user-id';
  /** One line for humans (docs, CLI help). */
  readonly description: string;
}

/**
 * Every proxy URL scheme, keyed by its lower-case name. Ports: 1080 is SOCKS's (IANA); `http`
 * and `https` take the web's defaults, as every other proxy URL user does.
 */
export const PROXY_SCHEMES = Object.freeze({
  socks5: Object.freeze({
    defaultPort: 1080,
    resolves: 'client',
    encrypted: false,
    credentials: 'password',
    description: 'SOCKS5 (RFC 1928); this machine resolves the SMTP host name.' as string,
  } as const),
  socks5h: Object.freeze({
    defaultPort: 1080,
    resolves: 'proxy',
    encrypted: false,
    credentials: 'password',
    description: 'SOCKS5; the proxy resolves the SMTP host name.' as string,
  } as const),
  socks4a: Object.freeze({
    defaultPort: 1080,
    resolves: 'proxy',
    encrypted: false,
    credentials: 'user-id',
    description: 'SOCKS4a; the proxy resolves the name; a user id, no password.' as string,
  } as const),
  http: Object.freeze({
    defaultPort: 80,
    resolves: 'proxy',
    encrypted: false,
    credentials: 'password',
    description: 'An HTTP proxy, through CONNECT (RFC 9110 section 9.3.6).' as string,
  } as const),
  https: Object.freeze({
    defaultPort: 443,
    resolves: 'proxy',
    encrypted: true,
    credentials: 'password',
    description: 'An HTTP proxy reached over TLS, through CONNECT.' as string,
  } as const),
} as const satisfies Readonly<Record<string, ProxySchemeInfo>>);

/** A proxy URL scheme, in lower case. */
export type ProxyScheme = keyof typeof PROXY_SCHEMES;

/** A parsed proxy URL. */
export interface ProxyUrl {
  readonly scheme: ProxyScheme;
  /** What `host` is. */
  readonly kind: 'dns' | 'ipv4' | 'ipv6';
  /** Lower case, internationalised names as A-labels, IPv6 without brackets. */
  readonly host: string;
  /** The explicit port, or the scheme's default. */
  readonly port: number;
  /** User and password (not for `socks4a`); the password is hidden from JSON and `inspect`. */
  readonly credentials?: SmtpCredentials;
  /** The SOCKS4 user id (`socks4a` only). */
  readonly userId?: string;
}

/** RFC 1929 section 2: ULEN and PLEN are one octet each, and neither may be zero. */
const SOCKS5_FIELD_MAX_BYTES = 255;

/** The length of `text` in UTF-8 (the input holds no lone surrogate: checkCharacters). */
function utf8Length(text: string): number {
  let length = 0;
  for (const character of text) {
    const point = character.codePointAt(0) as number;
    length += point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
  }
  return length;
}

function resolveProxyScheme(name: string): ProxyScheme | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(PROXY_SCHEMES, key) ? (key as ProxyScheme) : undefined;
}

const PROXY_SCHEME_LIST = Object.keys(PROXY_SCHEMES).join(', ');

/**
 * Parses a proxy URL: `socks5://`, `socks5h://`, `socks4a://`, `http://` or `https://`, with
 * optional credentials (`user:password@`, percent-encoded; a user id alone for `socks4a`).
 *
 * @throws `UrlError`: `SMTP_URL_UNKNOWN_SCHEME` naming the known schemes, `SMTP_URL_MALFORMED`,
 *   `SMTP_URL_INVALID_HOST` (a UNIX socket path too), `SMTP_URL_INVALID_PORT`,
 *   `SMTP_URL_MISSING_USER`, `SMTP_URL_MISSING_PASSWORD`, `SMTP_URL_INVALID_CREDENTIALS` (a field
 *   the proxy protocol cannot carry).
 * @example
 * ```ts
 * parseProxyUrl('socks5h://alice:s3cret@proxy.example:1080');
 * // { scheme: 'socks5h', kind: 'dns', host: 'proxy.example', port: 1080,
 * //   credentials: { username: 'alice', password: [REDACTED] } }
 * parseProxyUrl('http://[::1]:3128'); // { scheme: 'http', kind: 'ipv6', host: '::1', port: 3128 }
 * ```
 */
export function parseProxyUrl(input: string): ProxyUrl {
  if (typeof input !== 'string') {
    throw new UrlError('SMTP_URL_MALFORMED', 'A proxy URL must be a string.');
  }
  checkCharacters(input);
  const separator = input.indexOf('://');
  const name = separator === -1 ? '' : input.slice(0, separator);
  if (!SCHEME_SYNTAX.test(name)) {
    throw new UrlError(
      'SMTP_URL_MALFORMED',
      `A proxy URL starts with its scheme and "://" (${PROXY_SCHEME_LIST}).`,
    );
  }
  const scheme = resolveProxyScheme(name);
  if (scheme === undefined) {
    throw new UrlError(
      'SMTP_URL_UNKNOWN_SCHEME',
      `Unknown proxy URL scheme "${name.slice(0, 32)}"; known schemes: ${PROXY_SCHEME_LIST}.`,
    );
  }
  const rest = input.slice(separator + 3);
  const end = rest.search(/[/?#]/);
  if (end !== -1) checkAfterAuthority(rest.slice(end), 'Proxy URLs');
  const { userinfo, hostPort } = splitUserinfo(end === -1 ? rest : rest.slice(0, end));
  const location = parseHostPort(hostPort, PROXY_SCHEMES[scheme].defaultPort);
  if (location.kind === 'unix') {
    throw new UrlError('SMTP_URL_INVALID_HOST', 'A proxy is reached over TCP, not a UNIX socket.');
  }
  const url: ProxyUrl = { scheme, ...location };
  if (userinfo === undefined) return Object.freeze(url);
  return Object.freeze({ ...url, ...parseProxyUserinfo(userinfo, scheme) });
}

function parseProxyUserinfo(
  userinfo: string,
  scheme: ProxyScheme,
): Pick<ProxyUrl, 'credentials' | 'userId'> {
  if (!USERINFO_CHARACTERS.test(userinfo)) {
    throw new UrlError(
      'SMTP_URL_MALFORMED',
      'The user name or password contains a character that must be percent-encoded.',
    );
  }
  const colon = userinfo.indexOf(':');
  const user = percentDecode(colon === -1 ? userinfo : userinfo.slice(0, colon), 'user name');
  if (user === '') {
    throw new UrlError('SMTP_URL_MISSING_USER', 'The proxy URL has credentials without a user.');
  }
  if (PROXY_SCHEMES[scheme].credentials === 'user-id') {
    if (colon !== -1) {
      throw new UrlError(
        'SMTP_URL_INVALID_CREDENTIALS',
        'A SOCKS4a proxy takes a user id and no password; use socks5 for a password.',
      );
    }
    if (user.includes('\0')) {
      throw new UrlError('SMTP_URL_INVALID_CREDENTIALS', 'A SOCKS4 user id cannot contain NUL.');
    }
    return { userId: user };
  }
  if (colon === -1 || colon === userinfo.length - 1) {
    throw new UrlError(
      'SMTP_URL_MISSING_PASSWORD',
      'The proxy URL has a user name without a password; write user:password@host.',
    );
  }
  const password = percentDecode(userinfo.slice(colon + 1), 'password');
  if (scheme === 'http' || scheme === 'https') {
    // RFC 7617 section 2: Basic joins them with the first colon, so the user cannot hold one.
    if (user.includes(':')) {
      throw new UrlError(
        'SMTP_URL_INVALID_CREDENTIALS',
        'An HTTP proxy user name cannot contain ":" (Basic authentication splits at it).',
      );
    }
  } else if (
    utf8Length(user) > SOCKS5_FIELD_MAX_BYTES ||
    utf8Length(password) > SOCKS5_FIELD_MAX_BYTES
  ) {
    throw new UrlError(
      'SMTP_URL_INVALID_CREDENTIALS',
      `A SOCKS5 user name and password are at most ${SOCKS5_FIELD_MAX_BYTES} bytes each (RFC 1929).`,
    );
  }
  return { credentials: createSmtpCredentials(user, password) };
}

/**
 * Writes a proxy URL back, with the password as `***` unless `options.password` is true (the
 * output is then not for logs).
 *
 * @throws `UrlError` for a value `parseProxyUrl` could not have returned.
 */
export function formatProxyUrl(
  url: ProxyUrl,
  options: { readonly password?: boolean } = {},
): string {
  const scheme = typeof url.scheme === 'string' ? resolveProxyScheme(url.scheme) : undefined;
  if (scheme === undefined) {
    throw new UrlError('SMTP_URL_UNKNOWN_SCHEME', 'The value has no known proxy URL scheme.');
  }
  const userinfo =
    url.userId !== undefined
      ? `${percentEncode(url.userId, 'user name')}@`
      : url.credentials === undefined
        ? ''
        : formatCredentials(url.credentials, options.password === true);
  return `${scheme}://${userinfo}${formatHostPort(url, PROXY_SCHEMES[scheme].defaultPort)}`;
}
