/**
 * Serialisation: a message's headers and body tree into RFC 5322 bytes, as a plan of segments
 * (bytes known now, and streamed parts to encode when they are reached), then streamed.
 *
 * Contract:
 * - Output has CRLF line ends only and no line over 998 octets: headers come folded from
 *   `foldHeader`, encoded bodies have 76-character lines, and 7bit/8bit bodies are checked to
 *   have CRLF-only lines of at most 998 octets (`transfer-encoding.ts`).
 * - Content known in advance is encoded when the plan is made, so the plan knows its exact
 *   size and whether any part is 8bit; streamed content is encoded while the output is pulled,
 *   one source chunk per pull, so memory stays constant whatever its size.
 * - Boundaries (see `boundary.ts`) are checked against every 7bit/8bit part, and a colliding
 *   boundary is replaced by a fresh one; the boundaries live in the message, so serialising it
 *   twice gives the same bytes.
 * - The CRLF before a delimiter belongs to the delimiter (RFC 2046 section 5.1.1), so a part's
 *   content ends exactly where its bytes do; base64 output ends with its own CRLF, which then
 *   serves as the delimiter's.
 */

import { createBase64Encoder, encodeBase64Lines } from './base64.ts';
import { containsBoundary, createBoundary } from './boundary.ts';
import { type Content, chunkBytes, utf8 } from './content.ts';
import { isTextType } from './content-type.ts';
import { encodeUnstructured } from './encoded-word.ts';
import { ContentError } from './errors.ts';
import { foldHeader } from './header-folding.ts';
import type { LeafSpec, PartSpec } from './multipart.ts';
import { createQuotedPrintableEncoder, encodeQuotedPrintable } from './quoted-printable.ts';
import { formatContentHeaderValue } from './rfc2231.ts';
import {
  chooseTransferEncoding,
  normalizeLineBreaks,
  scanContent,
  type TransferEncoding,
} from './transfer-encoding.ts';

/** Options of `Message.stream()`, `toBytes()` and `envelope()`. */
export interface SerializeOptions {
  /**
   * The server offers SMTPUTF8 (RFC 6531): addresses are written in UTF-8 (U-labels) instead of
   * converting domains to A-labels. Default `false`.
   */
  readonly smtpUtf8?: boolean;
  /**
   * The server offers 8BITMIME (RFC 6152): text with octets over 127 and short lines may go as
   * `8bit` instead of quoted-printable or base64. Default `false`.
   */
  readonly allow8Bit?: boolean;
}

/** A part whose bytes are read and encoded while the output is pulled. */
export interface StreamedSegment {
  readonly content: Exclude<Content, { kind: 'bytes' }>;
  readonly encoding: 'quoted-printable' | 'base64';
  /** Quoted-printable in binary mode (CR and LF as `=0D`/`=0A`), for types other than text. */
  readonly binary: boolean;
}

/** A piece of the output: bytes, or a streamed part. */
export type Segment = Uint8Array | StreamedSegment;

/** A message ready to stream. */
export interface Plan {
  readonly segments: readonly Segment[];
  /** Total octets, when every part is known in advance. */
  readonly size: number | undefined;
  readonly needs8BitMime: boolean;
}

/** How many times a colliding boundary is redrawn before giving up. */
const BOUNDARY_ATTEMPTS = 8;

/** Output pieces of at least this size are passed on as they are; smaller ones are gathered. */
const GATHER_SIZE = 16 * 1024;

interface PreparedLeaf {
  readonly headerText: string;
  readonly body: Uint8Array | StreamedSegment;
  /** The body is in 7bit or 8bit: the caller's bytes, to check against the boundaries. */
  readonly identity: boolean;
  readonly encoding: TransferEncoding;
}

/**
 * Makes the plan of a message.
 *
 * @param headerText The message headers, folded, each ending in CRLF (without MIME-Version and
 *   the Content-* headers, which this adds).
 * @param body The body tree.
 * @param boundaries The message's boundaries, one per multipart in document order; drawn here
 *   when missing and replaced on a collision (the array is updated in place).
 */
