/**
 * The DATA encoder: turns message bytes into what goes on the wire between the server's `354`
 * and its final reply, and so is the defence against SMTP smuggling.
 *
 * Contract: pure and synchronous; no sockets, no timers, no `node:` imports, `Uint8Array` only,
 * no string conversion. Push chunks of any size split anywhere; every chunking of the same
 * bytes gives the same output bytes (only how they are cut differs), or the same error.
 *
 * What it does (RFC 5321 sections 4.1.1.4, 4.5.2 and 4.5.3.1.6; SECURITY.md INV-6, decision 3):
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
 * Cost: each chunk is scanned with native `indexOf` for NUL, CR and LF; the bytes between the
 * places that need a change are copied in runs with `set`; the output of a push is allocated
 * once, at the worst case of twice the input plus one, and returned as a `subarray` of it.
 */

import { InvalidInputError, type InvalidInputErrorCode } from './errors.ts';

/** Longest line of message content, in octets without CRLF (RFC 5321 4.5.3.1.6). */
export const MAX_DATA_LINE_LENGTH = 998;

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
// Runs shorter than this are copied byte by byte: cheaper than creating a subarray view.
const SHORT_RUN = 16;

/** A streaming DATA encoder; see {@link createDataEncoder}. */
export interface DataEncoder {
  /**
   * Encodes the next chunk of message content and returns the bytes to send now (possibly
   * empty). The returned array is new; `chunk` is not kept.
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
      const out = new Uint8Array(2 * chunk.length + 1);
      return out.subarray(0, normalizer.write(chunk, out, 0));
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
  const out = new Uint8Array(2 * body.length + 6);
  const length = normalizer.write(body, out, 0);
  return out.subarray(0, terminate(out, normalizer.finish(out, length)));
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
 * the module docs. It writes into buffers its caller allocates.
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
   * @param dotStuff Double a `.` that starts a line (DATA); BDAT sends content unstuffed.
   * @param what The command named in error messages.
   */
  constructor(dotStuff: boolean, what: string) {
    this.#dotStuff = dotStuff;
    this.#what = what;
  }

  /**
   * Normalises `chunk` into `out` from `start` and returns the end offset. `out` must have
   * room for `2 * chunk.length + 1` octets: each input octet gives at most two, plus the LF
   * owed to a CR that ended the previous chunk.
   */
  write(chunk: Uint8Array, out: Uint8Array, start: number): number {
    this.#checkUsable();
    const length = chunk.length;
    if (length === 0) return start;
    // Lines are checked up to a NUL only, then the NUL fails: the error is always the first
    // problem in byte order, so it does not depend on how the content was cut into chunks.
    const nul = chunk.indexOf(0);
    const stop = nul === -1 ? length : nul;
    const dotStuff = this.#dotStuff;
    let o = start;
    let pos = 0;
    let copyFrom = 0;
    let lineLength = this.#lineLength;
    let atLineStart = this.#atLineStart;
    if (this.#pendingCr) {
      this.#pendingCr = false;
      // The previous chunk ended with CR: complete the CRLF unless the input does.
      if (chunk[0] === LF) pos = 1;
      else out[o++] = LF;
    }
    let nextCr = -1;
    let nextLf = -1;
    while (pos < stop) {
      if (atLineStart) {
        atLineStart = false;
        if (dotStuff && chunk[pos] === DOT) {
          o = copyRun(chunk, copyFrom, pos, out, o);
          out[o++] = DOT;
          copyFrom = pos;
        }
      }
      if (nextCr < pos) {
        nextCr = chunk.indexOf(CR, pos);
        if (nextCr === -1) nextCr = length;
      }
      if (nextLf < pos) {
        nextLf = chunk.indexOf(LF, pos);
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
          this.#pendingCr = true;
          pos = length;
        } else if (chunk[after] === LF) {
          pos = after + 1;
        } else {
          // Bare CR: add the LF.
          o = copyRun(chunk, copyFrom, after, out, o);
          out[o++] = LF;
          copyFrom = after;
          pos = after;
        }
      } else {
        // Bare LF (an LF after CR was consumed with it above): add the CR.
        o = copyRun(chunk, copyFrom, lineEnd, out, o);
        out[o++] = CR;
        copyFrom = lineEnd;
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
    o = copyRun(chunk, copyFrom, length, out, o);
    this.#lineLength = lineLength;
    this.#atLineStart = atLineStart;
    this.#offset += length;
    return o;
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
