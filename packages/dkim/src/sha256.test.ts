import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nodeSha256 } from './node-sha256.ts';
import { chooseSha256, portableSha256, resetSha256ForTests } from './sha256.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

afterEach(() => resetSha256ForTests());

describe('SHA-256', () => {
  it('gives the same digests from node:crypto and @noble/hashes, fed in pieces', () => {
    const data = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
    const expected = createHash('sha256').update(data).digest('hex');
    for (const make of [nodeSha256, portableSha256]) {
      const hash = make();
      hash.update(data.subarray(0, 7));
      hash.update(data.subarray(7, 70_000));
      hash.update(data.subarray(70_000));
      expect(hex(hash.digest())).toBe(expected);
    }
  });

  it("uses node:crypto on Node unless 'portable' is asked", async () => {
    expect((await chooseSha256('auto')).kind).toBe('node');
    expect((await chooseSha256('portable')).kind).toBe('portable');
  });

  it('uses the portable one outside Node, without loading the Node module', async () => {
    let loaded = false;
    const load = async () => {
      loaded = true;
      return { nodeSha256 };
    };
    expect((await chooseSha256('auto', load, false)).kind).toBe('portable');
    expect(loaded).toBe(false);
  });

  it('sees a runtime without process.versions.node as not Node', async () => {
    vi.stubGlobal('process', { versions: {} });
    const choice = chooseSha256('auto');
    vi.unstubAllGlobals();
    expect((await choice).kind).toBe('portable');
  });

  it('falls back to the portable one when node:crypto cannot be loaded', async () => {
    const failing = () => Promise.reject(new Error('no node:crypto here'));
    expect((await chooseSha256('auto', failing, true)).kind).toBe('portable');
  });
});
