/**
 * HMAC (RFC 2104 section 2) over the two hashes of this folder: HMAC-SHA-256 for SCRAM-SHA-256
 * (RFC 5802 section 2.2, RFC 7677) and HMAC-MD5 for CRAM-MD5 (RFC 2195).
 *
 * Contract: pure and synchronous, Uint8Array in and out. Keys longer than the 64-byte block are
 * hashed first, shorter ones zero-padded, as RFC 2104 says. The padded key copies are zeroed
 * before returning so the key does not linger in buffers that outlive the call. PBKDF2's hot loop
 * does not come through here: it precomputes the padded-key states once (see `./pbkdf2.ts`).
 *
 * Why not WebCrypto or `node:crypto`: see the module docblock of `./index.ts`.
 */
import { BLOCK_BYTES } from './block-hash.ts';
import { md5 } from './md5.ts';
import { sha256 } from './sha256.ts';

/** A hash with a 64-byte block, as both MD5 and SHA-256 have. */
type BlockHash = (data: Uint8Array) => Uint8Array;

const INNER_PAD = 0x36;
const OUTER_PAD = 0x5c;

/** HMAC with `hash`: H((K ^ opad) || H((K ^ ipad) || message)). */
function hmac(hash: BlockHash, key: Uint8Array, message: Uint8Array): Uint8Array {
  const paddedKey = new Uint8Array(BLOCK_BYTES);
  paddedKey.set(key.length > BLOCK_BYTES ? hash(key) : key);
  const inner = new Uint8Array(BLOCK_BYTES + message.length);
  for (let i = 0; i < BLOCK_BYTES; i++) inner[i] = (paddedKey[i] as number) ^ INNER_PAD;
  inner.set(message, BLOCK_BYTES);
  const innerDigest = hash(inner);
  const outer = new Uint8Array(BLOCK_BYTES + innerDigest.length);
  for (let i = 0; i < BLOCK_BYTES; i++) outer[i] = (paddedKey[i] as number) ^ OUTER_PAD;
  outer.set(innerDigest, BLOCK_BYTES);
  const mac = hash(outer);
  paddedKey.fill(0);
  inner.fill(0, 0, BLOCK_BYTES);
  outer.fill(0, 0, BLOCK_BYTES);
  return mac;
}

/** HMAC-SHA-256 of `message` under `key` (32 bytes; RFC 4231 vectors). */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(sha256, key, message);
}

/** HMAC-MD5 of `message` under `key` (16 bytes; RFC 2202 vectors). Only for CRAM-MD5. */
export function hmacMd5(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(md5, key, message);
}
