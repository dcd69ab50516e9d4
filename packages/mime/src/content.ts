/**
 * Where the bytes of a body or an attachment come from, and how they are read.
 *
 * Accepted sources:
 * - a `string` (written as UTF-8) or a `Uint8Array` (a Node `Buffer` is one; not copied, so do
 *   not change it before the message is sent): known in advance, so the envelope can report
 *   the exact size and whether 8BITMIME is needed;
 * - an async iterable of `Uint8Array` or `string` chunks: a Node `Readable` (not in object mode
 *   with other values), an async generator, a web `ReadableStream` (iterated, or read through
 *   `getReader()` where it is not async-iterable);
 * - `{ path }`: a file, opened only when serialisation reaches it (Node only; see
 *   `file-content.ts`).
 *
 * Streams are pulled one chunk at a time, only when the consumer of `Message.stream()` asks for
 * more: the consumer's pace is the source's pace (backpressure), and nothing is read ahead. A
 * stream can be consumed once; serialising its message a second time is a
 * `SMTP_MIME_CONTENT_READ` error. A file path can be read any number of times.
 */

import { ContentError, InvalidMessageError } from './errors.ts';

/** The minimal shape of a web `ReadableStream` this package reads (without the DOM types). */
export interface ReadableStreamLike {
  getReader(): {
    read(): Promise<{ done: boolean; value?: unknown }>;
    cancel(reason?: unknown): Promise<void>;
    releaseLock(): void;
  };
}

/** A source of content; see the module docs. */
export type ContentSource =
  | string
  | Uint8Array
  | AsyncIterable<Uint8Array | string>
  | ReadableStreamLike
  | { readonly path: string };

/**
 * Internal: a source sorted into what the serialiser needs to know. A string stays a string
 * (`text`) until the serialiser has normalised and scanned it: ASCII text that goes as 7bit is
 * then written straight into the output, never held as a second copy in bytes.
 */
export type Content =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'stream'; readonly source: StreamSource }
  | { readonly kind: 'file'; readonly path: string };

/** Internal: a one-shot stream, remembered as consumed once serialisation starts reading it. */
export class StreamSource {
  readonly #source: AsyncIterable<unknown> | ReadableStreamLike;
  #consumed = false;

  constructor(source: AsyncIterable<unknown> | ReadableStreamLike) {
    this.#source = source;
  }

  /**
   * The chunks as `Uint8Array`s, pulled one at a time.
   *
   * @throws ContentError `SMTP_MIME_CONTENT_READ` when read a second time.
   */
  chunks(): AsyncIterable<unknown> {
    if (this.#consumed) {
      throw new ContentError(
        'SMTP_MIME_CONTENT_READ',
        'A stream source can be read once, and this one was already read by an earlier serialisation; pass a file path or bytes to send a message more than once',
      );
    }
    this.#consumed = true;
    const source = this.#source;
    return Symbol.asyncIterator in source ? source : readerChunks(source);
  }
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string (a lone surrogate is written as U+FFFD). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Length in octets of {@link utf8}`(text)`; a lone surrogate counts 3 (U+FFFD). */
export function utf8Length(text: string): number {
  let octets = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) octets += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A surrogate pair: two UTF-16 units, four octets.
        octets += 2;
        i++;
      } else octets += 2;
    } else octets += 2;
  }
  return octets;
}

/**
 * Sorts a caller's source into a {@link Content}.
 *
 * @param what Names the value in error messages, e.g. `"attachment content"`.
 * @throws InvalidMessageError `SMTP_MIME_INVALID_OPTION` for anything else.
 */
export function toContent(source: unknown, what: string): Content {
  if (typeof source === 'string') return { kind: 'text', text: source };
  if (source instanceof Uint8Array) return { kind: 'bytes', bytes: source };
  if (source instanceof ArrayBuffer) {
    return { kind: 'bytes', bytes: new Uint8Array(source) };
  }
  if (typeof source === 'object' && source !== null) {
    if (Symbol.asyncIterator in source) {
      return { kind: 'stream', source: new StreamSource(source as AsyncIterable<unknown>) };
    }
    if (typeof (source as Partial<ReadableStreamLike>).getReader === 'function') {
      return { kind: 'stream', source: new StreamSource(source as ReadableStreamLike) };
    }
    const path = (source as { path?: unknown }).path;
    if (typeof path === 'string' && path !== '') return { kind: 'file', path };
  }
  throw new InvalidMessageError(
    'SMTP_MIME_INVALID_OPTION',
    `The ${what} must be a string, a Uint8Array, an async iterable of chunks, a ReadableStream or { path }`,
  );
}

/**
 * A chunk from a stream source as bytes.
 *
 * @throws ContentError `SMTP_MIME_CONTENT_READ` for a chunk that is neither bytes nor a string.
 */
export function chunkBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return utf8(chunk);
  throw new ContentError(
    'SMTP_MIME_CONTENT_READ',
    `A content stream yielded a ${chunk === null ? 'null' : typeof chunk}, not a Uint8Array or a string`,
  );
}

/** Reads a web ReadableStream through its reader; cancels it when the consumer stops early. */
async function* readerChunks(stream: ReadableStreamLike): AsyncGenerator<unknown, void, undefined> {
  const reader = stream.getReader();
  let done = false;
  try {
    while (true) {
      const result = await reader.read();
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
