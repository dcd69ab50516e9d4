/**
 * The client's name for EHLO and HELO (RFC 5321 section 4.1.1.1): a domain, or an address
 * literal when the client has no usable name.
 *
 * The default follows common practice (Nodemailer, Postfix's `myhostname`): the machine's host
 * name from `os.hostname()`, lower-cased. Host names that are not valid SMTP domains (an
 * underscore, a space, a non-ASCII character, as some container and desktop names have) are
 * repaired by replacing each invalid character with `-` and trimming what a label may not start
 * or end with; if nothing valid remains, the name is the address literal `[127.0.0.1]`, which
 * every server accepts syntactically and which gives away nothing about the machine.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { formatAddressLiteral, validateDomain } from '@smtp/protocol';
import { ClientStateError } from './errors.ts';
import { sanitizeServerText } from './reply-info.ts';

/** The name used when the host name cannot be made a valid domain. */
export const FALLBACK_CLIENT_NAME = '[127.0.0.1]';

function isValidDomain(name: string): boolean {
  try {
    validateDomain(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The default EHLO name for a host name (by default `os.hostname()`): the name itself when it
 * is a valid domain, a repaired form when one exists, else {@link FALLBACK_CLIENT_NAME}. An IP
 * address becomes its address literal.
 *
 * @example
 * ```ts
 * defaultClientName('Build_Box.local'); // 'build-box.local'
 * defaultClientName(''); // '[127.0.0.1]'
 * ```
 */
export function defaultClientName(host: string = hostname()): string {
  if (isIP(host) !== 0) return formatAddressLiteral(host);
  const lower = host.toLowerCase();
  if (lower !== '' && isValidDomain(lower)) return lower;
  const repaired = lower
    .replace(/[^a-z0-9.-]/g, '-')
    .split('.')
    .map((label) => label.replace(/^-+|-+$/g, '').slice(0, 63))
    .filter((label) => label !== '')
    .join('.');
  return repaired !== '' && isValidDomain(repaired) ? repaired : FALLBACK_CLIENT_NAME;
}

/**
 * Checks a caller's `name` option: a domain (`client.example.com`), an address literal
 * (`[192.0.2.1]`, `[IPv6:2001:db8::1]`), or a bare IP address, which is turned into its
 * address literal. `undefined` gives {@link defaultClientName}.
 *
 * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS` naming `name`, with the reason.
 */
export function resolveClientName(name: unknown, option = 'name'): string {
  if (name === undefined) return defaultClientName();
  if (typeof name !== 'string' || name === '') {
    throw new ClientStateError(
      'SMTP_CLIENT_INVALID_OPTIONS',
      `${option} must be a non-empty string: a domain or an address literal`,
    );
  }
  try {
    if (isIP(name) !== 0) return formatAddressLiteral(name);
    validateDomain(name);
    return name;
  } catch (error) {
    throw new ClientStateError(
      'SMTP_CLIENT_INVALID_OPTIONS',
      `${option} ${JSON.stringify(sanitizeServerText(name, 100))} is not a domain or an address literal (RFC 5321 section 4.1.1.1)`,
      { cause: error },
    );
  }
}
