/**
 * Addresses: parsing RFC 5322 address lists and mailboxes, validating addresses given as
 * objects, and writing addr-specs for a header or the SMTP envelope, with or without SMTPUTF8.
 *
 * Contract: pure and synchronous, no `node:` imports (IDNA uses the WHATWG `URL` global and
 * encoded words the `TextDecoder` global, present in every runtime the package targets). Every
 * function either returns a value or throws `InvalidAddressError`, with code
 * `SMTP_MIME_INVALID_DOMAIN` when the domain is at fault and `SMTP_MIME_INVALID_ADDRESS`
 * otherwise; never an exception of another kind, whatever the input. Parsing is a single pass
 * with one token of lookahead, so it runs in linear time on any input (docs/security.md INV-8).
 *
 * Strict on purpose (docs/security.md decision 7): an input that could be read two ways is refused
 * with a message naming the offset and what was expected, never repaired by a guess. What is
 * accepted (RFC 5322 section 3.4, RFC 6532 for UTF-8):
 * - display names of atoms and quoted strings, with quoted pairs, and the obsolete `.` in a
 *   name (`John Q. Public <jqp@example.com>`, RFC 5322 section 4.1) that real mail uses;
 * - angle addresses, bare addr-specs, groups (`Undisclosed recipients:;`,
 *   `team: a@example.com, b@example.com;`), and empty list elements (`a@x,,b@y`,
 *   `obs-addr-list`, RFC 5322 section 4.4);
 * - comments, nested and with quoted pairs, wherever white space may go: they are ignored,
 *   except that one comment right after a bare addr-spec gives its name (the legacy
 *   `user@example.com (User Name)` form that RFC 5322 section 3.4 describes);
 * - RFC 2047 encoded words as whole atoms of a display name or group name, or whole words of
 *   that legacy comment, decoded strictly (`address-encoded-word.ts`): people paste received
 *   headers. Inside quoted strings they stay literal (RFC 2047 section 5);
 * - UTF-8 in names, quoted strings, local parts and domains (RFC 6532); a domain of U-labels
 *   is checked by converting it to A-labels (`domain.ts`).
 *
 * What is refused, and why:
 * - CR, LF, NUL, every other control but HTAB between tokens, DEL, C1 controls, U+2028/U+2029
 *   and lone surrogates, anywhere (INV-5): folded header text must be unfolded first;
 * - an unquoted `@`, `:`, `;`, `<` or `>` in a display name (`alice@example.com <bob@...>`),
 *   two angle addresses in one mailbox, unbalanced quotes, brackets or parentheses, anything
 *   after the last address, a missing `@`, an empty local part or domain, `a@b@c`;
 * - white space or comments inside an addr-spec (around `@` or a dot), which RFC 5322 allows
 *   but which makes `John Doe@example.com` look like a name and an address at once; the
 *   obsolete local parts that mix atoms and quoted strings (`"a".b@example.com`), and local
 *   parts with empty parts (`a..b@example.com`) unless quoted;
 * - source routes (`<@relay:user@example.com>`, RFC 5322 section 4.4) and nested groups;
 * - a domain that cannot receive mail: see `domain.ts` (LDH labels after IDNA, a numeric last
 *   label, address literals other than IPv4 and IPv6);
 * - a local part over 64 octets, a domain over 255, an address over 254 (RFC 5321 section
 *   4.5.3.1, RFC 3696 errata 1690): the envelope could not carry them.
 *
 * Addresses come back in one canonical form, so that equal addresses compare equal and what is
 * checked is what is written: the local part with the least quoting (RFC 5321 section 4.1.2)
 * and the domain as written.
 */

import {
  type AddrSpec,
  type Group,
  MAX_ADDRESS_LENGTH,
  type Mailbox,
  parseAddressListText,
  parseAddrSpecText,
  parseMailboxText,
} from './address-parser.ts';
import {
  checkPlainText,
  hasNonAscii,
  invalidAddress,
  quoteInput,
  utf8Length,
} from './address-text.ts';

export {
  type Group,
  MAX_ADDRESS_LENGTH,
  MAX_LOCAL_PART_LENGTH,
  type Mailbox,
} from './address-parser.ts';
export { MAX_DOMAIN_LENGTH } from './domain.ts';

/**
 * Addresses as callers give them: an RFC 5322 address list in a string, a {@link Mailbox}
 * object, or an array of either.
 */
export type AddressInput = string | Mailbox | readonly (string | Mailbox)[];

