/**
 * The `xtext` encoding of RFC 3461 section 4 (DSN parameters ENVID and ORCPT, and the AUTH=
 * parameter of RFC 4954), and the RFC 6533 section 3 forms of a UTF-8 address in ORCPT:
 * `utf-8-addr-xtext` (7-bit) and `utf-8-addr-unitext` (UTF-8, for SMTPUTF8 sessions).
 *
 * Contract: pure and synchronous; no `node:` imports, only `TextEncoder`/`TextDecoder`.
 * Encoders never fail on a well-formed string (without NUL, for the RFC 6533 forms) and always
 * produce the canonical form
 * (upper-case hex, nothing escaped that need not be). Decoders follow the ABNF and nothing
 * looser: `decodeXtext` accepts `+XX` for any octet, as RFC 3461's `hexchar` does, while
 * `decodeUtf8Addr` accepts only the `\x{...}` spellings RFC 6533's `HEXPOINT` allows (no
 * leading zeros, no escape of a character that needs none, no NUL, no surrogate). Errors are
 * `InvalidInputError`.
 *
 * - xtext: every octet of the UTF-8 form outside `!`..`~`, and `+` and `=`, becomes `+XX` with
 *   two upper-case hex digits. RFC 3461 only ever puts printable ASCII in it; encoding octets
 *   rather than characters makes any string round-trip anyway.
 * - utf-8-addr-xtext / unitext: characters other than `QCHAR` (printable ASCII except `+`,
 *   `=`, `\`) become `\x{HEX}`, the code point in upper-case hex without leading zeros (two
 *   digits at least); the xtext form also escapes every non-ASCII character, the unitext form
 *   keeps them as UTF-8.
 */

import { codePointName, findLoneSurrogate, invalid, quote, utf8 } from './ascii.ts';

const decoder = new TextDecoder('utf-8', { fatal: true });
const HEX = '0123456789ABCDEF';

/**
 * Encodes `text` as RFC 3461 xtext (its UTF-8 octets).
 *
 * @throws InvalidInputError `SMTP_INVALID_CHARACTER` for a lone surrogate, which has no UTF-8
 * form (it would silently become U+FFFD).
 * @example
 * encodeXtext('a+b=c d'); // 'a+2Bb+3Dc+20d'
 */
export function encodeXtext(text: string): string {
  checkWellFormed(text, 'xtext input');
  let out = '';
  for (const byte of utf8(text)) {
    if (byte >= 0x21 && byte <= 0x7e && byte !== 0x2b && byte !== 0x3d) {
      out += String.fromCharCode(byte);
    } else {
      out += `+${HEX[byte >> 4]}${HEX[byte & 0x0f]}`;
    }
  }
  return out;
}

/**
 * Decodes RFC 3461 xtext: the inverse of {@link encodeXtext}, also accepting `+XX` for octets
 * that need no escape.
 *
 * @throws InvalidInputError `SMTP_INVALID_PARAMETER` for a character outside `!`..`~`, a raw
 * `=`, a `+` not followed by two upper-case hex digits, or octets that are not UTF-8.
 */
export function decodeXtext(xtext: string): string {
  const bytes = new Uint8Array(xtext.length);
  let length = 0;
  for (let i = 0; i < xtext.length; i++) {
    const code = xtext.charCodeAt(i);
    if (code === 0x2b) {
      const high = hexDigit(xtext.charCodeAt(i + 1));
      const low = hexDigit(xtext.charCodeAt(i + 2));
      if (high === -1 || low === -1) {
        invalid(
          'SMTP_INVALID_PARAMETER',
          `xtext ${quote(xtext)}: "+" at index ${i} is not followed by two upper-case hex digits`,
        );
      }
      bytes[length++] = (high << 4) | low;
      i += 2;
    } else if (code < 0x21 || code > 0x7e || code === 0x3d) {
      invalid(
        'SMTP_INVALID_PARAMETER',
        `xtext ${quote(xtext)}: ${codePointName(xtext, i)} at index ${i} is not allowed in xtext`,
      );
    } else {
      bytes[length++] = code;
    }
  }
  return decodeUtf8(bytes.subarray(0, length), `xtext ${quote(xtext)}`);
}

