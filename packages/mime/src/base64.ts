/**
 * Base64 content transfer encoding (RFC 2045 section 6.8): a streaming encoder that writes
 * CRLF-terminated lines of 76 characters, a one-shot form, and a tolerant decoder.
 *
 * Contract: pure and synchronous; no `node:` imports. Push chunks of any size split anywhere;
 * every chunking of the same input gives the same output bytes. Every output line, the last
 * one included, is terminated by CRLF, and all lines but the last are exactly `lineLength`
 * characters; the alphabet is the standard one of RFC 4648 section 4 with `=` padding. Empty
 * input gives empty output.
 *
 * Streaming: each push encodes the whole lines its input completes and carries the rest (fewer
 * input octets than one line holds, at most 56 for 76-character lines) to the next push, so only
 * whole lines are ever returned; `end()` encodes what is left as the short last line.
 *
 * Copies: each push allocates one output array of the exact size of the lines it returns. The
 * line carried from the previous push is completed from the new chunk (in the 57-octet carry
 * buffer) and encoded straight into the start of that array; the chunk's own whole lines are
 * encoded after it, read where they lie in the chunk; nothing is joined afterwards. The one-shot
 * {@link encodeBase64Lines} likewise writes the short last line into the same array.
 *
 * Reuse (internal, for the serialiser): a caller that knows nobody holds the encoder's last
 * output any more may ask the next push to write into that output's memory instead of a new
 * array. Streaming a large attachment then costs one output array instead of one per chunk:
 * a fresh array per 64 KiB chunk is garbage the collector frees only in its next cycle, so tens
 * of them sat in memory at once (about 3.5 MB of peak RSS and 40 ms of 0.25 s sending 50 MB,
 * suite `large-send`). Only the serialiser can know, so the public interface does not offer it.
 *
 * Speed (measured in `tools/bench`, suite `base64`): when `globalThis.Buffer` exists (Node, Bun,
 * Deno's Node mode) a block that is a whole number of lines is encoded by Buffer's native
 * encoder in one call (a string, the one intermediate left: Node has no base64 encoder that
 * writes bytes), written into the output with `latin1Write`, and the lines are then spread
 * apart in place with `copyWithin`, from the last one backwards, with CRLF written into the gaps:
 * about twice the speed of the portable path and well above Nodemailer's stream. Elsewhere (Web
 * runtimes, browsers) a portable encoder writes two characters at a time from a 4096-entry table
 * through a `Uint16Array` view of the output; both paths give identical bytes (tested). A line
 * of at most 57 octets (the carried one, the last one) is written a character at a time.
 *
 * Decoder: {@link decodeBase64} skips white space (space, tab, CR, LF) anywhere, accepts
 * missing padding, and stops at the first `=` pad; any other character outside the alphabet is
 * {@link ContentError} `SMTP_MIME_MALFORMED_ENCODING` (a reader must not guess).
 */

import { ContentError, InvalidMessageError } from './errors.ts';

/** Longest base64 line in characters, CRLF excluded (RFC 2045 6.8). */
export const BASE64_MAX_LINE_LENGTH = 76;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CR = 0x0d;
const LF = 0x0a;
const PAD = 0x3d;

/** The subset of Node's `Buffer` the fast path uses, feature-detected on `globalThis`. */
interface NativeBufferClass {
  from(
    buffer: ArrayBufferLike,
    byteOffset: number,
    length: number,
  ): { toString(encoding: 'base64'): string };
  allocUnsafe(size: number): Uint8Array & { latin1Write(text: string, offset: number): number };
}

const nativeBuffer = (globalThis as unknown as { Buffer?: NativeBufferClass }).Buffer;
const hasNativeBuffer =
  typeof nativeBuffer?.from === 'function' &&
  typeof nativeBuffer.allocUnsafe(0).latin1Write === 'function';

// Two base64 characters for every 12-bit value, as one 16-bit store. The table is filled byte by
// byte through a Uint8Array view, so a 16-bit read of it is in the platform's byte order: no
// endianness test is needed.
const PAIRS = (() => {
  const pairs = new Uint16Array(4096);
  const bytes = new Uint8Array(pairs.buffer);
  for (let v = 0; v < 4096; v++) {
    bytes[2 * v] = ALPHABET.charCodeAt(v >> 6);
    bytes[2 * v + 1] = ALPHABET.charCodeAt(v & 63);
  }
  return pairs;
})();
const CRLF16 = new Uint16Array(Uint8Array.of(CR, LF).buffer)[0] as number;
const CHARS = new TextEncoder().encode(ALPHABET);

