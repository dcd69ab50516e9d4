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
 * - A message whose content is all known in advance is written into one array of its exact
 *   size ({@link planBytes}): header text is encoded straight into it and each encoded body
 *   copied once. `stream()` yields such a message as that one chunk when it is at most
 *   {@link SINGLE_CHUNK_SIZE} octets; a larger one is yielded piece by piece, its big encoded
 *   bodies passed on as they are, so it is never held twice.
 * - Text given as a string is normalised (line breaks) and scanned as a string; when it is ASCII
 *   and goes as 7bit it stays a string until it is written into the output.
 * - A streamed base64 part is encoded into one reused array rather than a new one per chunk when
 *   the consumer says, with `next(true)`, that it holds no earlier chunk (see
 *   {@link streamSegments}): a socket writer can, a consumer that gathers chunks does not.
 * - Boundaries (see `boundary.ts`) are checked against every 7bit/8bit part, and a colliding
 *   boundary is replaced by a fresh one; the boundaries live in the message, so serialising it
 *   twice gives the same bytes.
 * - The CRLF before a delimiter belongs to the delimiter (RFC 2046 section 5.1.1), so a part's
 *   content ends exactly where its bytes do; base64 output ends with its own CRLF, which then
 *   serves as the delimiter's.
 */

import { createReusableBase64Encoder, encodeBase64Lines } from './base64.ts';
import { containsBoundary, createBoundary } from './boundary.ts';
import { type Content, chunkBytes, utf8, utf8Length } from './content.ts';
import { isTextType } from './content-type.ts';
import { encodeUnstructured } from './encoded-word.ts';
import { ContentError } from './errors.ts';
import { foldHeader } from './header-folding.ts';
import type { LeafSpec, PartSpec } from './multipart.ts';
import { createQuotedPrintableEncoder, encodeQuotedPrintable } from './quoted-printable.ts';
import { formatContentHeaderValue } from './rfc2231.ts';
import {
  type ContentScan,
  chooseTransferEncoding,
  normalizeLineBreaks,
  normalizeLineBreaksText,
  scanAsciiText,
  scanContent,
  scanLineFeedText,
  type TransferEncoding,
} from './transfer-encoding.ts';

/** Options of `Message.validate()`, and so of `stream()`, `toBytes()` and `envelope()` too. */
export interface ValidateOptions {
  /**
   * Whether content may be read from a file path (`{ path }` as a body, an attachment, an inline
   * part or a calendar invite). Default `true`. With `false`, a message that names a file is
   * refused with `InvalidMessageError` `SMTP_MIME_FILE_ACCESS_DENIED` before anything is read:
   * for messages built from untrusted input (docs/security.md decision 13).
   */
  readonly allowFileAccess?: boolean;
}

/** Options of `Message.stream()`, `toBytes()`, `toBytesSync()` and `envelope()`. */
export interface SerializeOptions extends ValidateOptions {
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
  readonly content: Extract<Content, { kind: 'stream' | 'file' }>;
  readonly encoding: 'quoted-printable' | 'base64';
  /** Quoted-printable in binary mode (CR and LF as `=0D`/`=0A`), for types other than text. */
  readonly binary: boolean;
}

/** A piece of the output: text (written as UTF-8), bytes, or a streamed part. */
export type Segment = string | Uint8Array | StreamedSegment;

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

/**
 * A message known in advance and at most this long is yielded by `stream()` as one chunk (a
 * larger one in pieces, so that its encoded bodies are not copied into a second array).
 */
export const SINGLE_CHUNK_SIZE = 64 * 1024;

