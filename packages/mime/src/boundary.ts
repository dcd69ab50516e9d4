/**
 * Multipart boundaries (RFC 2046 section 5.1.1; docs/security.md INV-7).
 *
 * A boundary is `=_` followed by 32 lower-case hex digits: 128 bits from the platform CSPRNG
 * (`globalThis.crypto.getRandomValues`, drawn 4 KiB at a time into a pool whose every octet is
 * used once: see {@link randomHex}), 34 characters in all, well under the 70 RFC 2046 allows.
 *
 * Why this form cannot occur in encoded output:
 * - quoted-printable (RFC 2045 section 6.7): an `=` in QP output is only ever followed by two
 *   upper-case hex digits (an escape) or by CRLF (a soft line break). `=_` is neither, so no
 *   QP-encoded line can contain `=_`, and so none can contain the boundary.
 * - base64 (RFC 2045 section 6.8): the alphabet is `A-Z a-z 0-9 + /` and the pad `=`; `_` is not
 *   in it, so no base64 line can contain the boundary.
 * - 7bit and 8bit parts, whose bytes are the caller's: {@link containsBoundary} checks every such
 *   part (known in advance, by design: see `transfer-encoding.ts`) against every boundary of the
 *   message, and the serialiser draws a fresh boundary on a hit.
 * Each multipart of a message gets its own random boundary, so no boundary is a prefix of
 * another (which a lax parser might confuse).
 *
 * Because `=` is a `tspecial` (RFC 2045 section 5.1), the parameter is always written quoted:
 * `boundary="=_..."`.
 */

/** Two lower-case hex digits for every octet. */
const HEX_PAIRS: readonly string[] = Array.from({ length: 256 }, (_, octet) =>
  octet.toString(16).padStart(2, '0'),
);

/** Length of a boundary from {@link createBoundary}: `=_` and 32 hex digits. */
export const BOUNDARY_LENGTH = 34;

/**
 * Octets drawn from the CSPRNG in one call and handed out a few at a time. Why a pool: Node's
 * `getRandomValues` costs a few microseconds per call whatever the length (argument checks and a
 * trip into C++), which was a quarter of the time spent composing a small message (a Message-ID
 * and a boundary or two each). One call now serves 128 ids or boundaries. Every octet is handed
 * out once; nothing else in the package reads the pool.
 */
export const RANDOM_POOL_SIZE = 4096;
const pool = new Uint8Array(RANDOM_POOL_SIZE);
let poolOffset = RANDOM_POOL_SIZE;

/**
 * Internal, for tests that replace `crypto.getRandomValues`: forgets what is left in the pool, so
 * the next draw refills it from the (replaced or restored) source.
 */
export function resetRandomPool(): void {
  pool.fill(0);
  poolOffset = RANDOM_POOL_SIZE;
}

/**
 * `length` (at most {@link RANDOM_POOL_SIZE}) fresh octets from the platform CSPRNG
 * (`globalThis.crypto.getRandomValues`), as lower-case hex. Kept in one place so the rest of the
 * package never reaches for another source of randomness.
 */
export function randomHex(length: number): string {
  if (poolOffset + length > RANDOM_POOL_SIZE) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const end = poolOffset + length;
  let out = '';
  for (let i = poolOffset; i < end; i++) out += HEX_PAIRS[pool[i] as number] as string;
  poolOffset = end;
  return out;
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX_PAIRS[byte] as string;
  return out;
}

/**
 * A fresh multipart boundary: `=_` and 128 random bits in hex. See the module docs for why it
 * cannot occur in quoted-printable or base64 output.
 *
 * @example
 * createBoundary(); // '=_3f1c0b8e2d7a4c5f9e0a1b2c3d4e5f60' (random)
 */
export function createBoundary(): string {
  return `=_${randomHex(16)}`;
}

/**
 * True when `boundary` occurs anywhere in `content` (not only at a line start: stricter than
 * RFC 2046 needs, and as cheap). Used on 7bit and 8bit parts, whose bytes are the caller's:
 * encoded bytes, or ASCII text still held as a string (its characters are its octets).
 */
export function containsBoundary(content: Uint8Array | string, boundary: string): boolean {
  if (typeof content === 'string') return content.includes(boundary);
  return indexOfBytes(content, asciiBytes(boundary)) !== -1;
}

/** The ASCII bytes of `text` (which must be ASCII). */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Offset of the first occurrence of `needle` in `haystack`, or -1. Uses native `indexOf` to find candidates. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  if (first === undefined) return 0;
  const last = haystack.length - needle.length;
  let at = haystack.indexOf(first);
  while (at !== -1 && at <= last) {
    let i = 1;
    while (i < needle.length && haystack[at + i] === needle[i]) i++;
    if (i === needle.length) return at;
    at = haystack.indexOf(first, at + 1);
  }
  return -1;
}