export function planMessage(
  headerText: string,
  body: PartSpec,
  boundaries: string[],
  options: SerializeOptions,
): Plan {
  const allow8Bit = options.allow8Bit === true;
  const leaves = new Map<LeafSpec, PreparedLeaf>();
  const identities: Uint8Array[] = [];
  let needs8BitMime = false;
  let multiparts = 0;
  const visit = (part: PartSpec): void => {
    if (part.kind === 'multipart') {
      multiparts++;
      for (const child of part.parts) visit(child);
      return;
    }
    const leaf = prepareLeaf(part, allow8Bit);
    leaves.set(part, leaf);
    if (leaf.identity) identities.push(leaf.body as Uint8Array);
    if (leaf.encoding === '8bit') needs8BitMime = true;
  };
  visit(body);
  for (let i = 0; i < multiparts; i++) {
    let attempts = 0;
    while (
      boundaries[i] === undefined ||
      identities.some((b) => containsBoundary(b, boundaries[i] as string))
    ) {
      if (attempts++ === BOUNDARY_ATTEMPTS) {
        throw new ContentError(
          'SMTP_MIME_BOUNDARY_COLLISION',
          `Could not find a multipart boundary absent from the content after ${BOUNDARY_ATTEMPTS} attempts`,
        );
      }
      boundaries[i] = createBoundary();
    }
  }
  const builder = new SegmentBuilder();
  builder.text(`${headerText}MIME-Version: 1.0\r\n`);
  let next = 0;
  const write = (part: PartSpec): void => {
    if (part.kind === 'leaf') {
      const leaf = leaves.get(part) as PreparedLeaf;
      builder.text(`${leaf.headerText}\r\n`);
      builder.body(leaf.body);
      // Base64 output ends with CRLF (an empty body gets one here), which the delimiter reuses.
      if (leaf.encoding !== 'base64') builder.pendingCrlf = true;
      else if (leaf.body instanceof Uint8Array && leaf.body.length === 0) builder.text('\r\n');
      return;
    }
    const boundary = boundaries[next++] as string;
    builder.text(
      `${foldHeader('Content-Type', formatContentHeaderValue(`multipart/${part.subtype}`, { boundary }))}\r\n`,
    );
    for (const child of part.parts) {
      builder.text(`${builder.takeCrlf()}--${boundary}\r\n`);
      write(child);
    }
    builder.text(`${builder.takeCrlf()}--${boundary}--`);
    builder.pendingCrlf = true;
  };
  write(body);
  if (body.kind === 'multipart') builder.text(builder.takeCrlf());
  builder.finish();
  return { segments: builder.segments, size: builder.size, needs8BitMime };
}

/** Gathers header text into byte segments between bodies and counts the size. */
class SegmentBuilder {
  readonly segments: Segment[] = [];
  size: number | undefined = 0;
  pendingCrlf = false;
  #text = '';

  text(text: string): void {
    this.#text += text;
  }

  takeCrlf(): string {
    const crlf = this.pendingCrlf ? '\r\n' : '';
    this.pendingCrlf = false;
    return crlf;
  }

  body(body: Uint8Array | StreamedSegment): void {
    this.#flush();
    if (body instanceof Uint8Array) {
      if (body.length > 0) this.segments.push(body);
      if (this.size !== undefined) this.size += body.length;
    } else {
      this.segments.push(body);
      this.size = undefined;
    }
  }

