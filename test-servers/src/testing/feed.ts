/**
 * Test-only helper (not exported): runs one streaming case the three ways a socket can deliver
 * it, whole, byte by byte, and at seeded random split points, so every parser and encoder test
 * states its input and expectation once and is checked against all chunkings (node-redis habit).
 */

/** How a byte sequence is cut into chunks before it is pushed. */
export type FeedMode = 'whole' | 'byte-by-byte' | { readonly seed: number };

/** The modes every streaming case runs in. */
export const feedModes: readonly FeedMode[] = [
  'whole',
  'byte-by-byte',
  { seed: 1 },
  { seed: 7 },
  { seed: 1234 },
];

/** A readable label for test titles: `whole`, `byte-by-byte`, `random(seed=7)`. */
export function describeFeedMode(mode: FeedMode): string {
  return typeof mode === 'string' ? mode : `random(seed=${mode.seed})`;
}

/** Small, fast, seedable PRNG (mulberry32); good enough to pick split points reproducibly. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts `bytes` into chunks according to `mode`. Random chunks are 1 to 16 bytes long. */
export function splitBytes(bytes: Uint8Array, mode: FeedMode): Uint8Array[] {
  if (mode === 'whole') return [bytes];
  if (mode === 'byte-by-byte') return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  const random = mulberry32(mode.seed);
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const size = 1 + Math.floor(random() * 16);
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

/** Pushes `bytes` through `push` in the chunks `mode` gives and collects everything it returns. */
export function feed<T>(
  push: (chunk: Uint8Array) => readonly T[],
  bytes: Uint8Array,
  mode: FeedMode,
): T[] {
  return splitBytes(bytes, mode).flatMap((chunk) => [...push(chunk)]);
}

/** The bytes of a string, UTF-8 encoded; `\r\n` stays as written. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Decodes bytes as latin1, so every byte is visible one-to-one in assertions. */
export function latin1(data: Uint8Array): string {
  let out = '';
  for (const byte of data) out += String.fromCharCode(byte);
  return out;
}
