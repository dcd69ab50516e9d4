/**
 * Reads an HTTP proxy's response head to CONNECT (RFC 9112 sections 2 to 5): the status line and
 * the header fields, up to the empty line, and not one byte further. What follows the head is
 * the SMTP server's (its greeting, through the tunnel) and is handed back untouched.
 *
 * Bounded: the head, interim 1xx heads included, may take {@link MAX_PROXY_RESPONSE_HEAD_BYTES};
 * a proxy that sends more, or trickles a head that never ends, fails with
 * `SMTP_PROXY_PROTOCOL` at the cap rather than growing a buffer (docs/security.md INV-8).
 * Anything that is not an HTTP/1.x response head fails the same way, as soon as it shows.
 *
 * Line ends are CRLF; a bare LF is accepted too (RFC 9112 section 2.2 allows a recipient to). A
 * bare CR or a NUL inside a line is refused (RFC 9110 section 5.5), as is a status code outside
 * 100 to 599.
 */
import { sanitizeServerText } from '@smtp/protocol';
import { MAX_PROXY_RESPONSE_HEAD_BYTES, ProxyError } from '../errors/proxy-error.ts';
import type { ProxyProtocol } from './proxy-options.ts';

/** A proxy's final (non-1xx) response head. */
export interface ResponseHead {
  /** The status code, 200 to 599. */
  readonly status: number;
  /** The reason phrase, sanitised for an error message (may be empty). */
  readonly reason: string;
  /** Header fields in order: names in lower case, values as Latin-1 text, not sanitised. */
  readonly headers: readonly (readonly [name: string, value: string])[];
}

/** A complete head, and the bytes that came after it in the same reads. */
export interface ResponseHeadResult {
  readonly head: ResponseHead;
  readonly rest: Uint8Array;
}

const LF = 0x0a;
const CR = 0x0d;
const PREFIX = 'HTTP/';
const STATUS_LINE = /^HTTP\/1\.[0-9] ([1-5][0-9]{2})(?: (.*))?$/s;
/** RFC 9110 section 5.1: a field name is a token. */
const FIELD = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/s;
/** How much of a bad line an error message quotes. */
const QUOTE_LENGTH = 100;

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * An incremental reader of one response head. Feed it every chunk read from the proxy until it
 * returns a result; after that it must not be fed again.
 */
export class ResponseHeadReader {
  readonly #protocol: ProxyProtocol;
  readonly #maxBytes: number;
  #buffer: Uint8Array = new Uint8Array(0);
  /** Where the search for the empty line resumes (a line end not yet known to end the head). */
  #scanned = 0;
  /** Bytes of interim 1xx heads already read: they count against the cap too. */
  #interimBytes = 0;

  constructor(protocol: ProxyProtocol, maxBytes = MAX_PROXY_RESPONSE_HEAD_BYTES) {
    this.#protocol = protocol;
    this.#maxBytes = maxBytes;
  }

  /**
   * Adds `chunk`. Returns the final head and the bytes after it once the head is complete,
   * `undefined` while it is not.
   *
   * @throws {ProxyError} `SMTP_PROXY_PROTOCOL` for anything but an HTTP/1.x response head, or
   *   a head over the cap.
   */
  push(chunk: Uint8Array): ResponseHeadResult | undefined {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      this.#checkPrefix();
      const end = this.#endOfHead();
      if (end < 0) {
        this.#checkSize(this.#buffer.length);
        return undefined;
      }
      this.#checkSize(end);
      const head = this.#parse(this.#buffer.subarray(0, end));
      const rest = this.#buffer.subarray(end);
      if (head.status >= 200) return { head, rest };
      // RFC 9110 section 15.2: a client must be able to parse interim responses it did not
      // ask for; they are skipped. A 101 would switch protocols, which CONNECT cannot do.
      if (head.status === 101) {
        throw this.#error('The proxy answered CONNECT with 101 Switching Protocols');
      }
      this.#interimBytes += end;
      this.#buffer = rest;
      this.#scanned = 0;
    }
  }

  #error(message: string): ProxyError {
    return new ProxyError('SMTP_PROXY_PROTOCOL', message, {
      protocol: this.#protocol,
      step: 'handshake',
    });
  }

  #checkSize(headBytes: number): void {
    if (this.#interimBytes + headBytes > this.#maxBytes) {
      throw this.#error(`The proxy's response head is longer than ${this.#maxBytes} bytes`);
    }
  }

  /** Fails as soon as the first bytes cannot begin `HTTP/`. */
  #checkPrefix(): void {
    const length = Math.min(PREFIX.length, this.#buffer.length);
    for (let i = 0; i < length; i++) {
      if (this.#buffer[i] !== PREFIX.charCodeAt(i)) {
        throw this.#error(
          `The proxy did not answer with an HTTP response (it sent ${this.#quote(
            latin1(this.#buffer.subarray(0, 16)),
          )})`,
        );
      }
    }
  }

  /** The index just past the empty line that ends the head, or -1 when it has not come yet. */
  #endOfHead(): number {
    const buffer = this.#buffer;
    for (let i = this.#scanned; i < buffer.length; i++) {
      if (buffer[i] !== LF) continue;
      const next = buffer[i + 1];
      if (next === LF) return i + 2;
      if (next === CR && i + 2 < buffer.length) {
        if (buffer[i + 2] === LF) return i + 3;
        continue;
      }
      if (next === undefined || next === CR) {
        // Not known yet whether this line end is followed by an empty line.
        this.#scanned = i;
        return -1;
      }
    }
    this.#scanned = buffer.length;
    return -1;
  }

  #parse(bytes: Uint8Array): ResponseHead {
    // The head ends with an empty line: split, drop the two empty strings the split leaves.
    const lines = latin1(bytes)
      .split('\n')
      .slice(0, -2)
      .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
    for (const line of lines) {
      if (line.includes('\r') || line.includes('\0')) {
        throw this.#error(
          `The proxy's response head holds a bare CR or a NUL: ${this.#quote(line)}`,
        );
      }
    }
    const statusLine = lines[0] as string;
    const status = STATUS_LINE.exec(statusLine);
    if (status === null) {
      throw this.#error(`The proxy sent a malformed HTTP status line: ${this.#quote(statusLine)}`);
    }
    const headers: [string, string][] = [];
    for (const line of lines.slice(1)) {
      const last = headers.at(-1);
      if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
        // RFC 9112 section 5.2: an obsolete line folding is replaced by a space.
        last[1] = `${last[1]} ${line.trim()}`.trim();
        continue;
      }
      const field = FIELD.exec(line);
      if (field === null) {
        throw this.#error(`The proxy sent a malformed header field: ${this.#quote(line)}`);
      }
      headers.push([(field[1] as string).toLowerCase(), field[2] as string]);
    }
    return {
      status: Number(status[1]),
      reason: sanitizeServerText(status[2] ?? '', QUOTE_LENGTH),
      headers,
    };
  }

  #quote(line: string): string {
    return `"${sanitizeServerText(line, QUOTE_LENGTH)}"`;
  }
}
