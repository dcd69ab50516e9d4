/**
 * Character and byte checks shared by the command encoders (`commands.ts`, `mailbox.ts`,
 * `xtext.ts`). Internal: nothing here is exported from the package entry.
 *
 * Contract: pure and synchronous; no `node:` imports, only `TextEncoder` and `Uint8Array`.
 *
 * Two layers, on purpose (docs/security.md INV-5):
 * - {@link findUnsafeCharacter} runs on every caller string before it is parsed, so a CR, LF,
 *   NUL, other C0 control or DEL is reported as `SMTP_INVALID_CHARACTER` with the argument's
 *   name, whatever grammar the argument has. It also refuses C1 controls (NEL, U+0085, is a
 *   line break to some Unicode-aware readers), U+2028/U+2029 (line and paragraph separators)
 *   and lone surrogates (`TextEncoder` would silently turn them into U+FFFD, so the bytes sent
 *   would not be the value that was checked).
 * - {@link finishCommand} encodes the finished command line and checks the **final bytes**
 *   again: printable US-ASCII, UTF-8 only where SMTPUTF8 allows it, one CRLF at the very end,
 *   and the line length. This second check is what the invariant promises; the first exists to
 *   give a precise error.
 *
 * Error messages quote caller input through {@link quote}: truncated, with control characters
 * escaped, so an error never carries a raw line break into a log line and never echoes a huge
 * value verbatim.
 */

import { InvalidInputError, type InvalidInputErrorCode } from './errors.ts';

const encoder = new TextEncoder();

/** The UTF-8 bytes of `text`. `text` must be well formed (checked by {@link findUnsafeCharacter}). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * The length of the UTF-8 form of `text` (well formed, as {@link utf8} requires), without
 * encoding it: the length checks run on every MAIL and RCPT, and an encode per check was an
 * array allocation each time for a number.
 */
export function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A surrogate pair is two code units and four octets: each half adds one.
    if (code >= 0x80) length += code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 1 : 2;
  }
  return length;
}

