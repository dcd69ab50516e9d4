/**
 * vitest global set-up: one real redis-server for the package's tests (nothing mocks Redis),
 * found on the PATH or installed by test-servers' `ensureRedisServer` (apt-get, as root on a
 * Debian-like machine; else one line saying what to install), started on 127.0.0.1 with
 * persistence off in a temporary directory, and stopped when the run ends. Tests reach it with
 * `inject('redisUrl')` and keep apart by queue name.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureRedisServer, startRedis } from 'test-servers';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The worker processes of the crash test run the built package, as a user's would.
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  await ensureRedisServer({ log: (line) => console.log(line) });
  const redis = await startRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.close();
}
