/**
 * Quoted-printable content transfer encoding (RFC 2045 section 6.7): a streaming encoder and a
 * streaming decoder, bytes in and bytes out.
 *
 * Contract: pure and synchronous; no `node:` imports, `Uint8Array` only, no strings on the hot
 * path. Push chunks of any size split anywhere (between CR and LF, after a space whose fate
 * depends on the next byte); every chunking of the same input gives the same output bytes.
 *
 * Encoder, text mode (the default, for text/* bodies):
 * - CRLF, a bare LF and a bare CR in the input are each one hard line break, written as CRLF
 *   (rule 4: line breaks in text are canonical CRLF). A CR that ends a chunk is written at once
 *   as CRLF, and an LF that starts the next chunk is then dropped, so no byte is held back.
 * - Bytes 33-126 except `=` are written as they are; every other byte (`=`, controls, DEL,
 *   8-bit) as `=XX` with uppercase hex (rules 1 and 2).
 * - A space or tab is literal, except before a hard line break or at the very end of the data,
 *   where it is written `=20` / `=09` (rule 3: transports may strip trailing white space). A
 *   space that ends a chunk waits for the next byte to decide.
 * - Lines are at most `lineLength` (default 76) characters including the `=` of a soft line
 *   break (rule 5); an `=XX` is never split across lines.
 * - Defensive extra: a `.` that would start an output line is written `=2E`, so a line that is
 *   only `.` can never appear even if a transport forgot to dot-stuff; it costs two bytes per
 *   such line. `From ` at the start of a line is left as it is (mbox `From ` munging belongs to
 *   mailbox writers, and RFC 2045 only suggests, never requires, encoding it).
 * - {@link QuotedPrintableEncoder.end} adds no line break after the last line: the decoded data
 *   ends exactly where the input did. A multipart writer puts its `CRLF--boundary` after it.
 *
 * Encoder, binary mode (`binary: true`, for content whose line ends must survive byte for byte):
 * CR and LF are ordinary bytes written `=0D` / `=0A`; lines end only with soft breaks.
 *
 * Decoder: `=XX` (hex digits in either case) is the byte; `=` followed by optional white space
 * and a line end is a soft line break; white space at the end of a line is deleted (rule 3); a
 * line end (CRLF, or a bare LF as many writers send) is written CRLF. Lenient by default, like
 * real readers (libqp, mailparser): a malformed `=` sequence (`=G1`, `=` then one character
 * before the end) is kept literally. With `strict: true` it is a {@link ContentError}
 * `SMTP_MIME_MALFORMED_ENCODING` instead. A bare CR inside a line is kept as it is.
 *
 * Cost: the encoder reads its input four octets at a time through a `DataView` and tests the
 * four in parallel with integer arithmetic (SWAR) for "space to `~`, not `=`", copying such words
 * with one 32-bit store; only the other octets (to encode, line breaks, tab, a dot at a line
 * start, the end of a line) take a per-octet path, where a 256-entry table classifies them and
 * `=XX` is again one 32-bit store. A space or tab is written literally at once and rewritten as
 * `=XX` if a hard line break follows. Output goes into one array allocated per push at the worst
 * case (3 octets per input octet plus soft breaks), returned as a `subarray`. The decoder holds
 * back at most the incomplete last line.
 */

import { ContentError, InvalidMessageError } from './errors.ts';

/** Longest encoded line, in characters including a soft break's `=` (RFC 2045 6.7 rule 5). */
export const QP_MAX_LINE_LENGTH = 76;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const TAB = 0x09;
const EQ = 0x3d;
const DOT = 0x2e;

// Byte classes of the encoder table.
const LITERAL = 0; // written as it is: 33-126 except `=` and `.`, and space and tab
const ENCODE = 1; // written =XX
const BREAK = 2; // CR or LF in text mode
const DOT_CLASS = 3; // literal except at the start of an output line

