/**
 * Base64 with the standard alphabet and padding (RFC 4648 section 4), as SMTP AUTH uses it for
 * every challenge and response (RFC 4954 section 4).
 *
 * Contract: pure and synchronous, no `Buffer`, no `atob` (absent from the `types: []` build and
 * lenient about what it accepts).
 * - {@link encodeBase64} always pads.
 * - {@link decodeBase64} is strict and returns `undefined` for anything that is not the one
 *   canonical encoding of some bytes: a length that is not a multiple of 4, a character outside
 *   the alphabet (including whitespace, CR, LF and the URL-safe `-`/`_`), `=` anywhere but the last
 *   one or two places, or non-zero bits in the last character before the padding
 *   (RFC 4648 section 3.5 lets decoders reject those). So every accepted text is exactly
 *   `encodeBase64(decodeBase64(text))`.
 *
 * RFC 4954 section 4 asks for exactly this strictness: clients "MUST reject (and not ignore) any
 * character not explicitly allowed by the BASE64 alphabet" and any `=` other than at the end.
 *
 * Why `undefined` rather than an exception: the input is what a server sent, so a bad value is an
 * expected outcome, not a programming error, and the caller knows which error it means (SASL
 * turns it into `SaslError` `SMTP_SASL_MALFORMED_CHALLENGE`). Returning it keeps one error type
 * per layer and no try/catch around a decoder.
 *
 * The empty string encodes and decodes as itself. RFC 4954's `=` for an empty initial response
 * is a rule of the AUTH command, not of base64, and is handled by the SASL code.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** ASCII code -> sextet value, or -1 for characters outside the alphabet. */
const SEXTETS = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) SEXTETS[ALPHABET.charCodeAt(i)] = i;

/**
 * The base64 text of `bytes`, padded with `=`, without line breaks.
 *
 * @example
 * ```ts
 * encodeBase64(new TextEncoder().encode('tim')); // 'dGlt'
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  let text = '';
  const whole = bytes.length - (bytes.length % 3);
  for (let i = 0; i < whole; i += 3) {
    const triple =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    text +=
      ALPHABET.charAt(triple >>> 18) +
      ALPHABET.charAt((triple >>> 12) & 63) +
      ALPHABET.charAt((triple >>> 6) & 63) +
      ALPHABET.charAt(triple & 63);
  }
  const rest = bytes.length - whole;
  if (rest === 1) {
    const first = bytes[whole] as number;
    text += `${ALPHABET.charAt(first >>> 2)}${ALPHABET.charAt((first & 3) << 4)}==`;
  } else if (rest === 2) {
    const pair = ((bytes[whole] as number) << 8) | (bytes[whole + 1] as number);
    text += `${ALPHABET.charAt(pair >>> 10)}${ALPHABET.charAt((pair >>> 4) & 63)}${ALPHABET.charAt((pair & 15) << 2)}=`;
  }
  return text;
}

/**
 * The bytes encoded by `text`, or `undefined` if `text` is not canonical padded base64 (see the
 * module docblock for exactly what is refused).
 *
 * @example
 * ```ts
 * decodeBase64('dGlt'); // Uint8Array [116, 105, 109]
 * decodeBase64('dGl t'); // undefined
 * ```
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const body = text.length - padding;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let buffer = 0;
  let bits = 0;
  let written = 0;
  for (let i = 0; i < body; i++) {
    const code = text.charCodeAt(i);
    // `=` is not in the table, so padding inside the body is refused here too.
    const sextet = code < 128 ? (SEXTETS[code] as number) : -1;
    if (sextet < 0) return undefined;
    // Never more than 12 bits are pending, so the mask only drops bytes already written.
    buffer = ((buffer << 6) | sextet) & 0xfff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[written++] = buffer >>> bits;
    }
  }
  // Leftover bits (2 with one `=`, 4 with two) must be zero for the encoding to be canonical.
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
