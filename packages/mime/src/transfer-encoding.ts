/**
 * Choosing a Content-Transfer-Encoding per part (RFC 2045 sections 2.7, 2.8, 6; RFC 6152).
 *
 * Types other than `text/*` are base64 (unless the caller forces another encoding): their
 * bytes must arrive exactly, and a 7bit part's last line break is read differently by
 * different parsers (postal-mime keeps it as content, mailparser does not).
 *
 * `text/*` content whose bytes are known in advance (a string or a Uint8Array) has its line
 * breaks made CRLF (RFC 2046 section 4.1.1: a bare LF in a text body is a line break, not a
 * reason for base64), then is scanned once:
 * - `7bit` when it is all ASCII, has no NUL, and no line is longer than 998 octets (RFC 5322
 *   section 2.1.1);
 * - `8bit` under the same conditions but with octets over 127, only when the caller says the
 *   server offers 8BITMIME (`allow8Bit`); the envelope then reports `needs8BitMime`;
 * - otherwise quoted-printable when at most one octet in six needs an `=XX` escape (QP is then
 *   no longer than base64's 4/3), base64 beyond that (mostly non-ASCII text, or binary).
 *
 * Streamed content (an async iterable, a Node Readable, a file path) is not read in advance:
 * the envelope needs to know about 8BITMIME before the first byte is sent. It is encoded by its
 * declared type: `text/*` as quoted-printable, everything else as base64. Both are 7bit-safe
 * whatever the bytes turn out to be, so no surprise can arise while streaming.
 *
 * A caller may force an encoding; `7bit` and `8bit` are checked against the content (and so need
 * content known in advance), `quoted-printable` and `base64` can carry anything.
 */

import { ContentError, InvalidMessageError } from './errors.ts';

/** The transfer encodings this package writes. `binary` is not offered: DATA cannot carry it. */
export type TransferEncoding = '7bit' | '8bit' | 'quoted-printable' | 'base64';

/** Every {@link TransferEncoding}, for validation and documentation. */
export const TRANSFER_ENCODINGS: readonly TransferEncoding[] = [
  '7bit',
  '8bit',
  'quoted-printable',
  'base64',
];

/** Longest line, in octets without CRLF (RFC 5322 section 2.1.1). */
export const MAX_LINE_LENGTH = 998;

const CR = 0x0d;
const LF = 0x0a;

/** What one pass over known content found; see {@link scanContent}. */
export interface ContentScan {
  readonly length: number;
  /** Octets over 127. */
  readonly highBytes: number;
  /** Octets quoted-printable must escape (over 127, `=`, controls other than TAB, CR, LF). */
  readonly qpEscapes: number;
  readonly hasNul: boolean;
  /** A CR not followed by LF, or an LF not after a CR. */
  readonly hasBareLineBreak: boolean;
  /** The longest line in octets, CRLF excluded. */
  readonly longestLine: number;
}

/**
 * Validates a transfer encoding named by the caller (case-insensitive).
 *
 * @throws InvalidMessageError `SMTP_MIME_INVALID_OPTION`.
 */
export function parseTransferEncoding(value: unknown): TransferEncoding {
  const lower = typeof value === 'string' ? value.toLowerCase() : value;
  if (!TRANSFER_ENCODINGS.includes(lower as TransferEncoding)) {
    throw new InvalidMessageError(
      'SMTP_MIME_INVALID_OPTION',
      `Unknown transfer encoding ${JSON.stringify(value)}; expected one of ${TRANSFER_ENCODINGS.join(', ')}`,
    );
  }
  return lower as TransferEncoding;
}

