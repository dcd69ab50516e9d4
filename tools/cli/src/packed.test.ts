/**
 * `@smtp/cli` as a user installs it: the workspace packages it needs are packed into tarballs,
 * installed with npm into a new project outside the repository, and the command is run the way
 * the README documents it (`npx @smtp/cli send ...`, `npx smtp --version`, `npx smtp demo`).
 * Nothing may come from the monorepo: not `test-servers`, not a path into the repository.
 */
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseMessage, type RunningSmtpServer, startSmtpServer } from '@smtp/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from './exit-codes.ts';
import { installPacked, type PackedInstall } from './testing/packed-install.ts';
import { runSmtp } from './testing/run-cli.ts';

/**
 * `.ci/node-matrix.sh` sets this for the Node versions it adds to the machine's: there, in CI,
 * `npm install` of the tarballs stalled past every timeout (it passes by hand under the same
 * Nodes), so the packed install is proven under the machine's own Node and npm only.
 */
const skipHere = process.env.SMTP_PACKED_INSTALL === 'skip';

let install: PackedInstall | undefined;
let server: RunningSmtpServer | undefined;

/** The install, which `beforeAll` made (a failure there fails every test with its reason). */
function installed(): PackedInstall {
  if (install === undefined) throw new Error('the packed install was not made');
  return install;
}

/** Runs `npx ...args` in the installed project, with an environment outside the repository. */
function npx(args: readonly string[]) {
  const { project, env } = installed();
  return runSmtp(args, { command: ['npx'], cwd: project, env });
}

beforeAll(async () => {
  if (skipHere) return;
  install = await installPacked();
  const { pack, install: npmInstall } = install.timings;
  console.log(
    `packed ${install.packed.size} packages in ${(pack / 1000).toFixed(1)} s, ` +
      `npm install took ${(npmInstall / 1000).toFixed(1)} s`,
  );
  server = await startSmtpServer({ host: '127.0.0.1' });
}, 300_000);

afterAll(async () => {
  await server?.close();
  await install?.cleanup();
  if (install !== undefined) expect(existsSync(install.project)).toBe(false);
});

describe.skipIf(skipHere)('@smtp/cli installed from packed tarballs', { timeout: 60_000 }, () => {
  it('packs only published packages, with real versions instead of workspace: ranges', async () => {
    const { project, packed } = installed();
    expect([...packed.keys()]).toContain('@smtp/cli');
    expect([...packed.keys()]).toContain('@smtp/test-server');
    for (const name of packed.keys()) {
      const dir = join(project, 'node_modules', name);
      // Extracted from a tarball, not linked to the workspace.
      expect((await lstat(dir)).isSymbolicLink(), name).toBe(false);
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        private?: boolean;
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
      expect(manifest.private, `${name} is private`).toBeUndefined();
      const ranges = Object.values({ ...manifest.dependencies, ...manifest.peerDependencies });
      expect(
        ranges.filter((range) => range.startsWith('workspace:')),
        name,
      ).toEqual([]);
    }
    expect(existsSync(join(project, 'node_modules', 'test-servers'))).toBe(false);
    const cli = join(project, 'node_modules', '@smtp', 'cli');
    expect(existsSync(join(cli, 'src', 'testing'))).toBe(false);
    expect((await readdir(join(cli, 'src'))).filter((f) => f.endsWith('.test.ts'))).toEqual([]);
    expect(
      (await readFile(join(cli, 'dist', 'bin.js'), 'utf8')).startsWith('#!/usr/bin/env node\n'),
    ).toBe(true);
  });

  it('npx @smtp/cli send delivers to a real server', async () => {
    if (server === undefined) throw new Error('no server');
    const run = await npx([
      '@smtp/cli',
      'send',
      '--url',
      `smtp://127.0.0.1:${server.port}`,
      '--from',
      'ana@example.com',
      '--to',
      'bob@example.org',
      '--subject',
      'From the packed tarballs',
      '--text',
      'Installed with npm, run with npx.',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toMatch(/^outcome +accepted$/m);
    expect(server.messages).toHaveLength(1);
    const [received] = server.messages;
    expect(received?.envelope).toMatchObject({
      mailFrom: 'ana@example.com',
      rcptTo: ['bob@example.org'],
    });
    const parsed = await parseMessage(received?.raw ?? new Uint8Array());
    expect(parsed.subject).toBe('From the packed tarballs');
    expect(parsed.text?.trim()).toBe('Installed with npm, run with npx.');
  });

  it('npx smtp --version prints the version of the installed package', async () => {
    const { project } = installed();
    const manifest = JSON.parse(
      await readFile(join(project, 'node_modules', '@smtp', 'cli', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(manifest.version).toBe(installed().packed.get('@smtp/cli'));
    const run = await npx(['smtp', '--version']);
    expect(run).toMatchObject({ code: 0, stderr: '', stdout: `${manifest.version}\n` });
  });

  it('npx smtp demo runs the demo from the packed install', async () => {
    const out = join(installed().scratch, 'demo-out');
    const run = await npx(['smtp', 'demo', '--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toContain('C: STARTTLS');
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as {
      ok: boolean;
      eml: string;
    };
    expect(summary.ok).toBe(true);
    expect(summary.eml.startsWith(out)).toBe(true);
    expect(existsSync(summary.eml)).toBe(true);
  });
});