interface PreparedLeaf {
  readonly headerText: string;
  /** Encoded bytes; ASCII text (a 7bit string body); or a part to stream. */
  readonly body: string | Uint8Array | StreamedSegment;
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
  if (body.kind === 'leaf') return planLeafMessage(headerText, body, allow8Bit);
  // Leaves in document order: `write` below walks the tree in the same order.
  const leaves: PreparedLeaf[] = [];
  const identities: (string | Uint8Array)[] = [];
  let needs8BitMime = false;
  let multiparts = 0;
  const visit = (part: PartSpec): void => {
    if (part.kind === 'multipart') {
      multiparts++;
      for (const child of part.parts) visit(child);
      return;
    }
    const leaf = prepareLeaf(part, allow8Bit);
    leaves.push(leaf);
    if (leaf.identity) identities.push(leaf.body as string | Uint8Array);
    if (leaf.encoding === '8bit') needs8BitMime = true;
  };
  visit(body);
  for (let i = 0; i < multiparts; i++) {
    let attempts = 0;
    while (boundaries[i] === undefined || collides(identities, boundaries[i] as string)) {
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
  let nextLeaf = 0;
  let nextBoundary = 0;
  const write = (part: PartSpec): void => {
    if (part.kind === 'leaf') {
      const leaf = leaves[nextLeaf++] as PreparedLeaf;
      builder.text(`${leaf.headerText}\r\n`);
      builder.body(leaf.body);
      // Base64 output ends with CRLF (an empty body gets one here), which the delimiter reuses.
      if (leaf.encoding !== 'base64') builder.pendingCrlf = true;
      else if (leaf.body instanceof Uint8Array && leaf.body.length === 0) builder.text('\r\n');
      return;
    }
    const boundary = boundaries[nextBoundary++] as string;
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

/**
 * {@link planMessage} for a body that is one part (text only, say: the usual small message),
 * without the tree walks: no boundary, no closure. The same segments, byte for byte.
 */
function planLeafMessage(headerText: string, body: LeafSpec, allow8Bit: boolean): Plan {
  const leaf = prepareLeaf(body, allow8Bit);
  const builder = new SegmentBuilder();
  builder.text(`${headerText}MIME-Version: 1.0\r\n${leaf.headerText}\r\n`);
  builder.body(leaf.body);
  // Base64 output ends with CRLF; an empty body gets one here.
  if (leaf.encoding === 'base64' && leaf.body instanceof Uint8Array && leaf.body.length === 0) {
    builder.text('\r\n');
  }
  builder.finish();
  return {
    segments: builder.segments,
    size: builder.size,
    needs8BitMime: leaf.encoding === '8bit',
  };
}

function collides(identities: readonly (string | Uint8Array)[], boundary: string): boolean {
  for (const content of identities) if (containsBoundary(content, boundary)) return true;
  return false;
}

/**
 * Gathers text into string segments between bodies and counts the size. Text stays a string
 * until it is written: into the one output array of a message known in advance, or encoded
 * when the stream reaches it.
 */
class SegmentBuilder {
  readonly segments: Segment[] = [];
  size: number | undefined = 0;
  pendingCrlf = false;
  #text = '';
  #octets = 0;

  text(text: string): void {
    this.#text += text;
    this.#octets += utf8Length(text);
  }

  takeCrlf(): string {
    const crlf = this.pendingCrlf ? '\r\n' : '';
    this.pendingCrlf = false;
    return crlf;
  }

  /**
   * A body: encoded bytes, ASCII text (its own segment, so that it is written into the output
   * as it is rather than first joined to the header text), or a streamed part.
   */
  body(body: string | Uint8Array | StreamedSegment): void {
    this.#flush();
    if (typeof body === 'string') {
      // ASCII (a 7bit string body): one octet per character.
      if (body.length > 0) this.segments.push(body);
      if (this.size !== undefined) this.size += body.length;
    } else if (body instanceof Uint8Array) {
      if (body.length > 0) this.segments.push(body);
      if (this.size !== undefined) this.size += body.length;
    } else {
      this.segments.push(body);
      this.size = undefined;
    }
  }

  #flush(): void {
    if (this.#text === '') return;
    this.segments.push(this.#text);
    if (this.size !== undefined) this.size += this.#octets;
    this.#text = '';
    this.#octets = 0;
  }

  finish(): void {
    this.#flush();
  }
}

function prepareLeaf(part: LeafSpec, allow8Bit: boolean): PreparedLeaf {
  const { mediaType } = part.contentType;
  const text = isTextType(mediaType);
  let body: string | Uint8Array | StreamedSegment;
  let encoding: TransferEncoding;
  if (part.content.kind === 'text' || part.content.kind === 'bytes') {
    const known = prepareKnown(
      part.content,
      text || part.encoding === '7bit' || part.encoding === '8bit',
    );
    encoding = chooseTransferEncoding({ scan: known.scan, text, allow8Bit, forced: part.encoding });
    if (encoding === '7bit' || encoding === '8bit') {
      body = known.data;
    } else {
      const bytes = typeof known.data === 'string' ? utf8(known.data) : known.data;
      body =
        encoding === 'base64'
          ? encodeBase64Lines(bytes)
          : encodeQuotedPrintable(bytes, { binary: !text });
    }
  } else {
    encoding = chooseTransferEncoding({ text, allow8Bit, forced: part.encoding });
    body = {
      content: part.content,
      encoding: encoding as 'quoted-printable' | 'base64',
      binary: !text,
    };
  }
  const identity = encoding === '7bit' || encoding === '8bit';
  return { headerText: partHeaderText(part, text, encoding), body, identity, encoding };
}

// The header text of a body part (text or HTML with a type and no parameters, no filename,
// disposition, Content-ID or custom header) depends only on its type and encoding. Remembered
// per content type object: those of body parts come from `parseContentType`, which hands out
// the same frozen object for the same string, so a program writes the same few every time.
const bodyHeaderTexts = new WeakMap<object, Partial<Record<TransferEncoding, string>>>();

function partHeaderText(part: LeafSpec, text: boolean, encoding: TransferEncoding): string {
  const plain =
    part.filename === undefined &&
    part.disposition === undefined &&
    part.contentId === undefined &&
    part.headers.length === 0;
  if (!plain) return leafHeaderText(part, text, encoding);
  let known = bodyHeaderTexts.get(part.contentType);
  const headerText = known?.[encoding];
  if (headerText !== undefined) return headerText;
  const written = leafHeaderText(part, text, encoding);
  if (Object.keys(part.contentType.params).length === 0) {
    if (known === undefined) {
      known = {};
      bodyHeaderTexts.set(part.contentType, known);
    }
    known[encoding] = written;
  }
  return written;
}

function leafHeaderText(part: LeafSpec, text: boolean, encoding: TransferEncoding): string {
  const { mediaType } = part.contentType;
  const params: Record<string, string> = { ...part.contentType.params };
  if (text && params.charset === undefined) params.charset = 'utf-8';
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
  return headerText;
}

/**
 * Content known in advance, line breaks made CRLF when `normalize` (text, or a forced
 * 7bit/8bit) and then scanned. A string stays a string when it is ASCII (its characters are its
 * octets); otherwise it becomes its UTF-8 bytes. Without `normalize` nothing is scanned: the
 * part goes as base64 or the encoding the caller forced.
 */
function prepareKnown(
  content: Extract<Content, { kind: 'text' | 'bytes' }>,
  normalize: boolean,
): { readonly data: string | Uint8Array; readonly scan: ContentScan | undefined } {
  if (content.kind === 'text') {
    if (!normalize) return { data: content.text, scan: undefined };
    const data = normalizeLineBreaksText(content.text);
    const scan = scanLineFeedText(content.text) ?? scanAsciiText(data);
    if (scan !== undefined) return { data, scan };
    const bytes = utf8(data);
    return { data: bytes, scan: scanContent(bytes) };
  }
  if (!normalize) return { data: content.bytes, scan: undefined };
  const bytes = normalizeLineBreaks(content.bytes);
  return { data: bytes, scan: scanContent(bytes) };
}

const textEncoder = new TextEncoder();

/**
 * The whole message in one array of its exact size; only for a plan whose `size` is known
 * (every part known in advance). Text is encoded straight into the array, bodies copied once.
 */
export function planBytes(plan: Plan): Uint8Array {
  const out = new Uint8Array(plan.size as number);
  let offset = 0;
  for (const segment of plan.segments) {
    if (typeof segment === 'string') {
      // No view to make for the first segment (the headers), which starts the array.
      offset += textEncoder.encodeInto(segment, offset === 0 ? out : out.subarray(offset)).written;
    } else {
      // A plan with a size holds no streamed segment.
      const bytes = segment as Uint8Array;
      out.set(bytes, offset);
      offset += bytes.length;
    }
  }
  return out;
}

/**
 * Streams a plan. A message known in advance of at most {@link SINGLE_CHUNK_SIZE} octets is one
 * chunk, written when it is first pulled; anything else goes through {@link streamSegments}.
 */
export function streamPlan(plan: Plan): AsyncIterable<Uint8Array> {
  if (plan.size !== undefined && plan.size <= SINGLE_CHUNK_SIZE) return new SingleChunk(plan);
  return streamSegments(plan);
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** An async iterable (and its own iterator, like a generator) of one chunk: the whole plan. */
class SingleChunk implements AsyncIterableIterator<Uint8Array> {
  #plan: Plan | undefined;

  constructor(plan: Plan) {
    this.#plan = plan;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array, undefined>> {
    const plan = this.#plan;
    if (plan === undefined) return Promise.resolve(DONE);
    this.#plan = undefined;
    return Promise.resolve({ done: false, value: planBytes(plan) });
  }

  return(): Promise<IteratorResult<Uint8Array, undefined>> {
    this.#plan = undefined;
    return Promise.resolve(DONE);
  }
}

/**
 * Streams a plan piece by piece: bytes as they are (small pieces gathered), text encoded when
 * reached, streamed parts read one source chunk per pull and encoded. Early `return()` closes
 * the source being read (its `finally` runs: a file handle is closed, a ReadableStream
 * cancelled).
 *
 * A consumer that calls `next(true)` declares that it holds none of the chunks it was given
 * (a socket writer whose buffer is empty): a streamed base64 part may then be encoded into the
 * memory of a chunk it yielded before, instead of a new array per chunk. `for await` passes
 * nothing, so a consumer that keeps its chunks (`toBytes()` gathers them) always gets new ones.
 *
 * @throws ContentError `SMTP_MIME_CONTENT_READ` when a source fails (the cause holds why).
 */
export async function* streamSegments(plan: Plan): AsyncGenerator<Uint8Array, void, unknown> {
  let gathered: Uint8Array[] = [];
  let gatheredSize = 0;
  const take = (): Uint8Array => {
    const out =
      gathered.length === 1 ? (gathered[0] as Uint8Array) : concatBytes(gathered, gatheredSize);
    gathered = [];
    gatheredSize = 0;
    return out;
  };
  // The consumer holds none of the chunks it was given (it said so with `next(true)`), so the
  // base64 encoder may write its next output into the memory of its last one. Set before each
  // output written there, as that output is then held until the consumer says otherwise.
  let released = true;
  for (const segment of plan.segments) {
    if (typeof segment === 'string' || segment instanceof Uint8Array) {
      const bytes = typeof segment === 'string' ? utf8(segment) : segment;
      if (bytes.length >= GATHER_SIZE) {
        if (gatheredSize > 0 && (yield take()) === true) released = true;
        if ((yield bytes) === true) released = true;
      } else {
        gathered.push(bytes);
        gatheredSize += bytes.length;
        if (gatheredSize >= GATHER_SIZE && (yield take()) === true) released = true;
      }
      continue;
    }
    const base64 = segment.encoding === 'base64' ? createReusableBase64Encoder() : undefined;
    const encoder = base64 ?? createQuotedPrintableEncoder({ binary: segment.binary });
    let produced = 0;
    try {
      const chunks =
        segment.content.kind === 'file'
          ? (await import('./file-content.ts')).readFileChunks(segment.content.path)
          : segment.content.source.chunks();
      for await (const chunk of chunks) {
        const bytes = chunkBytes(chunk);
        // Only an output passed on at once may go into reused memory: a small one waits in
        // `gathered`, where the next push would overwrite it.
        const reuse =
          base64 !== undefined && released && base64.pushSize(bytes.length) >= GATHER_SIZE;
        const encoded =
          reuse && base64 !== undefined ? base64.pushReusing(bytes, true) : encoder.push(bytes);
        if (encoded.length === 0) continue;
        produced += encoded.length;
        if (encoded.length >= GATHER_SIZE) {
          if (gatheredSize > 0 && (yield take()) === true) released = true;
          if (reuse) released = false;
          if ((yield encoded) === true) released = true;
        } else {
          gathered.push(encoded);
          gatheredSize += encoded.length;
          if (gatheredSize >= GATHER_SIZE && (yield take()) === true) released = true;
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
