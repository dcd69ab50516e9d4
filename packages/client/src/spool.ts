/**
 * A copy of content that can be read once (a raw async iterable, a `Message` with a stream part),
 * made while it is read for DKIM signing, so that it can be sent afterwards: the signature is
 * only known once the whole message was read, and it goes in front of the message.
 *
 * The first {@link SPOOL_MEMORY_LIMIT} octets are kept in memory; a larger message goes to a
 * temporary file instead: a folder made with `mkdtemp` under the OS temp folder (mode 0700), the
 * file in it created exclusively with mode 0600, so no other user can read the message. The
 * folder is removed by {@link Spool.dispose}, which the connection calls once the transaction is
 * over, however it ended (accepted, refused, aborted, failed to sign). A process killed in
 * between leaves it in the temp folder.
 */

import type { FileHandle } from 'node:fs/promises';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concat } from './bytes.ts';

/** Content up to this many octets is spooled in memory, a larger one to a temporary file. */
export const SPOOL_MEMORY_LIMIT = 1024 * 1024;

/** The prefix of the temporary folders, under `os.tmpdir()`. */
export const SPOOL_PREFIX = 'smtp-dkim-spool-';

/** Reads of the spool file: the size of the DATA encoder's and the socket's usual chunks. */
const READ_CHUNK = 64 * 1024;

/** What was spooled: in memory, or a file to read back with its size. */
export type Spooled =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | {
      readonly kind: 'file';
      readonly size: number;
      /** The file's content, read from the start each call. */
      readonly content: () => AsyncIterable<Uint8Array>;
    };

/** See the module docblock. */
export class Spool {
  #chunks: Uint8Array[] = [];
  #size = 0;
  #folder: string | undefined;
  #file: string | undefined;
  #writer: FileHandle | undefined;
  /** The write to the file in progress, for `dispose()` to wait for. */
  #pending: Promise<unknown> = Promise.resolve();
  #disposed = false;

  /** Octets written so far. */
  get size(): number {
    return this.#size;
  }

  /** The temporary folder, once the content went to a file (for tests and logs). */
  get folder(): string | undefined {
    return this.#folder;
  }

  /** Adds a chunk; copied when kept in memory (the source may reuse its buffer). */
  write(chunk: Uint8Array): Promise<void> {
    const done = this.#write(chunk);
    this.#pending = done.catch(() => undefined);
    return done;
  }

  async #write(chunk: Uint8Array): Promise<void> {
    if (this.#disposed) throw new Error('the spool was disposed');
    this.#size += chunk.byteLength;
    if (this.#writer === undefined && this.#size <= SPOOL_MEMORY_LIMIT) {
      // `new Uint8Array(chunk)` copies; a Buffer's `slice()` would not.
      this.#chunks.push(new Uint8Array(chunk));
      return;
    }
    if (this.#writer === undefined) {
      const writer = await this.#openFile();
      const held = this.#chunks;
      this.#chunks = [];
      for (const part of held) await writer.write(part);
    }
    await (this.#writer as FileHandle).write(chunk);
  }

  async #openFile(): Promise<FileHandle> {
    this.#folder = await mkdtemp(join(tmpdir(), SPOOL_PREFIX));
    this.#file = join(this.#folder, 'message');
    // `wx`: created here and now, never an existing file or a link someone placed.
    this.#writer = await open(this.#file, 'wx', 0o600);
    return this.#writer;
  }

  /** Ends the writing: what was spooled, to send. */
  async finish(): Promise<Spooled> {
    await this.#pending;
    const writer = this.#writer;
    if (writer === undefined) return { kind: 'bytes', bytes: concat(this.#chunks) };
    this.#writer = undefined;
    await writer.close();
    const file = this.#file as string;
    return { kind: 'file', size: this.#size, content: () => readFile(file) };
  }

  /** Drops what was spooled and removes the temporary folder. Idempotent; never throws. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#chunks = [];
    await this.#pending;
    const writer = this.#writer;
    this.#writer = undefined;
    await writer?.close().catch(() => undefined);
    const folder = this.#folder;
    if (folder !== undefined)
      await rm(folder, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The spool file in fresh chunks (the DATA encoder may hand a chunk on to the socket as it is). */
async function* readFile(path: string): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    for (;;) {
      const buffer = new Uint8Array(READ_CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, null);
      if (bytesRead === 0) return;
      yield bytesRead === READ_CHUNK ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
