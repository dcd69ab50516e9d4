/**
 * Body canonicalisation, streamed: RFC 6376 section 3.4.3 (`simple`) and 3.4.4 (`relaxed`),
 * straight into a running SHA-256. Internal to the package.
 *
 * Contract: push chunks of any size split anywhere; every chunking of the same bytes hashes the
 * same canonical body. Nothing of the body is kept but a few flags and a count of held empty
 * lines, so memory is flat whatever the size.
 *
 * - Line ends first become what `@smtp/protocol`'s DATA encoder puts on the wire
 *   (docs/security.md decision 3): CRLF is kept, every bare CR and every bare LF is a line end
 *   (CRLF). A CR that ends one chunk and an LF that starts the next are one CRLF. So the body
 *   hash covers the bytes the server receives.
 * - `simple`: the lines as they are, less the empty lines at the end; a body that is empty, or
 *   only empty lines, is one CRLF; an unterminated last line gets its CRLF (the DATA encoder
 *   adds it too).
 * - `relaxed`: every run of SP and HTAB inside a line is one SP, white space at the end of a line
 *   is removed, then empty lines at the end are removed (so a line of only white space at the
 *   end counts as empty); an empty body stays empty; a non-empty last line without CRLF gets one.
 *
 * Empty lines are held as a count (they are written only when a line with content follows), and
 * a run of white space is held as a flag across chunk boundaries, so no byte is ever buffered.
 *
 * Cost: one pass of the bytes in a plain loop. Input runs that are already canonical (the usual
 * case: CRLF lines, single spaces, as MIME output is) are not copied: they go to the hash as
 * views of the chunk, long ones directly and short ones through a 16 KiB staging buffer, which
 * also takes the few bytes the canonicalisation writes itself (a CRLF for a bare line end, one SP
 * for a run). No allocation per byte, per line, or per run but the long runs' views.
 */

import type { Sha256 } from './sha256.ts';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
/** A run at least this long goes to the hash as a view of the chunk, not copied. */
const DIRECT_RUN = 512;
const STAGING_SIZE = 16 * 1024;

/** One body canonicalisation feeding one hash; see the module docs. */
export class BodyCanonicalizer {
  readonly #relaxed: boolean;
  readonly #hash: Sha256;
  readonly #staging = new Uint8Array(STAGING_SIZE);
  #staged = 0;
  /** Canonical octets hashed so far (the `l=` value). */
  #length = 0;
  /** The previous chunk ended with a CR: an LF first in this one is that line end's. */
  #cr = false;
  /** The current line has content (for relaxed: a byte other than SP and HTAB). */
  #content = false;
  /** Relaxed: a run of white space is pending (dropped at a line end, one SP before content). */
  #wsp = false;
  /** Empty lines seen and not yet written: written only if content follows. */
  #empty = 0;

  /**
   * @param relaxed `relaxed` body canonicalisation, else `simple`.
   * @param hash Receives the canonical body.
   * @param afterCr The body starts right after a CR (the header section's end): an LF first is
   *   part of that line end.
   */
  constructor(relaxed: boolean, hash: Sha256, afterCr = false) {
    this.#relaxed = relaxed;
    this.#hash = hash;
    this.#cr = afterCr;
  }

  /** Canonical body octets hashed so far; after {@link finish}, the body's canonical length. */
  get length(): number {
    return this.#length;
  }

