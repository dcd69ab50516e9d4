/**
 * The header section: collected from the start of the stream, its line ends made canonical,
 * split into fields, and canonicalised (RFC 6376 section 3.4.1 `simple`, 3.4.2 `relaxed`).
 * Internal to the package.
 *
 * The header section is the one part of the message that is kept (the header hash is computed
 * after the body's, when `t=` and `bh=` are known), so it is bounded: {@link MAX_HEADER_BYTES}.
 * Line ends are made canonical as in the body (CRLF kept, bare CR and bare LF become CRLF, as the
 * DATA encoder sends them), so the fields hashed are the fields the server receives.
 */

import { DkimError } from './errors.ts';

/** The most header section this package keeps: 1 MiB, far above any real message's. */
export const MAX_HEADER_BYTES = 1024 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

/** One header field: its lower-case name and where its bytes are (CRLF included). */
export interface HeaderField {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** The header section, parsed. */
export interface HeaderSection {
  /** The header section, CRLF line ends, without the empty line that ends it. */
  readonly bytes: Uint8Array;
  /** Its fields, top to bottom. */
  readonly fields: readonly HeaderField[];
}

/**
 * Collects the header section from the first chunks of a message. {@link push} returns the
 * offset in that chunk where the body starts once the empty line has been seen, or -1 while the
 * header section goes on.
 */
export class HeaderCollector {
  #bytes = new Uint8Array(4096);
  #length = 0;
  #atLineStart = true;
  #cr = false;
  /** The empty line ended with a CR at the end of a chunk: an LF first in the body is its. */
  afterCr = false;

  /**
   * Takes the next chunk. Returns the offset of the body in `chunk` when the header section
   * ends in it (possibly `chunk.length`), else -1.
   *
   * @throws DkimError `SMTP_DKIM_INVALID_MESSAGE` when the header section passes 1 MiB.
   */
  push(chunk: Uint8Array): number {
    let i = 0;
    if (this.#cr) {
      this.#cr = false;
      if (chunk[0] === LF) i = 1;
    }
    for (; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === CR || b === LF) {
        const pair = b === CR && i + 1 < chunk.length && chunk[i + 1] === LF;
        const next = pair ? i + 2 : i + 1;
        if (this.#atLineStart) {
          // The empty line: the body starts after it.
          this.afterCr = b === CR && !pair && next === chunk.length;
          return next;
        }
        this.#append(CR);
        this.#append(LF);
        this.#atLineStart = true;
        if (pair) i++;
        else if (b === CR && next === chunk.length) this.#cr = true;
      } else {
        this.#append(b);
        this.#atLineStart = false;
      }
    }
    return -1;
  }

  /**
   * The header section, parsed: at the end of the message when it had no body (an unterminated
   * last line gets its CRLF, as the DATA encoder adds it), or after {@link push} found the end.
   *
   * @throws DkimError `SMTP_DKIM_INVALID_MESSAGE` for a line that is not a header field.
   */
  finish(): HeaderSection {
    if (!this.#atLineStart) {
      this.#append(CR);
      this.#append(LF);
      this.#atLineStart = true;
    }
    const bytes = this.#bytes.subarray(0, this.#length);
    return { bytes, fields: parseFields(bytes) };
  }