/** Options of {@link createBase64Encoder}. */
export interface Base64EncoderOptions {
  /**
   * Characters per line, CRLF excluded: a multiple of 4 from 4 to 76; default
   * {@link BASE64_MAX_LINE_LENGTH}.
   */
  readonly lineLength?: number;
  /**
   * Force the portable encoder even when `Buffer` exists (for tests and for measuring it).
   * Default `false`.
   */
  readonly portable?: boolean;
}

/** A streaming base64 encoder; see {@link createBase64Encoder}. */
export interface Base64Encoder {
  /** Encodes the whole lines this chunk completes; returns them (possibly empty, always new). */
  push(chunk: Uint8Array): Uint8Array;
  /** Encodes the rest as the last line (with its CRLF). Later calls throw. */
  end(): Uint8Array;
}

/**
 * Creates a streaming base64 encoder producing CRLF-terminated lines.
 *
 * @throws InvalidMessageError `SMTP_MIME_INVALID_OPTION` for a bad `lineLength`.
 * @example
 * const encoder = createBase64Encoder();
 * const parts = [encoder.push(bytesOfAFile), encoder.end()];
 */
export function createBase64Encoder(options?: Base64EncoderOptions): Base64Encoder {
  const lineLength = options?.lineLength ?? BASE64_MAX_LINE_LENGTH;
  if (!Number.isInteger(lineLength) || lineLength < 4 || lineLength > 76 || lineLength % 4 !== 0) {
    throw new InvalidMessageError(
      'SMTP_MIME_INVALID_OPTION',
      `Base64 lineLength must be a multiple of 4 from 4 to 76, got ${String(lineLength)}`,
    );
  }
  return new B64Encoder(lineLength, options?.portable === true || !hasNativeBuffer);
}

/**
 * Encodes `data` as base64 in CRLF-terminated lines in one call (the bytes
 * {@link createBase64Encoder} gives for `data` pushed whole and then ended), into one array of
 * the exact size.
 */
export function encodeBase64Lines(data: Uint8Array, options?: Base64EncoderOptions): Uint8Array {
  const encoder = createBase64Encoder(options) as B64Encoder;
  return encoder.encodeAll(data);
}

/**
 * Internal (for `serialize.ts`, not exported from the package): an encoder of 76-character lines
 * that can write into the memory of its last output (see "Reuse" in the module docs).
 */
export interface ReusableBase64Encoder extends Base64Encoder {
  /** Octets the next push of `length` octets returns. */
  pushSize(length: number): number;
  /**
   * A push; with `reuse`, into the memory of the last output a push with `reuse` returned, which
   * the caller promises nothing reads any more.
   */
  pushReusing(chunk: Uint8Array, reuse: boolean): Uint8Array;
}

/** Internal: see {@link ReusableBase64Encoder}. */
export function createReusableBase64Encoder(): ReusableBase64Encoder {
  return new B64Encoder(BASE64_MAX_LINE_LENGTH, !hasNativeBuffer);
}

/** Octets of output for `length` octets of input in lines of `lineLength` characters. */
function encodedLength(length: number, lineLength: number): number {
  const chars = 4 * Math.ceil(length / 3);
  return chars + 2 * Math.ceil(chars / lineLength);
}

class B64Encoder implements ReusableBase64Encoder {
  readonly #lineLength: number;
  // Input octets per output line (57 for 76 characters).
  readonly #lineInput: number;
  readonly #portable: boolean;
  readonly #carry: Uint8Array;
  #carryLength = 0;
  #ended = false;
  /** Output memory that {@link pushReusing} writes into again. */
  #memory: Uint8Array | undefined;

  constructor(lineLength: number, portable: boolean) {
    this.#lineLength = lineLength;
    this.#lineInput = (lineLength / 4) * 3;
    this.#portable = portable;
    this.#carry = new Uint8Array(this.#lineInput);
  }

  /**
   * One output array per push, of the exact size of the whole lines this chunk completes: the
   * line carried from the last push is completed from the chunk and encoded into its start, the
   * chunk's own whole lines are encoded after it, and the rest is carried.
   */
  push(chunk: Uint8Array): Uint8Array {
    return this.pushReusing(chunk, false);
  }

