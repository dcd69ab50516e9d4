#!/usr/bin/env node
/**
 * Adds up the `test-results.json` files every package's test run leaves (vitest's json reporter,
 * see vitest.shared.ts) and prints one closing line for the whole workspace:
 * `Tests: N passed, N failed` (and skipped, when any). Exits 1 when a package that has tests left
 * no results, so a runner that silently ran nothing cannot pass.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dirs = ['packages', 'tools']
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
  .filter((dir) => existsSync(join(dir, 'package.json')));

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const dir of dirs) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!manifest.scripts?.test) continue;
  const file = join(dir, 'test-results.json');
  if (!existsSync(file)) {
    missing.push(manifest.name);
    continue;
  }
  const results = JSON.parse(readFileSync(file, 'utf8'));
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  skipped += results.numPendingTests + results.numTodoTests;
}

if (missing.length > 0) console.error(`no test results from: ${missing.join(', ')}`);
console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0;
