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
        thresholds: { lines: 100, statements: 99.5, branches: 99, functions: 99 },
      },
    },
  }),
);
