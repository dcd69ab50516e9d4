/**
 * Flat memory: a 400 MB message, generated on the fly and never held, is signed in a child
 * process against the built package (`dist`, built by `pnpm run setup` before the tests), which
 * reports its resident set size sampled during the run.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./testing/memory-child.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface Report {
  readonly bytes: number;
  readonly growth: number;
  readonly ms: number;
  readonly mbPerSecond: number;
  readonly signed: boolean;
}

function run(megabytes: number, canonicalization: string): Promise<Report> {
  if (!existsSync(dist)) {
    throw new Error(`${dist} is missing: build the package first (pnpm run setup, or pnpm build).`);
  }
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', child, dist, String(megabytes), canonicalization],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as Report);
      },
    );
  });
}

describe('memory', () => {
  it('signs a 400 MB message with peak RSS growth well under 64 MB', async () => {
    const report = await run(400, 'relaxed/relaxed');
    // The figures, for the closing note: `vitest run src/memory.test.ts` prints them.
    console.log(
      `400 MB signed (relaxed/relaxed, ed25519): RSS growth ${(report.growth / 1024 / 1024).toFixed(1)} MB, ${report.ms} ms, ${report.mbPerSecond} MB/s`,
    );
    expect(report.signed).toBe(true);
    expect(report.bytes).toBe(400 * 1024 * 1024);
    expect(report.growth).toBeLessThan(48 * 1024 * 1024);
  }, 30_000);
});
