/**
 * The domain of an address: a DNS name (ASCII or internationalised) or an address literal.
 * Internal to the package; `address.ts` is the public face.
 *
 * Contract: {@link checkDomain} takes the text after `@` exactly as the caller wrote it and
 * either returns its ASCII form (A-labels) or throws `InvalidAddressError` with code
 * `SMTP_MIME_INVALID_DOMAIN`. Pure, synchronous, no `node:` imports, linear time.
 *
 * What is accepted, and why:
 * - A DNS name: labels separated by single dots, each 1 to 63 octets of letters, digits and
 *   inner hyphens once converted to ASCII (RFC 5321 section 4.1.2 `sub-domain`, RFC 1035
 *   section 2.3.4), at most 253 characters in ASCII (the longest name DNS can carry in text
 *   form) and at most 255 octets as written (RFC 5321 section 4.5.3.1.2). RFC 5322 alone would
 *   allow any `atext` (`a@b!c`), but such a domain can never receive mail, so it is refused
 *   here rather than by the server after the message is composed.
 * - Internationalised labels (RFC 6532 / RFC 6531) are converted label by label to A-labels
 *   (RFC 5891 section 4.4) with the runtime's WHATWG `URL`, which applies UTS #46 mapping
 *   (case folding, width mapping): the package carries no IDNA tables of its own. Converting
 *   one label at a time means a label can never turn into two: `例子。广告` (ideographic full
 *   stop) is refused instead of being read as two labels, so the address sent with SMTPUTF8 and
 *   the one sent as A-labels always name the same labels. A non-ASCII label that maps to plain
 *   ASCII (full-width `ｅｘａｍｐｌｅ`) is refused as well: write it in ASCII.
 * - Every `xn--` label, written so or converted, must be a valid A-label (RFC 5891 section 5.4),
 *   checked by `a-label.ts` with this package's own Punycode decoder: the runtime's check of
 *   A-labels differs between versions (Node 24's `URL` lets `xn--abc` through), its conversion
 *   of U-labels does not.
 * - A name whose last label is a number (`a@1.2.3.4`, `a@0x7f`) is refused: it is not a host
 *   name, and resolvers read it as an IPv4 address. Write `[192.0.2.1]` instead.
 * - An address literal (RFC 5321 section 4.1.3): `[192.0.2.1]` (decimal, no leading zeros,
 *   which some software reads as octal) or `[IPv6:2001:db8::1]` in the RFC 5321 forms. The
 *   general `[tag:content]` form is refused: no tag other than `IPv6` is registered.
 *
 * The caller's spelling is kept (case, U-labels); only {@link checkDomain}'s return value is
 * converted.
 */

import { A_LABEL_PREFIX, checkALabel } from './a-label.ts';
import { hasNonAscii, invalidDomain, quoteInput, utf8Length } from './address-text.ts';

/** Longest domain, in octets of its UTF-8 form (RFC 5321 section 4.5.3.1.2). */
export const MAX_DOMAIN_LENGTH = 255;
/** Longest DNS name in text form, without the root's trailing dot (RFC 1035 section 2.3.4). */
const MAX_DNS_NAME_LENGTH = 253;
/** Longest DNS label, in octets (RFC 1035 section 2.3.4). */
const MAX_LABEL_LENGTH = 63;