function classTable(binary: boolean): Uint8Array {
  const table = new Uint8Array(256).fill(ENCODE);
  for (let b = 33; b <= 126; b++) table[b] = LITERAL;
  table[EQ] = ENCODE;
  table[DOT] = DOT_CLASS;
  table[SP] = LITERAL;
  table[TAB] = LITERAL;
  if (!binary) {
    table[CR] = BREAK;
    table[LF] = BREAK;
  }
  return table;
}

const TEXT_CLASSES = classTable(false);
const BINARY_CLASSES = classTable(true);
const HEX = new TextEncoder().encode('0123456789ABCDEF');
// `=XX` of each octet as one little-endian 32-bit value, written with a single DataView store
// whose fourth octet is scratch that the next write (or the end of the output) covers.
const ESCAPES = Int32Array.from(
  { length: 256 },
  (_, b) => EQ | ((HEX[b >> 4] as number) << 8) | ((HEX[b & 15] as number) << 16),
);
// `=` CR LF, a soft line break, likewise.
const SOFT_BREAK = EQ | (CR << 8) | (LF << 16);

/** Options of {@link createQuotedPrintableEncoder}. */
export interface QuotedPrintableEncoderOptions {
  /**
   * Longest output line in characters, the soft break's `=` included, CRLF excluded. An integer
   * from 4 to 998; default {@link QP_MAX_LINE_LENGTH} (76, the RFC 2045 maximum).
   */
  readonly lineLength?: number;
  /**
   * Encode CR and LF as `=0D` / `=0A` instead of treating them as line breaks, so the bytes
   * decode back exactly. Default `false` (text mode).
   */
  readonly binary?: boolean;
}

/** A streaming quoted-printable encoder; see {@link createQuotedPrintableEncoder}. */
export interface QuotedPrintableEncoder {
  /** Encodes the next chunk and returns the output ready now (possibly empty, always new). */
  push(chunk: Uint8Array): Uint8Array;
  /** Finishes: writes a space or tab still held back (encoded). Later calls throw. */
  end(): Uint8Array;
}

/**
 * Creates a streaming quoted-printable encoder (see the module docs for the exact rules).
 *
 * @throws InvalidMessageError `SMTP_MIME_INVALID_OPTION` for a `lineLength` out of range.
 * @example
 * const encoder = createQuotedPrintableEncoder();
 * const out = [encoder.push(new TextEncoder().encode('Grüße \n')), encoder.end()];
 * // 'Gr=C3=BC=C3=9Fe=20\r\n'
 */
export function createQuotedPrintableEncoder(
  options?: QuotedPrintableEncoderOptions,
): QuotedPrintableEncoder {
  const lineLength = options?.lineLength ?? QP_MAX_LINE_LENGTH;
  if (!Number.isInteger(lineLength) || lineLength < 4 || lineLength > 998) {
    throw new InvalidMessageError(
      'SMTP_MIME_INVALID_OPTION',
      `Quoted-printable lineLength must be an integer from 4 to 998, got ${String(lineLength)}`,
    );
  }
  return new QpEncoder(lineLength, options?.binary === true);
}

/**
 * Encodes `data` as quoted-printable in one call: the bytes {@link createQuotedPrintableEncoder}
 * gives for `data` pushed whole and then ended.
 */
export function encodeQuotedPrintable(
  data: Uint8Array,
  options?: QuotedPrintableEncoderOptions,
): Uint8Array {
  const encoder = createQuotedPrintableEncoder(options);
  const body = encoder.push(data);
  const tail = encoder.end();
  if (tail.length === 0) return body;
  const out = new Uint8Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out;
}

class QpEncoder implements QuotedPrintableEncoder {
  readonly #classes: Uint8Array;
  // The last column a character may occupy before a soft break's `=` is needed.
  readonly #max: number;
  #column = 0;
  // A space or tab that ended the previous chunk, not yet written (0 when none).
  #pendingWhite = 0;
  // The previous chunk ended with CR, already written as CRLF: drop an LF that starts this one.
  #pendingCr = false;
  #ended = false;

  constructor(lineLength: number, binary: boolean) {
    this.#classes = binary ? BINARY_CLASSES : TEXT_CLASSES;
    this.#max = lineLength - 1;
  }

