/**
 * PBKDF2 with HMAC-SHA-256 as its pseudorandom function (RFC 8018 section 5.2), the `Hi()` of
 * SCRAM-SHA-256 (RFC 5802 section 2.2, RFC 7677).
 *
 * Contract: pure and synchronous; the cost is linear in `iterations` and runs on the caller's
 * thread, so callers bound `iterations` (SCRAM refuses more than its documented maximum, INV-8).
 *
 * Speed: the naive loop calls HMAC twice per iteration, re-hashing the padded key each time and
 * converting bytes to words and back. Here the states after absorbing `K ^ ipad` and `K ^ opad`
 * are computed once (RFC 2104 section 4 suggests exactly this), and each iteration then costs two
 * SHA-256 compressions over word buffers whose padding words are fixed: `U` is 32 bytes, so the
 * second block of both the inner and the outer hash is `U || 0x80 || zeros || bit length 768`.
 *
 * Why not WebCrypto or `node:crypto`: see the module docblock of `./index.ts`.
 */
import { BLOCK_BYTES, loadWordsBigEndian, storeWordsBigEndian } from './block-hash.ts';
import { hmacSha256 } from './hmac.ts';
import {
  compressSha256,
  SHA256_BYTES,
  sha256,
  sha256InitialState,
  sha256Schedule,
} from './sha256.ts';

/** Bit length of one padded key block plus a 32-byte digest: the length field of every U_j hash. */
const DIGEST_AFTER_BLOCK_BITS = (BLOCK_BYTES + SHA256_BYTES) * 8;

/** The SHA-256 state after absorbing one 64-byte block `key ^ pad`. */
function padState(key: Uint8Array, pad: number, schedule: Int32Array): Int32Array {
  const block = new Uint8Array(BLOCK_BYTES);
  for (let i = 0; i < BLOCK_BYTES; i++) block[i] = (key[i] ?? 0) ^ pad;
  const state = sha256InitialState();
  loadWordsBigEndian(schedule, block, 0);
  compressSha256(state, schedule);
  block.fill(0);
  return state;
}

/**
 * Derives `length` bytes from `password` and `salt` with `iterations` rounds of
 * PBKDF2-HMAC-SHA-256 (RFC 8018 section 5.2; test vectors in RFC 7914 section 11).
 *
 * @throws RangeError when `iterations` or `length` is not a positive safe integer: a programming
 * error, since SCRAM validates the server's iteration count before calling this.
 */
export function pbkdf2HmacSha256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Uint8Array {
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new RangeError('PBKDF2 iterations must be a positive integer');
  }
  if (!Number.isSafeInteger(length) || length < 1) {
    throw new RangeError('PBKDF2 output length must be a positive integer');
  }
  const key = password.length > BLOCK_BYTES ? sha256(password) : password;
  const schedule = sha256Schedule();
  const innerState = padState(key, 0x36, schedule);
  const outerState = padState(key, 0x5c, schedule);
  const state = new Int32Array(8);
  const u = new Int32Array(8);
  const t = new Int32Array(8);
  const saltBlock = new Uint8Array(salt.length + 4);
  saltBlock.set(salt);
  const out = new Uint8Array(Math.ceil(length / SHA256_BYTES) * SHA256_BYTES);

  for (let block = 1, offset = 0; offset < length; block++, offset += SHA256_BYTES) {
    // U_1 = PRF(P, S || INT(i)) through the plain HMAC; it runs once per output block.
    saltBlock[salt.length] = block >>> 24;
    saltBlock[salt.length + 1] = block >>> 16;
    saltBlock[salt.length + 2] = block >>> 8;
    saltBlock[salt.length + 3] = block;
    const first = hmacSha256(password, saltBlock);
    for (let i = 0; i < 8; i++) {
      const word =
        ((first[i * 4] as number) << 24) |
        ((first[i * 4 + 1] as number) << 16) |
        ((first[i * 4 + 2] as number) << 8) |
        (first[i * 4 + 3] as number);
      u[i] = word;
      t[i] = word;
    }
    // Words 8 to 15 of the second block never change: the 0x80 marker, zeros, the bit length.
    // compressSha256 leaves words 0 to 15 alone, so they are written once per output block.
    schedule.fill(0, 8, 16);
    schedule[8] = 0x80000000 | 0;
    schedule[15] = DIGEST_AFTER_BLOCK_BITS;
    for (let j = 1; j < iterations; j++) {
      schedule.set(u);
      state.set(innerState);
      compressSha256(state, schedule);
      schedule.set(state.subarray(0, 8));
      state.set(outerState);
      compressSha256(state, schedule);
      for (let i = 0; i < 8; i++) {
        const word = state[i] as number;
        u[i] = word;
        t[i] = (t[i] as number) ^ word;
      }
    }
    storeWordsBigEndian(t, out, offset);
  }
  u.fill(0);
  t.fill(0);
  const derived = out.slice(0, length);
  out.fill(0);
  return derived;
}
