#!/usr/bin/env node
/**
 * Checks the layer rules of docs/architecture.md on every run of CI, so they hold by construction
 * rather than by convention:
 *
 * 1. `@smtp/protocol`, `@smtp/url` and `@smtp/mime` are leaves: no other `@smtp` package; protocol
 *    also has no `node:` or `buffer` import (its tsconfig has `types: []` as the compiler's check).
 * 2. Every `@smtp/*` import outside tests names a declared dependency, and never a path inside it
 *    (`@smtp/x/src/...`): packages meet only through the entries their `exports` map names.
 * 3. Only tests import `test-servers`, and a published package (not `private`) depends on no
 *    private workspace package: what it needs at run time must be on the registry too.
 * 4. No circular imports, neither between files of a package nor between packages.
 * 5. Each package's tsconfig `references` mirror its workspace dependencies exactly.
 *
 * It reads import specifiers with a regular expression, which is enough for our own sources: they
 * are formatted by Biome and only ever use static `import`/`export ... from` and `import()`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The tree to check: the repository by default, or a folder given as the first argument (tests).
const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '../..'));
const LEAVES = new Set(['@smtp/protocol', '@smtp/url', '@smtp/mime', '@smtp/dkim']);
const PURE = new Set(['@smtp/protocol']);

const importPattern =
  /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function readJson(path) {
  // tsconfig files may hold comments; strip full-line ones before parsing.
  return JSON.parse(readFileSync(path, 'utf8').replace(/^\s*\/\/.*$/gm, ''));
}

function workspacePackages() {
  const dirs = ['packages', 'tools'].flatMap((group) =>
    existsSync(join(root, group))
      ? readdirSync(join(root, group)).map((name) => join(root, group, name))
      : [],
  );
  dirs.push(join(root, 'test-servers'));
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: readJson(join(dir, 'package.json')) }));
}

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const isTestFile = (path) => /\.test\.ts$|\/testing\/|\/__fixtures__\//.test(path);

function importsOf(path) {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(importPattern)].map((m) => m[1] ?? m[2]);
}

function findCycle(graph) {
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    state.set(node, 'active');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'active') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const cycle = visit(node);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

const problems = [];
const packages = workspacePackages();
// A package's public entries: `.` and the other subpaths its `exports` map names (`./vitest`).
const exportedSubpaths = new Map(
  packages.map(({ manifest }) => [manifest.name, new Set(Object.keys(manifest.exports ?? {}))]),
);
const packageGraph = new Map();
const privateNames = new Set(
  packages.filter((p) => p.manifest.private).map((p) => p.manifest.name),
);

for (const { dir, manifest } of packages) {
  const name = manifest.name;
  const declared = new Set(
    Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).filter((d) =>
      d.startsWith('@smtp/'),
    ),
  );
  const declaredForTests = new Set([
    ...declared,
    ...Object.keys(manifest.devDependencies ?? {}).filter((d) => d.startsWith('@smtp/')),
  ]);
  packageGraph.set(name, [...declared]);
  if (!manifest.private) {
    const runtime = { ...manifest.dependencies, ...manifest.peerDependencies };
    for (const dep of Object.keys(runtime).filter((d) => privateNames.has(d))) {
      problems.push(`${name}: is published but depends on '${dep}', which is private`);
    }
  }
  const fileGraph = new Map();

  for (const file of sourceFiles(join(dir, 'src'))) {
    const where = relative(root, file);
    const test = isTestFile(file);
    const local = [];
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) {
        local.push(resolve(dirname(file), spec));
        continue;
      }
      if (!test && PURE.has(name) && (spec.startsWith('node:') || spec === 'buffer')) {
        problems.push(`${where}: ${name} must stay pure, but imports '${spec}'`);
      }
      if (spec === 'test-servers' || spec.startsWith('test-servers/')) {
        if (!test) {
          problems.push(`${where}: only tests may import '${spec}'`);
        }
        continue;
      }
      if (!spec.startsWith('@smtp/')) continue;
      const target = spec.split('/').slice(0, 2).join('/');
      if (spec !== target && !exportedSubpaths.get(target)?.has(`.${spec.slice(target.length)}`)) {
        problems.push(
          `${where}: deep import '${spec}'; use '${target}' or an entry its exports name`,
        );
      }
      if (LEAVES.has(name) && target !== name) {
        problems.push(`${where}: ${name} is a leaf and may not import '${target}'`);
      } else if (!(test ? declaredForTests : declared).has(target)) {
        problems.push(`${where}: imports '${target}', which package.json does not declare`);
      }
    }
    fileGraph.set(file, local);
  }

  const cycle = findCycle(fileGraph);
  if (cycle) {
    problems.push(`${name}: circular imports: ${cycle.map((f) => relative(root, f)).join(' -> ')}`);
  }

  const tsconfigPath = join(dir, 'tsconfig.json');
  if (existsSync(tsconfigPath)) {
    const byDir = new Map(packages.map((p) => [p.dir, p.manifest.name]));
    const referenced = (readJson(tsconfigPath).references ?? []).map((ref) => {
      const target = resolve(dir, ref.path);
      return byDir.get(target.endsWith('.json') ? dirname(target) : target) ?? ref.path;
    });
    // Every workspace package the runtime code depends on, `@smtp/*` or not (test-servers).
    const workspaceNames = new Set(packages.map((p) => p.manifest.name));
    const runtime = Object.keys(manifest.dependencies ?? {}).filter((d) => workspaceNames.has(d));
    const want = [...new Set(runtime)].sort().join(', ');
    const have = [...new Set(referenced)].sort().join(', ');
    if (want !== have) {
      problems.push(
        `${relative(root, tsconfigPath)}: references [${have}] do not mirror dependencies [${want}]`,
      );
    }
  }
}

const packageCycle = findCycle(packageGraph);
if (packageCycle) problems.push(`circular package dependencies: ${packageCycle.join(' -> ')}`);

if (problems.length > 0) {
  console.error(`check-boundaries: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-boundaries: ${packages.length} packages, layers and references in order`);
