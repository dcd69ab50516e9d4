/**
 * Multipart boundaries (RFC 2046 section 5.1.1; SECURITY.md INV-7).
 *
 * A boundary is `=_` followed by 32 lower-case hex digits: 128 bits from the platform CSPRNG
 * (`globalThis.crypto.getRandomValues`), 34 characters in all, well under the 70 RFC 2046 allows.
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

const HEX = '0123456789abcdef';

/** Length of a boundary from {@link createBoundary}: `=_` and 32 hex digits. */
export const BOUNDARY_LENGTH = 34;

/**
 * Returns 16 random bytes from the platform CSPRNG. Kept in one place so the rest of the package
 * never reaches for another source of randomness.
 */
export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX[byte >> 4] + (HEX[byte & 15] as string);
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
  return `=_${toHex(randomBytes(16))}`;
}

/**
 * True when `boundary` occurs anywhere in `content` (not only at a line start: stricter than
 * RFC 2046 needs, and as cheap). Used on 7bit and 8bit parts, whose bytes are the caller's.
 */
export function containsBoundary(content: Uint8Array, boundary: string): boolean {
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
