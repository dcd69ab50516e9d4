/**
 * Hash primitives for the SASL mechanisms, written in TypeScript: MD5 (RFC 1321), SHA-256
 * (FIPS 180-4), HMAC (RFC 2104), PBKDF2-HMAC-SHA-256 (RFC 8018) and a constant-time comparison.
 * Internal to `@smtp/protocol`: nothing here is part of the public API.
 *
 * Why we carry our own instead of using the platform:
 * - `node:crypto` would tie the package to Node; `@smtp/protocol` promises no `node:` imports so
 *   it runs in Deno, Bun, browsers and Workers, and the compiler enforces it (`types: []`).
 * - WebCrypto (`crypto.subtle`) is available everywhere but asynchronous, while the SASL
 *   mechanisms are synchronous state machines (`step(challenge) -> response`); making them async
 *   for one hash would push promises into every caller. It also has no MD5, which CRAM-MD5
 *   (RFC 2195) requires.
 * - The amount of code is small and the algorithms are fixed by their standards.
 *
 * How they are checked: the published vectors (RFC 1321 appendix A.5; the FIPS 180-4 / NIST
 * SHA-256 examples including the one-million-`a` message; RFC 4231 for HMAC-SHA-256; RFC 2202 for
 * HMAC-MD5; RFC 7914 section 11 for PBKDF2-HMAC-SHA-256), plus fast-check properties comparing
 * every function with `node:crypto` on arbitrary inputs (tests only).
 *
 * Speed: 32-bit words in `Int32Array`s, buffers reused, and PBKDF2 with the HMAC pad states
 * precomputed, so SCRAM's 4096 iterations cost a few milliseconds (see `./pbkdf2.ts`).
 *
 * These are not for general use: MD5 exists only for CRAM-MD5, and the comparison is best effort
 * against timing (see `./constant-time.ts`).
 */
export { constantTimeEqual } from './constant-time.ts';
export { hmacMd5, hmacSha256 } from './hmac.ts';
export { md5 } from './md5.ts';
export { pbkdf2HmacSha256 } from './pbkdf2.ts';
export { sha256 } from './sha256.ts';
