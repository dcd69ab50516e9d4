/**
 * Content read from a file path: the one Node-only piece of `@smtp/mime`, and so the one file
 * that imports `node:fs`. It is loaded with a dynamic `import()` only when a message that has a
 * file attachment is serialised, so the rest of the package runs in any JavaScript runtime.
 *
 * The file is opened only when serialisation reaches it (not when it is attached), read one
 * chunk per pull (so the consumer's pace is the reader's pace: backpressure), and closed when
 * the read ends, fails, or the consumer stops early (`return()` on the iterator).
 */

import { open } from 'node:fs/promises';
import { ContentError } from './errors.ts';

/** Bytes read per pull. */
export const FILE_CHUNK_SIZE = 64 * 1024;

/**
 * Reads a file lazily, one chunk per pull. The chunks are views of one buffer that the next
 * pull reads into: each is valid until then. The serialiser encodes every chunk before it pulls
 * the next (the encoders keep no reference to their input), so a file of any size costs one
 * 64 KiB buffer rather than a fresh one per chunk.
 *
 * @throws ContentError `SMTP_MIME_CONTENT_READ` (from the iterator) when the file cannot be
 *   opened or read; the cause holds the file-system error.
 */
export async function* readFileChunks(path: string): AsyncGenerator<Uint8Array, void, undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new ContentError('SMTP_MIME_CONTENT_READ', `Cannot open attachment file ${path}`, {
      cause: error,
    });
  }
  try {
    const buffer = new Uint8Array(FILE_CHUNK_SIZE);
    while (true) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, FILE_CHUNK_SIZE, null));
      } catch (error) {
        throw new ContentError('SMTP_MIME_CONTENT_READ', `Cannot read attachment file ${path}`, {
          cause: error,
        });
      }
      if (bytesRead === 0) return;
      yield bytesRead === FILE_CHUNK_SIZE ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
