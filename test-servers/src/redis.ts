/**
 * `startRedis()`: a real `redis-server` for tests, one child process per call, on loopback with
 * an OS-chosen port and no persistence; `ensureRedisServer()`: makes sure there is one to run.
 *
 * Redis is never mocked: the queue is only as correct as its Lua scripts and blocking commands
 * against the real server. So the binary has to be on the machine, and on a Debian-like one the
 * test set-up installs it itself when it runs as root (CI containers); everywhere else it says
 * what to install, in one line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  type AptMachine,
  type AptProgram,
  type EnsureInstalledOptions,
  ensureInstalled,
  findOnPath,
  Tail,
  thisMachine,
} from './apt-install.ts';

export { osReleaseIsDebian } from './apt-install.ts';

/** A running `redis-server`. */
export interface RunningRedis {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `redis://127.0.0.1:port`, without the password. */
  readonly url: string;
  /** The password `AUTH` needs, as given to {@link startRedis}. */
  readonly password: string | undefined;
  /** The process id of `redis-server`. */
  readonly pid: number;
  /** Its working directory, a fresh temporary one (removed by `close()`). */
  readonly dir: string;
  /**
   * Ends the server the way a shutdown (`SIGTERM`, `SIGINT`) or a crash (`SIGKILL`) would, and
   * resolves with how it exited; `SIGKILL` follows after 5 s if it has not. The directory stays
   * until `close()`.
   */
  stop(signal?: RedisStopSignal): Promise<RedisExit>;
  /** Stops the server (`SIGTERM`, then `SIGKILL` after 5 s) and removes its directory; idempotent. */
  close(): Promise<void>;
}

/** The signals {@link RunningRedis.stop} sends. */
export type RedisStopSignal = 'SIGTERM' | 'SIGINT' | 'SIGKILL';

/** How `redis-server` exited, as Node reports it. */
export interface RedisExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Options of {@link startRedis}. */
export interface RedisOptions {
  /** Require `AUTH` with this password (`--requirepass`). */
  readonly password?: string;
}

/** Options of {@link ensureRedisServer}. */
export type EnsureRedisOptions = EnsureInstalledOptions;

/**
 * What {@link ensureRedisServer} asks of the machine (see apt-install.ts).
 *
 * @internal
 */
export type RedisMachine = AptMachine;

/** The one line that says what to install. */
export const REDIS_MISSING =
  'redis-server is not on the PATH: install Redis 6.2 or newer (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)';

const START_TIMEOUT_MS = 10_000;
const KILL_AFTER_MS = 5_000;
/** Another process may take the port between our probe and redis's bind: try a fresh one. */
const PORT_ATTEMPTS = 5;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The path of `redis-server` on the PATH (walked here, no shell, so no shell start-up files or
 * aliases get a say), or `undefined`.
 */
export function findRedisServer(): Promise<string | undefined> {
  return findOnPath('redis-server');
}

const REDIS: AptProgram = {
  name: 'redis-server',
  packages: ['redis-server'],
  missing: REDIS_MISSING,
};

const redisMachine = thisMachine(findRedisServer);

/**
 * {@link ensureRedisServer} on a given machine.
 *
 * @internal
 */
export function ensureRedisServerOn(
  machine: RedisMachine,
  options: EnsureRedisOptions = {},
): Promise<string> {
  return ensureInstalled(machine, REDIS, options);
}

/**
 * The path of `redis-server`. Where it is missing, on a Debian-like machine (`/etc/debian_version`,
 * or `debian` in `/etc/os-release` `ID`/`ID_LIKE`) and as root, installs it (`apt-get update`,
 * then `apt-get install -y --no-install-recommends redis-server`) and logs one line saying so;
 * otherwise rejects with one line saying what to install ({@link REDIS_MISSING}).
 *
 * Concurrent calls share one install; concurrent processes (and the other test set-ups that
 * install with apt-get, such as `ensureChromium`) take turns through
 * `<tmpdir>/smtp-apt-install.lock`, the others waiting (up to 5 minutes) for the binary.
 *
 * @example
 * // vitest globalSetup: install once, before the workers start, outside any test's timeout
 * export default async () => { await ensureRedisServer(); };
 */
export function ensureRedisServer(options: EnsureRedisOptions = {}): Promise<string> {
  return ensureRedisServerOn(redisMachine, options);
}

/** A redis-server child, with what is needed to end it even from a synchronous `exit` hook. */
interface Child {
  readonly process: ChildProcess;
  readonly dir: string;
  readonly tail: Tail;
  readonly exited: Promise<RedisExit>;
}

/** Every child still running or with its directory still there, for the `exit` hook. */
const children = new Set<Child>();
let exitHooked = false;

/**
 * The `exit` hook: no redis-server outlives the process that started it, not even one nobody
 * closed. Synchronous, as `exit` hooks must be.
 *
 * @internal
 */
