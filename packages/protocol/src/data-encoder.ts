/**
 * The DATA encoder: turns message bytes into what goes on the wire between the server's `354`
 * and its final reply, and so is the defence against SMTP smuggling.
 *
 * Contract: pure and synchronous; no sockets, no timers, no `node:` imports, `Uint8Array` only,
 * no string conversion. Push chunks of any size split anywhere; every chunking of the same
 * bytes gives the same output bytes (only how they are cut differs), or the same error.
 *
 * What it does (RFC 5321 sections 4.1.1.4, 4.5.2 and 4.5.3.1.6; docs/security.md INV-6 and
 * decision 3):
 * - Line ends: CRLF is kept; every bare CR and every bare LF becomes CRLF. A CR that ends a
 *   chunk is written at once and the next chunk decides whether an LF must be added, so no byte
 *   is held back.
 * - Dot-stuffing: a `.` that starts a line (the first line included, and a line that starts at
 *   a chunk boundary) gets a second `.` before it. Because bare CR and LF are turned into line
 *   ends *before* the dot test, `\n.\n`, `\r.\r`, `\r\n.\n`, `\n.\r\n` and `\r\n.\r\n` inside
 *   the content all come out as a stuffed line: the output holds `\r\n.\r\n` exactly once, at
 *   its very end, whatever the input.
 * - `end()` closes an unfinished last line with CRLF and appends the one terminator `.\r\n`.
 *   Empty content gives just `.\r\n` (the CRLF of the DATA command line ends the empty
 *   "previous line").
 * - NUL is `SMTP_INVALID_CHARACTER`: DATA carries only 7bit and 8bitmime content, and INV-6
 *   allows no NUL there (binary content goes through BDAT with BINARYMIME).
 * - A line longer than 998 octets without its CRLF is `SMTP_INVALID_LINE_TOO_LONG`; the count
 *   is of input octets, so it survives chunk boundaries, and ignores the stuffed dot, as RFC
 *   5321 section 4.5.3.1.6 says.
 *
 * Failure is terminal: after an error every call throws (same code, the first error as `cause`).
 * Output already returned by earlier pushes may have been sent; SMTP has no way to abort DATA,
 * so the caller must close the connection rather than send a terminator. Calling `push` or
 * `end` after `end` throws a plain `Error` (a programming error, like writing after the end of
 * a stream).
 *
 * Cost: each chunk is scanned once with native `indexOf` for NUL, CR and LF, which validates it
 * and records where an octet must be inserted. A chunk that needs no change at all (already
 * CRLF, no line starting with `.`, no CR owed an LF: the usual case for MIME output, whose
 * base64 and quoted-printable lines are CRLF and never start with `.`) is returned as it is: no
 * copy, no allocation. Any other chunk is written, in runs copied with `set` between the
 * recorded insertions, into one new array of exactly the encoded length. Measured in
 * `tools/bench` (suite `large-send`, a 50 MB attachment): the earlier output buffer of twice
 * the input, of which only a `subarray` was sent (and which that slice kept alive while it sat
 * in the socket's queue), cost about 9 MB of peak RSS.
 */

import { InvalidInputError, type InvalidInputErrorCode } from './errors.ts';

/** Longest line of message content, in octets without CRLF (RFC 5321 4.5.3.1.6). */
export const MAX_DATA_LINE_LENGTH = 998;

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
// Runs shorter than this are copied byte by byte: cheaper than creating a subarray view.
const SHORT_RUN = 16;
// An edit list longer than this (a chunk of mostly bare line ends) is dropped after use.
const RETAINED_EDITS = 4096;
const NO_EDITS = new Float64Array(0);
const NO_OCTETS = new Uint8Array(0);

/** A streaming DATA encoder; see {@link createDataEncoder}. */
export interface DataEncoder {
  /**
   * Encodes the next chunk of message content and returns the bytes to send now (possibly
   * empty). When the chunk needs no change it is returned itself, not a copy: do not modify
   * `chunk` until the returned bytes have been written (a socket write keeps a reference until
   * the bytes have left). Otherwise the returned array is new, of exactly the encoded length.
   * The encoder keeps no reference to `chunk`.
   *
   * @throws InvalidInputError `SMTP_INVALID_CHARACTER` (NUL) or `SMTP_INVALID_LINE_TOO_LONG`.
   */
  push(chunk: Uint8Array): Uint8Array;
  /**
   * Finishes the content: the CRLF closing an unfinished last line, then `.\r\n`.
   *
   * @throws InvalidInputError if an earlier push failed.
   */
  end(): Uint8Array;
}

/**
 * Creates a streaming DATA encoder (CRLF normalisation, dot-stuffing, terminator).
 *
 * @example
 * const encoder = createDataEncoder();
 * socket.write(encoder.push(new TextEncoder().encode('Subject: hi\n\n.hidden\n')));
 * socket.write(encoder.end()); // 'Subject: hi\r\n\r\n..hidden\r\n.\r\n' in total
 */
