import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

export default mergeConfig(
  sharedTestConfig,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      // The build first: the set-up after it runs test-servers' built code.
      globalSetup: ['src/testing/build.ts', 'src/testing/chromium-setup.ts'],
      testTimeout: 30_000,
    },
  }),
);
