/**
 * A strict decoder for the RFC 2047 encoded words that callers paste into display names
 * (`=?UTF-8?B?Sm9zw6k=?= <jose@example.com>`, copied from a received header). Internal to the
 * address parser.
 *
 * Contract: pure and synchronous, no `node:` imports; throws only `InvalidAddressError` with
 * code `SMTP_MIME_INVALID_ADDRESS`. Charsets are decoded with the runtime's `TextDecoder` in
 * fatal mode, so any charset of the WHATWG Encoding Standard is understood (labels map as that
 * standard says, so `iso-8859-1` is read as windows-1252, as browsers and mail readers do).
 *
 * What counts as an encoded word, and why it is strict (docs/security.md decision 7):
 * - Only a whole atom of a display name or group name (RFC 2047 section 5 rule (3)), or a whole
 *   white-space separated word of the legacy comment name (rule (2)), is considered. Text inside
 *   a quoted string is never decoded (RFC 2047 section 5: an encoded word "MUST NOT appear
 *   within a quoted-string"), nor is `=?` in the middle of an atom.
 * - Any such atom that starts with `=?` and ends with `?=` must be a well-formed encoded word
 *   (`=?charset[*lang]?B|Q?text?=`, RFC 2047 section 2 and RFC 2231 section 5), in base64
 *   without missing padding or in Q without a broken `=XX`, in a known charset, and its bytes
 *   must be valid in that charset. Anything else is an error, not literal text: the caller
 *   evidently meant an encoded word, and showing a half-decoded name would be a guess.
 * - The 75-character limit of RFC 2047 section 2 is not enforced: many mailers exceed it, and
 *   the length says nothing about what the word means.
 * - A decoded text with a control or unpaired character (a CR or LF hidden in base64) is
 *   refused, so a decoded name can never carry a line break into a header (INV-5).
 */

import { checkPlainText, invalidAddress, quoteInput } from './address-text.ts';

// RFC 2047 `token` characters: printable ASCII minus SPACE, controls and `especials`.
const CHARSET = /^[A-Za-z0-9!#$%&'+\-^_`{|}~]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/** True when `word` has the shape of an encoded word and must be decoded (or refused). */
export function looksLikeEncodedWord(word: string): boolean {
  return word.length >= 4 && word.startsWith('=?') && word.endsWith('?=');
}

/**
 * Decodes one encoded word (a string for which {@link looksLikeEncodedWord} is true). `where`
 * names the text it came from in error messages.
 *
 * @throws InvalidAddressError `SMTP_MIME_INVALID_ADDRESS` if it is malformed, in an unknown
 * charset, not valid in its charset, or decodes to a control character.
 */
export function decodeEncodedWord(word: string, where: string): string {
  const parts = word.slice(2, -2).split('?');
  const malformed = (reason: string): Error =>
    invalidAddress(
      `${where} has the malformed RFC 2047 encoded word ${quoteInput(word)}: ${reason}`,
    );
  if (parts.length !== 3) {
    throw malformed('expected "=?charset?B?text?=" or "=?charset?Q?text?="');
  }
  const [charsetAndLanguage, encoding, text] = parts as [string, string, string];
  // RFC 2231 section 5 lets a language follow the charset after "*"; it does not change bytes.
  const charset = charsetAndLanguage.split('*')[0] as string;
  if (!CHARSET.test(charset)) throw malformed('the charset is missing or not a token');
  if (text.length === 0) throw malformed('the encoded text is empty');
  let bytes: Uint8Array;
  if (encoding === 'B' || encoding === 'b') {
    if (!BASE64.test(text)) throw malformed('the text is not padded base64');
    bytes = decodeBase64(text);
  } else if (encoding === 'Q' || encoding === 'q') {
    bytes = decodeQ(text, malformed);
  } else {
    throw malformed(`the encoding ${quoteInput(encoding)} is neither "B" nor "Q"`);
  }
  let decoded: string;
  try {
    decoded = new TextDecoder(charset, { fatal: true }).decode(bytes);
  } catch (cause) {
    throw invalidAddress(
      `${where} has the encoded word ${quoteInput(word)} in an unknown charset or with bytes that are not valid ${quoteInput(charset)}`,
      { cause },
    );
  }
  checkPlainText(decoded, `${where}: the encoded word ${quoteInput(word)} decodes to text that`);
  return decoded;
}

/** Base64 to bytes; `text` is already known to be well-formed, padded base64. */
function decodeBase64(text: string): Uint8Array {
  const end = text.indexOf('=');
  const data = end === -1 ? text : text.slice(0, end);
  const bytes = new Uint8Array(Math.floor((data.length * 3) / 4));
  let bits = 0;
  let bitCount = 0;
  let length = 0;
  for (let i = 0; i < data.length; i++) {
    bits = (bits << 6) | BASE64_ALPHABET.indexOf(data.charAt(i));
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      bytes[length++] = (bits >> bitCount) & 0xff;
    }
  }
  return bytes;
}

/**
 * The Q encoding (RFC 2047 section 4.2): `_` is a space, `=XX` a byte, any other printable
 * ASCII character stands for itself. The caller's tokenizer already limited the text to atom
 * characters, so only non-ASCII characters and broken `=XX` escapes remain to refuse.
 */
function decodeQ(text: string, malformed: (reason: string) => Error): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x3d) {
      const hex = text.slice(i + 1, i + 3);
      if (!HEX_PAIR.test(hex)) throw malformed(`"=" at offset ${i} of the text is not "=XX"`);
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (code === 0x5f) {
      bytes.push(0x20);
    } else if (code > 0x20 && code < 0x7f) {
      bytes.push(code);
    } else {
      throw malformed(`the text holds ${quoteInput(text.charAt(i))}, which Q cannot carry`);
    }
  }
  return Uint8Array.from(bytes);
}
