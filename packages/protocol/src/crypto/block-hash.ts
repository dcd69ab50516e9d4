/**
 * The Merkle–Damgård frame shared by MD5 and SHA-256: split the message into 64-byte blocks,
 * load each block into 16 32-bit words, and finish with the padding both hashes use (a `0x80`
 * byte, zeros, then the message length in bits as a 64-bit integer).
 *
 * Contract: pure and synchronous, Uint8Array in and out, no allocation per block (the 16-word
 * buffer is reused). The two hashes differ only in their compression function and in byte order
 * (MD5 little-endian, RFC 1321 section 3; SHA-256 big-endian, FIPS 180-4 section 5.1.1), so both
 * are parameters here rather than two copies of the padding code.
 */

/** Bytes per block of MD5 and SHA-256; HMAC pads its key to this length (RFC 2104 section 2). */
export const BLOCK_BYTES = 64;

/**
 * A compression function: mixes the 16 message words at the start of `words` into `state`.
 * `words` may be longer than 16 (SHA-256 expands its message schedule in place).
 */
export type Compress = (state: Int32Array, words: Int32Array) => void;

/** Loads 16 big-endian words from `bytes` at `offset` into `words`. */
export function loadWordsBigEndian(words: Int32Array, bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const at = offset + i * 4;
    words[i] =
      ((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number);
  }
}

/** Loads 16 little-endian words from `bytes` at `offset` into `words`. */
export function loadWordsLittleEndian(words: Int32Array, bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const at = offset + i * 4;
    words[i] =
      (bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24);
  }
}

/** Writes `words` as big-endian bytes into `out` at `offset`. */
export function storeWordsBigEndian(words: Int32Array, out: Uint8Array, offset: number): void {
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as number;
    const at = offset + i * 4;
    out[at] = word >>> 24;
    out[at + 1] = word >>> 16;
    out[at + 2] = word >>> 8;
    out[at + 3] = word;
  }
}

/** Writes `words` as little-endian bytes into `out` at `offset`. */
export function storeWordsLittleEndian(words: Int32Array, out: Uint8Array, offset: number): void {
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as number;
    const at = offset + i * 4;
    out[at] = word;
    out[at + 1] = word >>> 8;
    out[at + 2] = word >>> 16;
    out[at + 3] = word >>> 24;
  }
}

/**
 * Runs `compress` over `data` with the final padding, updating `state` in place.
 *
 * @param words - scratch space of at least 16 words, overwritten.
 * @param bigEndian - byte order of the message words and of the length field.
 */
export function hashBlocks(
  data: Uint8Array,
  state: Int32Array,
  words: Int32Array,
  compress: Compress,
  bigEndian: boolean,
): void {
  const load = bigEndian ? loadWordsBigEndian : loadWordsLittleEndian;
  const length = data.length;
  let offset = 0;
  for (; offset + BLOCK_BYTES <= length; offset += BLOCK_BYTES) {
    load(words, data, offset);
    compress(state, words);
  }
  // The tail (0..63 bytes), the 0x80 marker and the 8-byte length fit in one block when the tail
  // is shorter than 56 bytes, otherwise they spill into a second one.
  const rest = length - offset;
  const tail = new Uint8Array(rest < 56 ? BLOCK_BYTES : 2 * BLOCK_BYTES);
  tail.set(data.subarray(offset));
  tail[rest] = 0x80;
  // The bit length as two 32-bit halves: `length * 8` is exact below 2^53, and `>>> 0` keeps its
  // low 32 bits; the high half is `length / 2^29`.
  const low = (length * 8) >>> 0;
  const high = Math.floor(length / 0x20000000) >>> 0;
  const end = tail.length;
  if (bigEndian) {
    writeWord(tail, end - 8, high, true);
    writeWord(tail, end - 4, low, true);
  } else {
    writeWord(tail, end - 8, low, false);
    writeWord(tail, end - 4, high, false);
  }
  for (let at = 0; at < end; at += BLOCK_BYTES) {
    load(words, tail, at);
    compress(state, words);
  }
}

function writeWord(out: Uint8Array, at: number, word: number, bigEndian: boolean): void {
  for (let i = 0; i < 4; i++) {
    out[at + (bigEndian ? 3 - i : i)] = word >>> (8 * i);
  }
}
