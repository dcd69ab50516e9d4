import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ensureRedisServer,
  ensureRedisServerOn,
  findRedisServer,
  killChildrenNow,
  osReleaseIsDebian,
  REDIS_MISSING,
  type RedisMachine,
  type RunningRedis,
  startRedis,
} from './redis.ts';

/** A RESP reply: simple strings and errors keep their `+`/`-`, integers their `:`. */
type Reply = string | null | Reply[];

/** Parses one reply at `at`; `undefined` while it is incomplete. */
function parseReply(text: string, at = 0): { reply: Reply; end: number } | undefined {
  const lineEnd = text.indexOf('\r\n', at);
  if (lineEnd < 0) return undefined;
  const line = text.slice(at, lineEnd);
  const next = lineEnd + 2;
  const count = Number(line.slice(1));
  if (line[0] === '$') {
    if (count < 0) return { reply: null, end: next };
    if (text.length < next + count + 2) return undefined;
    return { reply: text.slice(next, next + count), end: next + count + 2 };
  }
  if (line[0] === '*') {
    const items: Reply[] = [];
    let end = next;
    for (let i = 0; i < count; i++) {
      const item = parseReply(text, end);
      if (item === undefined) return undefined;
      items.push(item.reply);
      end = item.end;
    }
    return { reply: items, end };
  }
  return { reply: line, end: next };
}

/** A raw Redis connection: one command at a time, RESP-encoded, nothing of ioredis involved. */
interface RawRedis {
  command(...args: string[]): Promise<Reply>;
  /** Resolves when the connection closed, from either side. */
  closed(): Promise<void>;
  close(): void;
}

const sockets = new Set<net.Socket>();
const servers: RunningRedis[] = [];

async function connect(redis: RunningRedis): Promise<RawRedis> {
  const socket = net.connect({ host: redis.host, port: redis.port });
  sockets.add(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  let text = '';
  let waiting: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    waiting?.();
  });
  return {
    async command(...args) {
      socket.write(
        `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`,
      );
      for (;;) {
        const parsed = parseReply(text);
        if (parsed !== undefined) {
          text = text.slice(parsed.end);
          return parsed.reply;
        }
        await new Promise<void>((resolve) => {
          waiting = resolve;
        });
      }
    },
    closed: () => closed,
    close: () => socket.destroy(),
  };
}

async function start(options: { password?: string } = {}): Promise<RunningRedis> {
  const redis = await startRedis(options);
  servers.push(redis);
  return redis;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code !== 'ESRCH';
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Resolves with the connect error's code (`ECONNREFUSED` once nothing listens). */
function connectError(port: number): Promise<unknown> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error) => resolve((error as { code?: unknown }).code));
  });
}

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((redis) => redis.close()));
});