export function createDataEncoder(): DataEncoder {
  const normalizer = new LineNormalizer(true, 'DATA');
  return {
    push(chunk: Uint8Array): Uint8Array {
      return normalizer.encode(chunk);
    },
    end(): Uint8Array {
      const out = new Uint8Array(5);
      return out.subarray(0, terminate(out, normalizer.finish(out, 0)));
    },
  };
}

/**
 * Encodes a whole message for DATA at once: the same bytes {@link createDataEncoder} produces
 * for `body` pushed in one chunk and then ended.
 *
 * @throws InvalidInputError `SMTP_INVALID_CHARACTER` (NUL) or `SMTP_INVALID_LINE_TOO_LONG`.
 */
export function encodeDataBody(body: Uint8Array): Uint8Array {
  const normalizer = new LineNormalizer(true, 'DATA');
  // Room for the end: at most CRLF, then the terminator.
  const out = normalizer.encode(body, 5);
  return out.subarray(0, terminate(out, normalizer.finish(out, out.length - 5)));
}

function terminate(out: Uint8Array, at: number): number {
  out[at] = DOT;
  out[at + 1] = CR;
  out[at + 2] = LF;
  return at + 3;
}

/**
 * Internal (shared with `bdat.ts`, not exported from the package): the streaming CRLF
 * normaliser with optional dot-stuffing, NUL refusal and the line-length bound described in
 * the module docs.
 */
export class LineNormalizer {
  readonly #dotStuff: boolean;
  readonly #what: string;
  #atLineStart = true;
  #pendingCr = false;
  #lineLength = 0;
  #offset = 0;
  #failure: InvalidInputError | undefined;
  #ended = false;
  /**
   * The edits the last scan found, in output order: insert `#editOctet[i]` before input offset
   * `#editAt[i]` (offsets as float64, so chunks of any size fit). Allocated on the first chunk
   * that needs a change, grown by doubling; a chunk needs at most one edit per octet plus one.
   */
  #editAt: Float64Array = NO_EDITS;
  #editOctet: Uint8Array = NO_OCTETS;

  /**
   * @param dotStuff Double a `.` that starts a line (DATA); BDAT sends content unstuffed.
   * @param what The command named in error messages.
   */
  constructor(dotStuff: boolean, what: string) {
    this.#dotStuff = dotStuff;
    this.#what = what;
  }

