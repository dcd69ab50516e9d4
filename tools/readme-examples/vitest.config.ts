import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

// An example imports a whole package graph on first use: on a loaded CI machine that alone can
// take seconds, so these get more than vitest's 5 s default; a README test file starts a whole
// test runner in a child process, so those get two minutes. Only this folder's own test files
// are collected, never the README test files written under `.test-files/`.
export default mergeConfig(
  sharedTestConfig,
  defineConfig({ test: { include: ['*.test.ts'], testTimeout: 30_000 } }),
);
