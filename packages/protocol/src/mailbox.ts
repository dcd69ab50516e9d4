/**
 * Syntax checks for what goes between the angle brackets of MAIL FROM and RCPT TO, and for the
 * EHLO/HELO argument: mailboxes, domains and address literals.
 *
 * Contract: pure and synchronous; no `node:` imports. A check either returns nothing or throws
 * an `InvalidInputError`; nothing is rewritten, so what was checked is exactly what is sent.
 *
 * Grammar (RFC 5321 section 4.1.2 and 4.1.3):
 * - `Mailbox = Local-part "@" ( Domain / address-literal )`;
 *   `Local-part = Dot-string / Quoted-string`, with RFC 5322 `atext` in atoms and
 *   `qtextSMTP` / `quoted-pairSMTP` inside quotes.
 * - `Domain = sub-domain *("." sub-domain)`; `sub-domain = Let-dig [Ldh-str]`: letters, digits
 *   and inner hyphens, no empty label, no trailing dot.
 * - `address-literal`: `[192.0.2.1]` or `[IPv6:2001:db8::1]` with the IPv6 forms of 4.1.3
 *   (full, `::`-compressed with at most 6 other groups, and both with a trailing IPv4). The
 *   general form `[tag:content]` is refused: RFC 5321 requires the tag to be registered with
 *   IANA, and no tag other than `IPv6` is.
 * - With `smtpUtf8` (RFC 6531 section 3.3), atoms and quoted strings may also hold non-ASCII
 *   characters and a domain label may be a U-label. U-labels are checked for shape only (no
 *   leading or trailing hyphen, no ASCII punctuation), not for IDNA2008 validity: convert to
 *   A-labels first if you need that guarantee.
 *
 * Limits (RFC 5321 section 4.5.3.1), in octets of the UTF-8 form: local part 64, domain 255,
 * DNS label 63 for ASCII labels (RFC 1035 section 2.3.4; a U-label's limit applies to its
 * A-label, which is not computed here), and path 256 including the angle brackets, so a mailbox
 * of at most 254.
 *
 * Stricter than the RFC, on purpose (docs/security.md INV-5): no space, `<` or `>` anywhere, even
 * inside a quoted local part, because too many servers split a command line on spaces or the
 * first `>`; and no source routes (`@relay:user@host`), which RFC 5321 section 4.1.1.3 says
 * clients SHOULD NOT send.
 */

import { checkCharacters, invalid, quote, utf8Length } from './ascii.ts';

/** Options of the mailbox and domain checks. */
export interface MailboxOptions {
  /**
   * The transaction uses SMTPUTF8 (RFC 6531): non-ASCII characters are allowed in the local
   * part and in domain labels. Without it any non-ASCII character is `SMTP_INVALID_NON_ASCII`.
   */
  readonly smtpUtf8?: boolean;
}

/** Longest local part, in octets (RFC 5321 section 4.5.3.1.1). */
export const MAX_LOCAL_PART_LENGTH = 64;
/** Longest domain, in octets (RFC 5321 section 4.5.3.1.2). */
export const MAX_DOMAIN_LENGTH = 255;
/** Longest reverse or forward path including `<` and `>`, in octets (RFC 5321 4.5.3.1.3). */
export const MAX_PATH_LENGTH = 256;
/** Longest DNS label, in octets (RFC 1035 section 2.3.4). */
const MAX_LABEL_LENGTH = 63;

// RFC 5322 atext; the UTF-8 forms add every non-ASCII code point (RFC 6531 section 3.3,
// UTF8-non-ascii). Controls and lone surrogates never get this far: checkCharacters ran first.
const ATEXT = "A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~";
// The patterns accept non-ASCII everywhere RFC 6531 does; when SMTPUTF8 is off, non-ASCII has
// already been refused by checkCharacters, so one set of patterns serves both cases.
const DOT_STRING = new RegExp(
  `^[${ATEXT}\\u{80}-\\u{10FFFF}]+(?:\\.[${ATEXT}\\u{80}-\\u{10FFFF}]+)*$`,
  'u',
);
// qtextSMTP (%d32-33 / %d35-91 / %d93-126) and quoted-pairSMTP (%d92 %d32-126).
const QUOTED_STRING =
  /^"(?:[\u0020\u0021\u0023-\u005b\u005d-\u007e\u{80}-\u{10FFFF}]|\\[\u0020-\u007e])*"$/u;
const LABEL =
  /^[A-Za-z0-9\u{80}-\u{10FFFF}](?:[A-Za-z0-9\u{80}-\u{10FFFF}-]*[A-Za-z0-9\u{80}-\u{10FFFF}])?$/u;
