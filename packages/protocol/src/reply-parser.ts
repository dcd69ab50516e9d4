/**
 * Incremental parser for SMTP server replies: bytes in, complete {@link Reply} values out.
 *
 * Contract: pure and synchronous; no sockets, no timers, no `node:` imports, only `Uint8Array`
 * and `TextDecoder`. Feed it the bytes a server sent, in chunks of any size split anywhere (in
 * the middle of a line, of a UTF-8 sequence, between CR and LF); each `push` returns the replies
 * that became complete. The same bytes always give the same replies, or the same error, however
 * they are chunked (a property test holds the parser to that).
 *
 * Grammar (RFC 5321 section 4.2): every line is `NNN`, `NNN text` or `NNN-text`, where `NNN` is
 * three digits from 200 to 599. `-` continues the reply on the next line, a space or the end of
 * the line finishes it, and every line of one reply carries the same code. Line text is decoded
 * as UTF-8 (RFC 6531 servers may send it); invalid sequences become U+FFFD rather than errors.
 *
 * Line ends: CRLF, and also a bare LF, which some servers send and which cannot be confused with
 * anything else (docs/security.md decision 4). A CR not followed by LF, and NUL anywhere, are
 * `SMTP_PROTOCOL_INVALID_BYTE`: a reply that hides a line break or a terminator from one reader
 * but not another is how response smuggling starts. A CR that ends a chunk is held until the next
 * byte shows whether LF follows.
 *
 * Bounds (docs/security.md INV-8), all in octets of the wire form:
 * - `maxLineLength` counts a line without its CRLF/LF. It is enforced while the line is still
 *   incomplete, so a server trickling bytes without ever sending LF cannot grow memory past it.
 * - `maxReplySize` counts every line of one reply with its line end.
 * - `maxLines` counts the lines of one reply.
 * Memory held is therefore at most `maxReplySize + maxLineLength` bytes plus their decoded text.
 *
 * Failure is terminal: after any `ProtocolError` the parser is poisoned and every later `push`
 * throws `SMTP_PROTOCOL_PARSER_FAILED` (with the first error as `cause`) until `reset()`. A push
 * that fails returns nothing, not even replies completed earlier in the same chunk: the
 * connection is unusable by then (INV-9). Arbitrary input never raises anything but
 * `ProtocolError`.
 *
 * Cost: linear in the input. Each chunk is scanned once with native `indexOf` for LF, CR and
 * NUL; only a line that spans chunks is copied, into one buffer that grows by doubling up to the
 * line bound, so feeding one byte at a time stays linear too.
 *
 * Not handled here: what a reply means (see `ehlo.ts` and the client), whether bytes after a
 * STARTTLS `220` are allowed (the transport checks {@link ReplyParser.bufferedBytes}), and
 * timeouts (the transport's).
 */

import { InvalidInputError, ProtocolError } from './errors.ts';
import { createReply, type Reply } from './reply.ts';

/**
 * Default bounds of {@link createReplyParser} (docs/security.md decision 5), in octets and lines.
 *
 * RFC 5321 section 4.5.3.1.5 sets a 512-octet minimum for reply lines; 8 KiB leaves room for
 * servers that go beyond it (long EHLO AUTH lists, verbose 5xx explanations) while bounding a
 * hostile one.
 */
export const REPLY_PARSER_DEFAULTS = {
  /** Longest reply line, without its CRLF or LF. */
  maxLineLength: 8192,
  /** Largest reply, every line with its line end. */
  maxReplySize: 65536,
  /** Most lines in one reply. */
  maxLines: 1000,
} as const;

/** Bounds of one parser; each one defaults to {@link REPLY_PARSER_DEFAULTS}. */
export interface ReplyParserOptions {
  /** Longest reply line in octets, without its CRLF or LF. A positive integer. */
  readonly maxLineLength?: number;
  /** Largest reply in octets, every line with its line end. A positive integer. */
  readonly maxReplySize?: number;
  /** Most lines in one reply. A positive integer. */
  readonly maxLines?: number;
}

