/**
 * RFC 2047 encoded words: the header-safe ASCII form of text in unstructured header fields and
 * in display names, and a decoder for them.
 *
 * Contract: pure functions on strings, no `node:` imports. The encoders return US-ASCII text
 * without CR, LF or controls, ready for {@link foldHeader}; they refuse input holding CR, LF,
 * NUL or another control (except HTAB) with an `InvalidHeaderError`
 * `SMTP_MIME_INVALID_HEADER_VALUE` rather than encode it (INV-5: an injection attempt is an
 * error, not something to smuggle through).
 *
 * What is written:
 * - Charset `UTF-8` always; per run of words the shorter of the Q and B encodings (Q on a tie,
 *   being more readable).
 * - Only the words that need it are encoded: a word (a run of non-white-space characters) is
 *   encoded when it holds a non-ASCII character, when it contains `=?` (it could look like an
 *   encoded word to a reader and be decoded into something else; some readers decode even
 *   inside words), or when it is longer than 76 characters (so the folded header can keep to
 *   78-character lines). Consecutive words to encode form one run and the white space between
 *   them is encoded inside it, because a reader drops white space between two encoded words
 *   (RFC 2047 section 6.2).
 * - A run is cut into encoded words of at most 75 octets (section 2) joined by single spaces,
 *   and only between characters (Unicode code points): never inside a UTF-8 sequence or a
 *   surrogate pair (section 5(3) end). A base and its combining mark may land in two adjacent
 *   words; readers join adjacent words before displaying them.
 * - Q in unstructured text (section 4.2) writes printable ASCII as is except `=`, `?`, `_`,
 *   writes a space as `_`; in a phrase (section 5(3)) only letters, digits and `! * + - /` are
 *   literal.
 * - Lone surrogates in the JavaScript string cannot be UTF-8; they are written as U+FFFD.
 *
 * {@link encodePhrase} writes a display name as atoms when it is a plain sequence of RFC 5322
 * atoms, as a quoted-string when it is other printable ASCII, and with encoded words otherwise.
 *
 * {@link decodeEncodedWords} decodes `=?charset?Q|B?text?=` words (any charset `TextDecoder`
 * knows, an RFC 2231 `*language` suffix ignored), drops white space between adjacent encoded
 * words, joins adjacent words of one charset before decoding (so a character split across two
 * words by another writer survives), and leaves malformed or unknown-charset words as they are.
 */

import { decodeBase64 } from './base64.ts';
import { validateHeaderValue } from './header-validation.ts';

/** Longest encoded word in octets, delimiters included (RFC 2047 section 2). */
export const MAX_ENCODED_WORD_LENGTH = 75;

// Longest ASCII word left unencoded: longer ones could not fold into 78-character lines.
const MAX_PLAIN_WORD = 76;
const Q_PREFIX = '=?UTF-8?Q?';
const B_PREFIX = '=?UTF-8?B?';
const SUFFIX = '?=';

const HEX = '0123456789ABCDEF';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Octets written literally by Q: index by octet, 1 = literal. */
function qTable(phrase: boolean): Uint8Array {
  const table = new Uint8Array(128);
  for (let c = 33; c <= 126; c++) {
    const ch = String.fromCharCode(c);
    if (phrase ? /[A-Za-z0-9!*+\-/]/.test(ch) : ch !== '=' && ch !== '?' && ch !== '_') {
      table[c] = 1;
    }
  }
  return table;
}
const Q_TEXT = qTable(false);
const Q_PHRASE = qTable(true);

/**
 * The header-safe ASCII form of an unstructured header value (Subject, Comments, a custom
 * header): text that needs no encoding is returned as it is, otherwise only the words that need
 * it become encoded words (see the module docs).
 *
 * @throws InvalidHeaderError `SMTP_MIME_INVALID_HEADER_VALUE` on CR, LF, NUL, other controls
 *   except HTAB, DEL and C1 controls.
 * @example
 * encodeUnstructured('Invoice 42'); // 'Invoice 42'
 * encodeUnstructured('Café au lait'); // '=?UTF-8?Q?Caf=C3=A9?= au lait'
 */
