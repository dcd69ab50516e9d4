/**
 * Finding a program the tests need on the PATH and, where it is missing on a Debian-like machine
 * and the tests run as root (CI containers), installing it with apt-get, once, under a lock file
 * that every process of the run shares. Everywhere else: one line saying what to install.
 *
 * `ensureRedisServer()` (redis.ts) and `ensureChromium()` (chromium.ts) are this with their own
 * binary, Debian packages and message.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Options of the `ensure...()` functions built on {@link ensureInstalled}. */
export interface EnsureInstalledOptions {
  /** `false`: never install, only look on the PATH. Default `true`. */
  readonly install?: boolean;
  /** Where the one line announcing an install goes. Default: stderr. */
  readonly log?: (line: string) => void;
}

/** A program to ensure, and what apt-get installs it from. */
export interface AptProgram {
  /** Its name in messages: `redis-server`, `chromium`. */
  readonly name: string;
  /** The Debian packages to install (`--no-install-recommends`). */
  readonly packages: readonly string[];
  /** The one line to throw where it is missing and cannot be installed here. */
  readonly missing: string;
}

/**
 * What {@link ensureInstalled} asks of the machine, gathered so that a test can play a machine
 * without the program, or without root, without uninstalling anything or running apt-get.
 *
 * @internal
 */
export interface AptMachine {
  /** The path of the program, or `undefined`. */
  readonly which: () => Promise<string | undefined>;
  readonly isRoot: () => boolean;
  readonly isDebian: () => Promise<boolean>;
  /** Runs a command to completion; rejects with its output's tail when it fails. */
  readonly run: (command: string, args: readonly string[]) => Promise<void>;
  /** The lock file that keeps installs of concurrent processes apart. */
  readonly lockPath: string;
  /** How long to wait for another process's install. */
  readonly lockWaitMs: number;
  /** How often to look again while another process installs. */
  readonly pollMs: number;
}

/**
 * One lock for every apt-get of the test set-ups, whatever they install: two apt-gets at once
 * fail on dpkg's own lock, and turbo runs two packages' set-ups at once (one installing
 * redis-server, the other chromium, say).
 */
export const APT_LOCK_PATH = path.join(os.tmpdir(), 'smtp-apt-install.lock');

/** A lock file without a pid yet is a process between `open` and `write`, unless it is this old. */
const EMPTY_LOCK_STALE_MS = 10_000;

/**
 * The last bytes of a process's output, for error messages.
 *
 * @internal
 */
export class Tail {
  #text = '';

  add(chunk: Buffer): void {
    this.#text = (this.#text + chunk.toString('utf8')).slice(-4096);
  }

  includes(text: string): boolean {
    return this.#text.includes(text);
  }

  /** The last `count` non-empty lines, or a note that there was no output. */
  lines(count = 20): string {
    const lines = this.#text.split(/\r?\n/).filter((line) => line.trim() !== '');
    return lines.length === 0 ? '(no output)' : lines.slice(-count).join('\n');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown }).code;
}

/** Whether `file` is a regular file this process may execute. */
export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * The path of `name` on the PATH (walked here, no shell, so no shell start-up files or aliases
 * get a say), or `undefined`.
 */