const ASCII_ONLY = /^[\u0000-\u007f]*$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/**
 * Checks a mailbox (`local-part@domain`, without angle brackets) against RFC 5321 section
 * 4.1.2, as extended by RFC 6531 when `options.smtpUtf8` is set.
 *
 * @throws InvalidInputError `SMTP_INVALID_CHARACTER` (controls), `SMTP_INVALID_NON_ASCII`,
 * `SMTP_INVALID_MAILBOX` (syntax, length) or `SMTP_INVALID_DOMAIN` (the part after `@`).
 * @example
 * validateMailbox('user@example.com'); // passes
 * validateMailbox('jörg@bücher.example', { smtpUtf8: true }); // passes
 */
export function validateMailbox(mailbox: string, options: MailboxOptions = {}): void {
  checkCharacters(mailbox, 'mailbox', options.smtpUtf8 === true);
  checkMailboxSyntax(mailbox);
}

/**
 * Internal (for the MAIL and RCPT encoders, not exported from the package): the checks of
 * {@link validateMailbox} after the character check, for a caller that has just run
 * `checkCharacters` on the same value with the same SMTPUTF8 setting, so that it is not done
 * twice on every envelope path.
 */
export function checkMailboxSyntax(mailbox: string): void {
  checkPathPunctuation(mailbox, 'mailbox');
  const at = splitMailbox(mailbox);
  const localPart = mailbox.slice(0, at);
  const domain = mailbox.slice(at + 1);
  if (utf8Length(localPart) > MAX_LOCAL_PART_LENGTH) {
    invalid(
      'SMTP_INVALID_MAILBOX',
      `local part of ${quote(mailbox)} is longer than ${MAX_LOCAL_PART_LENGTH} octets (RFC 5321 section 4.5.3.1.1)`,
    );
  }
  checkDomainOrLiteral(domain, 'domain of mailbox', mailbox);
  if (utf8Length(mailbox) > MAX_PATH_LENGTH - 2) {
    invalid(
      'SMTP_INVALID_MAILBOX',
      `mailbox ${quote(mailbox)} makes a path longer than ${MAX_PATH_LENGTH} octets (RFC 5321 section 4.5.3.1.3)`,
    );
  }
}

/**
 * Checks a domain or address literal: the EHLO/HELO argument (RFC 5321 section 4.1.1.1) or
 * the part of a mailbox after `@`. U-labels only with `options.smtpUtf8`.
 *
 * @throws InvalidInputError `SMTP_INVALID_CHARACTER`, `SMTP_INVALID_NON_ASCII` or
 * `SMTP_INVALID_DOMAIN`.
 * @example
 * validateDomain('mail.example.com');
 * validateDomain('[IPv6:2001:db8::1]');
 */
export function validateDomain(domain: string, options: MailboxOptions = {}): void {
  checkCharacters(domain, 'domain', options.smtpUtf8 === true);
  checkDomainOrLiteral(domain, 'domain');
}

/**
 * Checks a bare local part, a Dot-string or Quoted-string (RFC 5321 section 4.1.2), with the
 * same rules as the local part of {@link validateMailbox}: the VRFY argument when it is a user
 * name rather than a mailbox.
 *
 * @throws InvalidInputError `SMTP_INVALID_CHARACTER`, `SMTP_INVALID_NON_ASCII` or
 * `SMTP_INVALID_MAILBOX`.
 */
export function validateLocalPart(localPart: string, options: MailboxOptions = {}): void {
  checkCharacters(localPart, 'local part', options.smtpUtf8 === true);
  checkPathPunctuation(localPart, 'local part');
  if (localPartEnd(localPart, 'local part') !== localPart.length) {
    invalid('SMTP_INVALID_MAILBOX', `local part ${quote(localPart)} has characters after its end`);
  }
  if (utf8Length(localPart) > MAX_LOCAL_PART_LENGTH) {
    invalid(
      'SMTP_INVALID_MAILBOX',
      `local part ${quote(localPart)} is longer than ${MAX_LOCAL_PART_LENGTH} octets (RFC 5321 section 4.5.3.1.1)`,
    );
  }
}

/**
 * Formats an IP address as an RFC 5321 address literal, for EHLO when the client has no DNS
 * name: `192.0.2.1` becomes `[192.0.2.1]`, `2001:db8::1` becomes `[IPv6:2001:db8::1]`. An
 * IPv6 zone (`%eth0`) is dropped: it means nothing to the server.
 *
 * @throws InvalidInputError `SMTP_INVALID_DOMAIN` if `ip` is not an IPv4 or IPv6 address
 * (`SMTP_INVALID_CHARACTER` or `SMTP_INVALID_NON_ASCII` if it holds what no address can).
 */
export function formatAddressLiteral(ip: string): string {
  const literal = ip.includes(':') ? `[IPv6:${ip.replace(/%.*$/, '')}]` : `[${ip}]`;
  checkCharacters(ip, 'IP address', false);
  if (!isAddressLiteral(literal)) {
    invalid('SMTP_INVALID_DOMAIN', `${quote(ip)} is not an IPv4 or IPv6 address`);
  }
  return literal;
}

