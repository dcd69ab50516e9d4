/**
 * MD5 (RFC 1321 section 3) in pure TypeScript, for CRAM-MD5 (RFC 2195) and nothing else.
 *
 * Contract: pure and synchronous; `md5(bytes)` returns the 16-byte digest. MD5 is broken as a
 * collision-resistant hash; CRAM-MD5 uses it only inside HMAC (RFC 2104), where collisions do not
 * give an attacker the key, and only because the mechanism is defined that way. Nothing else in
 * this package may use it.
 *
 * Why not WebCrypto or `node:crypto`: see the module docblock of `./index.ts`.
 */
import { hashBlocks, storeWordsLittleEndian } from './block-hash.ts';

/** Digest length of MD5 in bytes. */
export const MD5_BYTES = 16;

/**
 * T[i] = floor(2^32 * abs(sin(i + 1))), written out (RFC 1321 section 3.4) rather than computed,
 * because ECMAScript does not promise the last bit of `Math.sin`.
 */
const T = new Int32Array([
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
]);

/** Per-round left-rotation amounts (RFC 1321 section 3.4, rounds 1 to 4). */
const SHIFTS = new Int32Array([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14,
  20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6,
  10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]);

/** The MD5 compression function: mixes the 16 little-endian words of `x` into `state`. */
function compressMd5(state: Int32Array, x: Int32Array): void {
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  for (let i = 0; i < 64; i++) {
    let mixed: number;
    let index: number;
    // The four auxiliary functions F, G, H, I and their message word orders (section 3.4).
    if (i < 16) {
      mixed = (b & c) | (~b & d);
      index = i;
    } else if (i < 32) {
      mixed = (d & b) | (~d & c);
      index = (5 * i + 1) & 15;
    } else if (i < 48) {
      mixed = b ^ c ^ d;
      index = (3 * i + 5) & 15;
    } else {
      mixed = c ^ (b | ~d);
      index = (7 * i) & 15;
    }
    const sum = (a + mixed + (T[i] as number) + (x[index] as number)) | 0;
    const shift = SHIFTS[i] as number;
    a = d;
    d = c;
    c = b;
    b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
}

/**
 * The MD5 digest of `data` (16 bytes). Only for CRAM-MD5's HMAC-MD5.
 *
 * @example
 * ```ts
 * md5(new TextEncoder().encode('abc')); // 90015098 3cd24fb0 d6963f7d 28e17f72
 * ```
 */
export function md5(data: Uint8Array): Uint8Array {
  const state = new Int32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
  hashBlocks(data, state, new Int32Array(16), compressMd5, false);
  const out = new Uint8Array(MD5_BYTES);
  storeWordsLittleEndian(state, out, 0);
  return out;
}
