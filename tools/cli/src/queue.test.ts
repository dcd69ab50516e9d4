/**
 * `smtp queue`, run as a user runs it (`node dist/bin.js ...` in a child process) against a real
 * redis-server and the embedded SMTP server: files added then counted, a worker that sends them
 * and stops on SIGTERM, jobs held after an unknown outcome (listed, released and sent again,
 * discarded), an id added twice, the exit codes of bad input, of a job that is not there and of
 * a Redis that cannot be reached, and a Redis password that never shows in any output.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Fault,
  type RunningRedis,
  type RunningSmtpServer,
  startRedis,
  startSmtpServer,
} from 'test-servers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CliInputError } from './cli-error.ts';
import { ExitCode } from './exit-codes.ts';
import { parseRedisUrl } from './redis-target.ts';
import { type CliRun, runSmtp, type StartedRun, startSmtp } from './testing/run-cli.ts';

let redis: RunningRedis;
let server: RunningSmtpServer;
let dir: string;
/**
 * What the server does after the end of data: `drop` stores the message and closes the
 * connection without a reply (the client cannot know: the job is held); a 550 refuses it.
 */
let afterData: Fault | undefined;
/** Workers started by the test: a failed test must not leave one running. */
const workers = new Set<StartedRun>();

beforeAll(async () => {
  [redis, server, dir] = await Promise.all([
    startRedis(),
    startSmtpServer({
      security: 'none',
      faults: (point) => (point.phase === 'message' ? afterData : undefined),
    }),
    mkdtemp(join(tmpdir(), 'smtp-cli-queue-test-')),
  ]);
  for (const name of ['one', 'two']) {
    await writeFile(
      join(dir, `${name}.eml`),
      `From: ann@example.com\r\nTo: bob@example.org\r\nSubject: ${name}\r\nMessage-ID: <${name}@example.com>\r\n\r\nHello, ${name}.\r\n`,
    );
  }
});
afterAll(async () => {
  await Promise.all([redis?.close(), server?.close()]);
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.reset();
  afterData = undefined;
});
afterEach(() => {
  for (const worker of workers) {
    if (worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGKILL');
    }
  }
  workers.clear();
});

const smtpUrl = (): string => `smtp://127.0.0.1:${server.port}`;
const file = (name: string): string => join(dir, `${name}.eml`);
const envelope = ['--from', 'ann@example.com', '--to', 'bob@example.org'];

/** `smtp queue <args>` on queue `name` of the test's Redis (or the `--redis` in `args`). */
function queue(
  name: string,
  args: readonly string[],
  env?: Record<string, string>,
): Promise<CliRun> {
  const redisFlag = args.includes('--redis') || env !== undefined ? [] : ['--redis', redis.url];
  return runSmtp(['queue', ...args, ...redisFlag, '--queue', name], env ? { env } : {});
}

/** A worker on queue `name`, once it says it is ready. */
async function startWorker(
  name: string,
  extra: readonly string[] = [],
  env?: Record<string, string>,
): Promise<StartedRun> {
  const redisFlag = extra.includes('--redis') || env !== undefined ? [] : ['--redis', redis.url];
  const run = startSmtp(
    ['queue', 'worker', ...redisFlag, '--url', smtpUrl(), '--queue', name, '--verbose', ...extra],
    env ? { env } : {},
  );
  workers.add(run);
  await until(
    () => run.output().stderr.includes(' ready: '),
    () => `the worker to be ready; it wrote: ${run.output().stderr}`,
  );
  return run;
}