export function killChildrenNow(): void {
  for (const child of children) {
    child.process.kill('SIGKILL');
    rmSync(child.dir, { recursive: true, force: true });
  }
  children.clear();
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** A port nothing listened on a moment ago; redis binds it itself (see PORT_ATTEMPTS). */
async function probablyFreePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function spawnRedis(binary: string, port: number, dir: string, password?: string): Child {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ];
  if (password !== undefined) args.push('--requirepass', password);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = new Tail();
  // Redis logs to stdout, and complains about its arguments on stderr: keep both.
  child.stdout?.on('data', (chunk: Buffer) => tail.add(chunk));
  child.stderr?.on('data', (chunk: Buffer) => tail.add(chunk));
  const exited = new Promise<RedisExit>((resolve) => {
    // 'close', not 'exit': its last words (why it failed) may still be in the pipes at 'exit'.
    child.once('close', (code, signal) => resolve({ code, signal }));
    // Spawning failed (EACCES...): there is no process to wait for.
    child.once('error', (error) => {
      tail.add(Buffer.from(`${error.message}\n`));
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
  });
  const entry = { process: child, dir, tail, exited };
  children.add(entry);
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', killChildrenNow);
  }
  return entry;
}

/** RESP: an array of bulk strings, so any password goes through unharmed. */
function encodeCommand(...args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

/**
 * Whether `pid` answers on `port`. Asking for the process id, not only for a `PONG`, matters: if
 * our redis lost the port to another worker's redis, that one would answer the `PING` too.
 */
function answersAs(port: number, pid: number, password: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    const done = (answer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), 1000);
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
    socket.on('connect', () => {
      const auth = password === undefined ? '' : encodeCommand('AUTH', password);
      socket.write(`${auth}${encodeCommand('INFO', 'server')}`);
    });
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      // An error reply (-LOADING, -NOAUTH...) is "not yet"; the next probe asks again.
      if (/^-|\r\n-/.test(text)) done(false);
      const match = /\r\nprocess_id:(\d+)\r\n/.exec(text);
      if (match !== null) done(Number(match[1]) === pid);
    });
  });
}

/** Resolves `true` once the child answers, `false` if it lost its port; rejects otherwise. */
async function waitUntilReady(child: Child, port: number, password?: string): Promise<boolean> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (!isRunning(child.process) || child.process.pid === undefined) {
      const exit = await child.exited;
      if (child.tail.includes('Address already in use')) return false;
      const how = exit.signal ?? `code ${exit.code}`;
      throw new Error(
        `redis-server exited (${how}) before accepting connections on 127.0.0.1:${port}:\n${child.tail.lines()}`,
      );
    }
    if (await answersAs(port, child.process.pid, password)) return true;
    if (Date.now() >= deadline) {
      throw new Error(
        `redis-server did not accept connections on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms:\n${child.tail.lines()}`,
      );
    }
    await sleep(25);
  }
}

async function stopChild(child: Child, signal: RedisStopSignal): Promise<RedisExit> {
  if (isRunning(child.process)) {
    child.process.kill(signal);
    if (signal !== 'SIGKILL') {
      const timer = setTimeout(() => child.process.kill('SIGKILL'), KILL_AFTER_MS);
      await child.exited;
      clearTimeout(timer);
    }
  }
  return child.exited;
}

/** Ends a child that did not come up; its directory is the caller's to remove. */
async function discard(child: Child): Promise<void> {
  await stopChild(child, 'SIGKILL');
  children.delete(child);
}

/**
 * Starts `redis-server` (installed first if need be, see {@link ensureRedisServer}) on
 * `127.0.0.1` and a free port, without persistence (`--save ''`, `--appendonly no`), in a fresh
 * temporary directory, and resolves once it answers. Every call is its own server. The server
 * is killed if this process exits without closing it.
 *
 * @example
 * const redis = await startRedis({ password: 's3cret' });
 * try {
 *   const connection = new Redis(redis.url, { password: redis.password });
 *   // ...
 * } finally {
 *   await redis.close();
 * }
 */
export async function startRedis(options: RedisOptions = {}): Promise<RunningRedis> {
  const { password } = options;
  const binary = await ensureRedisServer();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'smtp-redis-'));
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await probablyFreePort();
      const child = spawnRedis(binary, port, dir, password);
      let ready: boolean;
      try {
        ready = await waitUntilReady(child, port, password);
      } catch (error) {
        await discard(child);
        throw error;
      }
      if (ready) return runningRedis(child, port, password);
      await discard(child);
      if (attempt === PORT_ATTEMPTS) {
        throw new Error(
          `redis-server found its port taken ${PORT_ATTEMPTS} times in a row on 127.0.0.1:\n${child.tail.lines()}`,
        );
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function runningRedis(child: Child, port: number, password: string | undefined): RunningRedis {
  let closing: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    password,
    pid: child.process.pid as number,
    dir: child.dir,
    stop: (signal = 'SIGTERM') => stopChild(child, signal),
    close: () => {
      closing ??= (async () => {
        await stopChild(child, 'SIGTERM');
        await rm(child.dir, { recursive: true, force: true });
        children.delete(child);
      })();
      return closing;
    },
  };
}
