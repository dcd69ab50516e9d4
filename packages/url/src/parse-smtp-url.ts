/**
 * Parsing SMTP URLs.
 *
 * Contract: {@link parseSmtpUrl} either returns a frozen {@link SmtpUrl} in canonical form or
 * throws a `UrlError`; it throws nothing else, whatever the input, and it runs in linear time.
 * Nothing present in the input is ignored: a part it does not understand is an error. Error
 * messages never quote the input, which may hold a password.
 *
 * Grammar, a strict subset of RFC 3986 (section numbers refer to it):
 *
 * ```
 * smtp-url    = scheme "://" [ userinfo "@" ] hostport [ "/" ]
 * bare-host   = hostport                              ; taken as smtp://hostport
 * scheme      = a name from SMTP_SCHEMES, any case     ; 3.1
 * userinfo    = user ":" password                     ; 3.2.1, both non-empty
 * user        = 1*( unreserved / pct-encoded / sub-delims / ucschar )
 * password    = 1*( unreserved / pct-encoded / sub-delims / ":" / ucschar )
 * hostport    = host [ ":" port ] / socket-path
 * host        = "[" IPv6address "]" / IPv4address / host-name   ; 3.2.2
 * host-name   = labels of ALPHA / DIGIT / "-" / "_", or an internationalised name (RFC 5891)
 * port        = 1*DIGIT, 1-65535                      ; 3.2.3
 * socket-path = "%2F" *( unreserved / pct-encoded / sub-delims / ucschar )
 * ```
 *
 * `ucschar` is any non-ASCII character except C1 controls (the IRI extension of RFC 3987);
 * whitespace and control characters are refused everywhere. The WHATWG URL parser is not used
 * for the whole input: it does not know these schemes and repairs malformed input silently.
 */

import {
  checkAfterAuthority,
  checkCharacters,
  DIGITS,
  parseHostPort,
  SCHEME_SYNTAX,
  splitUserinfo,
  USERINFO_CHARACTERS,
} from './authority.ts';
import { createSmtpCredentials, type SmtpCredentials } from './credentials.ts';
import { UrlError } from './errors.ts';
import { percentDecode } from './percent-encoding.ts';
import {
  ACCEPTED_SCHEME_LIST,
  checkPortFor,
  resolveScheme,
  SMTP_SCHEMES,
  type SmtpProtocol,
  type SmtpScheme,
  type SmtpSecurity,
} from './scheme-table.ts';

/** An SMTP server reached over TCP: a DNS name, an IPv4 address or an IPv6 address. */
export interface SmtpHostUrl {
  /** The canonical scheme, lower case, aliases resolved (`estmps` becomes `esmtps`). */
  readonly scheme: SmtpScheme;
  /** The transport security the scheme asks for. */
  readonly security: SmtpSecurity;
  /** The dialogue the scheme speaks: `lmtp` for `lmtp://`, else `smtp`. */
  readonly protocol: SmtpProtocol;
  /**
   * What `host` is. Send TLS SNI only for `'dns'` (RFC 6066 section 3 forbids IP literals in
   * SNI); certificate checks then match the name, or the IP address for the other two kinds.
   */
  readonly kind: 'dns' | 'ipv4' | 'ipv6';
  /**
   * Ready to pass to `net.connect`: lower case, internationalised names as A-labels
   * (`xn--bcher-kva.example`), IPv6 without brackets (`::1`).
   */
  readonly host: string;
  /** The explicit port, or the scheme's default port. */
  readonly port: number;
  /** Present only when the URL has a user name and password. */
  readonly credentials?: SmtpCredentials;
}

/**
 * An SMTP server reached over a UNIX domain socket. The scheme still decides the security;
 * TLS over a socket needs a server name from the caller, since the URL names no host.
 */
export interface SmtpSocketUrl {
  /** The canonical scheme, lower case, aliases resolved (`estmps` becomes `esmtps`). */
  readonly scheme: SmtpScheme;
  /** The transport security the scheme asks for. */
  readonly security: SmtpSecurity;
  /** The dialogue the scheme speaks: `lmtp` for `lmtp://`, else `smtp`. */
  readonly protocol: SmtpProtocol;
  /** Always `'unix'`. */
  readonly kind: 'unix';
  /** The absolute socket path, percent-decoded, exactly as written (not normalised). */
  readonly path: string;
  /** Present only when the URL has a user name and password. */
  readonly credentials?: SmtpCredentials;
}

/**
 * A parsed SMTP URL: where to connect, how to secure it, and who to authenticate as.
 * Switch on `kind` to tell a TCP host from a UNIX socket.
 */
export type SmtpUrl = SmtpHostUrl | SmtpSocketUrl;

