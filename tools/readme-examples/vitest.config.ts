import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

// An example imports a whole package graph on first use: on a loaded CI machine that alone can
// take seconds, so these get more than vitest's 5 s default.
export default mergeConfig(sharedTestConfig, defineConfig({ test: { testTimeout: 30_000 } }));