  /**
   * Octets the next push of `length` octets returns: the whole lines it completes, with the line
   * carried from the last push.
   */
  pushSize(length: number): number {
    return Math.floor((this.#carryLength + length) / this.#lineInput) * (this.#lineLength + 2);
  }

  /**
   * {@link push}, and with `reuse`, written into the memory of the last output a push with
   * `reuse` returned (grown when too small): the caller promises that nothing reads that output
   * any more.
   */
  pushReusing(chunk: Uint8Array, reuse: boolean): Uint8Array {
    this.#checkOpen();
    const lineInput = this.#lineInput;
    const carried = this.#carryLength;
    const lines = Math.floor((carried + chunk.length) / lineInput);
    if (lines === 0) {
      this.#carry.set(chunk, carried);
      this.#carryLength = carried + chunk.length;
      return new Uint8Array(0);
    }
    const stride = this.#lineLength + 2;
    const size = lines * stride;
    const out = reuse ? this.#reusable(size) : this.#allocate(size);
    let used = 0;
    let at = 0;
    if (carried > 0) {
      used = lineInput - carried;
      this.#carry.set(chunk.subarray(0, used), carried);
      encodeSmall(this.#carry, 0, lineInput, out, 0);
      at = stride;
    }
    const whole = (lines - (carried > 0 ? 1 : 0)) * lineInput;
    if (whole > 0) this.#encodeInto(chunk, used, whole, out, at);
    used += whole;
    this.#carry.set(chunk.subarray(used), 0);
    this.#carryLength = chunk.length - used;
    return plain(out, size);
  }

  end(): Uint8Array {
    this.#checkOpen();
    this.#ended = true;
    const length = this.#carryLength;
    if (length === 0) return new Uint8Array(0);
    const out = new Uint8Array(encodedLength(length, this.#lineLength));
    encodeSmall(this.#carry, 0, length, out, 0);
    return out;
  }

  /** All of `data` at once, last short line included, into one array of the exact size. */
  encodeAll(data: Uint8Array): Uint8Array {
    if (data.length === 0) return new Uint8Array(0);
    const size = encodedLength(data.length, this.#lineLength);
    const out = this.#allocate(size);
    this.#encodeInto(data, 0, data.length, out, 0);
    return plain(out, size);
  }

  /** The memory {@link pushReusing} writes into, at least `size` octets. */
  #reusable(size: number): Uint8Array {
    let memory = this.#memory;
    if (memory === undefined || memory.length < size) {
      // A line to spare: the line carried between pushes makes every other output of a stream
      // of equal chunks one line longer.
      memory = this.#allocate(size + this.#lineLength + 2);
      this.#memory = memory;
    }
    return memory;
  }

  /** A fresh output array: a Buffer for the native path (whose `latin1Write` it needs). */
  #allocate(size: number): Uint8Array {
    return this.#portable
      ? new Uint8Array(size)
      : (nativeBuffer as NativeBufferClass).allocUnsafe(size);
  }

  #encodeInto(block: Uint8Array, start: number, length: number, out: Uint8Array, at: number): void {
    if (this.#portable) encodePortable(block, start, length, out, at, this.#lineLength);
    else encodeNative(block, start, length, out, at, this.#lineLength);
  }

  #checkOpen(): void {
    if (this.#ended) {
      throw new InvalidMessageError('SMTP_MIME_INVALID_OPTION', 'Base64 encoder used after end()');
    }
  }
}

/**
 * The first `size` octets of `out` as a plain Uint8Array, so that both paths return the same type
 * (`out` is a Buffer on the native path, and longer than `size` when it is reused memory).
 */
function plain(out: Uint8Array, size: number): Uint8Array {
  return out.constructor === Uint8Array && out.length === size
    ? out
    : new Uint8Array(out.buffer, out.byteOffset, size);
}

/**
 * Buffer path: one native encode written at `at`, then the lines spread apart in place (see the
 * module docs). `out` is a Buffer from `allocate`.
 */
function encodeNative(
  block: Uint8Array,
  start: number,
  length: number,
  out: Uint8Array,
  at: number,
  lineLength: number,
): void {
  const Native = nativeBuffer as NativeBufferClass;
  const text = Native.from(block.buffer, block.byteOffset + start, length).toString('base64');
  const n = text.length;
  const lines = Math.ceil(n / lineLength);
  (out as ReturnType<NativeBufferClass['allocUnsafe']>).latin1Write(text, at);
  const stride = lineLength + 2;
  // From the last line backwards, so no line is overwritten before it has been moved.
  for (let line = lines - 1; line >= 0; line--) {
    const from = at + line * lineLength;
    const size = line * lineLength + lineLength <= n ? lineLength : n - line * lineLength;
    const to = at + line * stride;
    if (to !== from) out.copyWithin(to, from, from + size);
    out[to + size] = CR;
    out[to + size + 1] = LF;
  }
}

/**
 * Portable path: two characters per 16-bit store through a `Uint16Array` view of `out`, which
 * is a fresh array (offset 0) written at `at`, a multiple of a line's octets (even).
 */
function encodePortable(
  block: Uint8Array,
  start: number,
  length: number,
  out: Uint8Array,
  at: number,
  lineLength: number,
): void {
  const end = start + length;
  // A line is a multiple of 4 characters plus CRLF, an even number of octets, so every 16-bit
  // store lands on an even offset.
  const out16 = new Uint16Array(out.buffer, out.byteOffset, out.length >> 1);
  const groupsPerLine = lineLength / 4;
  const fullGroups = Math.floor(length / 3);
  let i = start;
  let o = at >> 1;
  let group = 0;
  while (group < fullGroups) {
    const lineEnd = Math.min(fullGroups, group + groupsPerLine);
    for (; group < lineEnd; group++) {
      const v =
        ((block[i] as number) << 16) | ((block[i + 1] as number) << 8) | (block[i + 2] as number);
      i += 3;
      out16[o++] = PAIRS[v >>> 12] as number;
      out16[o++] = PAIRS[v & 4095] as number;
    }
    if (group % groupsPerLine === 0) out16[o++] = CRLF16;
  }
  if (i < end) encodeSmall(block, i, end - i, out, 2 * o);
  else if (fullGroups % groupsPerLine !== 0) {
    out[2 * o] = CR;
    out[2 * o + 1] = LF;
  }
}

/**
 * At most one line, octet by octet: `length` octets of `block` from `start` as base64 (padded),
 * then CRLF, written into `out` at `at`. For the line carried between pushes and the last one.
 */
function encodeSmall(
  block: Uint8Array,
  start: number,
  length: number,
  out: Uint8Array,
  at: number,
): void {
  let o = at;
  let i = start;
  const end = start + length;
  for (; i + 3 <= end; i += 3) {
    const v =
      ((block[i] as number) << 16) | ((block[i + 1] as number) << 8) | (block[i + 2] as number);
    out[o++] = CHARS[v >>> 18] as number;
    out[o++] = CHARS[(v >>> 12) & 63] as number;
    out[o++] = CHARS[(v >>> 6) & 63] as number;
    out[o++] = CHARS[v & 63] as number;
  }
  const rest = end - i;
  if (rest > 0) {
    const a = block[i] as number;
    const b = rest === 2 ? (block[i + 1] as number) : 0;
    out[o++] = CHARS[a >> 2] as number;
    out[o++] = CHARS[((a & 3) << 4) | (b >> 4)] as number;
    out[o++] = rest === 2 ? (CHARS[(b & 15) << 2] as number) : PAD;
    out[o++] = PAD;
  }
  out[o++] = CR;
  out[o] = LF;
}

const DECODE = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let v = 0; v < 64; v++) table[ALPHABET.charCodeAt(v)] = v;
  return table;
})();
const SKIP = -2;
const PAD_VALUE = -3;

/**
 * Decodes base64 text or bytes, ignoring white space and line breaks anywhere; padding is
 * optional and decoding stops at the first `=`.
 *
 * @throws ContentError `SMTP_MIME_MALFORMED_ENCODING` on a character outside the alphabet, or a
 *   lone final character (which cannot carry a whole octet).
 * @example
 * decodeBase64('aGVs\r\nbG8='); // bytes of 'hello'
 */
export function decodeBase64(input: string | Uint8Array): Uint8Array {
  const length = input.length;
  const out = new Uint8Array(Math.ceil((length * 3) / 4));
  const text = typeof input === 'string' ? input : undefined;
  const bytes = typeof input === 'string' ? undefined : input;
  let o = 0;
  let acc = 0;
  let count = 0;
  for (let i = 0; i < length; i++) {
    const c = text !== undefined ? text.charCodeAt(i) : (bytes?.[i] as number);
    const v = c < 256 ? classify(c) : -1;
    if (v === SKIP) continue;
    if (v === PAD_VALUE) break;
    if (v < 0) {
      throw new ContentError(
        'SMTP_MIME_MALFORMED_ENCODING',
        `Malformed base64: character code ${c} at index ${i} is not in the base64 alphabet`,
      );
    }
    acc = (acc << 6) | v;
    if (++count === 4) {
      out[o++] = acc >> 16;
      out[o++] = (acc >> 8) & 255;
      out[o++] = acc & 255;
      acc = 0;
      count = 0;
    }
  }
  if (count === 1) {
    throw new ContentError(
      'SMTP_MIME_MALFORMED_ENCODING',
      'Malformed base64: the data ends with a single character, which cannot encode an octet',
    );
  }
  if (count === 2) out[o++] = (acc >> 4) & 255;
  if (count === 3) {
    out[o++] = (acc >> 10) & 255;
    out[o++] = (acc >> 2) & 255;
  }
  return out.slice(0, o);
}

function classify(c: number): number {
  const v = DECODE[c] as number;
  if (v >= 0) return v;
  if (c === 0x20 || c === 0x09 || c === CR || c === LF) return SKIP;
  if (c === PAD) return PAD_VALUE;
  return -1;
}
