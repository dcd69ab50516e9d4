/**
 * Installs `@smtp/cli` the way a user gets it from the registry, without publishing: every
 * workspace package it needs at run time is packed with `pnpm pack` (which turns `workspace:^`
 * into the real versions, as `pnpm publish` does), and the tarballs are installed with
 * `npm install` into a new project in the OS temp folder, far from this repository. Third-party
 * dependencies come from the registry (through the user's npm cache, `--prefer-offline`).
 *
 * The commands then run with an environment that cannot reach back into the repository: no
 * `NODE_PATH` (pnpm's bin shims point it at the repository's store) and no `PATH` entry inside
 * the repository, so a file only the monorepo has shows up as a failure here.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv } from './run-cli.ts';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

/** A clean project with the packed `@smtp/cli` installed. */
export interface PackedInstall {
  /** The project folder (`npm init -y`, then `npm install` of the tarballs). */
  readonly project: string;
  /** A scratch folder beside it, removed with it. */
  readonly scratch: string;
  /** The packages packed, by name, with their versions. */
  readonly packed: ReadonlyMap<string, string>;
  /** The environment to run `npx` in (see the module comment). */
  readonly env: Record<string, string>;
  /** How long packing and installing took, in ms. */
  readonly timings: { readonly pack: number; readonly install: number };
  /** Removes every folder this made. */
  readonly cleanup: () => Promise<void>;
}

interface Run {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Each command gets two minutes: long enough for a cold install, and short enough that a stuck
 * one fails with its output (and, for the install, is tried again) inside the test's hook.
 */
const COMMAND_TIMEOUT_MS = 120_000;

function run(
  file: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<Run> {
  const options = { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: COMMAND_TIMEOUT_MS };
  return new Promise((resolve, reject) => {
    execFile(file, args, options, (error, stdout, stderr) => {
      if (error === null) {
        resolve({ stdout, stderr });
        return;
      }
      const code = error.killed ? `killed after ${COMMAND_TIMEOUT_MS} ms` : error.code;
      const failure = new Error(
        `${file} ${args.join(' ')} (in ${cwd}) failed: ${code ?? error.message}\n${stdout}\n${stderr}`,
        { cause: error },
      );
      Object.assign(failure, { code });
      reject(failure);
    });
  });
}

/**
 * The environment for the installed command: the caller's, less `SMTP_*`, `NODE_PATH`,
 * `NODE_OPTIONS` and any `PATH` entry inside the repository; `npx` never installs from the
 * registry (a package missing from the project fails instead of being fetched).
 */
export function outsideRepoEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(cleanEnv())) {
    if (value !== undefined) env[key] = value;
  }
  // Empty rather than absent, so that merging this over `process.env` still clears them.
  env.NODE_PATH = '';
  env.NODE_OPTIONS = '';
  const root = REPO_ROOT.endsWith(sep) ? REPO_ROOT : `${REPO_ROOT}${sep}`;
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => entry !== '' && !`${entry}${sep}`.startsWith(root))
    .join(delimiter);
  env.npm_config_yes = 'false';
  env.npm_config_update_notifier = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  return env;
}

/** `pnpm` from the PATH, or the repository's pinned version through `npx` when there is none. */
async function pnpm(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  try {
    return await run('pnpm', args, REPO_ROOT, env);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const root = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      packageManager: string;
    };
    return run('npx', ['--yes', root.packageManager, ...args], REPO_ROOT, env);
  }
}

/** Packs `@smtp/cli` and the workspace packages it depends on, and installs them in a new project. */
export async function installPacked(): Promise<PackedInstall> {
  const base = await mkdtemp(join(tmpdir(), 'smtp-cli-packed-'));
  const cleanup = () => rm(base, { recursive: true, force: true });
  try {
    const tarballs = join(base, 'tarballs');
    const project = join(base, 'project');
    const scratch = join(base, 'scratch');
    await Promise.all([tarballs, project, scratch].map((dir) => mkdir(dir)));

    // `...` follows dependencies; `--filter-prod` only the ones a user installs.
    let started = performance.now();
    const packRun = await pnpm(
      [
        '--recursive',
        '--filter-prod',
        '@smtp/cli...',
        'pack',
        '--pack-destination',
        tarballs,
        '--json',
      ],
      cleanEnv(),
    );
    const pack = performance.now() - started;
    const packedList = JSON.parse(packRun.stdout) as {
      name: string;
      version: string;
      filename: string;
    }[];
    const packed = new Map(packedList.map((p) => [p.name, p.version]));

    const env = outsideRepoEnv();
    started = performance.now();
    await run('npm', ['init', '-y'], project, env);
    // npm waits five minutes on a stalled registry request by default; a shorter fetch timeout
    // with retries, and one more try of the whole (idempotent) install, ride out a stall that
    // once held a CI run's install past the hook's timeout.
    const installArgs = [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      '--fetch-timeout=20000',
      '--fetch-retries=4',
      ...packedList.map((p) => p.filename),
    ];
    await run('npm', installArgs, project, env).catch(() => run('npm', installArgs, project, env));
    const install = performance.now() - started;
    return { project, scratch, packed, env, timings: { pack, install }, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