  #flush(): void {
    if (this.#text === '') return;
    const bytes = utf8(this.#text);
    this.#text = '';
    this.segments.push(bytes);
    if (this.size !== undefined) this.size += bytes.length;
  }

  finish(): void {
    this.#flush();
  }
}

function prepareLeaf(part: LeafSpec, allow8Bit: boolean): PreparedLeaf {
  const { mediaType } = part.contentType;
  const text = isTextType(mediaType);
  const params: Record<string, string> = { ...part.contentType.params };
  if (text && params.charset === undefined) params.charset = 'utf-8';
  let body: Uint8Array | StreamedSegment;
  let encoding: TransferEncoding;
  if (part.content.kind === 'bytes') {
    const identityForced = part.encoding === '7bit' || part.encoding === '8bit';
    const bytes =
      text || identityForced ? normalizeLineBreaks(part.content.bytes) : part.content.bytes;
    encoding = chooseTransferEncoding({
      scan: scanContent(bytes),
      text,
      allow8Bit,
      forced: part.encoding,
    });
    if (encoding === 'base64') body = encodeBase64Lines(bytes);
    else if (encoding === 'quoted-printable')
      body = encodeQuotedPrintable(bytes, { binary: !text });
    else body = bytes;
  } else {
    encoding = chooseTransferEncoding({ text, allow8Bit, forced: part.encoding });
    body = {
      content: part.content,
      encoding: encoding as 'quoted-printable' | 'base64',
      binary: !text,
    };
  }
  // The legacy `name=` on Content-Type for readers that ignore Content-Disposition.
  if (part.filename !== undefined) params.name = part.filename;
  let headerText = foldHeader('Content-Type', formatContentHeaderValue(mediaType, params));
  headerText += foldHeader('Content-Transfer-Encoding', encoding);
  if (part.disposition !== undefined) {
    headerText += foldHeader(
      'Content-Disposition',
      formatContentHeaderValue(
        part.disposition,
        part.filename === undefined ? {} : { filename: part.filename },
      ),
    );
  }
  if (part.contentId !== undefined) headerText += foldHeader('Content-ID', `<${part.contentId}>`);
  for (const header of part.headers) {
    headerText += foldHeader(header.name, encodeUnstructured(header.value));
  }
  return { headerText, body, identity: encoding === '7bit' || encoding === '8bit', encoding };
}

/**
 * Streams a plan: bytes as they are (small pieces gathered), streamed parts read one source
 * chunk per pull and encoded. Early `return()` closes the source being read (its `finally`
 * runs: a file handle is closed, a ReadableStream cancelled).
 *
 * @throws ContentError `SMTP_MIME_CONTENT_READ` when a source fails (the cause holds why).
 */
export async function* streamPlan(plan: Plan): AsyncGenerator<Uint8Array, void, undefined> {
  let gathered: Uint8Array[] = [];
  let gatheredSize = 0;
  const take = (): Uint8Array => {
    const out =
      gathered.length === 1 ? (gathered[0] as Uint8Array) : concatBytes(gathered, gatheredSize);
    gathered = [];
    gatheredSize = 0;
    return out;
  };
  for (const segment of plan.segments) {
    if (segment instanceof Uint8Array) {
      if (segment.length >= GATHER_SIZE) {
        if (gatheredSize > 0) yield take();
        yield segment;
      } else {
        gathered.push(segment);
        gatheredSize += segment.length;
        if (gatheredSize >= GATHER_SIZE) yield take();
      }
      continue;
    }
    const encoder =
      segment.encoding === 'base64'
        ? createBase64Encoder()
        : createQuotedPrintableEncoder({ binary: segment.binary });
    let produced = 0;
    try {
      const chunks =
        segment.content.kind === 'file'
          ? (await import('./file-content.ts')).readFileChunks(segment.content.path)
          : segment.content.source.chunks();
      for await (const chunk of chunks) {
        const encoded = encoder.push(chunkBytes(chunk));
        if (encoded.length === 0) continue;
        produced += encoded.length;
        if (encoded.length >= GATHER_SIZE) {
          if (gatheredSize > 0) yield take();
          yield encoded;
        } else {
          gathered.push(encoded);
          gatheredSize += encoded.length;
          if (gatheredSize >= GATHER_SIZE) yield take();
        }
      }
    } catch (error) {
      if (error instanceof ContentError) throw error;
      throw new ContentError(
        'SMTP_MIME_CONTENT_READ',
        `Reading ${segment.content.kind === 'file' ? `the file ${segment.content.path}` : 'a content stream'} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const tail = encoder.end();
    produced += tail.length;
    if (tail.length > 0) {
      gathered.push(tail);
      gatheredSize += tail.length;
    }
    // Empty base64 output: the CRLF the delimiter expects.
    if (segment.encoding === 'base64' && produced === 0) {
      gathered.push(CRLF);
      gatheredSize += 2;
    }
  }
  if (gatheredSize > 0) yield take();
}

const CRLF = new Uint8Array([0x0d, 0x0a]);

/** Concatenates `parts` (of total length `size`). */
export function concatBytes(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
