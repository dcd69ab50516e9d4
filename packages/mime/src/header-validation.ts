/**
 * Validation of caller-provided header names and values: the header-injection guard
 * (docs/security.md INV-5 and INV-7).
 *
 * Contract: pure functions on strings, no `node:` imports. They either return normally or throw
 * an {@link InvalidHeaderError}; they never change their input.
 *
 * - A header name is RFC 5322 section 2.2 / 3.6.8 `field-name`: one or more printable US-ASCII
 *   characters (33-126) except `:`. Names this package writes itself (`Bcc`, `MIME-Version`,
 *   `Content-Transfer-Encoding`, `Content-Type`) are listed in {@link RESERVED_HEADER_NAMES};
 *   {@link validateHeaderName} refuses them unless told otherwise, and the message model decides
 *   which apply where (a caller may well set `Content-Type` on a single leaf part, never on a
 *   multipart container whose boundary the package owns).
 * - A header value may hold any character except the ones that can end a line or hide one from a
 *   reader: CR, LF, NUL, every other C0 control but HTAB, DEL, and the C1 controls U+0080-U+009F
 *   (some readers decode header octets as Latin-1, where NEL U+0085 is a line break). Non-ASCII
 *   text is allowed here; encoding it (RFC 2047) or sending it raw under SMTPUTF8 is the
 *   caller's choice. U+2028 and U+2029 are not refused: no mail parser treats them as line ends.
 *
 * Error messages quote the input safely: controls escaped as `\xNN` / `\uNNNN`, and at most a
 * short window around the offending character, so a hostile value cannot flood or forge a log.
 */

import { InvalidHeaderError } from './errors.ts';

/**
 * Header names that `@smtp/mime` writes itself, lowercase. A custom header with one of these
 * names would duplicate or contradict what the package writes, or (for `Bcc`) leak what must stay
 * out of the serialized message (INV-7).
 */
export const RESERVED_HEADER_NAMES: readonly string[] = Object.freeze([
  'bcc',
  'mime-version',
  'content-transfer-encoding',
  'content-type',
]);

const reserved = new Set(RESERVED_HEADER_NAMES);

/** True when `name` (any case) is one of {@link RESERVED_HEADER_NAMES}. */
export function isReservedHeaderName(name: string): boolean {
  return reserved.has(name.toLowerCase());
}

/** True when `name` is an RFC 5322 `field-name`: printable US-ASCII except `:`, non-empty. */
export function isValidHeaderNameSyntax(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126 || c === 0x3a) return false;
  }
  return true;
}

/** Options of {@link validateHeaderName}. */
export interface ValidateHeaderNameOptions {
  /** Accept the names of {@link RESERVED_HEADER_NAMES} too (the package's own headers). */
  readonly allowReserved?: boolean;
}

/**
 * Checks a header name given by the caller.
 *
 * @throws InvalidHeaderError `SMTP_MIME_INVALID_HEADER_NAME` when the name is empty, holds a
 *   character outside printable US-ASCII or a `:`, or is reserved (unless `allowReserved`).
 * @example
 * validateHeaderName('X-Campaign'); // ok
 * validateHeaderName('Bcc'); // throws: the package owns Bcc
 */
export function validateHeaderName(name: string, options?: ValidateHeaderNameOptions): void {
  if (!isValidHeaderNameSyntax(name)) {
    throw new InvalidHeaderError(
      'SMTP_MIME_INVALID_HEADER_NAME',
      `Invalid header name ${quoteForMessage(name, firstBadNameIndex(name))}: a header name is one or more printable US-ASCII characters except ":" (RFC 5322 section 2.2)`,
    );
  }
  if (options?.allowReserved !== true && isReservedHeaderName(name)) {
    throw new InvalidHeaderError(
      'SMTP_MIME_INVALID_HEADER_NAME',
      `The header ${quoteForMessage(name, 0)} is written by @smtp/mime itself and cannot be set as a custom header`,
    );
  }
}

/**
 * The index of the first character a header value must not hold (see the module docs), or -1.
 */
export function findInvalidHeaderValueChar(value: string): number {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f)) return i;
  }
  return -1;
}

/**
 * Checks a header value given by the caller (before any encoding): no character that could end
 * the header line or hide a line end from a reader.
 *
 * @param what Names the value in the error message, e.g. `"Subject"`.
 * @throws InvalidHeaderError `SMTP_MIME_INVALID_HEADER_VALUE` on CR, LF, NUL, another C0
 *   control except HTAB, DEL or a C1 control.
 * @example
 * validateHeaderValue('Quarterly report'); // ok
 * validateHeaderValue('hi\r\nBcc: victim@example.com'); // throws
 */
export function validateHeaderValue(value: string, what = 'header value'): void {
  const bad = findInvalidHeaderValueChar(value);
  if (bad !== -1) {
    throw new InvalidHeaderError(
      'SMTP_MIME_INVALID_HEADER_VALUE',
      `The ${what} ${quoteForMessage(value, bad)} contains the control character ${escapeChar(value.charCodeAt(bad))} at index ${bad}; CR, LF, NUL, other controls and DEL are refused (header injection)`,
    );
  }
}

function firstBadNameIndex(name: string): number {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126 || c === 0x3a) return i;
  }
  return 0;
}

// How many characters of caller input an error message shows, around the offending one.
const QUOTE_WINDOW = 40;

/**
 * Internal (shared by the header modules): `value` as a double-quoted, escaped excerpt safe to
 * put in an error message: controls, DEL, C1, `"` and `\` escaped, at most {@link QUOTE_WINDOW}
 * characters shown, centred on index `at`, with `…` where text was cut.
 */
export function quoteForMessage(value: string, at: number): string {
  const start = Math.max(0, Math.min(at - QUOTE_WINDOW / 2, value.length - QUOTE_WINDOW));
  const end = Math.min(value.length, start + QUOTE_WINDOW);
  let out = start > 0 ? '"…' : '"';
  for (let i = start; i < end; i++) {
    const c = value.charCodeAt(i);
    out +=
      c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x22 || c === 0x5c ? escapeChar(c) : value[i];
  }
  return `${out}${end < value.length ? '…"' : '"'}`;
}

function escapeChar(code: number): string {
  if (code === 0x22) return '\\"';
  if (code === 0x5c) return '\\\\';
  return `\\x${code.toString(16).padStart(2, '0').toUpperCase()}`;
}
