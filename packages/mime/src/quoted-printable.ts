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
 * Cost: the encoder classifies each byte with a 256-entry table and writes into one output
 * array allocated per push at the worst case (3 octets per input octet plus soft breaks), and
 * returns a `subarray` of it. The decoder holds back at most the incomplete last line.
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
const LITERAL = 0;
const ENCODE = 1;
const WHITE = 2;
const BREAK = 3; // CR or LF in text mode
const DOT_CLASS = 4;

function classTable(binary: boolean): Uint8Array {
  const table = new Uint8Array(256).fill(ENCODE);
  for (let b = 33; b <= 126; b++) table[b] = LITERAL;
  table[EQ] = ENCODE;
  table[DOT] = DOT_CLASS;
  table[SP] = WHITE;
  table[TAB] = WHITE;
  if (!binary) {
    table[CR] = BREAK;
    table[LF] = BREAK;
  }
  return table;
}

const TEXT_CLASSES = classTable(false);
const BINARY_CLASSES = classTable(true);
const HEX = new TextEncoder().encode('0123456789ABCDEF');

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
    // Worst case: 3 octets per input octet (a bare CR or LF gives 2), a 3-octet soft break at
    // least every (max - 2) output characters, and the held-back space plus its soft break.
    const out = new Uint8Array(3 * n + 3 * Math.ceil((3 * n + 3) / (this.#max - 2)) + 9);
    const classes = this.#classes;
    const max = this.#max;
    let column = this.#column;
    let o = 0;
    let i = 0;
    if (this.#pendingCr && n > 0) {
      this.#pendingCr = false;
      if (chunk[0] === LF) i = 1;
    }
    if (this.#pendingWhite !== 0 && i < n) {
      const white = this.#pendingWhite;
      this.#pendingWhite = 0;
      if (classes[chunk[i] as number] === BREAK) {
        if (column + 3 > max) {
          out[o++] = EQ;
          out[o++] = CR;
          out[o++] = LF;
          column = 0;
        }
        out[o++] = EQ;
        out[o++] = HEX[white >> 4] as number;
        out[o++] = HEX[white & 15] as number;
        column += 3;
      } else {
        if (column === max) {
          out[o++] = EQ;
          out[o++] = CR;
          out[o++] = LF;
          column = 0;
        }
        out[o++] = white;
        column += 1;
      }
    }
    const last = n - 1;
    while (i < n) {
      const b = chunk[i] as number;
      const kind = classes[b] as number;
      // Fast path, most bytes of text: a literal byte, or a space or tab followed by a byte
      // that is not a line break, inside a line (not at its start, where a dot needs care, and
      // not at its end, where a soft break is due).
      if (
        column > 0 &&
        column < max &&
        (kind === LITERAL ||
          kind === DOT_CLASS ||
          (kind === WHITE && i < last && classes[chunk[i + 1] as number] !== BREAK))
      ) {
        out[o++] = b;
        column++;
        i++;
        continue;
      }
      i++;
      if (kind === BREAK) {
        out[o++] = CR;
        out[o++] = LF;
        column = 0;
        if (b === CR) {
          if (i === n) this.#pendingCr = true;
          else if (chunk[i] === LF) i++;
        }
        continue;
      }
      let encode = kind === ENCODE;
      if (kind === WHITE) {
        if (i === n) {
          // Whether this space trails a line depends on the next chunk.
          this.#pendingWhite = b;
          break;
        }
        encode = classes[chunk[i] as number] === BREAK;
      } else if (kind === DOT_CLASS) {
        encode = column === 0 || column === max;
      }
      if (encode) {
        if (column + 3 > max) {
          out[o++] = EQ;
          out[o++] = CR;
          out[o++] = LF;
          column = 0;
        }
        out[o++] = EQ;
        out[o++] = HEX[b >> 4] as number;
        out[o++] = HEX[b & 15] as number;
        column += 3;
      } else {
        if (column === max) {
          out[o++] = EQ;
          out[o++] = CR;
          out[o++] = LF;
          column = 0;
        }
        out[o++] = b;
        column++;
      }
    }
    this.#column = column;
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
