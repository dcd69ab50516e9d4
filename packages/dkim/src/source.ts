/**
 * Reading a {@link DkimSource} once, as chunks of bytes. Internal to the package.
 *
 * Text is encoded as UTF-8 in slices of at most 64 Ki characters, so a large string is never
 * encoded whole; a web stream is read through its reader, which is released (and the stream
 * cancelled) if signing stops early. Whatever the source throws becomes a `DkimError`
 * `SMTP_DKIM_SOURCE_READ` with the original as its cause.
 */

import { DkimError } from './errors.ts';
import type { DkimSource } from './signer-types.ts';

const TEXT_SLICE = 64 * 1024;

function wrongType(what: string): DkimError {
  return new DkimError(
    'SMTP_DKIM_INVALID_OPTION',
    `${what} must be a Uint8Array or a string (the source is bytes, text, an iterable or async iterable of those, or a ReadableStream of Uint8Array).`,
  );
}

function readFailed(error: unknown): DkimError {
  return new DkimError('SMTP_DKIM_SOURCE_READ', 'The message source failed while it was read.', {
    cause: error,
  });
}

/** UTF-8 of `text`, in slices that never split a surrogate pair. */
function* encodeText(text: string): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  for (let at = 0; at < text.length; ) {
    let end = Math.min(at + TEXT_SLICE, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    yield encoder.encode(text.slice(at, end));
    at = end;
  }
}

function* chunkBytes(chunk: unknown): Generator<Uint8Array> {
  if (chunk instanceof Uint8Array) yield chunk;
  else if (typeof chunk === 'string') yield* encodeText(chunk);
  else throw wrongType('A chunk of the source');
}

type SourceResult = { done?: boolean; value?: unknown };

interface StreamReader {
  read(): Promise<SourceResult>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

/** What the read loop pulls from: an iterator, sync or async, or a stream reader adapted. */
interface SourceIterator {
  next(): SourceResult | Promise<SourceResult>;
  return?(): unknown;
}

function isReadableStream(source: object): source is { getReader(): StreamReader } {
  return typeof (source as { getReader?: unknown }).getReader === 'function';
}

/**
 * The source's bytes, chunk by chunk. The chunks are the source's own arrays when it gives
 * bytes: use each before pulling the next.
 *
 * @throws DkimError `SMTP_DKIM_INVALID_OPTION` (a source or chunk of the wrong type) and
 *   `SMTP_DKIM_SOURCE_READ` (the source threw).
 */
export async function* readSource(source: DkimSource): AsyncGenerator<Uint8Array, void, undefined> {
  if (source instanceof Uint8Array || typeof source === 'string') {
    yield* chunkBytes(source);
    return;
  }
  if (typeof source !== 'object' || source === null) throw wrongType('The source');
  // One loop reads both: a web stream's reader, adapted to an iterator (reading is `next`,
  // cancelling is `return`) and its lock released at the end, or the source's own iterator.
  let iterator: SourceIterator;
  let release = (): void => undefined;
  if (isReadableStream(source)) {
    let reader: StreamReader;
    try {
      reader = source.getReader();
    } catch (error) {
      throw readFailed(error);
    }
    iterator = { next: () => reader.read(), return: () => reader.cancel() };
    release = () => reader.releaseLock();
  } else {
    const asyncIterable = (source as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator];
    const syncIterable = (source as Partial<Iterable<unknown>>)[Symbol.iterator];
    if (typeof asyncIterable !== 'function' && typeof syncIterable !== 'function') {
      throw wrongType('The source');
    }
    iterator =
      typeof asyncIterable === 'function'
        ? (asyncIterable.call(source) as AsyncIterator<unknown>)
        : (syncIterable?.call(source) as Iterator<unknown>);
  }
  let finished = false;
  try {
    while (true) {
      let result: SourceResult;
      try {
        result = await iterator.next();
      } catch (error) {
        finished = true;
        throw readFailed(error);
      }
      if (result.done === true) {
        finished = true;
        return;
      }
      yield* chunkBytes(result.value);
    }
  } finally {
    // Stopped early (a bad chunk, an oversized header section): let the source clean up.
    if (!finished) await Promise.resolve(iterator.return?.()).catch(() => undefined);
    release();
  }
}