export function encodeUnstructured(text: string): string {
  validateHeaderValue(text, 'header text');
  return isPlainUnstructured(text) ? text : encodeWords(text, false);
}

/**
 * True when no word of `text` needs encoding (see {@link encodeWords}): printable ASCII, spaces
 * and tabs only, no `=?`, no word longer than 76 characters. One pass, no allocation: most
 * subjects and custom header values take this path.
 */
function isPlainUnstructured(text: string): boolean {
  let word = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09) {
      word = 0;
      continue;
    }
    if (c < 0x21 || c > 0x7e) return false;
    if (c === 0x3f && i > 0 && text.charCodeAt(i - 1) === 0x3d) return false;
    if (++word > MAX_PLAIN_WORD) return false;
  }
  return true;
}

/**
 * The RFC 5322 `phrase` form of a display name: atoms as they are (`Jane Doe`), a quoted-string
 * for other printable ASCII (`"Doe, Jane"`, with `"` and `\` escaped), encoded words with the
 * restricted Q alphabet of RFC 2047 section 5(3) or B otherwise. The empty name gives `""`.
 *
 * @throws InvalidHeaderError `SMTP_MIME_INVALID_HEADER_VALUE` on CR, LF, NUL, other controls
 *   except HTAB, DEL and C1 controls.
 * @example
 * encodePhrase('Doe, Jane'); // '"Doe, Jane"'
 * encodePhrase('Zoë'); // '=?UTF-8?Q?Zo=C3=AB?='
 */
export function encodePhrase(text: string): string {
  validateHeaderValue(text, 'display name');
  if (text === '') return '""';
  const lookalike = text.includes('=?');
  if (
    !lookalike &&
    /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?: [A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/.test(text)
  ) {
    return text;
  }
  if (!lookalike && /^[\t\x20-\x7e]*$/.test(text)) {
    return `"${text.replace(/["\\]/g, '\\$&')}"`;
  }
  if (/^[\t ]|[\t ]$|[\t ]{2}|\t/.test(text)) {
    // Unusual white space is meaningful only inside the encoded text: encode it all.
    return encodeRun(text, true).join(' ');
  }
  return encodeWords(text, true);
}

/** Encodes the words of `text` that need it, merging neighbours into runs. */
function encodeWords(text: string, phrase: boolean): string {
  const parts = text.split(/([\t ]+)/);
  const atom = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$/;
  const needs = (word: string): boolean =>
    word.length > MAX_PLAIN_WORD ||
    word.includes('=?') ||
    (phrase ? !atom.test(word) : !/^[\x21-\x7e]*$/.test(word));
  let out = '';
  for (let i = 0; i < parts.length; i += 2) {
    const word = parts[i] as string;
    if (i > 0) out += parts[i - 1];
    if (!needs(word)) {
      out += word;
      continue;
    }
    let last = i;
    while (last + 2 < parts.length && needs(parts[last + 2] as string)) last += 2;
    out += encodeRun(parts.slice(i, last + 1).join(''), phrase).join(' ');
    i = last;
  }
  return out;
}

/**
 * Internal (used by `rfc2231.ts` for the legacy `filename=` form; not exported from the
 * package): `text` as encoded words with the restricted phrase alphabet, safe inside a
 * quoted-string (no `"`, `\\` or space in them).
 */
export function encodeWordsForQuotedString(text: string, maxWordLength: number): string[] {
  return encodeRun(text, true, maxWordLength);
}

/**
 * Encodes `text` as encoded words of at most 75 octets, cut between code points; Q or B,
 * whichever is shorter for the whole run.
 */
function encodeRun(
  text: string,
  phrase: boolean,
  maxWordLength = MAX_ENCODED_WORD_LENGTH,
): string[] {
  const table = phrase ? Q_PHRASE : Q_TEXT;
  // Room for encoded text in one word; enough for any one character (12 for Q, 8 for B).
  const room = Math.max(12, maxWordLength - Q_PREFIX.length - SUFFIX.length);
  const bOctets = Math.floor(room / 4) * 3;
  const chars: number[][] = [];
  let qLength = 0;
  let octets = 0;
  for (const ch of text) {
    const bytes = utf8(ch.codePointAt(0) as number);
    chars.push(bytes);
    octets += bytes.length;
    for (const b of bytes) qLength += b < 128 && (table[b] === 1 || b === 0x20) ? 1 : 3;
  }
  const useQ = qLength <= 4 * Math.ceil(octets / 3);
  const words: string[] = [];
  if (useQ) {
    let word = '';
    for (const bytes of chars) {
      let piece = '';
      for (const b of bytes) piece += qOctet(b, table);
      if (word.length + piece.length > room) {
        words.push(`${Q_PREFIX}${word}${SUFFIX}`);
        word = '';
      }
      word += piece;
    }
    words.push(`${Q_PREFIX}${word}${SUFFIX}`);
  } else {
    let group: number[] = [];
    for (const bytes of chars) {
      if (group.length + bytes.length > bOctets) {
        words.push(`${B_PREFIX}${base64(group)}${SUFFIX}`);
        group = [];
      }
      group.push(...bytes);
    }
    words.push(`${B_PREFIX}${base64(group)}${SUFFIX}`);
  }
  return words;
}

function qOctet(b: number, table: Uint8Array): string {
  if (b === 0x20) return '_';
  if (b < 128 && table[b] === 1) return String.fromCharCode(b);
  return `=${HEX[b >> 4]}${HEX[b & 15]}`;
}

function base64(bytes: readonly number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const v = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += B64[v >> 18];
    out += B64[(v >> 12) & 63];
    out += b === undefined ? '=' : B64[(v >> 6) & 63];
    out += c === undefined ? '=' : B64[v & 63];
  }
  return out;
}

