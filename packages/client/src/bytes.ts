/** Byte helpers the client shares: one concatenation, one encoder. */

/** UTF-8 encoder, shared (an encoder holds no state between calls). */
export const utf8 = new TextEncoder();

/** The parts laid end to end in one new array (the parts are not kept). */
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
