/**
 * The README blocks that are whole test files (`// test file (vitest): name.test.ts`, or
 * `(jest)`) run here, each by its own test runner in a child process, from a folder inside this
 * package so that they import the packages by their public names, as a user's tests would.
 * Jest runs the ES module as Jest 30 does without a transform (`--experimental-vm-modules`).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type Runner, readmeBlocks } from './readme-blocks.ts';

const here = dirname(fileURLToPath(import.meta.url));
const scratch = join(here, '.test-files');
const require = createRequire(import.meta.url);

const testFiles = readmeBlocks(join(here, '../../packages')).flatMap((block) =>
  block.kind === 'test file' ? [block] : [],
);

/** A file inside an installed package, found through its package.json (bins are not exported). */
const packageFile = (name: string, path: string): string =>
  join(dirname(require.resolve(`${name}/package.json`)), path);

interface RunResult {
  readonly exitCode: number;
  readonly output: string;
}

/** Runs the one test file in `folder` with `runner`; resolves with its exit code and output. */
function runTestFile(runner: Runner, folder: string): Promise<RunResult> {
  const args =
    runner === 'vitest'
      ? [packageFile('vitest', 'vitest.mjs'), 'run', '--root', folder]
      : [
          '--experimental-vm-modules',
          packageFile('jest', 'bin/jest.js'),
          '--ci',
          '--rootDir',
          folder,
          '--config',
          JSON.stringify({ testEnvironment: 'node', transform: {} }),
        ];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd: folder, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ exitCode, output: `${stdout}${stderr}` });
      },
    );
  });
}

function writeTestFile(folderName: string, fileName: string, code: string): string {
  const folder = join(scratch, folderName);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, fileName), code);
  return folder;
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README test files', () => {
  it('finds the vitest and the Jest example of @smtp/test-server', () => {
    expect(
      testFiles.filter((block) => block.name === 'test-server').map((block) => block.runner),
    ).toEqual(['vitest', 'jest']);
  });

  it.each(testFiles.map((block) => [`packages/${block.name}/README.md ${block.fileName}`, block]))(
    '%s passes under its runner',
    { timeout: 120_000 },
    async (_title, block) => {
      const folder = writeTestFile(`${block.name}-${block.index}`, block.fileName, block.code);
      const result = await runTestFile(block.runner, folder);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.output).toMatch(/Tests:?\s+\d+ passed/);
      expect(result.output).not.toMatch(/\d+ failed/);
    },
  );

  // The harness itself: a failing test file must fail the run, under each runner.
  it.each([
    [
      'vitest',
      'fails.test.ts',
      "import { it } from 'vitest';\nit('fails', () => { throw new Error('no'); });\n",
    ],
    ['jest', 'fails.test.mjs', "test('fails', () => { throw new Error('no'); });\n"],
  ] as const)(
    'a failing %s test file fails the run',
    { timeout: 120_000 },
    async (runner, fileName, code) => {
      const folder = writeTestFile(`failing-${runner}`, fileName, code);
      const result = await runTestFile(runner, folder);
      expect(result.exitCode).not.toBe(0);
      expect(result.output).toMatch(/1 failed/);
    },
  );
});