// Letters, digits and inner hyphens. Run only on labels of at most 63 characters.
const LDH_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
// The ASCII characters a U-label may mix with its non-ASCII ones before conversion.
const LDH_CHARACTERS = /^[A-Za-z0-9-]*$/;
const NON_ASCII_CHARACTERS = /[^\u0000-\u007f]/gu;
// The WHATWG "ends in a number" test: such a name is parsed as IPv4 by resolvers and URLs.
const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/i;
const DEC_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${DEC_OCTET}(?:\\.${DEC_OCTET}){3}$`);
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const IPV6_TAG = /^IPv6:/i;

/**
 * Checks `domain` (the non-empty text after `@`, brackets included for a literal; the parser
 * never hands over an empty one) and returns its ASCII
 * form: A-labels for a name, the literal unchanged. `what` names it in error messages.
 *
 * @throws InvalidAddressError `SMTP_MIME_INVALID_DOMAIN` when it is not a valid domain.
 */
export function checkDomain(domain: string, what: string): string {
  // Why a memo: one send re-checks the same one or two domains 5 to 8 times (parsing From and
  // To, the envelope paths, the header addresses, the dedupe key, the Message-ID), and each
  // check splits, runs regexes and may call the URL parser. A hit skips all of it: about
  // 12 µs less per 1 KB message in the send benchmark. The result depends on `domain` only
  // (`what` names it in errors, and errors are never stored); bounded, cleared when full.
  const known = asciiDomains.get(domain);
  if (known !== undefined) return known;
  const ascii = convertDomain(domain, what);
  if (asciiDomains.size >= DOMAIN_MEMO_SIZE) asciiDomains.clear();
  asciiDomains.set(domain, ascii);
  return ascii;
}

/** How many checked domains {@link checkDomain} remembers. */
export const DOMAIN_MEMO_SIZE = 256;
const asciiDomains = new Map<string, string>();

function convertDomain(domain: string, what: string): string {
  if (utf8Length(domain) > MAX_DOMAIN_LENGTH) {
    throw invalidDomain(
      `${what} ${quoteInput(domain)} is longer than ${MAX_DOMAIN_LENGTH} octets (RFC 5321 section 4.5.3.1.2)`,
    );
  }
  if (domain.startsWith('[')) {
    if (!isAddressLiteral(domain)) {
      throw invalidDomain(
        `${what} ${quoteInput(domain)} is not an IPv4 or IPv6 address literal such as [192.0.2.1] or [IPv6:2001:db8::1] (RFC 5321 section 4.1.3)`,
      );
    }
    return domain;
  }
  const labels = domain.split('.').map((label) => labelToAscii(label, domain, what));
  // split() always yields at least one element.
  const last = labels[labels.length - 1] as string;
  if (NUMERIC_LABEL.test(last)) {
    throw invalidDomain(
      `${what} ${quoteInput(domain)} ends in a number, which resolvers read as an IP address; write an address literal such as [192.0.2.1]`,
    );
  }
  const ascii = labels.join('.');
  if (ascii.length > MAX_DNS_NAME_LENGTH) {
    throw invalidDomain(
      `${what} ${quoteInput(domain)} is longer than ${MAX_DNS_NAME_LENGTH} characters in ASCII (RFC 1035 section 2.3.4)`,
    );
  }
  return ascii;
}

/** One label in ASCII: unchanged if it is ASCII, its A-label if not. Throws if invalid. */
function labelToAscii(label: string, domain: string, what: string): string {
  const where = `${what} ${quoteInput(domain)}`;
  const ascii = hasNonAscii(label) ? uLabelToAscii(label, where) : checkLdhLabel(label, where);
  // Written as an A-label or converted to one, it must decode to the U-label IDNA writes so; an
  // ASCII label that only claims to be an A-label names nothing.
  if (A_LABEL_PREFIX.test(ascii)) {
    checkALabel(ascii, idnaToAscii, (reason, options) =>
      invalidDomain(
        `${where} has a label ${quoteInput(ascii)} that is not a valid A-label: ${reason} (RFC 5891 section 5.4)`,
        options,
      ),
    );
  }
  return ascii;
}

/** A label with a non-ASCII character as its A-label. Throws if invalid. */
function uLabelToAscii(label: string, where: string): string {
  if (
    label.startsWith('-') ||
    label.endsWith('-') ||
    !LDH_CHARACTERS.test(label.replace(NON_ASCII_CHARACTERS, ''))
  ) {
    throw invalidDomain(
      `${where} has an invalid label ${quoteInput(label)}: labels are letters, digits and inner hyphens, separated by single dots`,
    );
  }
  const ascii = toAsciiLabel(label, where);
  if (!ascii.startsWith('xn--') || !LDH_LABEL.test(ascii) || ascii.length > MAX_LABEL_LENGTH) {
    throw invalidDomain(
      `${where} has a label ${quoteInput(label)} that IDNA maps to ${quoteInput(ascii)}, which is not one valid A-label; write the domain as plain ASCII labels or U-labels`,
    );
  }
  return ascii;
}

/** Returns the ASCII `label` if it is a valid LDH label; throws if not. */
function checkLdhLabel(label: string, where: string): string {
  if (label.length > MAX_LABEL_LENGTH) {
    throw invalidDomain(
      `${where} has a label longer than ${MAX_LABEL_LENGTH} octets (RFC 1035 section 2.3.4)`,
    );
  }
  if (!LDH_LABEL.test(label)) {
    throw invalidDomain(
      `${where} has an invalid label ${quoteInput(label)}: labels are letters, digits and inner hyphens, separated by single dots (RFC 5321 section 4.1.2)`,
    );
  }
  return label;
}

/** The label through UTS #46 ToASCII; throws `InvalidAddressError` if IDNA refuses it. */
function toAsciiLabel(label: string, where: string): string {
  try {
    return idnaToAscii(label);
  } catch (cause) {
    throw invalidDomain(
      `${where} has a label ${quoteInput(label)} that is not a valid internationalised domain label (RFC 5891)`,
      { cause },
    );
  }
}

/** The label through UTS #46 ToASCII, as the WHATWG URL parser does it for a host. */
function idnaToAscii(label: string): string {
  // The label holds only letters, digits, hyphens and non-ASCII characters (checked by the
  // callers, or decoded from such a label), so the URL parser sees it whole as the host and only
  // applies IDNA to it. It throws a TypeError if IDNA refuses the label.
  return new URL(`http://${label}/`).hostname;
}

/**
 * True for `[IPv4]` and `[IPv6:...]` per RFC 5321 section 4.1.3. The tokenizer hands over the
 * literal with both brackets, so only the text between them is examined.
 */
function isAddressLiteral(literal: string): boolean {
  const inner = literal.slice(1, -1);
  if (IPV6_TAG.test(inner)) return isIpv6(inner.slice(5));
  return IPV4.test(inner);
}

/**
 * RFC 5321 `IPv6-addr`: 8 groups; or `::` with at most 6 other groups; or 6 groups then IPv4;
 * or `::` with at most 4 other groups then IPv4.
 */
function isIpv6(text: string): boolean {
  let groupsText = text;
  let groupsWanted = 8;
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    if (lastColon === -1 || !IPV4.test(text.slice(lastColon + 1))) return false;
    // `1:2:3:4:5:6:1.2.3.4` keeps `1:2:3:4:5:6`; `::1.2.3.4` keeps `::`, the colon before the
    // IPv4 part being the second half of a `::`.
    const beforeColon = text.slice(0, lastColon);
    groupsText = beforeColon.endsWith(':') ? `${beforeColon}:` : beforeColon;
    groupsWanted = 6;
  }
  const halves = groupsText.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  if (!groups.every((list) => list.every((group) => HEX_GROUP.test(group)))) return false;
  const count = groups.reduce((n, list) => n + list.length, 0);
  // A `::` stands for at least two groups of zeros (RFC 5321 section 4.1.3).
  return halves.length === 2 ? count <= groupsWanted - 2 : count === groupsWanted;
}