/**
 * Parses an SMTP URL, or a bare `host`, `host:port` or `[IPv6]:port` (taken as `smtp`).
 *
 * - The port defaults to the scheme's (`SMTP_SCHEMES`); an explicit one must be 1-65535.
 * - Credentials are `user:password`, both required and non-empty, percent-decoded as UTF-8:
 *   write `@` as `%40`, `:` in the user name as `%3A`, `/` as `%2F`, `?` as `%3F`, `#` as `%23`,
 *   `%` as `%25`.
 * - `lmtp://` speaks LMTP (`protocol: 'lmtp'`, RFC 2033), on port 24 by default; port 25 is
 *   refused (`SMTP_URL_INVALID_PORT`): RFC 2033 section 5 forbids LMTP there.
 * - A UNIX socket goes in the host position as a percent-encoded absolute path:
 *   `smtp://user:pass@%2Fvar%2Frun%2Fsmtp.sock`. It takes no port.
 * - A path other than empty or `/`, a query and a fragment are errors: SMTP URLs define none.
 *
 * @throws `UrlError` with a code from `UrlErrorCode`, and nothing else.
 *
 * @example
 * ```ts
 * const url = parseSmtpUrl('smtps://alice%40example.com:s3cret@mail.example.com');
 * // { scheme: 'smtps', security: 'implicit', kind: 'dns', host: 'mail.example.com',
 * //   port: 465, credentials: { username: 'alice@example.com', password: [REDACTED] } }
 *
 * parseSmtpUrl('smtp://[::1]:2525'); // { kind: 'ipv6', host: '::1', port: 2525, ... }
 * parseSmtpUrl('smtp://%2Fvar%2Frun%2Fsmtp.sock'); // { kind: 'unix', path: '/var/run/smtp.sock', ... }
 * parseSmtpUrl('lmtp://%2Fvar%2Frun%2Fdovecot%2Flmtp'); // { protocol: 'lmtp', kind: 'unix', ... }
 * parseSmtpUrl('localhost:2525'); // { scheme: 'smtp', kind: 'dns', host: 'localhost', ... }
 * ```
 */
export function parseSmtpUrl(input: string): SmtpUrl {
  if (typeof input !== 'string') {
    throw new UrlError(
      'SMTP_URL_MALFORMED',
      `An SMTP URL must be a string, not ${input === null ? 'null' : typeof input}.`,
    );
  }
  checkCharacters(input);
  const separator = input.indexOf('://');
  if (separator === -1) return parseBareHost(input);

  const name = input.slice(0, separator);
  if (!SCHEME_SYNTAX.test(name)) {
    throw new UrlError(
      'SMTP_URL_MALFORMED',
      'The text before "://" is not a URL scheme (RFC 3986 section 3.1).',
    );
  }
  const scheme = resolveScheme(name);
  if (scheme === undefined) {
    // The scheme is the one part quoted back: it matched the scheme grammar and comes before
    // any credentials, and naming it is what makes the mistake obvious.
    throw new UrlError(
      'SMTP_URL_UNKNOWN_SCHEME',
      `Unknown SMTP URL scheme "${name.slice(0, 32)}"; known schemes: ${ACCEPTED_SCHEME_LIST}.`,
    );
  }
  const rest = input.slice(separator + 3);
  // The authority ends at the first "/", "?" or "#" (RFC 3986 section 3.2).
  const end = rest.search(/[/?#]/);
  if (end === -1) return parseAuthority(rest, scheme);
  checkAfterAuthority(rest.slice(end));
  return parseAuthority(rest.slice(0, end), scheme);
}

function parseBareHost(input: string): SmtpUrl {
  const colon = input.indexOf(':');
  // "smtp:host" is a URL missing its "//", but "smtp:25" is a host named smtp on port 25.
  if (
    colon > 0 &&
    resolveScheme(input.slice(0, colon)) !== undefined &&
    !DIGITS.test(input.slice(colon + 1))
  ) {
    throw new UrlError(
      'SMTP_URL_MALFORMED',
      `Expected "//" after "${input.slice(0, colon).toLowerCase()}:" (RFC 3986 section 3.2).`,
    );
  }
  if (/[/?#@]/.test(input)) {
    throw new UrlError(
      'SMTP_URL_MALFORMED',
      'A host without a scheme takes no credentials, path, query or fragment; write a full URL such as smtp://user:pass@host:587.',
    );
  }
  return parseAuthority(input, 'smtp');
}

function parseAuthority(authority: string, scheme: SmtpScheme): SmtpUrl {
  const { userinfo, hostPort } = splitUserinfo(authority);
  const credentials = userinfo === undefined ? undefined : parseUserinfo(userinfo);
  const { security, protocol, defaultPort } = SMTP_SCHEMES[scheme];
  const location = parseHostPort(hostPort, defaultPort);
  if (location.kind !== 'unix') checkPortFor(protocol, location.port);
  const url: SmtpUrl = { scheme, security, protocol, ...location };
  return Object.freeze(credentials === undefined ? url : { ...url, credentials });
}

function parseUserinfo(userinfo: string): SmtpCredentials {
  if (!USERINFO_CHARACTERS.test(userinfo)) {
    throw new UrlError(
      'SMTP_URL_MALFORMED',
      'The user name or password contains a character that must be percent-encoded.',
    );
  }
  const colon = userinfo.indexOf(':');
  const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
  if (user === '') {
    throw new UrlError(
      'SMTP_URL_MISSING_USER',
      'The URL has credentials without a user name; write user:password@host.',
    );
  }
  // An empty password is refused too: it almost always comes from an unset variable in
  // "smtp://user:${PASSWORD}@host", and sending it would only fail later, at AUTH.
  if (colon === -1 || colon === userinfo.length - 1) {
    throw new UrlError(
      'SMTP_URL_MISSING_PASSWORD',
      'The URL has a user name without a password; write user:password@host.',
    );
  }
  return createSmtpCredentials(
    percentDecode(user, 'user name'),
    percentDecode(userinfo.slice(colon + 1), 'password'),
  );
}