describe('startRedis', () => {
  it('starts a redis-server on loopback that answers, then closes it down to its pid and directory', async () => {
    const redis = await start();
    expect(redis.host).toBe('127.0.0.1');
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(redis.password).toBeUndefined();
    expect((await stat(redis.dir)).isDirectory()).toBe(true);
    expect(alive(redis.pid)).toBe(true);

    const client = await connect(redis);
    expect(await client.command('PING')).toBe('+PONG');
    expect(await client.command('CONFIG', 'GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    client.close();

    await redis.close();
    expect(alive(redis.pid)).toBe(false);
    expect(await exists(redis.dir)).toBe(false);
    expect(await connectError(redis.port)).toBe('ECONNREFUSED');
    await redis.close();
  });

  it('keeps nothing on disk: no RDB snapshots, no AOF, in its own directory', async () => {
    const redis = await start();
    const client = await connect(redis);
    expect(await client.command('CONFIG', 'GET', 'save')).toEqual(['save', '']);
    expect(await client.command('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no']);
    expect(await client.command('CONFIG', 'GET', 'dir')).toEqual([
      'dir',
      await realpath(redis.dir),
    ]);
  });

  it('runs two at once, on different ports, each with its own data', async () => {
    const [first, second] = (await Promise.all([start(), start()])) as [RunningRedis, RunningRedis];
    expect(first.port).not.toBe(second.port);
    expect(first.pid).not.toBe(second.pid);
    expect(first.dir).not.toBe(second.dir);
    const one = await connect(first);
    const two = await connect(second);
    expect(await one.command('SET', 'key', 'first')).toBe('+OK');
    expect(await two.command('GET', 'key')).toBeNull();
    expect(await one.command('GET', 'key')).toBe('first');
  });

  it('requires AUTH with the password it was given', async () => {
    const password = 's3cret with spaces';
    const redis = await start({ password });
    expect(redis.password).toBe(password);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    const client = await connect(redis);
    expect(await client.command('PING')).toMatch(/^-NOAUTH /);
    expect(await client.command('AUTH', 'wrong')).toMatch(/^-WRONGPASS /);
    expect(await client.command('AUTH', password)).toBe('+OK');
    expect(await client.command('PING')).toBe('+PONG');
  });

  it('stop() shuts it down with SIGTERM, and close() afterwards removes the directory', async () => {
    const redis = await start();
    expect(await redis.stop()).toEqual({ code: 0, signal: null });
    expect(alive(redis.pid)).toBe(false);
    expect(await exists(redis.dir)).toBe(true);
    await redis.close();
    expect(await exists(redis.dir)).toBe(false);
  });

  it("stop('SIGKILL') ends it like a crash: connections drop, the port refuses", async () => {
    const redis = await start();
    const client = await connect(redis);
    expect(await redis.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await client.closed();
    expect(await connectError(redis.port)).toBe('ECONNREFUSED');
  });

  it('kills every redis-server still running when the process exits', async () => {
    const redis = await start();
    expect(process.listeners('exit')).toContain(killChildrenNow);
    killChildrenNow();
    await vi.waitFor(() => expect(alive(redis.pid)).toBe(false));
    expect(await exists(redis.dir)).toBe(false);
  });
});

describe('findRedisServer', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('finds redis-server on this machine', async () => {
    const found = await findRedisServer();
    expect(found).toMatch(/\/redis-server$/);
    await access(found as string, constants.X_OK);
  });

  it('walks PATH only: a non-executable file or an empty entry does not count', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'smtp-redis-path-'));
    try {
      await writeFile(path.join(dir, 'redis-server'), '#!/bin/sh\n');
      vi.stubEnv('PATH', `${path.delimiter}${dir}`);
      expect(await findRedisServer()).toBeUndefined();
      await chmod(path.join(dir, 'redis-server'), 0o755);
      expect(await findRedisServer()).toBe(path.join(dir, 'redis-server'));
      vi.stubEnv('PATH', '');
      expect(await findRedisServer()).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('osReleaseIsDebian', () => {
  it.each([
    ['ID=debian\nVERSION_ID="12"\n', true],
    ['NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n', true],
    ['ID=linuxmint\nID_LIKE="ubuntu debian"\n', true],
    ["ID='debian'\n", true],
    ['ID="fedora"\n', false],
    ['ID="rocky"\nID_LIKE="rhel centos fedora"\n', false],
    ['ID=alpine\nPRETTY_NAME="not debian"\n', false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(osReleaseIsDebian(text)).toBe(expected);
  });
});

describe('ensureRedisServer', () => {
  const installedPath = '/usr/bin/redis-server';
  let lockDir: string;

  beforeAll(async () => {
    lockDir = await mkdtemp(path.join(os.tmpdir(), 'smtp-redis-lock-'));
  });

  afterAll(async () => {
    await rm(lockDir, { recursive: true, force: true });
  });

  /** A machine without redis-server, whose "apt-get" only records that it ran. */
  function machine(overrides: Partial<RedisMachine> = {}) {
    const state = { installed: undefined as string | undefined, runs: [] as string[] };
    const fake: RedisMachine = {
      which: async () => state.installed,
      isRoot: () => true,
      isDebian: async () => true,
      run: async (command, args) => {
        state.runs.push([command, ...args].join(' '));
        // Long enough for a concurrent caller to arrive while "apt-get" runs.
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (args[0] === 'install') state.installed = installedPath;
      },
      lockPath: path.join(lockDir, `${Math.random().toString(36).slice(2)}.lock`),
      lockWaitMs: 5000,
      pollMs: 10,
      ...overrides,
    };
    return { fake, state };
  }

  it('returns the installed redis-server on this machine, as findRedisServer finds it', async () => {
    expect(await ensureRedisServer({ install: false })).toBe(await findRedisServer());
  });

  it('returns a redis-server on the PATH without asking about root or Debian', async () => {
    const { fake, state } = machine({
      which: async () => '/opt/redis/bin/redis-server',
      isRoot: () => expect.unreachable('asked about root'),
      isDebian: () => expect.unreachable('asked about Debian'),
    });
    expect(await ensureRedisServerOn(fake)).toBe('/opt/redis/bin/redis-server');
    expect(state.runs).toEqual([]);
  });

  it.each([
    ['not root', { isRoot: () => false }, {}],
    ['not Debian-like', { isDebian: async () => false }, {}],
    ['told not to install', {}, { install: false }],
  ])(
    'when it is missing and the user is %s, refuses in one line saying what to install',
    async (_, overrides, options) => {
      const { fake, state } = machine(overrides);
      const log = vi.fn();
      const error = await ensureRedisServerOn(fake, { ...options, log }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe(REDIS_MISSING);
      expect((error as Error).message).not.toContain('\n');
      expect(REDIS_MISSING).toBe(
        'redis-server is not on the PATH: install Redis 6.2 or newer (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)',
      );
      expect(state.runs).toEqual([]);
      expect(log).not.toHaveBeenCalled();
      expect(await exists(fake.lockPath)).toBe(false);
    },
  );

  it('installs with apt-get as root on Debian, saying so in one line, and frees the lock', async () => {
    const { fake, state } = machine();
    const log = vi.fn();
    expect(await ensureRedisServerOn(fake, { log })).toBe(installedPath);
    expect(state.runs).toEqual([
      'apt-get update',
      'apt-get install -y --no-install-recommends redis-server',
    ]);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]?.[0]).toMatch(
      /^redis-server is not on the PATH: installing it with apt-get/,
    );
    expect(await exists(fake.lockPath)).toBe(false);
  });

  it('runs apt-get once for concurrent calls in one process', async () => {
    // Were the later calls not sharing the first one's install, they would find its lock and
    // sleep a minute before looking again: the test's timeout would end them first.
    const { fake, state } = machine({ pollMs: 60_000 });
    const found = await Promise.all([
      ensureRedisServerOn(fake, { log: () => {} }),
      ensureRedisServerOn(fake, { log: () => {} }),
      ensureRedisServerOn(fake, { log: () => {} }),
    ]);
    expect(found).toEqual([installedPath, installedPath, installedPath]);
    expect(state.runs).toHaveLength(2);
  });

  it('waits for another process that holds the lock to finish, without running apt-get', async () => {
    const { fake, state } = machine();
    // This process is alive, so the lock counts as another live installer's.
    await writeFile(fake.lockPath, `${process.pid}\n`);
    setTimeout(() => {
      state.installed = installedPath;
    }, 100);
    expect(await ensureRedisServerOn(fake, { log: () => {} })).toBe(installedPath);
    expect(state.runs).toEqual([]);
    await rm(fake.lockPath);
  });

  it('takes over a lock left by a process that died, and installs', async () => {
    const { fake, state } = machine();
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    await writeFile(fake.lockPath, `${dead.pid}\n`);
    expect(await ensureRedisServerOn(fake, { log: () => {} })).toBe(installedPath);
    expect(state.runs).toHaveLength(2);
    expect(await exists(fake.lockPath)).toBe(false);
  });

  it('waits for another process for a bounded time only', async () => {
    const { fake, state } = machine({ lockWaitMs: 100 });
    await writeFile(fake.lockPath, `${process.pid}\n`);
    await expect(ensureRedisServerOn(fake, { log: () => {} })).rejects.toThrow(
      `another process has held ${fake.lockPath}`,
    );
    expect(state.runs).toEqual([]);
    expect(await readFile(fake.lockPath, 'utf8')).toBe(`${process.pid}\n`);
    await rm(fake.lockPath);
  });

  it('passes on a failed apt-get with its output, and frees the lock', async () => {
    const { fake } = machine({
      run: async () => {
        throw new Error('apt-get update failed (exit code 100):\nE: Could not resolve host');
      },
    });
    await expect(ensureRedisServerOn(fake, { log: () => {} })).rejects.toThrow(
      'Could not resolve host',
    );
    expect(await exists(fake.lockPath)).toBe(false);
  });
});