/** Scans known content once; see {@link ContentScan}. */
export function scanContent(bytes: Uint8Array): ContentScan {
  let highBytes = 0;
  let qpEscapes = 0;
  let hasNul = false;
  let hasBareLineBreak = false;
  let longestLine = 0;
  let lineStart = 0;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const byte = bytes[i] as number;
    if (byte >= 0x80) {
      highBytes++;
      qpEscapes++;
    } else if (byte === 0x3d) {
      qpEscapes++;
    } else if (byte < 0x20) {
      if (byte === CR) {
        if (bytes[i + 1] === LF) {
          if (i - lineStart > longestLine) longestLine = i - lineStart;
          i++;
          lineStart = i + 1;
        } else {
          hasBareLineBreak = true;
          qpEscapes++;
        }
      } else if (byte === LF) {
        hasBareLineBreak = true;
        qpEscapes++;
      } else if (byte !== 0x09) {
        qpEscapes++;
        if (byte === 0) hasNul = true;
      }
    } else if (byte === 0x7f) {
      qpEscapes++;
    }
  }
  if (length - lineStart > longestLine) longestLine = length - lineStart;
  return { length, highBytes, qpEscapes, hasNul, hasBareLineBreak, longestLine };
}

/**
 * {@link scanContent} for text still held as a string, when it is ASCII (each character one
 * octet, so the scan is the same as that of its bytes); `undefined` at the first character over
 * U+007F, for the caller to scan the UTF-8 bytes instead.
 */
export function scanAsciiText(text: string): ContentScan | undefined {
  let qpEscapes = 0;
  let hasNul = false;
  let hasBareLineBreak = false;
  let longestLine = 0;
  let lineStart = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    // Printable ASCII first: nearly every character of a text takes this branch alone.
    if (c >= 0x20 && c < 0x7f) {
      if (c === 0x3d) qpEscapes++;
    } else if (c >= 0x80) {
      return undefined;
    } else if (c < 0x20) {
      if (c === CR) {
        if (text.charCodeAt(i + 1) === LF) {
          if (i - lineStart > longestLine) longestLine = i - lineStart;
          i++;
          lineStart = i + 1;
        } else {
          hasBareLineBreak = true;
          qpEscapes++;
        }
      } else if (c === LF) {
        hasBareLineBreak = true;
        qpEscapes++;
      } else if (c !== 0x09) {
        qpEscapes++;
        if (c === 0) hasNul = true;
      }
    } else {
      // DEL
      qpEscapes++;
    }
  }
  if (length - lineStart > longestLine) longestLine = length - lineStart;
  return { length, highBytes: 0, qpEscapes, hasNul, hasBareLineBreak, longestLine };
}

// Anything but printable ASCII, tab and LF.
const NOT_LF_TEXT = /[^\t\n\x20-\x7e]/;

/**
 * The scan of `normalizeLineBreaksText(text)` without a loop in JavaScript, for the common case
 * of text with LF line breaks: when `text` holds only printable ASCII, tabs and LFs (no CR),
 * the engine's own regular expression and `indexOf` find everything the scan needs (each LF
 * becomes a CRLF, so there is no bare line break left; `=` is the only octet QP would escape).
 * `undefined` for any other text, for {@link scanAsciiText} or {@link scanContent}.
 */
export function scanLineFeedText(text: string): ContentScan | undefined {
  if (NOT_LF_TEXT.test(text)) return undefined;
  let lineFeeds = 0;
  let longestLine = 0;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) {
    if (at - lineStart > longestLine) longestLine = at - lineStart;
    lineStart = at + 1;
    lineFeeds++;
  }
  if (text.length - lineStart > longestLine) longestLine = text.length - lineStart;
  let qpEscapes = 0;
  for (let at = text.indexOf('='); at !== -1; at = text.indexOf('=', at + 1)) qpEscapes++;
  return {
    length: text.length + lineFeeds,
    highBytes: 0,
    qpEscapes,
    hasNul: false,
    hasBareLineBreak: false,
    longestLine,
  };
}

// A CR not followed by LF, or an LF not after a CR.
const BARE_LINE_BREAK = /\r(?!\n)|(?<!\r)\n/;
const ANY_LINE_BREAK = /\r\n|\r|\n/g;

/**
 * {@link normalizeLineBreaks} for text still held as a string: every bare CR and bare LF made a
 * CRLF, by the engine's own string search and replace. Returns `text` itself when nothing
 * changes.
 */
