import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

export default mergeConfig(
  sharedTestConfig,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      coverage: {
        provider: 'v8',
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts', 'src/testing/**', 'src/__fixtures__/**', 'src/**/*.d.ts'],
        // Measured at 96.6 % lines and 93.8 % branches; the floor keeps it from sliding.
        thresholds: { lines: 96, statements: 95, branches: 93, functions: 95 },
      },
    },
  }),
);