/** A stateful reply parser; see {@link createReplyParser}. */
export interface ReplyParser {
  /**
   * Parses the next bytes from the server and returns the replies they complete, in order (often
   * none, possibly several). The chunk is not kept: bytes that must wait for more are copied.
   *
   * @throws {ProtocolError} on malformed input or a bound exceeded, and with code
   *   `SMTP_PROTOCOL_PARSER_FAILED` on every call after that until {@link ReplyParser.reset}.
   */
  push(chunk: Uint8Array): readonly Reply[];
  /**
   * Bytes received but not yet returned as part of a reply: an incomplete line, plus the lines
   * of an incomplete multi-line reply. Zero right after a complete reply with nothing behind
   * it; the transport refuses to start TLS after the STARTTLS `220` unless this is zero
   * (docs/security.md INV-2).
   */
  readonly bufferedBytes: number;
  /** Forgets every buffered byte and a previous failure; the parser is as new. */
  reset(): void;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
const HYPHEN = 0x2d;
const DIGIT_0 = 0x30;

/** Returned when a push completes no reply, so the common case allocates nothing. */
const NO_REPLIES: readonly Reply[] = Object.freeze([]);

/**
 * Not fatal, because a server's bad UTF-8 must not become a different kind of failure; and
 * `ignoreBOM`, because a U+FEFF at the start of a line's text is text, which the default
 * would silently drop.
 */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** First index of `byte` in `bytes` at or after `from`, or `bytes.length` when absent. */
function find(bytes: Uint8Array, byte: number, from: number): number {
  const at = bytes.indexOf(byte, from);
  return at === -1 ? bytes.length : at;
}

function checkBound(name: keyof ReplyParserOptions, value: number | undefined): number {
  const bound = value ?? REPLY_PARSER_DEFAULTS[name];
  if (!Number.isSafeInteger(bound) || bound < 1) {
    throw new InvalidInputError(
      'SMTP_INVALID_NUMBER',
      `createReplyParser: ${name} must be a positive integer`,
    );
  }
  return bound;
}

class Parser implements ReplyParser {
  readonly #maxLineLength: number;
  readonly #maxReplySize: number;
  readonly #maxLines: number;

  /** The start of a line that spans chunks: `#partialLength` bytes, copied. */
  #partial: Uint8Array = new Uint8Array(0);
  #partialLength = 0;

  /** The reply being assembled: its code (-1 before its first line), lines and wire size. */
  #code = -1;
  #lines: string[] = [];
  #replyBytes = 0;

  /** The error that poisoned the parser, if any. */
  #failure: ProtocolError | undefined;

  /** Replies completed by the current push, allocated on the first one. */
  #out: Reply[] | undefined;

  constructor(options: ReplyParserOptions) {
    this.#maxLineLength = checkBound('maxLineLength', options.maxLineLength);
    this.#maxReplySize = checkBound('maxReplySize', options.maxReplySize);
    this.#maxLines = checkBound('maxLines', options.maxLines);
  }

  get bufferedBytes(): number {
    return this.#replyBytes + this.#partialLength;
  }

  reset(): void {
    this.#partial = new Uint8Array(0);
    this.#partialLength = 0;
    this.#resetReply();
    this.#failure = undefined;
  }

  push(chunk: Uint8Array): readonly Reply[] {
    if (this.#failure !== undefined) {
      throw new ProtocolError(
        'SMTP_PROTOCOL_PARSER_FAILED',
        'The reply parser already failed; call reset() before reusing it',
        { cause: this.#failure },
      );
    }
    if (chunk.length === 0) return NO_REPLIES;
    this.#out = undefined;
    try {
      this.#scan(chunk);
    } catch (error) {
      this.#failure = error as ProtocolError;
      this.#out = undefined;
      throw error;
    }
    const out = this.#out;
    this.#out = undefined;
    return out ?? NO_REPLIES;
  }

  #scan(chunk: Uint8Array): void {
    const length = chunk.length;
    // One native scan per byte value per chunk: positions only move forward, so a chunk holding
    // many lines is never rescanned from its start (linear time, INV-8).
    let nextLf = find(chunk, LF, 0);
    let nextCr = find(chunk, CR, 0);
    const firstNul = find(chunk, NUL, 0);
    let start = 0;

    if (this.#partialLength > 0) {
      if (nextLf === length) {
        this.#hold(chunk, 0);
        return;
      }
      this.#finishPartial(chunk, nextLf);
      start = nextLf + 1;
      nextLf = find(chunk, LF, start);
      if (nextCr < start) nextCr = find(chunk, CR, start);
    }

    while (nextLf < length) {
      let end = nextLf;
      if (end > start && chunk[end - 1] === CR) end--;
      this.#checkLength(end - start);
      // A CR before `end` is not the one of this line's CRLF: it stands alone.
      if (nextCr < end) throw invalidByte('a CR not followed by LF');
      if (firstNul < end) throw invalidByte('a NUL byte');
      this.#line(chunk, start, end, nextLf + 1 - start);
      start = nextLf + 1;
      nextLf = find(chunk, LF, start);
      if (nextCr < start) nextCr = find(chunk, CR, start);
    }

    if (start < length) this.#hold(chunk, start);
  }

  /** Copies `chunk[from..]`, the start of a line whose LF has not arrived, into `#partial`. */
  #hold(chunk: Uint8Array, from: number): void {
    const total = this.#partialLength + (chunk.length - from);
    // A final CR may still be half of the CRLF, so it does not count against the line yet.
    const content = chunk[chunk.length - 1] === CR ? total - 1 : total;
    this.#checkLength(content);
    this.#reserve(total);
    this.#partial.set(chunk.subarray(from), this.#partialLength);
    this.#partialLength = total;
  }

