/**
 * The ```ts blocks of the package READMEs, sorted by what runs them: a `module` is imported as
 * it is; a `test file` (first line `// test file (vitest): name.test.ts` or `(jest)`) is written
 * under its name and run by that test runner; `// not run` blocks are left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Runner = 'vitest' | 'jest';

export type ReadmeBlock =
  | {
      readonly kind: 'module';
      readonly name: string;
      readonly index: number;
      readonly code: string;
    }
  | {
      readonly kind: 'test file';
      readonly name: string;
      readonly index: number;
      readonly code: string;
      readonly runner: Runner;
      readonly fileName: string;
    };

const TEST_FILE_LINE = /^\/\/ test file \((vitest|jest)\): ([\w.-]+\.test\.m?[jt]s)\n/;

function readme(packagesDir: string, name: string): string | undefined {
  try {
    return readFileSync(join(packagesDir, name, 'README.md'), 'utf8');
  } catch {
    return undefined;
  }
}

/** The packages (folder names) that have a README. */
export function packagesWithReadme(packagesDir: string): string[] {
  return readdirSync(packagesDir).filter((name) => readme(packagesDir, name) !== undefined);
}

/** Every runnable block of every package README, in README order. */
export function readmeBlocks(packagesDir: string): ReadmeBlock[] {
  return packagesWithReadme(packagesDir).flatMap((name) => {
    const text = readme(packagesDir, name) ?? '';
    const blocks = [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
    return blocks.flatMap((code, index): ReadmeBlock[] => {
      if (code.startsWith('// not run')) return [];
      const testFile = TEST_FILE_LINE.exec(code);
      if (testFile === null) return [{ kind: 'module', name, index, code }];
      const [, runner, fileName] = testFile;
      return [
        {
          kind: 'test file',
          name,
          index,
          code,
          runner: runner as Runner,
          fileName: fileName ?? '',
        },
      ];
    });
  });
}
