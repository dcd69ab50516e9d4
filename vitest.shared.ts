/**
 * The vitest settings every package shares. Besides the usual console output, each run writes
 * `test-results.json`, which `tools/test-summary` adds up into the one closing line of the
 * README's test command.
 */
import { defineConfig, mergeConfig } from 'vitest/config';

export const sharedTestConfig = defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});

/** Coverage floors, in per cent: a package's measured figures, so that they cannot slide. */
export interface CoverageThresholds {
  readonly lines: number;
  readonly statements: number;
  readonly branches: number;
  readonly functions: number;
}

/**
 * The config of a published package: tests beside the code in `src/`, V8 coverage of `src/`
 * (tests, test-only helpers, fixtures and declaration files left out) held to `thresholds`.
 */
export function packageTestConfig(thresholds: CoverageThresholds) {
  return mergeConfig(
    sharedTestConfig,
    defineConfig({
      test: {
        include: ['src/**/*.test.ts'],
        coverage: {
          provider: 'v8',
          include: ['src/**/*.ts'],
          exclude: ['src/**/*.test.ts', 'src/testing/**', 'src/__fixtures__/**', 'src/**/*.d.ts'],
          thresholds: { ...thresholds },
        },
      },
    }),
  );
}
