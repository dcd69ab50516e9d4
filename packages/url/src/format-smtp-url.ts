/**
 * Formatting SMTP URLs, with the password redacted unless asked for.
 *
 * Contract: {@link formatSmtpUrl} writes the canonical URL of an {@link SmtpUrl}, such that
 * `parseSmtpUrl(formatSmtpUrl(url, { password: true }))` equals `url` for every value that
 * `parseSmtpUrl` can return. A value it could not return (an unknown scheme, a security or a
 * protocol that does not match the scheme, a host not in canonical form, a port out of range,
 * LMTP on port 25, an empty user name or password) is refused with a `UrlError` rather than
 * written as a URL that would parse differently.
 *
 * Output follows RFC 3986: credentials and socket paths are percent-encoded (section 2.1),
 * IPv6 addresses are bracketed (section 3.2.2), and the port is omitted when it is the scheme's
 * default (section 6.2.3).
 */

import type { UrlLocation } from './authority.ts';
import type { SmtpCredentials } from './credentials.ts';
import { UrlError } from './errors.ts';
import { parseHostName, parseIpv6 } from './host.ts';
import type { SmtpUrl } from './parse-smtp-url.ts';
import { percentEncode } from './percent-encoding.ts';
import { checkPortFor, resolveScheme, SMTP_SCHEMES } from './scheme-table.ts';

/** Options of {@link formatSmtpUrl}. */
export interface FormatSmtpUrlOptions {
  /**
   * Write the real password instead of `***`. Default `false`: the output is then safe to log.
   * Only for handing the URL to something that needs it, never for logs or error messages.
   */
  readonly password?: boolean;
}

/**
 * Stands in for the password. `*` is always percent-encoded in a real password (`%2A`), so a
 * literal `***` in the output can only mean "redacted", and the redacted URL still parses.
 */
const REDACTED_PASSWORD = '***';

/**
 * Formats an SMTP URL back to text. The password is written as `***` unless
 * `options.password` is `true`.
 *
 * @throws `UrlError` when `url` is not a value `parseSmtpUrl` could have returned.
 *
 * @example
 * ```ts
 * const url = parseSmtpUrl('smtps://alice%40example.com:s3cret@mail.example.com:465');
 * formatSmtpUrl(url); // 'smtps://alice%40example.com:***@mail.example.com'
 * formatSmtpUrl(url, { password: true }); // 'smtps://alice%40example.com:s3cret@mail.example.com'
 * ```
 */
export function formatSmtpUrl(url: SmtpUrl, options: FormatSmtpUrlOptions = {}): string {
  const scheme = typeof url.scheme === 'string' ? resolveScheme(url.scheme) : undefined;
  if (scheme === undefined) {
    throw new UrlError('SMTP_URL_UNKNOWN_SCHEME', 'The value has no known SMTP URL scheme.');
  }
  const { security, protocol, defaultPort } = SMTP_SCHEMES[scheme];
  if (url.security !== security) {
    throw new UrlError(
      'SMTP_URL_MALFORMED',
      `The security does not match the scheme: ${scheme} is always ${security}.`,
    );
  }
  if (url.protocol !== protocol) {
    throw new UrlError(
      'SMTP_URL_MALFORMED',
      `The protocol does not match the scheme: ${scheme} always speaks ${protocol}.`,
    );
  }
  if (url.kind !== 'unix') checkPortFor(protocol, url.port);
  const userinfo =
    url.credentials === undefined
      ? ''
      : formatCredentials(url.credentials, options.password === true);
  return `${scheme}://${userinfo}${formatHostPort(url, defaultPort)}`;
}

/** `user:password@` (the password as `***` unless `reveal`). Internal: also for proxy URLs. */
export function formatCredentials(credentials: SmtpCredentials, reveal: boolean): string {
  if (!credentials.username) {
    throw new UrlError('SMTP_URL_MISSING_USER', 'The credentials have an empty user name.');
  }
  if (!credentials.password) {
    throw new UrlError('SMTP_URL_MISSING_PASSWORD', 'The credentials have an empty password.');
  }
  const username = percentEncode(credentials.username, 'user name');
  // Encoded even when redacted, so a password that cannot be written is refused consistently.
  const password = percentEncode(credentials.password, 'password');
  return `${username}:${reveal ? password : REDACTED_PASSWORD}@`;
}

/** The host and port (left out when it is `defaultPort`), or the socket path. Internal. */
export function formatHostPort(url: UrlLocation, defaultPort: number): string {
  let host: string;
  switch (url.kind) {
    case 'unix':
      if (!url.path.startsWith('/') || url.path.includes('\0')) {
        throw new UrlError(
          'SMTP_URL_INVALID_HOST',
          'A UNIX socket path must be absolute and cannot contain NUL.',
        );
      }
      return percentEncode(url.path, 'UNIX socket path');
    case 'ipv6':
      if (parseIpv6(url.host) !== url.host) throw notCanonical();
      host = `[${url.host}]`;
      break;
    case 'dns':
    case 'ipv4': {
      const parsed = parseHostName(url.host);
      if (parsed.kind !== url.kind || parsed.host !== url.host) throw notCanonical();
      host = url.host;
      break;
    }
    default:
      throw new UrlError('SMTP_URL_INVALID_HOST', 'The value has no known host kind.');
  }
  const { port } = url;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UrlError('SMTP_URL_INVALID_PORT', 'The port must be an integer from 1 to 65535.');
  }
  return port === defaultPort ? host : `${host}:${port}`;
}

function notCanonical(): UrlError {
  return new UrlError(
    'SMTP_URL_INVALID_HOST',
    'The host is not in the form parseSmtpUrl returns for its kind (lower case, A-labels, IPv6 without brackets).',
  );
}