/** UTF-8 octets of one code point; a lone surrogate becomes U+FFFD. */
function utf8(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  if (cp >= 0xd800 && cp <= 0xdfff) return [0xef, 0xbf, 0xbd];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

/**
 * Decodes the RFC 2047 encoded words in a header value (see the module docs for the rules);
 * the rest of the text is returned as it is.
 *
 * @example
 * decodeEncodedWords('=?UTF-8?Q?Caf=C3=A9?= au lait'); // 'Café au lait'
 */
export function decodeEncodedWords(text: string): string {
  let out = '';
  let last = 0;
  let pendingCharset = '';
  let pending: number[] = [];
  // True when the text before `last` ended with a decoded encoded word.
  let afterWord = false;
  const flush = (): void => {
    if (pending.length > 0) out += new TextDecoder(pendingCharset).decode(new Uint8Array(pending));
    pending = [];
  };
  for (const match of text.matchAll(ENCODED_WORD)) {
    const [whole, label, encoding, payload] = match as unknown as [string, string, string, string];
    const between = text.slice(last, match.index);
    const charset = label.split('*')[0] as string;
    const bytes = decodeWord(charset, encoding, payload);
    if (bytes === undefined) {
      flush();
      out += between + whole;
      afterWord = false;
    } else {
      const adjacent = afterWord && /^[\t\r\n ]*$/.test(between);
      if (!adjacent || charset.toLowerCase() !== pendingCharset.toLowerCase()) {
        flush();
        if (!adjacent) out += between;
      }
      pendingCharset = charset;
      for (const b of bytes) pending.push(b);
      afterWord = true;
    }
    last = match.index + whole.length;
  }
  flush();
  return out + text.slice(last);
}

function decodeWord(charset: string, encoding: string, payload: string): Uint8Array | undefined {
  try {
    new TextDecoder(charset);
  } catch {
    return undefined;
  }
  if (encoding === 'B' || encoding === 'b') {
    try {
      return decodeBase64(payload);
    } catch {
      return undefined;
    }
  }
  const out: number[] = [];
  for (let i = 0; i < payload.length; i++) {
    const c = payload.charCodeAt(i);
    const hex = c === 0x3d ? payload.slice(i + 1, i + 3) : '';
    if (c === 0x5f) out.push(0x20);
    else if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else out.push(c & 0xff);
  }
  return new Uint8Array(out);
}