  /** Completes the held line with `chunk[0..lf)` and parses it. */
  #finishPartial(chunk: Uint8Array, lf: number): void {
    const held = this.#partialLength;
    const total = held + lf;
    const lastIsCr = lf > 0 ? chunk[lf - 1] === CR : this.#partial[held - 1] === CR;
    const end = lastIsCr ? total - 1 : total;
    this.#checkLength(end);
    this.#reserve(total);
    const line = this.#partial;
    line.set(chunk.subarray(0, lf), held);
    // Same checks, in the same order, as for a line inside one chunk, so the error does not
    // depend on where the chunks were cut.
    const content = line.subarray(0, end);
    if (content.indexOf(CR) !== -1) throw invalidByte('a CR not followed by LF');
    if (content.indexOf(NUL) !== -1) throw invalidByte('a NUL byte');
    this.#partialLength = 0;
    this.#line(line, 0, end, total + 1);
  }

  /** Grows `#partial` to hold `size` bytes, doubling so byte-by-byte feeding stays linear. */
  #reserve(size: number): void {
    if (size <= this.#partial.length) return;
    // Never beyond the line bound plus a CR: #checkLength already refused anything longer.
    const capacity = Math.min(
      Math.max(size, this.#partial.length * 2, 64),
      this.#maxLineLength + 1,
    );
    const grown = new Uint8Array(capacity);
    grown.set(this.#partial.subarray(0, this.#partialLength));
    this.#partial = grown;
  }

  #checkLength(contentLength: number): void {
    if (contentLength > this.#maxLineLength) {
      throw new ProtocolError(
        'SMTP_PROTOCOL_LINE_TOO_LONG',
        `A reply line is longer than ${this.#maxLineLength} octets`,
      );
    }
  }

  /**
   * Parses one line, `bytes[start..end)` without its line end, already checked for length, CR
   * and NUL; `wireLength` counts it with its line end.
   */
  #line(bytes: Uint8Array, start: number, end: number, wireLength: number): void {
    const length = end - start;
    if (length < 3) throw malformed('A reply line is shorter than its three-digit code');
    const d0 = (bytes[start] as number) - DIGIT_0;
    const d1 = (bytes[start + 1] as number) - DIGIT_0;
    const d2 = (bytes[start + 2] as number) - DIGIT_0;
    // Unsigned compare: one test rejects bytes below and above the digit range.
    if (d0 >>> 0 > 9 || d1 >>> 0 > 9 || d2 >>> 0 > 9) {
      throw malformed('A reply line does not start with a three-digit code');
    }
    if (d0 < 2 || d0 > 5) throw malformed('A reply code is outside 200-599');
    const code = d0 * 100 + d1 * 10 + d2;

    let last = true;
    if (length > 3) {
      const separator = bytes[start + 3];
      if (separator === HYPHEN) last = false;
      else if (separator !== SP) {
        throw malformed('A reply code is followed by something other than a space or a hyphen');
      }
    }

    if (this.#code === -1) this.#code = code;
    else if (code !== this.#code) {
      throw new ProtocolError(
        'SMTP_PROTOCOL_INCONSISTENT_CODE',
        `A multi-line reply changed its code from ${this.#code} to ${code}`,
      );
    }

    this.#replyBytes += wireLength;
    if (this.#replyBytes > this.#maxReplySize) {
      throw new ProtocolError(
        'SMTP_PROTOCOL_REPLY_TOO_LARGE',
        `A reply is larger than ${this.#maxReplySize} octets`,
      );
    }
    if (this.#lines.length === this.#maxLines) {
      throw new ProtocolError(
        'SMTP_PROTOCOL_REPLY_TOO_LARGE',
        `A reply has more than ${this.#maxLines} lines`,
      );
    }

    this.#lines.push(length > 4 ? utf8.decode(bytes.subarray(start + 4, end)) : '');
    if (!last) return;

    const reply = createReply(code, this.#lines);
    if (this.#out === undefined) this.#out = [reply];
    else this.#out.push(reply);
    this.#resetReply();
  }

  #resetReply(): void {
    this.#code = -1;
    this.#lines = [];
    this.#replyBytes = 0;
  }
}

function malformed(message: string): ProtocolError {
  return new ProtocolError('SMTP_PROTOCOL_MALFORMED_REPLY', message);
}

function invalidByte(what: string): ProtocolError {
  return new ProtocolError('SMTP_PROTOCOL_INVALID_BYTE', `A reply line contains ${what}`);
}

/**
 * Creates an incremental SMTP reply parser with the given bounds (defaults:
 * {@link REPLY_PARSER_DEFAULTS}).
 *
 * @throws {InvalidInputError} `SMTP_INVALID_NUMBER` when a bound is not a positive integer: a
 *   programming error, never something a server can cause.
 *
 * @example
 * ```ts
 * const parser = createReplyParser();
 * socket.on('data', (chunk) => {
 *   for (const reply of parser.push(chunk)) console.log(reply.code, reply.text);
 * });
 * ```
 */
export function createReplyParser(options: ReplyParserOptions = {}): ReplyParser {
  return new Parser(options);
}