/** Refuses what INV-5 bans from paths whatever the grammar says: space, `<`, `>`. */
function checkPathPunctuation(mailbox: string, what: string): void {
  const index = mailbox.search(/[ <>]/);
  if (index !== -1) {
    invalid(
      'SMTP_INVALID_MAILBOX',
      `${what} ${quote(mailbox)} contains ${quote(mailbox.charAt(index))} at index ${index}; pass the address without angle brackets, spaces are not allowed`,
    );
  }
}

/** Index of the `@` that separates local part and domain; throws if the local part is bad. */
function splitMailbox(mailbox: string): number {
  const end = localPartEnd(mailbox, 'mailbox');
  if (mailbox.charAt(end) !== '@') {
    invalid(
      'SMTP_INVALID_MAILBOX',
      `mailbox ${quote(mailbox)} has no "@domain" after its local part`,
    );
  }
  return end;
}

/**
 * Where the Dot-string or Quoted-string that opens `value` ends; throws
 * `SMTP_INVALID_MAILBOX` if it is not one. A dot-string ends at the first `@` (or the end).
 */
function localPartEnd(value: string, what: string): number {
  if (value.startsWith('"')) {
    const close = findClosingQuote(value);
    if (close === -1 || !QUOTED_STRING.test(value.slice(0, close + 1))) {
      invalid(
        'SMTP_INVALID_MAILBOX',
        `${what} ${quote(value)} has an unterminated or invalid quoted string`,
      );
    }
    return close + 1;
  }
  const at = value.indexOf('@');
  const end = at === -1 ? value.length : at;
  if (!DOT_STRING.test(value.slice(0, end))) {
    invalid(
      'SMTP_INVALID_MAILBOX',
      value.startsWith('@')
        ? `${what} ${quote(value)} has no local part (source routes are not supported, RFC 5321 section 4.1.1.3)`
        : `${what} ${quote(value)} does not start with a dot-string (RFC 5321 section 4.1.2): quote the local part, or remove empty, leading or trailing dots`,
    );
  }
  return end;
}

/** Index of the quote that closes the quoted string opening `value`, skipping quoted pairs. */
function findClosingQuote(value: string): number {
  for (let i = 1; i < value.length; i++) {
    const char = value.charAt(i);
    if (char === '\\') i++;
    else if (char === '"') return i;
  }
  return -1;
}

/**
 * Checks a domain or address literal whose characters were already checked. Messages name it
 * `what`, followed by the quoted `mailbox` it belongs to when there is one: quoted only on
 * failure, since quoting walks the whole value.
 */
function checkDomainOrLiteral(domain: string, what: string, mailbox?: string): void {
  if (domain.startsWith('[')) {
    if (!isAddressLiteral(domain)) {
      invalid(
        'SMTP_INVALID_DOMAIN',
        `${describe(what, mailbox)} ${quote(domain)} is not an IPv4 or IPv6 address literal (RFC 5321 section 4.1.3)`,
      );
    }
    return;
  }
  if (domain.length === 0) invalid('SMTP_INVALID_DOMAIN', `${describe(what, mailbox)} is empty`);
  if (utf8Length(domain) > MAX_DOMAIN_LENGTH) {
    invalid(
      'SMTP_INVALID_DOMAIN',
      `${describe(what, mailbox)} ${quote(domain)} is longer than ${MAX_DOMAIN_LENGTH} octets (RFC 5321 section 4.5.3.1.2)`,
    );
  }
  for (const label of domain.split('.')) {
    if (!LABEL.test(label)) {
      invalid(
        'SMTP_INVALID_DOMAIN',
        `${describe(what, mailbox)} ${quote(domain)} has an invalid label ${quote(label)}: labels are letters, digits and inner hyphens, separated by single dots (RFC 5321 section 4.1.2)`,
      );
    }
    if (label.length > MAX_LABEL_LENGTH && ASCII_ONLY.test(label)) {
      invalid(
        'SMTP_INVALID_DOMAIN',
        `${describe(what, mailbox)} ${quote(domain)} has a label longer than ${MAX_LABEL_LENGTH} octets (RFC 1035 section 2.3.4)`,
      );
    }
  }
}

function describe(what: string, mailbox: string | undefined): string {
  return mailbox === undefined ? what : `${what} ${quote(mailbox)}`;
}

/** True for `[IPv4]` and `[IPv6:...]` per RFC 5321 section 4.1.3. */
function isAddressLiteral(literal: string): boolean {
  if (!literal.endsWith(']')) return false;
  const inner = literal.slice(1, -1);
  if (/^ipv6:/i.test(inner)) return isIpv6(inner.slice(5));
  return isIpv4(inner);
}

function isIpv4(text: string): boolean {
  const match = IPV4.exec(text);
  if (match === null) return false;
  return match.slice(1).every((part) => Number(part) <= 255);
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
    if (lastColon === -1 || !isIpv4(text.slice(lastColon + 1))) return false;
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