/** Options of {@link formatAddressSpec}. */
export interface AddressSpecOptions {
  /**
   * The address goes to a server that offered SMTPUTF8 (RFC 6531), or into a message that will
   * only travel with it: the domain is kept as written (U-labels allowed) and a UTF-8 local part
   * is allowed. Otherwise the domain is converted to A-labels and a UTF-8 local part is refused.
   */
  readonly smtpUtf8: boolean;
}

/**
 * Parses an RFC 5322 `address-list` (section 3.4): mailboxes and groups, separated by commas,
 * as in a `To` or `Cc` header field. See the module documentation for what is accepted.
 *
 * @throws InvalidAddressError `SMTP_MIME_INVALID_ADDRESS` for a syntax error or an ambiguous
 * input, `SMTP_MIME_INVALID_DOMAIN` for a domain that cannot receive mail.
 * @example
 * parseAddressList('"Doe, John" <john@example.com>, team: a@example.com;');
 * // [{ name: 'Doe, John', address: 'john@example.com' },
 * //  { group: 'team', members: [{ address: 'a@example.com' }] }]
 */
export function parseAddressList(input: string): (Mailbox | Group)[] {
  return parseAddressListText(input);
}

/**
 * Parses exactly one RFC 5322 `mailbox` (section 3.4): `Name <local@domain>`, `<local@domain>`
 * or `local@domain`. A list or a group is an error.
 *
 * @throws InvalidAddressError as {@link parseAddressList} does.
 * @example
 * parseMailbox('José <jose@exämple.com>'); // { name: 'José', address: 'jose@exämple.com' }
 */
export function parseMailbox(input: string): Mailbox {
  return parseMailboxText(input);
}

/** True when an element returned by {@link parseAddressList} is a group. */
export function isGroup(address: Mailbox | Group): address is Group {
  return 'group' in address;
}

/**
 * Turns what a caller gave for a sender or recipient field into a list of checked mailboxes,
 * in order, duplicates kept (deduplicating the envelope is the message's job).
 *
 * - A string is parsed with {@link parseAddressList}; a group contributes its members and its
 *   name is dropped, because a mailbox list has no place for it. To keep the group syntax in a
 *   header field, parse the string with {@link parseAddressList} instead.
 * - An object's `address` must be a bare `local@domain` (no white space, comments, name or
 *   angle brackets) and comes back in canonical form; its `name` is plain text used as it is
 *   (nothing unquoted or decoded), refused only if it holds a control character. An empty name
 *   is dropped.
 * - The mailboxes parsed from a string are frozen, and the same objects come back when the same
 *   string is given again (parsing is remembered for recent strings); the array is always new.
 * - `undefined` and an empty array give `[]`; an empty string is an error, as in
 *   {@link parseAddressList}.
 *
 * @throws InvalidAddressError `SMTP_MIME_INVALID_ADDRESS` or `SMTP_MIME_INVALID_DOMAIN`, also
 * for a value of the wrong type (from JavaScript callers).
 * @example
 * normalizeAddresses(['a@example.com, team: b@example.com;', { name: 'C', address: 'c@example.com' }]);
 * // [{ address: 'a@example.com' }, { address: 'b@example.com' }, { name: 'C', address: 'c@example.com' }]
 */
export function normalizeAddresses(input: AddressInput | undefined): Mailbox[] {
  if (input === undefined) return [];
  const items: readonly unknown[] = isReadonlyArray(input) ? input : [input];
  const mailboxes: Mailbox[] = [];
  items.forEach((item, index) => {
    const where = isReadonlyArray(input) ? `the address at index ${index}` : 'the address';
    if (typeof item === 'string') {
      for (const mailbox of mailboxesOfList(item)) mailboxes.push(mailbox);
    } else if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      mailboxes.push(checkMailboxObject(item as Record<string, unknown>, where));
    } else {
      throw invalidAddress(
        `Invalid ${where}: expected a string or an object { address, name? }, got ${item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item}`,
      );
    }
  });
  return mailboxes;
}

/** How many address-list strings {@link normalizeAddresses} remembers the mailboxes of. */
export const ADDRESS_LIST_MEMO_SIZE = 256;
/** Longest address-list string remembered: longer lists are parsed every time. */
export const ADDRESS_LIST_MEMO_MAX_LENGTH = 1024;
const addressLists = new Map<string, readonly Mailbox[]>();

/**
 * The mailboxes of an address-list string, groups flattened. Why a memo: a client builds one
 * message per send, usually from the same From and a few recurring recipient strings, and
 * parsing `a@example.com` again each time was about a twentieth of the cost of composing a
 * small message. The result depends on `input` only; the mailboxes are frozen and shared (the
 * list handed back is always a fresh array); errors are never stored; bounded, cleared when
 * full, and only short strings are kept.
 */
