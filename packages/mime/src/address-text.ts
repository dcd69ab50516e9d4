/**
 * Character checks and error helpers shared by the address modules (`address.ts`,
 * `address-parser.ts`, `address-encoded-word.ts`, `domain.ts`). Internal: nothing here is
 * exported from the package entry.
 *
 * Contract: pure and synchronous, no `node:` imports, linear in the length of the input.
 *
 * - {@link findForbiddenCharacter} is the one definition of what no address, display name or
 *   group name may hold (docs/security.md INV-5): C0 controls other than HTAB, DEL, C1 controls
 *   (NEL, U+0085, ends a line for some Unicode-aware readers), U+2028/U+2029 (line and paragraph
 *   separators) and lone surrogates (they have no UTF-8 form, so an encoder would silently turn
 *   them into U+FFFD and the bytes written would not be the value that was checked). HTAB is
 *   left to the grammar, which allows it only as white space between tokens.
 * - Error messages quote caller input through {@link quoteInput}: escaped and truncated, so an
 *   error never carries a raw line break into a log line and never echoes a megabyte of input.
 */

import { InvalidAddressError } from './errors.ts';

/** Longest stretch of caller input quoted in an error message, in UTF-16 code units. */
const QUOTE_LIMIT = 64;

/** True for a UTF-16 code unit that is a high (leading) surrogate. */
function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** True for a UTF-16 code unit that is a low (trailing) surrogate. */
function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * True when the code unit at `index` of `text` must be escaped in a message or refused in a
 * value: a control (HTAB included), DEL, a C1 control, U+2028/U+2029 or half of a broken pair.
 */
function isUnsafeAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) {
    return true;
  }
  if (isHighSurrogate(code)) return !isLowSurrogate(text.charCodeAt(index + 1));
  if (isLowSurrogate(code)) return !isHighSurrogate(text.charCodeAt(index - 1));
  return false;
}

/**
 * Index of the first character no address, name or group name may hold (see the module docs),
 * or -1. HTAB (U+0009) is not reported: the grammar decides where it may appear.
 */
export function findForbiddenCharacter(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 0x09 && isUnsafeAt(text, i)) return i;
  }
  return -1;
}

/** `U+000D` style name of the code unit or code point at `index` (an index inside `text`). */
export function codePointName(text: string, index: number): string {
  const code = text.codePointAt(index) as number;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * `text` as a double-quoted string safe for a log line: controls, DEL, C1 controls,
 * U+2028/U+2029, lone surrogates, `"` and `\` escaped; cut after {@link QUOTE_LIMIT} code units
 * with the full length noted.
 */
export function quoteInput(text: string): string {
  const cut = text.length > QUOTE_LIMIT ? text.slice(0, QUOTE_LIMIT) : text;
  let out = '"';
  for (let i = 0; i < cut.length; i++) {
    const code = cut.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) {
      out += `\\${cut.charAt(i)}`;
    } else if (isUnsafeAt(cut, i)) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else {
      out += cut.charAt(i);
    }
  }
  out += '"';
  return text.length > QUOTE_LIMIT ? `${out}... (${text.length} characters)` : out;
}

/** Length of `text` in UTF-8 octets. `text` must hold no lone surrogate (checked first). */
export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (isHighSurrogate(code)) {
      // A pair is one code point of four octets; skip its second half.
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}

/** True when `text` holds a character outside US-ASCII. */
export function hasNonAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return true;
  }
  return false;
}

/** An `InvalidAddressError` with code `SMTP_MIME_INVALID_ADDRESS`. */
export function invalidAddress(message: string, options?: ErrorOptions): InvalidAddressError {
  return new InvalidAddressError('SMTP_MIME_INVALID_ADDRESS', message, options);
}

/** An `InvalidAddressError` with code `SMTP_MIME_INVALID_DOMAIN`. */
export function invalidDomain(message: string, options?: ErrorOptions): InvalidAddressError {
  return new InvalidAddressError('SMTP_MIME_INVALID_DOMAIN', message, options);
}

/**
 * Throws `SMTP_MIME_INVALID_ADDRESS` if `text` holds a forbidden character, HTAB included:
 * for values that are used as they are (a display name given as an object property), where no
 * grammar gives HTAB a meaning.
 */
export function checkPlainText(text: string, what: string): void {
  for (let i = 0; i < text.length; i++) {
    if (isUnsafeAt(text, i)) {
      throw invalidAddress(
        `${what} ${quoteInput(text)} contains the control or unpaired character ${codePointName(text, i)} at offset ${i}; line breaks, tabs and other controls are not allowed`,
      );
    }
  }
}