  #append(octet: number): void {
    if (this.#length === this.#bytes.length) {
      if (this.#length >= MAX_HEADER_BYTES) {
        throw new DkimError(
          'SMTP_DKIM_INVALID_MESSAGE',
          'The header section is over 1 MiB: no empty line ends it near the start of the message.',
        );
      }
      const grown = new Uint8Array(Math.min(this.#bytes.length * 2, MAX_HEADER_BYTES));
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes[this.#length++] = octet;
  }
}

/** RFC 5322 `ftext`: printable US-ASCII but the colon. */
function isFtext(octet: number): boolean {
  return octet >= 33 && octet <= 126 && octet !== COLON;
}

/** Splits a header section (CRLF line ends, no empty line) into fields. */
function parseFields(bytes: Uint8Array): HeaderField[] {
  const fields: HeaderField[] = [];
  let start = 0;
  let lineNumber = 0;
  while (start < bytes.length) {
    // Every line ends with CRLF here, and a CR occurs only in a CRLF.
    const eol = bytes.indexOf(CR, start);
    lineNumber++;
    const first = bytes[start] as number;
    if (first === SP || first === HTAB) {
      const previous = fields.pop();
      if (previous === undefined) {
        throw new DkimError(
          'SMTP_DKIM_INVALID_MESSAGE',
          'The message starts with a continuation line (white space first): it has no header field to continue.',
        );
      }
      fields.push({ name: previous.name, start: previous.start, end: eol + 2 });
    } else {
      const colon = bytes.indexOf(COLON, start);
      let nameEnd = colon < 0 || colon > eol ? -1 : colon;
      // RFC 5322 section 4.5 (obsolete syntax): white space may come before the colon.
      while (nameEnd > start && isWsp(bytes[nameEnd - 1] as number)) nameEnd--;
      if (nameEnd <= start || !allFtext(bytes, start, nameEnd)) {
        throw new DkimError(
          'SMTP_DKIM_INVALID_MESSAGE',
          `Header line ${lineNumber} is not a header field (a name, then a colon): is the header section missing, or not followed by an empty line?`,
        );
      }
      fields.push({ name: asciiLower(bytes, start, nameEnd), start, end: eol + 2 });
    }
    start = eol + 2;
  }
  return fields;
}

function isWsp(octet: number): boolean {
  return octet === SP || octet === HTAB;
}

function allFtext(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isFtext(bytes[i] as number)) return false;
  return true;
}

function asciiLower(bytes: Uint8Array, start: number, end: number): string {
  let name = '';
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    name += String.fromCharCode(b >= 0x41 && b <= 0x5a ? b + 32 : b);
  }
  return name;
}

/**
 * Appends one field, canonicalised, to `out` (CRLF included unless `withCrlf` is false: the
 * DKIM-Signature field itself is hashed without it, RFC 6376 section 3.7).
 *
 * - `simple`: the bytes as they are.
 * - `relaxed`: the name in lower case; the value unfolded (CRLF removed), every run of SP and
 *   HTAB one SP, white space at its end and around the colon removed.
 */
export function canonicalizeField(
  bytes: Uint8Array,
  start: number,
  end: number,
  relaxed: boolean,
  out: ByteSink,
  withCrlf = true,
): void {
  const stop = withCrlf ? end - 2 : end;
  if (!relaxed) {
    out.append(bytes, start, stop);
  } else {
    const colon = bytes.indexOf(COLON, start);
    let nameEnd = colon;
    while (nameEnd > start && isWsp(bytes[nameEnd - 1] as number)) nameEnd--;
    for (let i = start; i < nameEnd; i++) {
      const b = bytes[i] as number;
      out.byte(b >= 0x41 && b <= 0x5a ? b + 32 : b);
    }
    out.byte(COLON);
    let started = false;
    let space = false;
    for (let i = colon + 1; i < stop; i++) {
      const b = bytes[i] as number;
      if (b === SP || b === HTAB) space = true;
      else if (b !== CR && b !== LF) {
        if (space && started) out.byte(SP);
        out.byte(b);
        started = true;
        space = false;
      }
    }
  }
  if (withCrlf) {
    out.byte(CR);
    out.byte(LF);
  }
}

/** A growable byte buffer: the header data to sign. */
export class ByteSink {
  #bytes = new Uint8Array(1024);
  #length = 0;

  get bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  byte(octet: number): void {
    this.#reserve(1);
    this.#bytes[this.#length++] = octet;
  }

  append(bytes: Uint8Array, start: number, end: number): void {
    this.#reserve(end - start);
    this.#bytes.set(bytes.subarray(start, end), this.#length);
    this.#length += end - start;
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < this.#length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }
}
