/**
 * Host names and IP literals in SMTP URLs. Internal to the package.
 *
 * Contract: {@link parseHostName} classifies the text between the userinfo and the port as a DNS
 * name or a dotted-quad IPv4 address and returns it in canonical form (ASCII, lower case);
 * {@link parseIpv6} does the same for the text inside `[...]`. Both throw `UrlError` with code
 * `SMTP_URL_INVALID_HOST`, and both run in linear time.
 *
 * - Grammar: RFC 3986 section 3.2.2 (`IP-literal`, `IPv4address`, `reg-name`), narrowed to what
 *   a mail host can be: `reg-name` is limited to letters, digits, `-`, `.` and `_` (RFC 1123
 *   host names, plus `_` because container and internal DNS names use it), and percent-encoding
 *   is refused in host names.
 * - A name whose last label is numeric (`127.1`, `0x7f.1`) is accepted only as a strict
 *   dotted-quad: `getaddrinfo` would read the other forms as IPv4 while TLS treated them as a
 *   DNS name (the same rule as the WHATWG URL standard's "ends in a number").
 * - Internationalised names are converted to A-labels (RFC 5891 section 4.4) with the runtime's
 *   WHATWG `URL`, which applies UTS #46 mapping, so this package needs no IDNA tables of its own.
 * - Every `xn--` label of the result, written so or converted, must be a valid A-label (so with
 *   no `_`, which only plain ASCII labels may hold), checked by `a-label.ts` with this package's
 *   own Punycode decoder: the runtime's check of A-labels differs between versions (Node 24's
 *   `URL` lets `xn--abc` through), its conversion of U-labels does not.
 * - IPv6 zone identifiers (RFC 6874) and `IPvFuture` literals are refused.
 */

import { A_LABEL_PREFIX, checkALabel } from './a-label.ts';
import { UrlError } from './errors.ts';

/**
 * The WHATWG URL class, present in every runtime this package targets. Declared here because
 * the package compiles without Node or DOM types; only `hostname` is used.
 */
declare const URL: new (input: string) => { readonly hostname: string };

/** What {@link parseHostName} found. */
export interface ParsedHost {
  readonly kind: 'dns' | 'ipv4';
  readonly host: string;
}

const HOST_NAME_CHARACTERS = /^[A-Za-z0-9._\-\u0080-\uffff]*$/;
const NON_ASCII = /[^\x00-\x7f]/;
const DNS_LABEL = /^[a-z0-9_-]+$/;
const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/;
const DEC_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${DEC_OCTET}(?:\\.${DEC_OCTET}){3}$`);
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

function invalidHost(message: string, options?: ErrorOptions): UrlError {
  return new UrlError('SMTP_URL_INVALID_HOST', message, options);
}

/** Parses a host name or IPv4 address (no brackets, no port) into canonical form. */
export function parseHostName(text: string): ParsedHost {
  if (!HOST_NAME_CHARACTERS.test(text)) {
    throw invalidHost(
      'The host contains a character not allowed in a host name (letters, digits, "-", "." and "_"; IPv6 goes in brackets, a UNIX socket path is percent-encoded and starts with %2F).',
    );
  }
  const internationalised = NON_ASCII.test(text);
  const name = internationalised ? domainToAscii(text) : text.toLowerCase();
  const labels = name.split('.');
  // split() always yields at least one element.
  const last = labels[labels.length - 1] as string;
  if (NUMERIC_LABEL.test(last)) {
    // A non-ASCII name that maps to digits (full-width digits) is refused rather than read as
    // an address the user did not visibly write.
    if (internationalised || !IPV4.test(name)) {
      throw invalidHost(
        'The host ends in a number but is not a dotted-quad IPv4 address (four decimal numbers 0-255 without leading zeros).',
      );
    }
    return { kind: 'ipv4', host: name };
  }
  checkDnsName(name, labels);
  return { kind: 'dns', host: name };
}

/** Validates an IPv6 address (the text inside the brackets) and returns it in lower case. */
export function parseIpv6(text: string): string {
  if (!isIpv6(text)) {
    throw invalidHost(
      'The text in brackets is not an IPv6 address (RFC 4291 section 2.2); zone identifiers and IPvFuture are not supported.',
    );
  }
  return text.toLowerCase();
}

function domainToAscii(text: string): string {
  try {
    return idnaToAscii(text);
  } catch (cause) {
    throw invalidHost('The host is not a valid internationalised domain name (RFC 5891).', {
      cause,
    });
  }
}

/** The text through UTS #46 ToASCII, as the WHATWG URL parser does it for a host. */
function idnaToAscii(text: string): string {
  // The text holds no URL delimiters (checked by the callers: a host name, or a U-label decoded
  // from letters, digits, hyphens and code points from U+0080 up), so the WHATWG parser sees it
  // whole as the host and only applies UTS #46 / IDNA to it. It throws a TypeError if refused.
  return new URL(`http://${text}/`).hostname;
}

function invalidALabel(reason: string, options?: ErrorOptions): UrlError {
  return invalidHost(
    `A label of the host name starts with "xn--" but is not a valid A-label: ${reason} (RFC 5891 section 5.4).`,
    options,
  );
}

function checkDnsName(name: string, labels: readonly string[]): void {
  if (name.length > 253) {
    throw invalidHost('The host name is longer than 253 characters (RFC 1035 section 2.3.4).');
  }
  for (const label of labels) {
    if (label === '') {
      throw invalidHost(
        'The host name has an empty label: two dots in a row, or a leading or trailing dot.',
      );
    }
    if (label.length > 63) {
      throw invalidHost('A label of the host name is longer than 63 characters (RFC 1035).');
    }
    // Reachable only through IDNA mapping: UTS #46 can map to ASCII punctuation such as "!".
    if (!DNS_LABEL.test(label)) {
      throw invalidHost('The host name maps to characters not allowed in a DNS name.');
    }
    if (label.startsWith('-') || label.endsWith('-')) {
      throw invalidHost('A label of the host name starts or ends with "-" (RFC 1123).');
    }
    if (A_LABEL_PREFIX.test(label)) checkALabel(label, idnaToAscii, invalidALabel);
  }
}

function isIpv6(text: string): boolean {
  const gap = text.indexOf('::');
  if (gap !== -1 && text.indexOf('::', gap + 1) !== -1) return false;
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? '' : text.slice(gap + 2);
  const groups = [...(head === '' ? [] : head.split(':')), ...(tail === '' ? [] : tail.split(':'))];
  // An embedded IPv4 address may only be the last group of the written text, so a gap at the
  // very end ("1.2.3.4::") leaves no group eligible.
  const ipv4Index = gap !== -1 && tail === '' ? -1 : groups.length - 1;
  let width = 0;
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] as string;
    if (i === ipv4Index && group.includes('.')) {
      if (!IPV4.test(group)) return false;
      width += 2;
    } else if (HEX_GROUP.test(group)) {
      width += 1;
    } else {
      return false;
    }
  }
  // A gap stands for at least one zero group (RFC 4291 section 2.2).
  return gap === -1 ? width === 8 : width <= 7;
}