  push(input: Uint8Array): Uint8Array {
    this.#checkOpen();
    // A plain Uint8Array view keeps element access monomorphic when callers mix Buffer
    // (a subclass) and Uint8Array chunks; V8 then keeps the loop below optimised.
    const chunk =
      input.constructor === Uint8Array
        ? input
        : new Uint8Array(input.buffer, input.byteOffset, input.length);
    const n = chunk.length;
    const max = this.#max;
    // Worst case: 3 octets per input octet (a bare CR or LF gives 2), a 3-octet soft break at
    // least every (max - 2) output characters, and the held-back space plus its soft break.
    const out = new Uint8Array(3 * n + 3 * Math.ceil((3 * n + 3) / (max - 2)) + 9);
    const classes = this.#classes;
    let o = 0;
    let i = 0;
    // The output index where the current line's soft break `=` would go: the line started at
    // lineEnd - max, and column = o - (lineEnd - max).
    let lineEnd = max - this.#column;
    if (this.#pendingCr && n > 0) {
      this.#pendingCr = false;
      if (chunk[0] === LF) i = 1;
    }
    if (this.#pendingWhite !== 0 && i < n) {
      // Written literally like any space; a line break that follows turns it into =XX below.
      if (o === lineEnd) {
        out[o++] = EQ;
        out[o++] = CR;
        out[o++] = LF;
        lineEnd = o + max;
      }
      out[o++] = this.#pendingWhite;
      this.#pendingWhite = 0;
    }
    // A space or tab that ends the chunk waits: whether it trails a line depends on what follows.
    let end = n;
    if (i < n) {
      const lastByte = chunk[n - 1] as number;
      if (lastByte === SP || lastByte === TAB) end = n - 1;
    }
    let pendingCr = false;
    const inView = new DataView(chunk.buffer, chunk.byteOffset, n);
    const outView = new DataView(out.buffer);
    // The last index a whole 4-octet word can be read from.
    const lastWord = end - 4;
    while (i < end) {
      if (i <= lastWord) {
        // Four octets at a time: each octet of x is checked in parallel (SWAR) for being a
        // space to `~` except `=`; the lowest flagged octet is the first that is not.
        const x = inView.getInt32(i, true);
        const e = x ^ 0x3d3d3d3d;
        const bad =
          (((x - 0x20202020) & ~x) | (x + 0x01010101) | x | ((e - 0x01010101) & ~e)) & 0x80808080;
        outView.setInt32(o, x, true);
        const lineStart = o + max === lineEnd;
        if (bad === 0 && o + 4 <= lineEnd && !lineStart) {
          i += 4;
          o += 4;
          continue;
        }
        // Keep the literal octets before the first flagged one, as many as fit on the line;
        // a dot at a line start goes the slow way below.
        let k = bad === 0 ? 4 : (31 - Math.clz32(bad & -bad)) >> 3;
        if (k > lineEnd - o) k = lineEnd - o;
        if (lineStart && (x & 0xff) === DOT) k = 0;
        i += k;
        o += k;
        if (i === end) break;
      }
      const b = chunk[i++] as number;
      const kind = classes[b] as number;
      if (kind === LITERAL) {
        // Most bytes of text, spaces and tabs included.
        if (o === lineEnd) {
          out[o++] = EQ;
          out[o++] = CR;
          out[o++] = LF;
          lineEnd = o + max;
        }
        out[o++] = b;
      } else if (kind === ENCODE) {
        // This octet and the ones to encode right after it (as in UTF-8 sequences). Each =XX
        // is one 4-octet store whose last octet the next write overwrites.
        let e = b;
        for (;;) {
          if (o + 3 > lineEnd) {
            outView.setInt32(o, SOFT_BREAK, true);
            o += 3;
            lineEnd = o + max;
          }
          outView.setInt32(o, ESCAPES[e] as number, true);
          o += 3;
          if (i === end) break;
          e = chunk[i] as number;
          if (classes[e] !== ENCODE) break;
          i++;
        }
      } else if (kind === BREAK) {
        // A space or tab just written before this hard break trails the line: rewrite it as =XX.
        // The last output octet is a literal space or tab only when the previous input octet
        // was one (encoded octets, soft and hard breaks all end otherwise).
        if (o > 0) {
          const white = out[o - 1] as number;
          if (white === SP || white === TAB) {
            o--;
            if (o + 3 > lineEnd) {
              outView.setInt32(o, SOFT_BREAK, true);
              o += 3;
              lineEnd = o + max;
            }
            outView.setInt32(o, ESCAPES[white] as number, true);
            o += 3;
          }
        }
        out[o++] = CR;
        out[o++] = LF;
        lineEnd = o + max;
        if (b === CR) {
          if (i === n) pendingCr = true;
          else if (chunk[i] === LF) i++;
        }
      } else {
        // A dot: encoded when it would start an output line, after a soft break too.
        if (o === lineEnd) {
          out[o++] = EQ;
          out[o++] = CR;
          out[o++] = LF;
          lineEnd = o + max;
        }
        if (o === lineEnd - max) {
          outView.setInt32(o, ESCAPES[DOT] as number, true);
          o += 3;
        } else {
          out[o++] = DOT;
        }
      }
    }
    if (end < n) this.#pendingWhite = chunk[end] as number;
    if (pendingCr) this.#pendingCr = true;
    this.#column = o - (lineEnd - max);
    return out.subarray(0, o);
  }