export async function findOnPath(name: string): Promise<string | undefined> {
  // An empty PATH entry means the working directory: never run a binary from there.
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Whether `/etc/os-release` text names Debian as the system or one it is like (Ubuntu, Mint,
 * Raspberry Pi OS...).
 *
 * @internal
 */
export function osReleaseIsDebian(text: string): boolean {
  for (const line of text.split('\n')) {
    const match = /^(ID|ID_LIKE)=(.*)$/.exec(line.trim());
    if (match === null) continue;
    const value = (match[2] as string).replace(/^(["'])(.*)\1$/, '$2');
    if (value.split(/\s+/).includes('debian')) return true;
  }
  return false;
}

async function isDebianLike(): Promise<boolean> {
  try {
    await access('/etc/debian_version');
    return true;
  } catch {
    // Derivatives may not ship it; os-release says what they derive from.
  }
  try {
    return osReleaseIsDebian(await readFile('/etc/os-release', 'utf8'));
  } catch {
    return false;
  }
}

/** Runs a command with its output collected, not shown: shown only when it fails. */
function runQuietly(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const tail = new Tail();
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    child.stdout.on('data', (chunk: Buffer) => tail.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => tail.add(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else {
        const how = signal === null ? `exit code ${code}` : signal;
        reject(new Error(`${[command, ...args].join(' ')} failed (${how}):\n${tail.lines(10)}`));
      }
    });
  });
}

/**
 * This machine, looking for a program with `which`; installs take turns through
 * {@link APT_LOCK_PATH} and wait up to 5 minutes for another process's.
 *
 * @internal
 */
export function thisMachine(which: () => Promise<string | undefined>): AptMachine {
  return {
    which,
    isRoot: () => process.getuid?.() === 0,
    isDebian: isDebianLike,
    run: runQuietly,
    lockPath: APT_LOCK_PATH,
    lockWaitMs: 5 * 60_000,
    pollMs: 500,
  };
}

/** Creates the lock file; `false` when another process holds it. */
async function takeLock(lockPath: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(lockPath, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${process.pid}\n`);
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Whether the lock was left by a process that is gone (killed during its install), so that
 * waiting for it would be waiting for nothing. A lock that is gone counts as stale too.
 */
async function lockIsStale(lockPath: string): Promise<boolean> {
  let text: string;
  let modified: number;
  try {
    text = await readFile(lockPath, 'utf8');
    modified = (await stat(lockPath)).mtimeMs;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return true;
    throw error;
  }
  const pid = Number.parseInt(text, 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    return Date.now() - modified > EMPTY_LOCK_STALE_MS;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: alive, only someone else's.
    return errorCode(error) === 'ESRCH';
  }
}

/** apt-get, with the lock held. */
async function installHoldingLock(
  machine: AptMachine,
  program: AptProgram,
  log: (line: string) => void,
): Promise<string> {
  // The process that held the lock before us may have installed it meanwhile.
  const already = await machine.which();
  if (already !== undefined) return already;
  log(`${program.name} is not on the PATH: installing it with apt-get (Debian-like machine, root)`);
  await machine.run('apt-get', ['update']);
  await machine.run('apt-get', ['install', '-y', '--no-install-recommends', ...program.packages]);
  const installed = await machine.which();
  if (installed === undefined) {
    throw new Error(
      `apt-get installed ${program.packages.join(' ')}, but ${program.name} is not on the PATH (${process.env.PATH ?? ''})`,
    );
  }
  return installed;
}

/**
 * Installs under a lock file, because vitest workers and turbo's parallel packages are separate
 * processes and two apt-gets at once fail on dpkg's own lock. A process that finds the lock
 * taken waits for its program to appear, or for the lock to be free to install it itself (the
 * holder may have been installing another program).
 */
async function installOnce(
  machine: AptMachine,
  program: AptProgram,
  log: (line: string) => void,
): Promise<string> {
  const deadline = Date.now() + machine.lockWaitMs;
  for (;;) {
    if (await takeLock(machine.lockPath)) {
      try {
        return await installHoldingLock(machine, program, log);
      } finally {
        await rm(machine.lockPath, { force: true });
      }
    }
    const found = await machine.which();
    if (found !== undefined) return found;
    if (await lockIsStale(machine.lockPath)) {
      // Two waiters may both find it stale; the loser's apt-get then fails on dpkg's lock, loudly.
      await rm(machine.lockPath, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `${program.name} is not on the PATH, and another process has held ${machine.lockPath} for ${Math.round(machine.lockWaitMs / 1000)} s while installing: remove that file if no install is running`,
      );
    }
    await sleep(machine.pollMs);
  }
}

/** One install per machine object and process, however many callers ask at once. */
const installs = new WeakMap<AptMachine, Promise<string>>();

/**
 * The path of `program` as `machine.which()` finds it. Where it is missing, on a Debian-like
 * machine (`/etc/debian_version`, or `debian` in `/etc/os-release` `ID`/`ID_LIKE`) and as root,
 * installs it (`apt-get update`, then `apt-get install -y --no-install-recommends PACKAGES`) and
 * logs one line saying so; otherwise rejects with `program.missing`, one line.
 *
 * Concurrent calls on one machine object share one install; concurrent processes take turns
 * through the machine's lock file, the others waiting for the program (up to `lockWaitMs`).
 *
 * @internal
 */
export async function ensureInstalled(
  machine: AptMachine,
  program: AptProgram,
  options: EnsureInstalledOptions = {},
): Promise<string> {
  const found = await machine.which();
  if (found !== undefined) return found;
  let install = installs.get(machine);
  if (install === undefined) {
    if (options.install === false || !machine.isRoot() || !(await machine.isDebian())) {
      throw new Error(program.missing);
    }
    // Looked up again: another caller may have started while isDebian() was reading files.
    install = installs.get(machine);
    if (install === undefined) {
      const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
      install = installOnce(machine, program, log);
      installs.set(machine, install);
    }
  }
  return install;
}
