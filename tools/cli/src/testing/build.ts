/**
 * vitest global setup: builds the CLI and `test-servers` (`tsc -b`, incremental, a no-op when up
 * to date) so the tests run `dist/bin.js` as a user would, even when only `vitest run` was typed.
 * `test-servers` is only a devDependency now, so the CLI's own build no longer reaches it.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.json', '../../test-servers'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
