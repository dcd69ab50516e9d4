/**
 * SHA-256 (FIPS 180-4 sections 4.1.2, 4.2.2, 5.3.3 and 6.2) in pure TypeScript.
 *
 * Contract: pure and synchronous; `sha256(bytes)` returns the 32-byte digest. The compression
 * function is exported for `./pbkdf2.ts`, which feeds it words directly to avoid
 * byte conversions in its inner loop. Arithmetic stays in 32-bit integers (`| 0`, `>>>`) held in
 * `Int32Array`s, which V8 keeps unboxed.
 *
 * Why not WebCrypto or `node:crypto`: see the module docblock of `./index.ts`.
 */
import { hashBlocks, storeWordsBigEndian } from './block-hash.ts';

/** Digest length of SHA-256 in bytes. */
export const SHA256_BYTES = 32;

/** Round constants: the first 32 bits of the fractional parts of the cube roots of 64 primes. */
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** Initial hash value H(0) (FIPS 180-4 section 5.3.3). */
const INITIAL_STATE = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

/** A fresh copy of the SHA-256 initial state (8 words). */
export function sha256InitialState(): Int32Array {
  return new Int32Array(INITIAL_STATE);
}

/** Allocates the 64-word message schedule {@link compressSha256} works in. */
export function sha256Schedule(): Int32Array {
  return new Int32Array(64);
}

/**
 * The SHA-256 compression function (FIPS 180-4 section 6.2.2): mixes the 16 message words at the
 * start of `w` into `state`. `w` must hold 64 words; entries 16 to 63 are overwritten with the
 * expanded schedule, entries 0 to 15 are left untouched (PBKDF2 relies on that to set its fixed
 * padding words once).
 */
export function compressSha256(state: Int32Array, w: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const w15 = w[t - 15] as number;
    const w2 = w[t - 2] as number;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    w[t] = ((w[t - 16] as number) + s0 + (w[t - 7] as number) + s1) | 0;
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  let f = state[5] as number;
  let g = state[6] as number;
  let h = state[7] as number;
  for (let t = 0; t < 64; t++) {
    const sigma1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const choose = (e & f) ^ (~e & g);
    const t1 = (h + sigma1 + choose + (K[t] as number) + (w[t] as number)) | 0;
    const sigma0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const majority = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (sigma0 + majority) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
  state[4] = ((state[4] as number) + e) | 0;
  state[5] = ((state[5] as number) + f) | 0;
  state[6] = ((state[6] as number) + g) | 0;
  state[7] = ((state[7] as number) + h) | 0;
}

/**
 * The SHA-256 digest of `data` (32 bytes).
 *
 * @example
 * ```ts
 * sha256(new TextEncoder().encode('abc')); // ba7816bf 8f01cfea ...
 * ```
 */
export function sha256(data: Uint8Array): Uint8Array {
  const state = sha256InitialState();
  hashBlocks(data, state, sha256Schedule(), compressSha256, true);
  const out = new Uint8Array(SHA256_BYTES);
  storeWordsBigEndian(state, out, 0);
  return out;
}
