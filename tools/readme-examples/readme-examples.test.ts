/**
 * Every ```ts block in a package README is a runnable example: it imports the package by its
 * public name (resolved to the built `dist` through the exports map, as a user would) and runs
 * here. A block whose first line is `// not run` is skipped, for fragments that need a server;
 * a `// test file (...)` block is a whole test file, run by `readme-test-files.test.ts`.
 *
 * A `console.log(...); // text` line promises what it prints: those texts must appear, in
 * order, among the printed lines (`...` in a comment marks an abbreviation and is not checked).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { packagesWithReadme, readmeBlocks } from './readme-blocks.ts';

const here = dirname(fileURLToPath(import.meta.url));
const packagesDir = join(here, '../../packages');
const scratch = join(here, '.examples');

const examples = readmeBlocks(packagesDir).filter((block) => block.kind === 'module');

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README examples', () => {
  it('finds an example in every package README', () => {
    const withExamples = new Set(readmeBlocks(packagesDir).map((block) => block.name));
    expect(withExamples).toEqual(new Set(packagesWithReadme(packagesDir)));
  });

  const cases = examples.map(
    (e) => [`packages/${e.name}/README.md example ${e.index}`, e] as const,
  );

  it.each(cases)('%s runs and prints what it promises', async (_title, { name, index, code }) => {
    mkdirSync(scratch, { recursive: true });
    const file = join(scratch, `${name}-${index}.ts`);
    writeFileSync(file, code);
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(format(...args));
    });
    try {
      await import(pathToFileURL(file).href);
    } finally {
      log.mockRestore();
    }
    expect(printed.length).toBeGreaterThan(0);
    const promised = [...code.matchAll(/console\.log\(.*\);? *\/\/ (.*)$/gm)]
      .map((m) => m[1] ?? '')
      .filter((text) => !text.includes('...'));
    let next = 0;
    for (const line of printed) if (line === promised[next]) next++;
    expect(promised.slice(next), `printed:\n${printed.join('\n')}`).toEqual([]);
  });
});
