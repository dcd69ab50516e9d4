/**
 * vitest global setup: builds the CLI (`tsc -b`, incremental, a no-op when up to date) so the
 * tests run `dist/bin.js` as a user would, even when only `vitest run` was typed.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