  end(): Uint8Array {
    this.#checkOpen();
    this.#ended = true;
    const white = this.#pendingWhite;
    if (white === 0) return new Uint8Array(0);
    const out = new Uint8Array(6);
    let o = 0;
    if (this.#column + 3 > this.#max) {
      out[o++] = EQ;
      out[o++] = CR;
      out[o++] = LF;
    }
    out[o++] = EQ;
    out[o++] = HEX[white >> 4] as number;
    out[o++] = HEX[white & 15] as number;
    return out.subarray(0, o);
  }

  #checkOpen(): void {
    if (this.#ended) {
      throw new InvalidMessageError(
        'SMTP_MIME_INVALID_OPTION',
        'Quoted-printable encoder used after end()',
      );
    }
  }
}

/** Options of {@link createQuotedPrintableDecoder}. */
export interface QuotedPrintableDecoderOptions {
  /**
   * Throw {@link ContentError} `SMTP_MIME_MALFORMED_ENCODING` on a malformed `=` sequence instead
   * of keeping it literally. Default `false`.
   */
  readonly strict?: boolean;
}

/** A streaming quoted-printable decoder; see {@link createQuotedPrintableDecoder}. */
export interface QuotedPrintableDecoder {
  /** Decodes the complete lines now available and returns their bytes (possibly empty). */
  push(chunk: Uint8Array): Uint8Array;
  /** Decodes the last, unterminated line. Later calls throw. */
  end(): Uint8Array;
}

/**
 * Creates a streaming quoted-printable decoder (see the module docs for the leniency rules).
 *
 * @example
 * const decoder = createQuotedPrintableDecoder();
 * decoder.push(new TextEncoder().encode('caf=C3=A9 =\r\nau lait')); // 'café '
 * decoder.end(); // 'au lait'
 */
export function createQuotedPrintableDecoder(
  options?: QuotedPrintableDecoderOptions,
): QuotedPrintableDecoder {
  return new QpDecoder(options?.strict === true);
}

/**
 * Decodes quoted-printable `data` in one call.
 *
 * @throws ContentError `SMTP_MIME_MALFORMED_ENCODING` in strict mode only.
 */
export function decodeQuotedPrintable(
  data: Uint8Array,
  options?: QuotedPrintableDecoderOptions,
): Uint8Array {
  const decoder = new QpDecoder(options?.strict === true);
  const body = decoder.push(data);
  const tail = decoder.end();
  const out = new Uint8Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out;
}