/** Resolves when `check()` holds, polling; fails after 10 s with `what`. */
async function until(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The rows of a table, label -> value. */
function table(stdout: string): Record<string, string> {
  const rows: Record<string, string> = {};
  for (const line of stdout.trim().split('\n')) {
    const match = /^(\S+(?: \S+)?) {2,}(.*)$/.exec(line);
    if (match !== null) rows[match[1] as string] = match[2] as string;
  }
  return rows;
}

function json(run: CliRun): Record<string, unknown> {
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

function messageIdOf(raw: Uint8Array): string | undefined {
  return /^message-id:[ \t]*(<[^>\r\n]*>)/im.exec(Buffer.from(raw).toString('latin1'))?.[1];
}

const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

describe('smtp queue add, stats and worker', () => {
  it('adds two .eml files, counts them waiting, and a worker sends both, then stops on SIGTERM with exit 0', async () => {
    const name = `t-${randomUUID()}`;
    const added = await queue(name, ['add', file('one'), file('two'), ...envelope]);
    expect(added.code).toBe(ExitCode.ok);
    expect(added.stdout).toMatch(/one\.eml: queued as \S+ \(Message-ID <one@example\.com>\)/);
    expect(added.stdout).toMatch(/two\.eml: queued as \S+ \(Message-ID <two@example\.com>\)/);

    const stats = await queue(name, ['stats']);
    expect(stats.code).toBe(ExitCode.ok);
    expect(table(stats.stdout)).toEqual({
      queue: `${name} at ${redis.url}`,
      waiting: '2',
      delayed: '0',
      active: '0',
      completed: '0',
      failed: '0',
      held: '0',
    });

    const worker = await startWorker(name);
    await until(() => server.messages.length === 2, 'both messages');
    expect(server.messages.map((m) => messageIdOf(m.raw)).sort()).toEqual([
      '<one@example.com>',
      '<two@example.com>',
    ]);
    for (const message of server.messages) {
      expect(message.envelope).toMatchObject({
        mailFrom: 'ann@example.com',
        rcptTo: ['bob@example.org'],
      });
    }
    await until(() => count(worker.output().stderr, / sent \S+ </g) === 2, 'two sent lines');
    worker.child.kill('SIGTERM');
    const stopped = await worker.done;
    expect(stopped.code).toBe(ExitCode.ok);
    expect(stopped.stderr).toMatch(
      / sent \S+ <one@example\.com>: accepted for 1 of 1 recipients, 250 /,
    );
    expect(stopped.stderr).toMatch(/ stopping \(SIGTERM\): taking no new jobs/);
    expect(stopped.stderr).toMatch(/ stopped: 2 sent, 0 retrying, 0 failed, 0 held\n$/);
    expect(server.messages).toHaveLength(2);
  });

  it('adds an id once: the second add with it stores nothing and says it was already queued', async () => {
    const name = `t-${randomUUID()}`;
    const first = await queue(name, ['add', file('one'), ...envelope, '--id', 'welcome-1']);
    expect(first.code).toBe(ExitCode.ok);
    expect(first.stdout).toMatch(/one\.eml: queued as welcome-1 \(Message-ID <one@example\.com>\)/);
    const [again, asJson] = await Promise.all([
      queue(name, ['add', file('two'), ...envelope, '--id', 'welcome-1']),
      queue(name, ['add', file('two'), ...envelope, '--id', 'welcome-1', '--json']),
    ]);
    expect(again.code).toBe(ExitCode.ok);
    expect(again.stdout).toMatch(/two\.eml: already queued as welcome-1, nothing stored/);
    expect(json(asJson)).toEqual({
      ok: true,
      exitCode: 0,
      queue: name,
      jobs: [
        {
          file: file('two'),
          id: 'welcome-1',
          queued: false,
          // The job that is there: the first file's.
          messageId: '<one@example.com>',
          size: expect.any(Number),
        },
      ],
    });
  });
});

describe('held jobs', () => {
  it('lists jobs held after an unknown outcome, releases one (sent again), discards another; a 5xx fails a job', async () => {
    const name = `t-${randomUUID()}`;
    afterData = { action: 'drop' };
    const added = await queue(name, [
      'add',
      file('one'),
      file('two'),
      ...envelope,
      '--id-from-name',
    ]);
    expect(added.stdout).toMatch(/one\.eml: queued as one /);
    expect(added.stdout).toMatch(/two\.eml: queued as two /);
    const worker = await startWorker(name);
    await until(() => count(worker.output().stderr, / held \S+ </g) === 2, 'two held lines');
    expect(worker.output().stderr).toMatch(
      / held one <one@example\.com>: SMTP_[A-Z_]+: .*\(see smtp queue held, then release or discard it\)/,
    );
    // Both were stored by the server before it dropped the connection.
    expect(server.messages).toHaveLength(2);

    // The hold is recorded just before BullMQ marks the job failed: wait for both.
    let listed: Record<string, unknown> = {};
    await until(async () => {
      listed = json(await queue(name, ['held', '--json']));
      return (listed.held as unknown[]).length === 2;
    }, 'both jobs held');
    const held = listed.held as Record<string, unknown>[];
    expect(held.map((job) => job.id).sort()).toEqual(['one', 'two']);
    expect(held.find((job) => job.id === 'one')).toEqual({
      id: 'one',
      messageId: '<one@example.com>',
      from: 'ann@example.com',
      to: ['bob@example.org'],
      size: expect.any(Number),
      attempts: 1,
      code: expect.stringMatching(/^SMTP_[A-Z_]+$/),
      reason: expect.stringContaining('may have been delivered'),
      heldAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });

    const [text, stats] = await Promise.all([queue(name, ['held']), queue(name, ['stats'])]);
    expect(text.code).toBe(ExitCode.ok);
    const blocks = text.stdout.trim().split('\n\n').map(table);
    expect(blocks).toHaveLength(2);
    expect(blocks.find((rows) => rows.job === 'one')).toMatchObject({
      job: 'one',
      'message-id': '<one@example.com>',
      from: 'ann@example.com',
      to: 'bob@example.org',
      'held at': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      code: expect.stringMatching(/^SMTP_[A-Z_]+$/),
      reason: expect.stringContaining('may have been delivered'),
    });
    expect(table(stats.stdout).held).toBe('2');

    afterData = undefined;
    const released = await queue(name, ['release', 'one']);
    expect(released.code).toBe(ExitCode.ok);
    expect(released.stdout).toBe('one: released: it waits to be sent again\n');
    await until(() => / sent one </.test(worker.output().stderr), 'the released job to be sent');
    expect(server.messages).toHaveLength(3);
    expect(messageIdOf(server.messages[2]?.raw as Uint8Array)).toBe('<one@example.com>');

    const discarded = await queue(name, ['discard', 'two']);
    expect(discarded.code).toBe(ExitCode.ok);
    expect(discarded.stdout).toBe('two: discarded: removed from the queue for good\n');

    // Neither is held any more: one was sent, two is gone.
    const [again, gone] = await Promise.all([
      queue(name, ['discard', 'one']),
      queue(name, ['release', 'two', '--json']),
    ]);
    expect(again.code).toBe(ExitCode.notFound);
    expect(again.stderr).toMatch(
      /smtp: SMTP_QUEUE_NOT_HELD: job "one" is completed, not held: only a held job can be discarded/,
    );
    expect(gone.code).toBe(ExitCode.notFound);
    expect(json(gone)).toEqual({
      ok: false,
      exitCode: ExitCode.notFound,
      queue: name,
      action: 'release',
      jobs: [
        {
          id: 'two',
          ok: false,
          code: 'SMTP_QUEUE_NOT_FOUND',
          message: expect.stringContaining(`queue ${name} holds no job "two"`),
        },
      ],
    });

    // A 5xx fails a job at once, and the line says which message it was.
    afterData = { action: 'reply', code: 550 };
    await queue(name, ['add', file('two'), ...envelope, '--id', 'refused-1']);
    await until(() => / failed refused-1 /.test(worker.output().stderr), 'the refused job to fail');
    expect(worker.output().stderr).toMatch(/ failed refused-1 <two@example\.com>: SMTP_[A-Z_]+: /);

    worker.child.kill('SIGTERM');
    const stopped = await worker.done;
    expect(stopped.code).toBe(ExitCode.ok);
    expect(stopped.stderr).toMatch(/ stopped: 1 sent, 0 retrying, 1 failed, 2 held/);
  });
});

describe('exit codes', () => {
  it('bad input is 2 with nothing stored, a job not there is 7, a Redis that cannot be reached is 5', async () => {
    const name = `t-${randomUUID()}`;
    const [twoFilesOneId, integerId, badRelease, notThere, noRedis, notRedis, unreachable, noUrl] =
      await Promise.all([
        queue(name, ['add', file('one'), file('two'), ...envelope, '--id', 'x']),
        queue(name, ['add', file('one'), ...envelope, '--id', '42']),
        queue(name, ['release', 'ok-id', '42']),
        queue(name, ['release', 'nope']),
        runSmtp(['queue', 'stats']),
        queue(name, ['stats', '--redis', 'http://127.0.0.1:6379']),
        queue(name, ['stats', '--redis', 'redis://127.0.0.1:1']),
        runSmtp(['queue', 'worker', '--redis', redis.url]),
      ]);
    expect(twoFilesOneId.code).toBe(ExitCode.usage);
    expect(twoFilesOneId.stderr).toMatch(/--id names one job, and 2 files were given/);
    expect(integerId.code).toBe(ExitCode.usage);
    expect(integerId.stderr).toMatch(/smtp: SMTP_CLI_USAGE: "42" \(--id\) cannot be a job id/);
    expect(badRelease.code).toBe(ExitCode.usage);
    expect(badRelease.stderr).toMatch(/"42" cannot be a job id/);
    expect(notThere.code).toBe(ExitCode.notFound);
    expect(notThere.stderr).toMatch(/smtp: SMTP_QUEUE_NOT_FOUND: queue \S+ holds no job "nope"/);
    expect(noRedis.code).toBe(ExitCode.usage);
    expect(noRedis.stderr).toMatch(
      /missing --redis \(or the SMTP_REDIS_URL environment variable\)/,
    );
    expect(notRedis.code).toBe(ExitCode.usage);
    expect(notRedis.stderr).toMatch(
      /SMTP_CLI_REDIS_URL: --redis must be a redis:\/\/ or rediss:\/\//,
    );
    expect(unreachable.code).toBe(ExitCode.notSent);
    expect(unreachable.stderr).toMatch(/smtp: SMTP_CLI_REDIS: Redis at redis:\/\/127\.0\.0\.1:1: /);
    expect(noUrl.code).toBe(ExitCode.usage);
    expect(noUrl.stderr).toMatch(/missing --url/);
    expect(json(await queue(name, ['stats', '--json']))).toMatchObject({ waiting: 0, held: 0 });
  });

  it('documents the commands and the exit codes in --help', async () => {
    const [top, group, worker] = await Promise.all([
      runSmtp(['--help']),
      runSmtp(['queue', '--help']),
      runSmtp(['queue', 'worker', '--help']),
    ]);
    expect(top.stdout).toMatch(/^ {2}queue /m);
    expect(top.stdout).toMatch(/^ {2}7 {2}queue release\/discard: no job with that id/m);
    for (const command of ['worker', 'add', 'stats', 'held', 'release', 'discard']) {
      expect(group.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
      expect(group.stdout).toContain(`$ smtp queue ${command}`);
    }
    expect(worker.stdout).toMatch(/\(env:\s+SMTP_REDIS_URL\)/);
    expect(worker.stdout).toContain('--connections <n>');
  });
});

describe('a Redis password', () => {
  it('never shows in any output: the URL is printed as redis://:***@host:port', async () => {
    const password = `pw-${randomUUID()}`;
    const wrong = `wrong-${randomUUID()}`;
    const secured = await startRedis({ password });
    try {
      const url = `redis://:${password}@127.0.0.1:${secured.port}`;
      const shown = `redis://:***@127.0.0.1:${secured.port}`;
      const name = `t-${randomUUID()}`;
      const env = { SMTP_REDIS_URL: url };
      const runs: CliRun[] = [];
      runs.push(await queue(name, ['add', file('one'), file('two'), ...envelope, '--redis', url]));
      const [stats, statsJson, missing, refused] = await Promise.all([
        queue(name, ['stats'], env),
        queue(name, ['stats', '--json', '--redis', url]),
        queue(name, ['release', 'nope', '--json'], env),
        queue(name, ['stats', '--redis', `redis://:${wrong}@127.0.0.1:${secured.port}`]),
      ]);
      runs.push(stats, statsJson, missing, refused);
      expect(runs[0]?.code).toBe(ExitCode.ok);
      expect(table(stats.stdout).queue).toBe(`${name} at ${shown}`);
      expect(json(statsJson)).toMatchObject({ redis: shown, waiting: 2 });
      expect(missing.code).toBe(ExitCode.notFound);
      expect(refused.code).toBe(ExitCode.notSent);
      expect(refused.stderr).toMatch(
        /SMTP_CLI_REDIS: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS/,
      );

      const worker = await startWorker(name, [], env);
      await until(() => server.messages.length === 2, 'both messages');
      worker.child.kill('SIGTERM');
      const stopped = await worker.done;
      expect(stopped.code).toBe(ExitCode.ok);
      expect(stopped.stderr).toContain(` ready: queue ${name} at ${shown}, sending to `);
      runs.push(stopped);

      for (const run of runs) {
        expect(run.stdout + run.stderr).not.toContain(password);
        expect(run.stdout + run.stderr).not.toContain(wrong);
      }
    } finally {
      await secured.close();
    }
  });
});

describe('parseRedisUrl', () => {
  it('takes the parts of a Redis URL and shows it with the password hidden', () => {
    const plain = parseRedisUrl('redis://127.0.0.1');
    expect(plain.display).toBe('redis://127.0.0.1:6379');
    expect(plain.options).toMatchObject({ host: '127.0.0.1', port: 6379 });
    expect(plain.options).not.toHaveProperty('password');

    const full = parseRedisUrl('rediss://ops%40x:p%40ss%20word@redis.example.com:6380/3');
    expect(full.display).toBe('rediss://ops%40x:***@redis.example.com:6380/3');
    expect(full.options).toMatchObject({
      host: 'redis.example.com',
      port: 6380,
      username: 'ops@x',
      password: 'p@ss word',
      db: 3,
      tls: { servername: 'redis.example.com' },
    });
    expect(parseRedisUrl('redis://:secret@[::1]:7000').display).toBe('redis://:***@[::1]:7000');
    expect(parseRedisUrl('redis://:secret@[::1]:7000').options).toMatchObject({ host: '::1' });
  });

  it('gives up on a failed connection until told to keep reconnecting', () => {
    const target = parseRedisUrl('redis://127.0.0.1:6379');
    expect(target.options.retryStrategy(1)).toBeNull();
    target.keepReconnecting();
    expect(target.options.retryStrategy(1)).toBeGreaterThan(0);
    expect(target.options.retryStrategy(1000)).toBeLessThanOrEqual(5000);
  });

  it.each([
    ['', 'SMTP_CLI_USAGE'],
    ['http://user:secret@127.0.0.1', 'SMTP_CLI_REDIS_URL'],
    ['redis://:secret@127.0.0.1/x', 'SMTP_CLI_REDIS_URL'],
    ['redis://:secret@127.0.0.1/?family=6', 'SMTP_CLI_REDIS_URL'],
    ['redis://:%E0%A4%A@127.0.0.1', 'SMTP_CLI_REDIS_URL'],
    ['not a url secret', 'SMTP_CLI_REDIS_URL'],
  ])('refuses %j without repeating it', (input, code) => {
    const error = (() => {
      try {
        parseRedisUrl(input);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CliInputError);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).not.toContain('secret');
  });
});