// C0 controls, DEL, C1 controls, U+2028/U+2029, and surrogates that are not part of a pair.
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Index of the first character no SMTP command may carry (see the module docs), or -1. */
export function findUnsafeCharacter(value: string): number {
  const match = UNSAFE.exec(value);
  return match === null ? -1 : match.index;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Index of the first UTF-16 surrogate that is not half of a pair (no UTF-8 form), or -1. */
export function findLoneSurrogate(value: string): number {
  const match = LONE_SURROGATE.exec(value);
  return match === null ? -1 : match.index;
}

// Anything outside US-ASCII.
const NON_ASCII = /[^\u0000-\u007f]/;

/** Index of the first character outside US-ASCII, or -1. */
export function findNonAscii(value: string): number {
  const match = NON_ASCII.exec(value);
  return match === null ? -1 : match.index;
}

/** `U+000D` style name of the code point at `index` of `value` (an index inside `value`). */
export function codePointName(value: string, index: number): string {
  const code = value.codePointAt(index) as number;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Longest stretch of caller input quoted in an error message, in UTF-16 code units. */
const QUOTE_LIMIT = 64;

/**
 * `value` as a double-quoted string safe for a log line: controls, DEL, C1 controls,
 * U+2028/U+2029, lone surrogates, `"` and `\` escaped; cut after {@link QUOTE_LIMIT} code
 * units with the full length noted.
 */
export function quote(value: string): string {
  const cut = value.length > QUOTE_LIMIT ? value.slice(0, QUOTE_LIMIT) : value;
  let out = '"';
  for (let i = 0; i < cut.length; i++) {
    const code = cut.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) {
      out += `\\${cut[i]}`;
    } else if (findUnsafeCharacter(cut.slice(i, i + 2)) === 0) {
      out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    } else if (code >= 0xd800 && code <= 0xdbff) {
      // A well-formed pair: copy both halves at once so the check above never sees the low half
      // alone and mistakes it for a lone surrogate.
      out += cut.slice(i, i + 2);
      i++;
    } else {
      out += cut[i];
    }
  }
  out += '"';
  return value.length > QUOTE_LIMIT ? `${out}... (${value.length} characters)` : out;
}

/**
 * Throws `SMTP_INVALID_CHARACTER` if `value` holds a character no command may carry, and
 * `SMTP_INVALID_NON_ASCII` if it holds non-ASCII while `allowUtf8` is false. `what` names the
 * argument in the message ("MAIL FROM reverse path"); with `secret` the value is not quoted.
 */
export function checkCharacters(
  value: string,
  what: string,
  allowUtf8: boolean,
  secret = false,
): void {
  const unsafe = findUnsafeCharacter(value);
  if (unsafe !== -1) {
    invalid(
      'SMTP_INVALID_CHARACTER',
      `${what} contains a forbidden character (${codePointName(value, unsafe)}) at index ${unsafe}${shown(value, secret)}`,
    );
  }
  if (!allowUtf8) {
    const nonAscii = findNonAscii(value);
    if (nonAscii !== -1) {
      invalid(
        'SMTP_INVALID_NON_ASCII',
        `${what} contains non-ASCII (${codePointName(value, nonAscii)}) at index ${nonAscii} but SMTPUTF8 was not requested${shown(value, secret)}`,
      );
    }
  }
}

/**
 * The value as an error message shows it. Built only when there is an error: quoting walks the
 * value character by character, and every MAIL and RCPT of every message passes through here.
 */
function shown(value: string, secret: boolean): string {
  // A secret (SASL response) is never quoted, not even in part (INV-10).
  return secret ? '' : `: ${quote(value)}`;
}

/** Throws an {@link InvalidInputError}; a one-liner for the many rejections in the encoders. */
export function invalid(code: InvalidInputErrorCode, message: string): never {
  throw new InvalidInputError(code, message);
}

/** What {@link finishCommand} enforces on the final bytes of a command line. */
export interface CommandLimits {
  /** Whether octets above 0x7F may appear (SMTPUTF8 in use, RFC 6531). */
  readonly allowUtf8: boolean;
  /** Longest line allowed, CRLF included. */
  readonly maxLength: number;
}

/**
 * Encodes `line` (without CRLF) plus CRLF and checks the final bytes (INV-5): every octet is
 * printable US-ASCII or space, octets above 0x7F only when `allowUtf8`, CRLF only at the end,
 * and the total no longer than `maxLength`. `verb` names the command in messages.
 */
export function finishCommand(line: string, verb: string, limits: CommandLimits): Uint8Array {
  const bytes = utf8(`${line}\r\n`);
  checkCommandBytes(bytes, verb, limits);
  return bytes;
}

/** The byte-level check of {@link finishCommand}, on an already encoded line ending in CRLF. */
export function checkCommandBytes(bytes: Uint8Array, verb: string, limits: CommandLimits): void {
  const end = bytes.length - 2;
  if (end < 0 || bytes[end] !== 0x0d || bytes[end + 1] !== 0x0a) {
    invalid('SMTP_INVALID_CHARACTER', `${verb} command does not end with CRLF`);
  }
  for (let i = 0; i < end; i++) {
    const byte = bytes[i] as number;
    if (byte < 0x20 || byte === 0x7f) {
      invalid(
        'SMTP_INVALID_CHARACTER',
        `${verb} command contains control octet 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at offset ${i}`,
      );
    }
    if (byte > 0x7f && !limits.allowUtf8) {
      invalid(
        'SMTP_INVALID_NON_ASCII',
        `${verb} command contains a non-ASCII octet at offset ${i} but SMTPUTF8 was not requested`,
      );
    }
  }
  if (bytes.length > limits.maxLength) {
    invalid(
      'SMTP_INVALID_LINE_TOO_LONG',
      `${verb} command is ${bytes.length} octets with CRLF; the limit is ${limits.maxLength} (RFC 5321 section 4.5.3.1.4)`,
    );
  }
}
