/**
 * The BDAT framer: cuts message content into `BDAT n` chunks for the CHUNKING extension
 * (RFC 3030), each frame being the command line and the exact `n` octets that follow it.
 *
 * Contract: pure and synchronous; no sockets, no timers, no `node:` imports, `Uint8Array` only.
 * Push content in chunks of any size; frames come out when a full `chunkSize` is buffered, and
 * `end()` gives the `BDAT n LAST` frame with what is left (`BDAT 0 LAST` when nothing is).
 * The same bytes give the same frames however they are pushed. Memory: fewer than `chunkSize`
 * octets are held between calls (copied out of the input, which is never kept).
 *
 * BDAT content is never dot-stuffed and has no terminator (RFC 3030 section 2). Two modes:
 * - text (the default; BODY=7BIT or 8BITMIME): the same canonical form as DATA
 *   (docs/security.md INV-6, decision 3): bare CR and bare LF become CRLF, a last line without one
 *   gets CRLF, NUL is `SMTP_INVALID_CHARACTER`, lines over 998 octets are
 *   `SMTP_INVALID_LINE_TOO_LONG`. The CRLF added at the end can make the LAST frame one octet
 *   longer than `chunkSize` (fewer than `chunkSize` octets were pending, plus CRLF).
 * - `binary: true` (BODY=BINARYMIME, RFC 3030 section 3): octets are sent as they are.
 *
 * After an error every call throws (same code, first error as `cause`); frames already
 * returned may have been sent, so the caller must reset or close rather than send LAST.
 * Calling `push` or `end` after `end` throws a plain `Error`.
 */

import { encodeBdat } from './commands.ts';
import { LineNormalizer } from './data-encoder.ts';
import { InvalidInputError } from './errors.ts';

/** Default chunk size of {@link createBdatFramer}: 64 KiB, a common socket write size. */
export const DEFAULT_BDAT_CHUNK_SIZE = 65536;

/** One BDAT chunk: write `command`, then `payload`, whose length the command announces. */
export interface BdatFrame {
  /** `BDAT n\r\n` or `BDAT n LAST\r\n`. */
  readonly command: Uint8Array;
  /** The `n` octets of content. */
  readonly payload: Uint8Array;
}

/** Options of {@link createBdatFramer}. */
export interface BdatFramerOptions {
  /** Octets per frame (the LAST frame may be smaller): a positive safe integer. */
  readonly chunkSize?: number;
  /** BINARYMIME content: no line-ending normalisation, NUL allowed, no line-length limit. */
  readonly binary?: boolean;
}

/** A BDAT framer; see {@link createBdatFramer}. */
export interface BdatFramer {
  /**
   * Adds content; returns the frames that became full (each exactly `chunkSize` octets), often
   * none. `chunk` is not kept.
   *
   * @throws InvalidInputError in text mode: `SMTP_INVALID_CHARACTER` (NUL),
   * `SMTP_INVALID_LINE_TOO_LONG`.
   */
  push(chunk: Uint8Array): BdatFrame[];
  /** Returns the final `BDAT n LAST` frame with the rest of the content. */
  end(): BdatFrame;
}

/**
 * Creates a BDAT framer.
 *
 * @throws InvalidInputError `SMTP_INVALID_NUMBER` if `chunkSize` is not a positive safe integer.
 * @example
 * const framer = createBdatFramer({ chunkSize: 65536 });
 * for (const frame of framer.push(body)) write(frame.command, frame.payload);
 * const last = framer.end();
 * write(last.command, last.payload);
 */
export function createBdatFramer(options: BdatFramerOptions = {}): BdatFramer {
  const chunkSize = options.chunkSize ?? DEFAULT_BDAT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new InvalidInputError(
      'SMTP_INVALID_NUMBER',
      `BDAT chunkSize must be a positive integer, got ${String(chunkSize)}`,
    );
  }
  const normalizer = options.binary === true ? undefined : new LineNormalizer(false, 'BDAT');
  // Content not yet framed: fewer than chunkSize octets, in pieces we own.
  let pending: Uint8Array[] = [];
  let pendingLength = 0;
  let ended = false;

  function checkNotEnded(): void {
    if (ended) throw new InvalidInputError('SMTP_INVALID_STATE', 'BDAT framer used after end()');
  }

  function take(extra: Uint8Array, extraLength: number): Uint8Array {
    const payload = new Uint8Array(pendingLength + extraLength);
    let offset = 0;
    for (const piece of pending) {
      payload.set(piece, offset);
      offset += piece.length;
    }
    payload.set(extra.subarray(0, extraLength), offset);
    pending = [];
    pendingLength = 0;
    return payload;
  }

  return {
    push(chunk: Uint8Array): BdatFrame[] {
      checkNotEnded();
      // The caller's array itself in binary mode, and in text mode when it needed no change;
      // else a new array of exactly the normalised length.
      const data = normalizer === undefined ? chunk : normalizer.encode(chunk);
      const frames: BdatFrame[] = [];
      let offset = 0;
      if (pendingLength + data.length >= chunkSize) {
        offset = chunkSize - pendingLength;
        frames.push(frame(take(data, offset), false));
        while (data.length - offset >= chunkSize) {
          const end = offset + chunkSize;
          // The caller may reuse its array once push returns: copy out of it, never alias it.
          frames.push(
            frame(data === chunk ? data.slice(offset, end) : data.subarray(offset, end), false),
          );
          offset = end;
        }
      }
      if (offset < data.length) {
        pending.push(data.slice(offset));
        pendingLength += data.length - offset;
      }
      return frames;
    },
    end(): BdatFrame {
      checkNotEnded();
      const tail = new Uint8Array(2);
      const tailLength = normalizer === undefined ? 0 : normalizer.finish(tail, 0);
      ended = true;
      return frame(take(tail, tailLength), true);
    },
  };
}

function frame(payload: Uint8Array, last: boolean): BdatFrame {
  return { command: encodeBdat(payload.length, last), payload };
}
