/**
 * The vitest settings every package shares. Besides the usual console output, each run writes
 * `test-results.json`, which `tools/test-summary` adds up into the one closing line of the
 * README's test command.
 */
import { defineConfig } from 'vitest/config';

export const sharedTestConfig = defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
