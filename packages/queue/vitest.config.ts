import { defineConfig, mergeConfig } from 'vitest/config';
// Floors as measured when the package was created (issue 13).
import { packageTestConfig } from '../../vitest.shared.ts';

export default mergeConfig(
  packageTestConfig({ lines: 94, statements: 94, branches: 86, functions: 90 }),
  defineConfig({
    test: {
      // A real redis-server for the whole run (test-servers' startRedis), found or installed
      // once by the set-up; its URL reaches the tests as SMTP_TEST_REDIS_URL.
      globalSetup: ['src/testing/redis-setup.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  }),
);