export function normalizeLineBreaksText(text: string): string {
  if (text.indexOf('\r') === -1) {
    return text.indexOf('\n') === -1 ? text : text.replaceAll('\n', '\r\n');
  }
  return BARE_LINE_BREAK.test(text) ? text.replace(ANY_LINE_BREAK, '\r\n') : text;
}

/**
 * Makes every bare CR and bare LF a CRLF (text line breaks, RFC 2046 section 4.1.1). Returns
 * `bytes` itself when nothing changes.
 */
export function normalizeLineBreaks(bytes: Uint8Array): Uint8Array {
  let extra = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === CR) {
      if (bytes[i + 1] === LF) i++;
      else extra++;
    } else if (byte === LF) {
      extra++;
    }
  }
  if (extra === 0) return bytes;
  const out = new Uint8Array(bytes.length + extra);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte === CR) {
      out[o++] = CR;
      out[o++] = LF;
      if (bytes[i + 1] === LF) i++;
    } else if (byte === LF) {
      out[o++] = CR;
      out[o++] = LF;
    } else {
      out[o++] = byte;
    }
  }
  return out;
}

/** True when the scanned content can go as-is in `7bit` (or, with `eightBit`, in `8bit`). */
export function fitsIdentityEncoding(scan: ContentScan, eightBit: boolean): boolean {
  return (
    !scan.hasNul &&
    !scan.hasBareLineBreak &&
    scan.longestLine <= MAX_LINE_LENGTH &&
    (eightBit || scan.highBytes === 0)
  );
}

/** How to choose: see the module docs. */
export interface EncodingChoice {
  /** The scan of known content; absent for streamed content. */
  readonly scan?: ContentScan | undefined;
  /** The part is `text/*`. */
  readonly text: boolean;
  /** The server offers 8BITMIME. */
  readonly allow8Bit: boolean;
  /** The caller's choice, if any. */
  readonly forced?: TransferEncoding | undefined;
}

/**
 * Chooses the transfer encoding of one part (the rules are in the module docs).
 *
 * @throws ContentError `SMTP_MIME_CONTENT_NOT_ENCODABLE` when a forced `7bit` or `8bit` cannot
 *   carry the content.
 * @throws InvalidMessageError `SMTP_MIME_INVALID_OPTION` when `7bit` or `8bit` is forced on
 *   streamed content.
 */
export function chooseTransferEncoding(choice: EncodingChoice): TransferEncoding {
  const { scan, text, allow8Bit, forced } = choice;
  if (forced === 'quoted-printable' || forced === 'base64') return forced;
  if (forced !== undefined) {
    if (scan === undefined) {
      throw new InvalidMessageError(
        'SMTP_MIME_INVALID_OPTION',
        `A ${forced} transfer encoding needs content known in advance (a string or a Uint8Array), not a stream or a file`,
      );
    }
    if (!fitsIdentityEncoding(scan, forced === '8bit')) {
      throw new ContentError(
        'SMTP_MIME_CONTENT_NOT_ENCODABLE',
        `Content cannot be sent as ${forced}: ${describeProblem(scan)} (RFC 2045 section 2.7)`,
      );
    }
    return forced;
  }
  if (scan === undefined) return text ? 'quoted-printable' : 'base64';
  if (!text) return 'base64';
  if (fitsIdentityEncoding(scan, false)) return '7bit';
  if (allow8Bit && fitsIdentityEncoding(scan, true)) return '8bit';
  if (scan.qpEscapes * 6 <= scan.length) return 'quoted-printable';
  return 'base64';
}

function describeProblem(scan: ContentScan): string {
  if (scan.hasNul) return 'it contains NUL';
  if (scan.hasBareLineBreak) return 'it contains a CR or LF outside a CRLF pair';
  if (scan.longestLine > MAX_LINE_LENGTH)
    return `a line is ${scan.longestLine} octets long, over ${MAX_LINE_LENGTH}`;
  return 'it contains octets over 127';
}
