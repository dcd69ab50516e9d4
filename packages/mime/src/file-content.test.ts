import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FILE_CHUNK_SIZE, readFileChunks } from './file-content.ts';
import { Message } from './message.ts';

const handles: { closed: boolean }[] = [];
vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...original,
    open: async (...args: Parameters<typeof original.open>) => {
      const handle: FileHandle = await original.open(...args);
      const record = { closed: false };
      handles.push(record);
      const close = handle.close.bind(handle);
      handle.close = async () => {
        record.closed = true;
        await close();
      };
      return handle;
    },
  };
});

const dir = mkdtempSync(join(tmpdir(), 'smtp-mime-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readFileChunks', () => {
  it('reads the file in chunks, lazily, and closes it at the end', async () => {
    const path = join(dir, 'a.bin');
    writeFileSync(path, new Uint8Array(FILE_CHUNK_SIZE + 10).fill(1));
    const chunks = readFileChunks(path);
    const before = handles.length;
    expect(handles.length).toBe(before); // nothing opened yet
    const sizes: number[] = [];
    for await (const chunk of chunks) sizes.push(chunk.length);
    expect(sizes).toEqual([FILE_CHUNK_SIZE, 10]);
    expect(handles.at(-1)?.closed).toBe(true);
  });

  it('closes the file when a message stream is abandoned early', async () => {
    const path = join(dir, 'big.bin');
    writeFileSync(path, new Uint8Array(FILE_CHUNK_SIZE * 20));
    const message = new Message({
      from: 'a@example.com',
      to: 'b@example.org',
      attachments: [{ path }],
    });
    const before = handles.length;
    let seen = 0;
    for await (const _chunk of message.stream()) if (++seen === 2) break;
    expect(handles.length).toBe(before + 1);
    expect(handles.at(-1)?.closed).toBe(true);
  });
});