const HEX_VALUE = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let d = 0; d < 10; d++) table[0x30 + d] = d;
  for (let d = 0; d < 6; d++) {
    table[0x41 + d] = 10 + d;
    table[0x61 + d] = 10 + d;
  }
  return table;
})();

class QpDecoder implements QuotedPrintableDecoder {
  readonly #strict: boolean;
  // The incomplete last line of earlier chunks (everything after their last LF), in a buffer
  // that grows by doubling, so a long line pushed byte by byte still costs linear time.
  #carry = new Uint8Array(64);
  #carryLength = 0;
  #offset = 0;
  #ended = false;

  constructor(strict: boolean) {
    this.#strict = strict;
  }

  push(chunk: Uint8Array): Uint8Array {
    this.#checkOpen();
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf === -1) {
      this.#keep(chunk);
      return new Uint8Array(0);
    }
    let data = chunk.subarray(0, lastLf + 1);
    if (this.#carryLength > 0) {
      this.#keep(data);
      data = this.#carry.subarray(0, this.#carryLength);
    }
    // Each line gives at most its own length plus one (a bare LF becomes CRLF).
    const out = new Uint8Array(2 * data.length);
    let o = 0;
    let start = 0;
    while (start < data.length) {
      const lf = data.indexOf(LF, start);
      o = this.#decodeLine(data, start, lf, true, out, o);
      this.#offset += lf + 1 - start;
      start = lf + 1;
    }
    this.#carryLength = 0;
    this.#keep(chunk.subarray(lastLf + 1));
    return out.subarray(0, o);
  }

  end(): Uint8Array {
    this.#checkOpen();
    this.#ended = true;
    const data = this.#carry.subarray(0, this.#carryLength);
    const out = new Uint8Array(data.length);
    return out.subarray(0, this.#decodeLine(data, 0, data.length, false, out, 0));
  }

  #keep(bytes: Uint8Array): void {
    const needed = this.#carryLength + bytes.length;
    if (needed > this.#carry.length) {
      const grown = new Uint8Array(Math.max(needed, 2 * this.#carry.length));
      grown.set(this.#carry.subarray(0, this.#carryLength));
      this.#carry = grown;
    }
    this.#carry.set(bytes, this.#carryLength);
    this.#carryLength = needed;
  }

  /** Decodes `data[start..stop)` (one line, without its LF) into `out` at `o`; returns the end. */
  #decodeLine(
    data: Uint8Array,
    start: number,
    stop: number,
    hasBreak: boolean,
    out: Uint8Array,
    at: number,
  ): number {
    let end = stop;
    if (hasBreak && end > start && data[end - 1] === CR) end--;
    // Rule 3: white space at the end of an encoded line was added in transit; delete it.
    while (end > start && (data[end - 1] === SP || data[end - 1] === TAB)) end--;
    let soft = false;
    if (end > start && data[end - 1] === EQ) {
      soft = true;
      end--;
    }
    let o = at;
    let i = start;
    while (i < end) {
      const b = data[i] as number;
      if (b !== EQ) {
        out[o++] = b;
        i++;
        continue;
      }
      const high = i + 1 < end ? (HEX_VALUE[data[i + 1] as number] as number) : -1;
      const low = i + 2 < end ? (HEX_VALUE[data[i + 2] as number] as number) : -1;
      if (high >= 0 && low >= 0) {
        out[o++] = (high << 4) | low;
        i += 3;
      } else {
        if (this.#strict) {
          throw new ContentError(
            'SMTP_MIME_MALFORMED_ENCODING',
            `Malformed quoted-printable: "=" not followed by two hex digits at octet ${this.#offset + i - start}`,
          );
        }
        out[o++] = EQ;
        i++;
      }
    }
    if (hasBreak && !soft) {
      out[o++] = CR;
      out[o++] = LF;
    }
    return o;
  }

  #checkOpen(): void {
    if (this.#ended) {
      throw new InvalidMessageError(
        'SMTP_MIME_INVALID_OPTION',
        'Quoted-printable decoder used after end()',
      );
    }
  }
}
