/**
 * Checks of the names a signature carries: the domain (`d=`), the selector (`s=`), the identity
 * (`i=`) and header field names (`h=`). Internal to the package.
 *
 * Every value reaches a header field, so each is checked on its final written form and refused
 * when it could break the field (docs/security.md INV-5): no white space, no `;`, no control
 * characters. Errors quote the rejected name, which is never a secret.
 */

import { DkimError } from './errors.ts';

/**
 * The WHATWG URL class, present in every runtime this package targets; used only to turn an
 * internationalised name into A-labels (UTS #46), so that the package needs no IDNA tables.
 */
declare const URL: new (input: string) => { readonly hostname: string };

const NON_ASCII = /[^\x00-\x7f]/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

function invalid(message: string): DkimError {
  return new DkimError('SMTP_DKIM_INVALID_OPTION', message);
}

/** Shows a rejected value in a message: quoted, control characters escaped. */
function show(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
}

function toAscii(name: string): string | undefined {
  if (!NON_ASCII.test(name)) return name.toLowerCase();
  try {
    // Refuse what URL would read as something else than a host name.
    if (/[\s/?#@:[\]\\%]/.test(name)) return undefined;
    return new URL(`http://${name}/`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * A domain or selector in A-labels, lower case: labels of letters, digits and inner hyphens
 * (RFC 6376 section 3.5, `sub-domain` of RFC 5321), at most 63 octets each.
 *
 * @param minLabels 2 for `d=` (RFC 6376 `domain-name`: at least two labels), 1 for `s=`.
 */
export function checkDomainName(value: unknown, what: string, minLabels: number): string {
  if (typeof value !== 'string' || value === '')
    throw invalid(`${what} must be a non-empty string.`);
  const ascii = toAscii(value);
  const labels = ascii?.split('.') ?? [];
  if (
    ascii === undefined ||
    ascii.length > 253 ||
    labels.length < minLabels ||
    !labels.every((label) => LABEL.test(label))
  ) {
    throw invalid(
      `${what} ${show(value)} is not a valid name: ${minLabels > 1 ? 'at least two labels' : 'labels'} of letters, digits and inner hyphens, separated by dots.`,
    );
  }
  return ascii;
}

/** `dkim-safe-char` (RFC 6376 section 2.11): written as they are in `i=`. */
function isDkimSafe(octet: number): boolean {
  return octet >= 0x21 && octet <= 0x7e && octet !== 0x3b && octet !== 0x3d;
}

/**
 * The `i=` value: `[local-part]@domain`, the domain `d=` or a subdomain of it (RFC 6376
 * section 3.5), its local part in DKIM quoted-printable (section 2.11).
 */
export function checkIdentity(value: unknown, domain: string): string {
  if (typeof value !== 'string')
    throw invalid('identity must be a string, such as "@example.com".');
  const at = value.lastIndexOf('@');
  if (at < 0) throw invalid(`identity ${show(value)} has no "@": write "[local-part]@domain".`);
  const local = value.slice(0, at);
  if (/[\x00-\x1f\x7f]/.test(local)) {
    throw invalid(`identity ${show(value)} has a control character in its local part.`);
  }
  const identityDomain = checkDomainName(value.slice(at + 1), 'The domain of identity', 1);
  if (identityDomain !== domain && !identityDomain.endsWith(`.${domain}`)) {
    throw invalid(
      `identity ${show(value)} is not at the signing domain ${domain} or a subdomain of it (RFC 6376 section 3.5).`,
    );
  }
  let encoded = '';
  for (const octet of new TextEncoder().encode(local)) {
    encoded += isDkimSafe(octet)
      ? String.fromCharCode(octet)
      : `=${octet.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `${encoded}@${identityDomain}`;
}

/** A list of header field names, lower case, without repeats. */
export function checkFieldNames(value: unknown, what: string): string[] {
  if (!Array.isArray(value)) throw invalid(`${what} must be an array of header field names.`);
  const names: string[] = [];
  for (const name of value) {
    if (typeof name !== 'string' || !FIELD_NAME.test(name)) {
      throw invalid(
        `${what} has ${typeof name === 'string' ? show(name) : String(name)}, which is not a header field name (printable ASCII, no colon, no space).`,
      );
    }
    const lower = name.toLowerCase();
    if (lower === 'dkim-signature') {
      throw invalid(`${what} cannot name DKIM-Signature: a signature never signs itself.`);
    }
    if (!names.includes(lower)) names.push(lower);
  }
  return names;
}
