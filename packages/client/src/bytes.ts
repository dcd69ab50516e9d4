/** Byte helpers the client shares: one UTF-8 encoder, one concatenation. */

/** UTF-8 encoder, shared (an encoder holds no state between calls). */
export const utf8 = new TextEncoder();

/** The parts laid end to end; a single part is returned as it is, more are copied into one array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
