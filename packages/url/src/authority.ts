/**
 * The parts of a URL that SMTP URLs and proxy URLs share (RFC 3986): the character check on the
 * whole input, the end of the authority, the user information split off at the one `@`, and
 * the host with its port or a UNIX socket path. Messages never quote the input, which may hold
 * a password.
 *
 * Internal: `parseSmtpUrl` and `parseProxyUrl` are the public surface.
 */
import { UrlError } from './errors.ts';
import { parseHostName, parseIpv6 } from './host.ts';
import { percentDecode } from './percent-encoding.ts';

/** RFC 3986 section 3.1. */
export const SCHEME_SYNTAX = /^[A-Za-z][A-Za-z0-9+.-]*$/;
/** Characters allowed in the user information before percent-decoding. */
export const USERINFO_CHARACTERS = /^[A-Za-z0-9\-._~!$&'()*+,;=:%\u0080-\uffff]*$/;
const SOCKET_PATH_CHARACTERS = /^[A-Za-z0-9\-._~!$&'()*+,;=%\u0080-\uffff]*$/;
const SOCKET_PATH_PREFIX = /^%2f/i;
/** One or more ASCII digits. */
export const DIGITS = /^[0-9]+$/;

/** Where a URL leads: a TCP host and port, or a UNIX socket path. */
export type UrlLocation =
  | { readonly kind: 'dns' | 'ipv4' | 'ipv6'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** Whitespace, control characters and lone surrogates are refused anywhere in the input. */
export function checkCharacters(input: string): void {
  for (let i = 0; i < input.length; i++) {
    const unit = input.charCodeAt(i);
    if (unit <= 0x20 || (unit >= 0x7f && unit <= 0x9f)) {
      // The offset helps find a stray newline from an environment file without quoting text.
      throw new UrlError(
        'SMTP_URL_MALFORMED',
        `The URL contains whitespace or a control character at offset ${i}; percent-encode it or remove it.`,
      );
    }
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = input.charCodeAt(i + 1);
      if (unit >= 0xdc00 || !(next >= 0xdc00 && next <= 0xdfff)) {
        throw new UrlError(
          'SMTP_URL_MALFORMED',
          `The URL contains a lone surrogate at offset ${i}, which is not valid Unicode.`,
        );
      }
      i++;
    }
  }
}

/**
 * What follows the authority may only be "/"; anything else is reported, never dropped.
 * `what` names the kind of URL in messages.
 */
export function checkAfterAuthority(tail: string, what = 'SMTP URLs'): void {
  if (tail === '/') return;
  if (tail.includes('@')) {
    throw new UrlError(
      'SMTP_URL_MALFORMED',
      'An "@" follows a "/", "?" or "#": percent-encode those characters in the user name or password (%2F, %3F, %23).',
    );
  }
  const pathEnd = tail.search(/[?#]/);
  const path = pathEnd === -1 ? tail : tail.slice(0, pathEnd);
  if (path !== '' && path !== '/') {
    throw new UrlError(
      'SMTP_URL_UNSUPPORTED_PART',
      `${what} take no path; only an empty path or "/" may follow the host.`,
    );
  }
  // Here the path is "" or "/" and more follows it, so pathEnd points at "?" or "#".
  throw new UrlError(
    'SMTP_URL_UNSUPPORTED_PART',
    tail[pathEnd] === '?'
      ? `${what} take no query; pass options to the client instead.`
      : `${what} take no fragment.`,
  );
}

/**
 * Splits the authority at its one `@`: the user information before it (absent without an `@`)
 * and the host and port after it.
 */
export function splitUserinfo(authority: string): {
  readonly userinfo: string | undefined;
  readonly hostPort: string;
} {
  const at = authority.indexOf('@');
  if (at !== authority.lastIndexOf('@')) {
    throw new UrlError(
      'SMTP_URL_MALFORMED',
      'The URL has more than one "@": percent-encode "@" in the user name or password as %40.',
    );
  }
  return at === -1
    ? { userinfo: undefined, hostPort: authority }
    : { userinfo: authority.slice(0, at), hostPort: authority.slice(at + 1) };
}

/**
 * The host and port (the port defaults to `defaultPort`), or a UNIX socket path written as a
 * percent-encoded absolute path in the host position.
 */
export function parseHostPort(hostPort: string, defaultPort: number): UrlLocation {
  if (hostPort === '') {
    throw new UrlError('SMTP_URL_EMPTY_HOST', 'The URL names no host or UNIX socket path.');
  }
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close === -1) {
      throw new UrlError(
        'SMTP_URL_INVALID_HOST',
        'An IPv6 address opened with "[" is not closed with "]".',
      );
    }
    const host = parseIpv6(hostPort.slice(1, close));
    const port = parsePortSuffix(hostPort.slice(close + 1), defaultPort);
    return { kind: 'ipv6', host, port };
  }

  const colon = hostPort.indexOf(':');
  if (colon !== hostPort.lastIndexOf(':')) {
    throw new UrlError(
      'SMTP_URL_INVALID_HOST',
      'An IPv6 address must be written in brackets, as in smtp://[::1]:25.',
    );
  }
  const hostText = colon === -1 ? hostPort : hostPort.slice(0, colon);
  const portSuffix = colon === -1 ? '' : hostPort.slice(colon);
  if (hostText === '') {
    throw new UrlError('SMTP_URL_EMPTY_HOST', 'The URL names no host before the port.');
  }
  if (SOCKET_PATH_PREFIX.test(hostText)) {
    if (portSuffix !== '') {
      throw new UrlError('SMTP_URL_INVALID_PORT', 'A UNIX socket path takes no port.');
    }
    return { kind: 'unix', path: parseSocketPath(hostText) };
  }
  const { kind, host } = parseHostName(hostText);
  const port = parsePortSuffix(portSuffix, defaultPort);
  return { kind, host, port };
}

function parseSocketPath(text: string): string {
  if (!SOCKET_PATH_CHARACTERS.test(text)) {
    throw new UrlError(
      'SMTP_URL_INVALID_HOST',
      'The UNIX socket path contains a character that must be percent-encoded.',
    );
  }
  const path = percentDecode(text, 'UNIX socket path');
  if (path.includes('\0')) {
    throw new UrlError('SMTP_URL_INVALID_HOST', 'A UNIX socket path cannot contain NUL (%00).');
  }
  return path;
}

/** `suffix` is "" or starts with ":" after a host name; after "]" it may be anything. */
function parsePortSuffix(suffix: string, defaultPort: number): number {
  if (suffix === '') return defaultPort;
  if (!suffix.startsWith(':')) {
    throw new UrlError(
      'SMTP_URL_INVALID_HOST',
      'Unexpected text after the IPv6 address; expected ":" and a port.',
    );
  }
  const text = suffix.slice(1);
  const port = DIGITS.test(text) ? Number(text) : 0;
  if (port < 1 || port > 65535) {
    throw new UrlError(
      'SMTP_URL_INVALID_PORT',
      'The port must be a decimal number from 1 to 65535.',
    );
  }
  return port;
}
