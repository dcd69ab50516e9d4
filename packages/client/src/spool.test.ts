/**
 * The spool: memory up to the limit, a private temporary file beyond it, the same bytes read
 * back (as often as asked), and nothing left behind after `dispose()`.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPOOL_MEMORY_LIMIT, SPOOL_PREFIX, Spool } from './spool.ts';

// A temp folder of this file's own (each test file runs in its own worker and environment).
const originalTmp = process.env.TMPDIR;
const root = mkdtempSync(join(tmpdir(), 'smtp-spool-test-'));
beforeAll(() => {
  process.env.TMPDIR = root;
});
afterAll(() => {
  if (originalTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = originalTmp;
  rmSync(root, { recursive: true, force: true });
});

const folders = () => readdirSync(root).filter((name) => name.startsWith(SPOOL_PREFIX));

async function readAll(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

const pattern = (octets: number, seed: number) =>
  Buffer.from(Array.from({ length: octets }, (_, i) => (i * 31 + seed) % 256));

describe('Spool', () => {
  it('keeps content up to the limit in memory, copied (the source may reuse its buffer)', async () => {
    const spool = new Spool();
    const buffer = pattern(1000, 1);
    await spool.write(buffer);
    await spool.write(pattern(SPOOL_MEMORY_LIMIT - 1000, 2));
    buffer.fill(0);
    const spooled = await spool.finish();
    expect(folders()).toEqual([]);
    expect(spooled.kind).toBe('bytes');
    if (spooled.kind !== 'bytes') return;
    expect(spooled.bytes.length).toBe(SPOOL_MEMORY_LIMIT);
    expect(Buffer.from(spooled.bytes.subarray(0, 1000)).equals(pattern(1000, 1))).toBe(true);
    await spool.dispose();
  });

  it('moves to a 0600 file in a private folder past the limit; reads it back; dispose removes it', async () => {
    const spool = new Spool();
    const parts = [pattern(600_000, 3), pattern(600_000, 4), pattern(70_000, 5)];
    for (const part of parts) await spool.write(part);
    expect(spool.size).toBe(1_270_000);
    const folder = spool.folder as string;
    expect(folders()).toEqual([folder.slice(root.length + 1)]);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    const [file] = readdirSync(folder);
    expect(statSync(join(folder, file as string)).mode & 0o777).toBe(0o600);
    const spooled = await spool.finish();
    expect(spooled.kind).toBe('file');
    if (spooled.kind !== 'file') return;
    expect(spooled.size).toBe(1_270_000);
    const expected = Buffer.concat(parts);
    // Read back in fresh chunks, as many times as asked.
    expect((await readAll(spooled.content())).equals(expected)).toBe(true);
    expect((await readAll(spooled.content())).equals(expected)).toBe(true);
    await spool.dispose();
    expect(folders()).toEqual([]);
    await spool.dispose();
  });

  it('dispose before finish closes and removes the file; a later write is refused', async () => {
    const spool = new Spool();
    await spool.write(pattern(SPOOL_MEMORY_LIMIT + 1, 6));
    expect(folders()).toHaveLength(1);
    await spool.dispose();
    expect(folders()).toEqual([]);
    await expect(spool.write(pattern(10, 7))).rejects.toThrow('the spool was disposed');
  });

  it('dispose waits for a write in progress', async () => {
    const spool = new Spool();
    const writing = spool.write(pattern(2 * SPOOL_MEMORY_LIMIT, 8));
    await spool.dispose();
    await writing.catch(() => undefined);
    expect(folders()).toEqual([]);
  });
});