  /** Canonicalises and hashes the next chunk. Keeps no reference to `chunk`. */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    const relaxed = this.#relaxed;
    let content = this.#content;
    let wsp = this.#wsp;
    let empty = this.#empty;
    let i = 0;
    if (this.#cr) {
      this.#cr = false;
      if (chunk[0] === LF) i = 1;
    }
    // Input bytes [runStart, i) are canonical as they are and not yet hashed.
    let runStart = i;
    // Relaxed, with content on the line: where the pending white space starts in this chunk
    // (0 when it started in an earlier one, which `carried` says).
    let wspStart = 0;
    let carried = wsp;
    for (; i < n; i++) {
      let b = chunk[i] as number;
      if (content && !wsp) {
        // The hot path: content on a line and nothing held. A tight loop to the next octet
        // that may matter (V8 runs it several times faster than the whole loop body): in
        // `relaxed` one SP between two content octets is canonical too.
        if (relaxed) {
          while (b > SP || (b === SP && i + 1 < n && (chunk[i + 1] as number) > SP)) {
            if (++i === n) break;
            b = chunk[i] as number;
          }
        } else {
          while (b !== CR && b !== LF) {
            if (++i === n) break;
            b = chunk[i] as number;
          }
        }
        if (i === n) break;
      }
      if (b > SP) {
        runStart = this.#held(chunk, runStart, i, content, wsp, empty, carried, wspStart);
        content = true;
        wsp = false;
        empty = 0;
        carried = false;
      } else if (b === CR || b === LF) {
        const pair = b === CR && i + 1 < n && chunk[i + 1] === LF;
        if (content) {
          if (wsp) {
            this.#run(chunk, runStart, wspStart);
            runStart = i;
            wsp = false;
            carried = false;
          }
          if (!pair) {
            this.#run(chunk, runStart, i);
            this.#crlf();
            runStart = i + 1;
          }
          content = false;
        } else {
          this.#run(chunk, runStart, i);
          empty++;
          wsp = false;
          runStart = i + (pair ? 2 : 1);
        }
        if (pair) i++;
        else if (b === CR && i + 1 === n) this.#cr = true;
      } else if (relaxed && (b === SP || b === HTAB)) {
        if (!content) {
          if (!wsp) {
            this.#run(chunk, runStart, i);
            wsp = true;
          }
          runStart = i + 1;
        } else if (!wsp) {
          wsp = true;
          wspStart = i;
          carried = false;
        }
      } else {
        // Any other control octet is content, like a letter (and SP and HTAB in `simple`).
        if (content && !wsp) continue;
        runStart = this.#held(chunk, runStart, i, content, wsp, empty, carried, wspStart);
        content = true;
        wsp = false;
        empty = 0;
        carried = false;
      }
    }
    this.#run(chunk, runStart, content && wsp ? wspStart : n);
    this.#content = content;
    this.#wsp = wsp;
    this.#empty = empty;
  }

  /**
   * Ends the body and returns its hash: the CRLF of an unterminated last line; for `simple`, one
   * CRLF when nothing at all was written (an empty body, or only empty lines).
   */
  finish(): Uint8Array {
    if (this.#content || (!this.#relaxed && this.#length === 0)) this.#crlf();
    if (this.#staged > 0) this.#hash.update(this.#staging.subarray(0, this.#staged));
    this.#staged = 0;
    return this.#hash.digest();
  }

  /**
   * A content octet at `i` after something held: writes the pending run, then the held empty
   * lines and the one SP a held run of white space becomes, unless that run is a single SP in
   * this chunk after content, which stays part of the canonical run as it is. Returns where the
   * canonical run now starts.
   */
  #held(
    chunk: Uint8Array,
    runStart: number,
    i: number,
    content: boolean,
    wsp: boolean,
    empty: number,
    carried: boolean,
    wspStart: number,
  ): number {
    if (!content) {
      if (empty === 0 && !wsp) return runStart;
      this.#run(chunk, runStart, i);
      for (let e = 0; e < empty; e++) this.#crlf();
      if (wsp) this.#byte(SP);
      return i;
    }
    if (!carried && i === wspStart + 1 && chunk[wspStart] === SP) return runStart;
    this.#run(chunk, runStart, wspStart);
    this.#byte(SP);
    return i;
  }

  /** Hashes input bytes [start, end) as they are. */
  #run(chunk: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length <= 0) return;
    this.#length += length;
    if (length >= DIRECT_RUN) {
      if (this.#staged > 0) {
        this.#hash.update(this.#staging.subarray(0, this.#staged));
        this.#staged = 0;
      }
      this.#hash.update(chunk.subarray(start, end));
      return;
    }
    if (this.#staged + length > STAGING_SIZE) {
      this.#hash.update(this.#staging.subarray(0, this.#staged));
      this.#staged = 0;
    }
    const staging = this.#staging;
    let at = this.#staged;
    for (let k = start; k < end; k++) staging[at++] = chunk[k] as number;
    this.#staged = at;
  }

  #crlf(): void {
    this.#byte(CR);
    this.#byte(LF);
  }

  #byte(octet: number): void {
    if (this.#staged === STAGING_SIZE) {
      this.#hash.update(this.#staging);
      this.#staged = 0;
    }
    this.#staging[this.#staged++] = octet;
    this.#length++;
  }
}
