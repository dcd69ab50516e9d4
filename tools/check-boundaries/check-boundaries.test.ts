import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const script = join(dirname(fileURLToPath(import.meta.url)), 'check-boundaries.mjs');
let tree: string;

type Files = Record<string, string | object>;

function makeTree(files: Files): string {
  tree = mkdtempSync(join(tmpdir(), 'check-boundaries-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(
      join(tree, path),
      typeof content === 'string' ? content : JSON.stringify(content),
    );
  }
  return tree;
}

function check(files: Files): { ok: boolean; output: string } {
  try {
    const output = execFileSync(process.execPath, [script, makeTree(files)], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { ok: true, output };
  } catch (error) {
    return { ok: false, output: String((error as { stderr: string }).stderr) };
  }
}

const protocol = {
  'packages/protocol/package.json': { name: '@smtp/protocol' },
  'packages/protocol/tsconfig.json': { references: [] },
  'packages/protocol/src/index.ts': "export { a } from './a.ts';\n",
  'packages/protocol/src/a.ts': 'export const a = 1;\n',
};
const transport = {
  'packages/transport/package.json': {
    name: '@smtp/transport',
    dependencies: { '@smtp/protocol': 'workspace:^' },
  },
  'packages/transport/tsconfig.json': { references: [{ path: '../protocol' }] },
  'packages/transport/src/index.ts': "import { a } from '@smtp/protocol';\nexport const b = a;\n",
};

afterEach(() => rmSync(tree, { recursive: true, force: true }));

describe('check-boundaries', () => {
  it('accepts a tree that follows the layer rules', () => {
    const result = check({ ...protocol, ...transport });
    expect(result).toMatchObject({ ok: true });
    expect(result.output).toContain('2 packages');
  });

  it('rejects a node: import in @smtp/protocol but allows it in its tests', () => {
    const result = check({
      ...protocol,
      'packages/protocol/src/a.ts':
        "import { Buffer } from 'node:buffer';\nexport const a = Buffer;\n",
      'packages/protocol/src/a.test.ts': "import { readFileSync } from 'node:fs';\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("must stay pure, but imports 'node:buffer'");
    expect(result.output).not.toContain('a.test.ts');
  });

  it('rejects an @smtp import in a leaf package', () => {
    const result = check({
      ...protocol,
      'packages/url/package.json': { name: '@smtp/url' },
      'packages/url/tsconfig.json': { references: [] },
      'packages/url/src/index.ts': "export * from '@smtp/protocol';\n",
    });
    expect(result.output).toContain("@smtp/url is a leaf and may not import '@smtp/protocol'");
  });

  it('rejects deep imports and undeclared dependencies', () => {
    const result = check({
      ...protocol,
      ...transport,
      'packages/transport/src/index.ts':
        "import { a } from '@smtp/protocol/src/a.ts';\nimport { c } from '@smtp/mime';\n",
    });
    expect(result.output).toContain("deep import '@smtp/protocol/src/a.ts'");
    expect(result.output).toContain("imports '@smtp/mime', which package.json does not declare");
  });

  it('accepts a subpath the target package exports, and only that', () => {
    const exporting = {
      ...protocol,
      'packages/protocol/package.json': {
        name: '@smtp/protocol',
        exports: { '.': './dist/index.js', './extra': './dist/extra.js' },
      },
    };
    const result = check({
      ...exporting,
      ...transport,
      'packages/transport/src/index.ts':
        "import { a } from '@smtp/protocol/extra';\nimport { b } from '@smtp/protocol/other';\n",
    });
    expect(result.output).not.toContain("'@smtp/protocol/extra'");
    expect(result.output).toContain("deep import '@smtp/protocol/other'");
  });

  it('rejects test-servers imports outside tests', () => {
    const result = check({
      ...protocol,
      ...transport,
      'packages/transport/src/index.ts': "import { startSmtpServer } from 'test-servers';\n",
    });
    expect(result.output).toContain("only tests may import 'test-servers'");
  });

  it('rejects a published package that depends on a private one', () => {
    const servers = {
      'test-servers/package.json': { name: 'test-servers', private: true },
      'test-servers/tsconfig.json': { references: [] },
    };
    const cli = (manifest: object) => ({
      'tools/cli/package.json': { name: '@smtp/cli', ...manifest },
      'tools/cli/tsconfig.json': { references: [{ path: '../../test-servers' }] },
      'tools/cli/src/index.ts': "import { startSmtpServer } from 'test-servers';\n",
    });
    const published = check({ ...servers, ...cli({ dependencies: { 'test-servers': '*' } }) });
    expect(published.output).toContain(
      "@smtp/cli: is published but depends on 'test-servers', which is private",
    );
    expect(published.output).toContain(
      "tools/cli/src/index.ts: only tests may import 'test-servers'",
    );
    const unpublished = check({
      ...servers,
      ...cli({ private: true, dependencies: { 'test-servers': '*' } }),
    });
    expect(unpublished.output).not.toContain('is published');
  });

  it('rejects circular imports between files', () => {
    const result = check({
      ...protocol,
      'packages/protocol/src/a.ts': "import { b } from './b.ts';\nexport const a = b;\n",
      'packages/protocol/src/b.ts': "import { a } from './a.ts';\nexport const b = a;\n",
    });
    expect(result.output).toMatch(/circular imports: .*a\.ts -> .*b\.ts -> .*a\.ts/);
  });

  it('rejects tsconfig references that do not mirror the dependencies', () => {
    const result = check({
      ...protocol,
      ...transport,
      'packages/transport/tsconfig.json': { references: [] },
    });
    expect(result.output).toContain('references [] do not mirror dependencies [@smtp/protocol]');
  });
});
