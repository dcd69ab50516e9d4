/**
 * Base64 (RFC 4648 section 4) for keys, hashes and signatures, without `Buffer` so that the
 * package runs in any runtime. Internal to the package. The inputs are small (a key, a 32-byte
 * hash, a signature), so clarity wins over speed here.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Encodes bytes as padded base64 on one line. */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      ALPHABET.charAt(n >>> 18) +
      ALPHABET.charAt((n >>> 12) & 63) +
      ALPHABET.charAt((n >>> 6) & 63) +
      ALPHABET.charAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    out += ALPHABET.charAt(n >>> 18) + ALPHABET.charAt((n >>> 12) & 63);
    out += rest === 2 ? `${ALPHABET.charAt((n >>> 6) & 63)}=` : '==';
  }
  return out;
}

/**
 * Decodes base64, ignoring white space (PEM bodies and DNS records are folded). Returns
 * undefined for anything else that is not base64: a stray character, a wrong length, padding
 * in the middle, or non-zero bits in the last character before the padding.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/[ \t\r\n]+/g, '');
  if (clean.length % 4 !== 0) return undefined;
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((clean.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const code = clean.charCodeAt(i + j);
      const last = i + 4 === clean.length;
      if (code === 0x3d && last && j >= 4 - padding) {
        n <<= 6;
        continue;
      }
      const value = code < 128 ? (DECODE[code] as number) : -1;
      if (value < 0) return undefined;
      n = (n << 6) | value;
    }
    out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
    if (i + 4 === clean.length && padding > 0 && (n & (padding === 2 ? 0xffff : 0xff)) !== 0) {
      return undefined;
    }
  }
  return out;
}