/**
 * Encodes an address in the RFC 6533 `utf-8-addr-xtext` form: 7-bit, usable in ORCPT even when
 * the server did not offer SMTPUTF8.
 *
 * @throws InvalidInputError `SMTP_INVALID_CHARACTER` for a lone surrogate or NUL.
 * @example
 * encodeUtf8AddrXtext('jörg@example.com'); // 'j\\x{F6}rg@example.com'
 */
export function encodeUtf8AddrXtext(address: string): string {
  return encodeUtf8Addr(address, false);
}

/**
 * Encodes an address in the RFC 6533 `utf-8-addr-unitext` form: non-ASCII kept as is, for
 * ORCPT in an SMTPUTF8 transaction.
 *
 * @throws InvalidInputError `SMTP_INVALID_CHARACTER` for a lone surrogate or NUL.
 */
export function encodeUtf8AddrUnitext(address: string): string {
  return encodeUtf8Addr(address, true);
}

/**
 * Decodes either RFC 6533 form (`utf-8-addr-xtext` or `utf-8-addr-unitext`) produced by
 * {@link encodeUtf8AddrXtext} or {@link encodeUtf8AddrUnitext}.
 *
 * @throws InvalidInputError `SMTP_INVALID_PARAMETER` for a raw `+`, `=`, `\`, space or
 * control, a `\x{...}` that is not canonical, or one that names a character that needs no
 * escape.
 */
export function decodeUtf8Addr(text: string): string {
  checkWellFormed(text, 'utf-8 address');
  let out = '';
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x5c) {
      const match = /^\\x\{([0-9A-F]{2,6})\}/.exec(text.slice(i, i + 11));
      const point = match === null ? -1 : Number.parseInt(match[1] as string, 16);
      if (match === null || !isHexPoint(point, match[0])) {
        invalid(
          'SMTP_INVALID_PARAMETER',
          `utf-8 address ${quote(text)}: invalid \\x{...} escape at index ${i}`,
        );
      }
      out += String.fromCodePoint(point);
      i += match[0].length;
    } else if (code < 0x80 && needsEscape(code, false)) {
      invalid(
        'SMTP_INVALID_PARAMETER',
        `utf-8 address ${quote(text)}: ${codePointName(text, i)} at index ${i} must be written as \\x{...}`,
      );
    } else {
      out += text.charAt(i);
      i++;
    }
  }
  return out;
}

function encodeUtf8Addr(address: string, keepUtf8: boolean): string {
  checkWellFormed(address, 'utf-8 address');
  if (address.includes('\u0000')) {
    invalid('SMTP_INVALID_CHARACTER', 'utf-8 address contains NUL, which RFC 6533 cannot encode');
  }
  let out = '';
  for (const char of address) {
    const point = char.codePointAt(0) as number;
    out += needsEscape(point, keepUtf8) ? embedded(point) : char;
  }
  return out;
}

/** Whether a code point is outside `QCHAR` (or `QUCHAR` when `keepUtf8`), RFC 6533 section 3. */
function needsEscape(point: number, keepUtf8: boolean): boolean {
  if (point >= 0x80) return !keepUtf8;
  return point < 0x21 || point > 0x7e || point === 0x2b || point === 0x3d || point === 0x5c;
}

/**
 * Whether `spelling` is the RFC 6533 `EmbeddedUnicodeChar` of `point`: the canonical spelling
 * (no leading zeros) of a Unicode scalar value other than NUL that must be escaped.
 */
function isHexPoint(point: number, spelling: string): boolean {
  const scalar = point > 0 && point <= 0x10ffff && (point < 0xd800 || point > 0xdfff);
  return scalar && needsEscape(point, false) && spelling === embedded(point);
}

/** `\x{HEX}` for a code point: upper-case, no leading zeros, two digits at least. */
function embedded(point: number): string {
  return `\\x{${point.toString(16).toUpperCase().padStart(2, '0')}}`;
}

/** Value of an upper-case hex digit's char code, or -1 (also for NaN, past the end). */
function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  return -1;
}

function checkWellFormed(text: string, what: string): void {
  const index = findLoneSurrogate(text);
  if (index !== -1) {
    invalid(
      'SMTP_INVALID_CHARACTER',
      `${what} contains a lone surrogate at index ${index}, which has no UTF-8 form`,
    );
  }
}

function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    return invalid('SMTP_INVALID_PARAMETER', `${what} does not decode to UTF-8`);
  }
}