  /**
   * Encodes `chunk` (the state moves past it). Returns `chunk` itself when nothing changes and
   * `reserve` is 0; otherwise a new array of the encoded length plus `reserve` octets, the
   * encoded chunk first.
   *
   * @throws InvalidInputError `SMTP_INVALID_CHARACTER` (NUL) or `SMTP_INVALID_LINE_TOO_LONG`.
   */
  encode(chunk: Uint8Array, reserve = 0): Uint8Array {
    this.#checkUsable();
    const count = this.#scan(chunk);
    if (count === 0 && reserve === 0) return chunk;
    const out = new Uint8Array(chunk.length + count + reserve);
    applyEdits(chunk, this.#editAt, this.#editOctet, count, out);
    if (this.#editAt.length > RETAINED_EDITS) {
      // A chunk that needed many changes: do not keep its edit list for the whole stream.
      this.#editAt = NO_EDITS;
      this.#editOctet = NO_OCTETS;
    }
    return out;
  }

  /**
   * The one pass over a chunk: validates it, records each octet to insert (where, and which) in
   * {@link #editAt} and {@link #editOctet}, moves the state past the chunk, and returns how many
   * octets to insert.
   */
  #scan(chunk: Uint8Array): number {
    const length = chunk.length;
    if (length === 0) return 0;
    // Lines are checked up to a NUL only, then the NUL fails: the error is always the first
    // problem in byte order, so it does not depend on how the content was cut into chunks.
    const nul = chunk.indexOf(0);
    const stop = nul === -1 ? length : nul;
    const dotStuff = this.#dotStuff;
    let count = 0;
    let pos = 0;
    let lineLength = this.#lineLength;
    let atLineStart = this.#atLineStart;
    let endsWithCr = false;
    if (this.#pendingCr && chunk[0] === LF) {
      // The previous chunk ended with CR and this one completes the CRLF.
      pos = 1;
    } else if (this.#pendingCr) {
      count = this.#edit(count, 0, LF);
    }
    let nextCr = -1;
    let nextLf = -1;
    while (pos < stop) {
      if (atLineStart) {
        atLineStart = false;
        if (dotStuff && chunk[pos] === DOT) count = this.#edit(count, pos, DOT);
      }
      // An empty line (the octet at pos ends it) needs no native call: cheap runs of line ends.
      if (nextCr < pos) {
        nextCr = chunk[pos] === CR ? pos : chunk.indexOf(CR, pos);
        if (nextCr === -1) nextCr = length;
      }
      if (nextLf < pos) {
        nextLf = chunk[pos] === LF ? pos : chunk.indexOf(LF, pos);
        if (nextLf === -1) nextLf = length;
      }
      const lineEnd = Math.min(nextCr, nextLf, stop);
      lineLength += lineEnd - pos;
      if (lineLength > MAX_DATA_LINE_LENGTH) {
        this.#fail(
          'SMTP_INVALID_LINE_TOO_LONG',
          `${this.#what} content has a line longer than ${MAX_DATA_LINE_LENGTH} octets without CRLF, at octet ${this.#offset + pos} (RFC 5321 section 4.5.3.1.6)`,
        );
      }
      if (lineEnd === stop) break;
      if (lineEnd === nextCr) {
        const after = lineEnd + 1;
        if (after === length) {
          // The LF, or its absence, is in the next chunk.
          endsWithCr = true;
          pos = length;
        } else if (chunk[after] === LF) {
          pos = after + 1;
        } else {
          // Bare CR: add the LF.
          count = this.#edit(count, after, LF);
          pos = after;
        }
      } else {
        // Bare LF (an LF after CR was consumed with it above): add the CR.
        count = this.#edit(count, lineEnd, CR);
        pos = lineEnd + 1;
      }
      lineLength = 0;
      atLineStart = true;
    }
    if (nul !== -1) {
      this.#fail(
        'SMTP_INVALID_CHARACTER',
        `${this.#what} content contains NUL at octet ${this.#offset + nul}; NUL is not allowed in 7bit or 8bitmime content (use BDAT with BINARYMIME)`,
      );
    }
    this.#pendingCr = endsWithCr;
    this.#lineLength = lineLength;
    this.#atLineStart = atLineStart;
    this.#offset += length;
    return count;
  }

  /** Records edit number `index`: insert `octet` before input offset `at`. Returns `index + 1`. */
  #edit(index: number, at: number, octet: number): number {
    if (index === this.#editAt.length) {
      const capacity = Math.max(64, 2 * index);
      const editAt = new Float64Array(capacity);
      const editOctet = new Uint8Array(capacity);
      editAt.set(this.#editAt);
      editOctet.set(this.#editOctet);
      this.#editAt = editAt;
      this.#editOctet = editOctet;
    }
    this.#editAt[index] = at;
    this.#editOctet[index] = octet;
    return index + 1;
  }

  /**
   * Writes what ends the content into `out` from `start` (room for 2 octets): the LF owed to
   * a final CR, or CRLF after an unfinished line, or nothing. Returns the end offset. Later
   * calls throw.
   */
  finish(out: Uint8Array, start: number): number {
    this.#checkUsable();
    this.#ended = true;
    let o = start;
    if (this.#pendingCr) {
      out[o++] = LF;
    } else if (!this.#atLineStart) {
      out[o++] = CR;
      out[o++] = LF;
    }
    return o;
  }

  #checkUsable(): void {
    if (this.#failure !== undefined) {
      throw new InvalidInputError(
        this.#failure.code,
        `${this.#what} encoder already failed: ${this.#failure.message}`,
        { cause: this.#failure },
      );
    }
    if (this.#ended)
      throw new InvalidInputError('SMTP_INVALID_STATE', `${this.#what} encoder used after end()`);
  }

  #fail(code: InvalidInputErrorCode, message: string): never {
    this.#failure = new InvalidInputError(code, message);
    throw this.#failure;
  }
}

/**
 * Writes `chunk` with its `count` edits applied into `out` (exactly `chunk.length + count`
 * octets from 0, or more): the runs between edits copied, each edit's octet in between.
 */
function applyEdits(
  chunk: Uint8Array,
  editAt: Float64Array,
  editOctet: Uint8Array,
  count: number,
  out: Uint8Array,
): void {
  let from = 0;
  let o = 0;
  for (let i = 0; i < count; i++) {
    const at = editAt[i] as number;
    o = copyRun(chunk, from, at, out, o);
    out[o++] = editOctet[i] as number;
    from = at;
  }
  copyRun(chunk, from, chunk.length, out, o);
}

/** Copies `source[from..to)` to `target` at `at`; returns the new end. */
function copyRun(
  source: Uint8Array,
  from: number,
  to: number,
  target: Uint8Array,
  at: number,
): number {
  const length = to - from;
  if (length < SHORT_RUN) {
    for (let i = 0; i < length; i++) target[at + i] = source[from + i] as number;
  } else {
    target.set(source.subarray(from, to), at);
  }
  return at + length;
}