function mailboxesOfList(input: string): readonly Mailbox[] {
  const known = addressLists.get(input);
  if (known !== undefined) return known;
  const mailboxes: Mailbox[] = [];
  for (const address of parseAddressListText(input)) {
    if (isGroup(address)) {
      for (const member of address.members) mailboxes.push(Object.freeze(member));
    } else {
      mailboxes.push(Object.freeze(address));
    }
  }
  const list = Object.freeze(mailboxes);
  if (input.length <= ADDRESS_LIST_MEMO_MAX_LENGTH) {
    if (addressLists.size >= ADDRESS_LIST_MEMO_SIZE) addressLists.clear();
    addressLists.set(input, list);
  }
  return list;
}

/**
 * True when the address can only be sent with SMTPUTF8 (RFC 6531): its local part holds a
 * non-ASCII character. A non-ASCII domain alone does not count: it can be written as A-labels
 * ({@link toAsciiAddress}).
 *
 * @throws InvalidAddressError if `address` is not a valid bare `local@domain`.
 * @example
 * addressNeedsSmtpUtf8('用户@例子.广告'); // true
 * addressNeedsSmtpUtf8('user@bücher.example'); // false
 */
export function addressNeedsSmtpUtf8(address: string): boolean {
  return hasNonAscii(parseAddrSpecText(address).localPart);
}

/**
 * The address with its domain converted to A-labels (RFC 5891 section 4.4, UTS #46 mapping via
 * the WHATWG `URL`); the local part is left as it is, even if it is not ASCII, and comes back
 * with the least quoting, like every address here.
 *
 * @throws InvalidAddressError `SMTP_MIME_INVALID_DOMAIN` if the domain cannot be converted,
 * `SMTP_MIME_INVALID_ADDRESS` if the address is not a valid bare `local@domain` or is longer
 * than 254 octets once converted.
 * @example
 * toAsciiAddress('jörg@bücher.example'); // 'jörg@xn--bcher-kva.example'
 */
export function toAsciiAddress(address: string): string {
  return asciiForm(parseAddrSpecText(address));
}

/**
 * The addr-spec to write in a header field or an SMTP path for `address` (a bare
 * `local@domain`). With `smtpUtf8`, the canonical address; without it, the domain as A-labels,
 * and a non-ASCII local part is an error, because no conversion can make it ASCII.
 *
 * Display names are not this function's business: a header writes the encoded name, then
 * `<`, this function's result and `>`.
 *
 * @throws InvalidAddressError `SMTP_MIME_INVALID_ADDRESS` for an invalid address or, without
 * `smtpUtf8`, a non-ASCII local part; `SMTP_MIME_INVALID_DOMAIN` for an invalid domain.
 * @example
 * formatAddressSpec('"john doe"@bücher.example', { smtpUtf8: false });
 * // '"john doe"@xn--bcher-kva.example'
 */
export function formatAddressSpec(address: string, options: AddressSpecOptions): string {
  const spec = parseAddrSpecText(address);
  if (options.smtpUtf8) return spec.address;
  if (hasNonAscii(spec.localPart)) {
    throw invalidAddress(
      `The address ${quoteInput(spec.address)} has a non-ASCII local part, which can only be sent to a server that supports SMTPUTF8 (RFC 6531)`,
    );
  }
  return asciiForm(spec);
}

function asciiForm(spec: AddrSpec): string {
  const ascii = `${spec.localPart}@${spec.asciiDomain}`;
  if (utf8Length(ascii) > MAX_ADDRESS_LENGTH) {
    throw invalidAddress(
      `The address ${quoteInput(spec.address)} is longer than ${MAX_ADDRESS_LENGTH} octets once its domain is written as A-labels (RFC 5321 section 4.5.3.1.3)`,
    );
  }
  return ascii;
}

function checkMailboxObject(value: Record<string, unknown>, where: string): Mailbox {
  const { address, name } = value;
  if (typeof address !== 'string') {
    throw invalidAddress(
      `Invalid ${where}: its "address" must be a string, got ${address === null ? 'null' : typeof address}`,
    );
  }
  const spec = parseAddrSpecText(address);
  if (name === undefined || name === '') return { address: spec.address };
  if (typeof name !== 'string') {
    throw invalidAddress(
      `Invalid ${where}: its "name" must be a string, got ${name === null ? 'null' : typeof name}`,
    );
  }
  checkPlainText(name, `The display name of ${where}`);
  return { name, address: spec.address };
}

/** `Array.isArray` that keeps the element type of a readonly array. */
function isReadonlyArray(value: AddressInput): value is readonly (string | Mailbox)[] {
  return Array.isArray(value);
}
