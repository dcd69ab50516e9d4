/**
 * Many messages through the pool, run as a user runs them (`node dist/bin.js ...` in a child
 * process) against `test-servers` on loopback: `send --count` (fresh Message-IDs, the
 * connections bounded by --concurrency), `bulk` over a folder of .eml files, refused
 * recipients in the summary and the exit code, retries, the JSON summary, bad flags, and Ctrl-C
 * (first: finish what was handed over; second: drop the connections).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningSmtpServer, type StartSmtpServerOptions, startSmtpServer } from 'test-servers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from './exit-codes.ts';
import { runSmtp, startSmtp } from './testing/run-cli.ts';

let server: RunningSmtpServer;
let dir: string;
/** Per test: the reply code for a recipient at its n-th RCPT (from 1), or undefined to accept. */
let refuse: (address: string, n: number) => number | undefined = () => undefined;
const rcptCalls = new Map<string, number>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smtp-cli-bulk-test-'));
  server = await startSmtpServer({
    rejectRecipients: (address) => {
      const n = (rcptCalls.get(address) ?? 0) + 1;
      rcptCalls.set(address, n);
      return refuse(address, n);
    },
  });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.reset();
  rcptCalls.clear();
  refuse = () => undefined;
});

const url = (): string => `smtp://127.0.0.1:${server.port}`;

const sendMany = (extra: string[] = [], to = ['bob@example.org']): string[] => [
  'send',
  '--url',
  url(),
  '--from',
  'Ann <ann@example.com>',
  ...to.flatMap((address) => ['--to', address]),
  '--subject',
  'Load test',
  '--text',
  'Hello again.',
  ...extra,
];

/** The rows of the summary table, label -> value. */
function table(stdout: string): Record<string, string> {
  const rows: Record<string, string> = {};
  for (const line of stdout.trim().split('\n')) {
    const match = /^(\S+) {2,}(.*)$/.exec(line);
    if (match !== null) rows[match[1] as string] = match[2] as string;
  }
  return rows;
}

function header(raw: Uint8Array | undefined, name: string): string | undefined {
  const text = Buffer.from(raw ?? new Uint8Array()).toString('utf8');
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  return new RegExp(`^${name}: *(.*)$`, 'mi').exec(head)?.[1]?.trim();
}

describe('smtp send --count', () => {
  it('sends 50 fresh messages over at most 4 connections: all accepted, 50 distinct Message-IDs, the same subject', async () => {
    const run = await runSmtp(sendMany(['--count', '50', '--concurrency', '4']));
    expect(run.code).toBe(ExitCode.ok);
    expect(server.messages).toHaveLength(50);
    const ids = server.messages.map((m) => header(m.raw, 'Message-ID'));
    expect(ids.every((id) => id !== undefined && /^<[^@>]+@example\.com>$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(50);
    expect(new Set(server.messages.map((m) => header(m.raw, 'Subject')))).toEqual(
      new Set(['Load test']),
    );
    expect(new Set(server.messages.map((m) => m.connectionId)).size).toBeLessThanOrEqual(4);
    for (const m of server.messages) {
      expect(m.envelope.mailFrom).toBe('ann@example.com');
      expect(m.envelope.rcptTo).toEqual(['bob@example.org']);
    }

    const rows = table(run.stdout);
    expect(rows).toMatchObject({
      messages: '50',
      accepted: '50',
      partial: '0',
      rejected: '0',
      'not-sent': '0',
      unknown: '0',
      retried: '0',
    });
    expect(Number(rows.connections)).toBeGreaterThanOrEqual(1);
    expect(Number(rows.connections)).toBeLessThanOrEqual(4);
    expect(rows.elapsed).toMatch(/^\d+(\.\d+)? m?s$/);
    expect(rows['msg/s']).toMatch(/^\d+\.\d$/);
    expect(rows.interrupted).toBeUndefined();
    // Not a terminal: a plain line at each quarter and at the end, no cursor control.
    const lines = run.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      expect(line).toMatch(
        /^done \d+ of 50 messages \(\d+%\), 0 not accepted, [\d.]+ msg\/s, .* left$/,
      );
    }
    expect(lines.at(-1)).toMatch(/^done 50 of 50 messages \(100%\)/);
    expect(run.stderr).not.toContain('\x1b');
  });

  it('prints one JSON object with --json, and nothing on stderr', async () => {
    const run = await runSmtp(sendMany(['--count', '6', '--concurrency', '2', '--json']));
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stderr).toBe('');
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toEqual({
      ok: true,
      exitCode: 0,
      total: 6,
      started: 6,
      outcomes: { accepted: 6, partial: 0, rejected: 0, 'not-sent': 0, unknown: 0 },
      skipped: 0,
      interrupted: false,
      retried: 0,
      connections: { opened: expect.any(Number), failed: 0 },
      elapsedMs: expect.any(Number),
      messagesPerSecond: expect.any(Number),
      failures: [],
      failuresOmitted: 0,
    });
    expect((summary.connections as { opened: number }).opened).toBeLessThanOrEqual(2);
    expect(server.messages).toHaveLength(6);
  });

  it('counts the messages a server refuses, reports each on stderr, and exits 4 (rejected)', async () => {
    // Every 4th RCPT for bob is refused: 3 messages of 12.
    refuse = (address, n) => (address === 'bob@example.org' && n % 4 === 0 ? 550 : undefined);
    const run = await runSmtp(sendMany(['--count', '12', '--concurrency', '3']));
    expect(run.code).toBe(ExitCode.rejected);
    expect(table(run.stdout)).toMatchObject({
      messages: '12',
      accepted: '9',
      partial: '0',
      rejected: '3',
      'not-sent': '0',
      unknown: '0',
    });
    const refused = run.stderr.match(/^smtp: message \d+: SMTP_REPLY \(rejected\): .*$/gm) ?? [];
    expect(refused).toHaveLength(3);
    expect(run.stderr).toMatch(/^ {2}refused bob@example\.org: 550 /m);
    expect(server.messages).toHaveLength(9);
  });

  it('counts partial and rejected messages in the JSON summary; the worst outcome sets the exit code', async () => {
    // carol is always refused (every message is at best partial); bob at every 3rd RCPT.
    refuse = (address, n) =>
      address === 'carol@example.org' || (address === 'bob@example.org' && n % 3 === 0)
        ? 550
        : undefined;
    const run = await runSmtp(
      sendMany(['--count', '9', '--json'], ['bob@example.org', 'carol@example.org']),
    );
    expect(run.code).toBe(ExitCode.rejected);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      ok: false,
      exitCode: ExitCode.rejected,
      outcomes: { accepted: 0, partial: 6, rejected: 3, 'not-sent': 0, unknown: 0 },
      failuresOmitted: 0,
    });
    expect(summary.failures).toHaveLength(9);
    const indexes = summary.failures.map((f: { index: number }) => f.index);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(summary.failures).toContainEqual({
      index: expect.any(Number),
      outcome: 'partial',
      code: null,
      message: 'refused by 1 of 2 recipients',
      attempts: 1,
      rejected: [
        {
          recipient: 'carol@example.org',
          reply: expect.objectContaining({ code: 550, command: 'RCPT' }),
        },
      ],
      messageId: expect.stringMatching(/^<.+@example\.com>$/),
    });
    expect(summary.failures).toContainEqual(
      expect.objectContaining({
        outcome: 'rejected',
        code: 'SMTP_REPLY',
        attempts: 1,
        rejected: [
          expect.objectContaining({ recipient: 'bob@example.org' }),
          expect.objectContaining({ recipient: 'carol@example.org' }),
        ],
      }),
    );
  });

  it('exits 3 (partial) when every message is accepted for some recipients only', async () => {
    refuse = (address) => (address === 'carol@example.org' ? 550 : undefined);
    const run = await runSmtp(
      sendMany(['--count', '4', '--quiet'], ['bob@example.org', 'carol@example.org']),
    );
    expect(run.code).toBe(ExitCode.partial);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^smtp: message \d+: partial: refused carol@example\.org: 550 /m);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      'smtp: 4 of 4 messages not accepted by every recipient: 4 partial',
    );
  });

  it('retries a temporary refusal with --retries, and not with --retries 0', async () => {
    // The first two RCPTs get 451: two messages need a second attempt.
    refuse = (_address, n) => (n <= 2 ? 451 : undefined);
    const retried = await runSmtp(sendMany(['--count', '4', '--retries', '2', '--json']));
    expect(retried.code).toBe(ExitCode.ok);
    expect(JSON.parse(retried.stdout)).toMatchObject({
      ok: true,
      outcomes: { accepted: 4, rejected: 0 },
      retried: 2,
    });
    expect(server.messages).toHaveLength(4);

    server.reset();
    rcptCalls.clear();
    const once = await runSmtp(sendMany(['--count', '4', '--retries', '0', '--json']));
    expect(once.code).toBe(ExitCode.rejected);
    expect(JSON.parse(once.stdout)).toMatchObject({
      outcomes: { accepted: 2, rejected: 2 },
      retried: 0,
    });
  });

  it('keeps to --rate', async () => {
    const started = performance.now();
    const run = await runSmtp(sendMany(['--count', '6', '--rate', '3/s', '--json']));
    expect(run.code).toBe(ExitCode.ok);
    // 3 in the first second, 3 in the next: the last one starts a second after the first.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    const times = server.messages.map((m) => m.receivedAt).sort((a, b) => a - b);
    expect((times[5] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(900);
  });
});

describe('smtp bulk', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(dir, 'outbox-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const eml = (n: number): string =>
    `From: ann@example.com\r\nTo: list@example.org\r\nSubject: issue ${n}\r\nMessage-ID: <issue-${n}@example.com>\r\n\r\nbody ${n}\r\n`;

  it('sends every .eml file of a folder as it is, in name order, with the envelope from the flags', async () => {
    for (let n = 1; n <= 7; n++)
      await writeFile(join(folder, `${String(n).padStart(2, '0')}.eml`), eml(n));
    await writeFile(join(folder, 'notes.txt'), 'not a message');
    await mkdir(join(folder, 'sub.eml'));
    await mkdir(join(folder, 'nested'));
    await writeFile(join(folder, 'nested', '99.eml'), eml(99));
    const run = await runSmtp([
      'bulk',
      folder,
      '--url',
      url(),
      '--from',
      'bounces@example.com',
      '--to',
      'Bob <bob@example.org>, carol@example.org',
      '--concurrency',
      '3',
    ]);
    expect(run.code).toBe(ExitCode.ok);
    expect(table(run.stdout)).toMatchObject({ messages: '7', accepted: '7', rejected: '0' });
    expect(server.messages).toHaveLength(7);
    const subjects = server.messages.map((m) => header(m.raw, 'Subject')).sort();
    expect(subjects).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `issue ${n}`));
    for (const m of server.messages) {
      const n = Number(header(m.raw, 'Subject')?.split(' ')[1]);
      expect(Buffer.from(m.raw).toString('utf8')).toBe(eml(n));
      expect(m.envelope.mailFrom).toBe('bounces@example.com');
      expect(m.envelope.rcptTo).toEqual(['bob@example.org', 'carol@example.org']);
    }
  });

  it('sends the files named, and prints a JSON summary with the refused ones by file', async () => {
    const files = [1, 2, 3].map((n) => join(folder, `m${n}.eml`));
    for (const [i, file] of files.entries()) await writeFile(file, eml(i + 1));
    refuse = (_address, n) => (n === 2 ? 550 : undefined);
    const run = await runSmtp([
      'bulk',
      ...files,
      '--url',
      url(),
      '--from',
      'ann@example.com',
      '--to',
      'bob@example.org',
      '--concurrency',
      '1',
      '--json',
    ]);
    expect(run.code).toBe(ExitCode.rejected);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      total: 3,
      outcomes: { accepted: 2, rejected: 1 },
      failures: [{ index: 2, file: files[1], outcome: 'rejected', code: 'SMTP_REPLY' }],
    });
    expect(server.messages).toHaveLength(2);
  });

  describe('bad input exits 2 and sends nothing', () => {
    it.each([
      ['a folder without .eml files', (f: string) => [f], /SMTP_CLI_FILE: no \.eml files in /],
      [
        'a missing path',
        (f: string) => [join(f, 'nope')],
        /SMTP_CLI_FILE: cannot read .*nope: no such file/,
      ],
      ['no --from', (f: string) => [f, '--from'], /SMTP_CLI_USAGE: missing --from/],
      [
        'no recipient',
        (f: string) => [f, '--to'],
        /SMTP_CLI_USAGE: missing recipient: give --to, --cc or --bcc/,
      ],
      [
        'an invalid envelope address',
        (f: string) => [f, '--from', 'not an address'],
        /^smtp: SMTP_INVALID_[A-Z_]+ \(not-sent\): /m,
      ],
    ])('%s', async (name, args, pattern) => {
      if (name !== 'a folder without .eml files') await writeFile(join(folder, 'a.eml'), eml(1));
      const [path, drop, value] = args(folder);
      const flags: Record<string, string> = {
        '--url': url(),
        '--from': 'ann@example.com',
        '--to': 'bob@example.org',
      };
      if (drop !== undefined) {
        if (value === undefined) delete flags[drop];
        else flags[drop] = value;
      }
      const run = await runSmtp(['bulk', path ?? folder, ...Object.entries(flags).flat()]);
      expect(run.stderr).toMatch(pattern);
      expect(run.code).toBe(ExitCode.usage);
      expect(server.messages).toHaveLength(0);
    });
  });
});

describe('pool flags', () => {
  it.each([
    [['--count', '0'], /--count must be a whole number 1 or more/],
    [['--count', '2.5'], /--count must be a whole number 1 or more/],
    [['--concurrency', '0'], /--concurrency must be a whole number from 1 to 1000/],
    [['--concurrency', '1001'], /--concurrency must be a whole number from 1 to 1000/],
    [['--retries', '-1'], /--retries must be a whole number from 0 to 100/],
    [['--rate', '10'], /--rate must be messages per second, minute or hour, like 10\/s/],
    [['--rate', '10/d'], /--rate must be messages per second, minute or hour/],
    [['--rate', '0/s'], /--rate must be messages per second, minute or hour/],
    [['--rate', 'fast'], /--rate must be messages per second, minute or hour/],
  ])('%j is refused with a clear error (exit 2)', async (extra, pattern) => {
    const run = await runSmtp(sendMany(extra));
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(/error: option '--[a-z]+ <[^>]+>' argument '.*' is invalid\./);
    expect(run.stderr).toMatch(pattern);
    expect(server.messages).toHaveLength(0);
  });

  it('bulk takes the same checks', async () => {
    const run = await runSmtp(['bulk', dir, '--concurrency', '0', '--url', url()]);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(/--concurrency must be a whole number from 1 to 1000/);
  });

  it('--count cannot be combined with --raw', async () => {
    const file = join(dir, 'raw.eml');
    await writeFile(file, 'Subject: raw\r\n\r\nraw\r\n');
    const run = await runSmtp([
      'send',
      '--url',
      url(),
      '--from',
      'ann@example.com',
      '--to',
      'bob@example.org',
      '--raw',
      file,
      '--count',
      '3',
    ]);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toContain('--raw sends one file as it is and cannot make fresh messages');
    expect(server.messages).toHaveLength(0);
  });

  it('the help of send and bulk documents the pool options', async () => {
    for (const command of ['send', 'bulk']) {
      const run = await runSmtp([command, '--help']);
      expect(run.code).toBe(ExitCode.ok);
      for (const flag of ['--concurrency <n>', '--rate <n/unit>', '--retries <n>'])
        expect(run.stdout).toContain(flag);
      expect(run.stdout).toContain('Ctrl-C stops taking messages');
      expect(run.stdout).toContain('Many messages (send --count, bulk)');
    }
    expect((await runSmtp(['send', '--help'])).stdout).toContain('--count <n>');
    expect((await runSmtp(['--help'])).stdout).toMatch(/^ {2}bulk \[options\] <paths\.\.\.> /m);
  });
});

describe('Ctrl-C', () => {
  let slow: RunningSmtpServer | undefined;
  afterEach(async () => {
    await slow?.close();
    slow = undefined;
  });

  async function startSlow(options: StartSmtpServerOptions): Promise<RunningSmtpServer> {
    slow = await startSmtpServer(options);
    return slow;
  }

  async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('the first SIGINT stops taking messages, lets the ones handed over finish, and prints the summary (exit 5)', async () => {
    const s = await startSlow({ replyDelayMs: { message: 200 } });
    const run = startSmtp([
      'send',
      '--url',
      `smtp://127.0.0.1:${s.port}`,
      '--from',
      'ann@example.com',
      '--to',
      'bob@example.org',
      '--subject',
      'Interrupted',
      '--text',
      'x',
      '--count',
      '200',
      '--concurrency',
      '2',
    ]);
    await until(() => s.messages.length >= 2);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(ExitCode.notSent);
    const rows = table(result.stdout);
    const accepted = Number(rows.accepted);
    expect(rows.messages).toMatch(new RegExp(`^${accepted} of 200 handed over$`));
    expect(accepted).toBeGreaterThanOrEqual(2);
    expect(accepted).toBeLessThan(200);
    expect(rows.interrupted).toBe(`yes: ${200 - accepted} never handed over (safe to send)`);
    expect(rows).toMatchObject({ 'not-sent': '0', unknown: '0', rejected: '0' });
    // Every message handed over was finished, none was cut off.
    expect(s.messages).toHaveLength(accepted);
    expect(result.stderr).toContain(
      'smtp: interrupted: finishing the messages already handed over',
    );
  });

  it('a second SIGINT drops the connections: messages in flight end unknown, queued ones not sent', async () => {
    const s = await startSlow({ replyDelayMs: { message: 10_000 } });
    const run = startSmtp([
      'send',
      '--url',
      `smtp://127.0.0.1:${s.port}`,
      '--from',
      'ann@example.com',
      '--to',
      'bob@example.org',
      '--subject',
      'Aborted',
      '--text',
      'x',
      '--count',
      '50',
      '--concurrency',
      '2',
      '--json',
    ]);
    // Both connections have written their end of data and wait 10 s for the reply.
    await until(() => s.messages.length >= 2);
    run.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const aborted = performance.now();
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(performance.now() - aborted).toBeLessThan(5000);
    expect(result.code).toBe(ExitCode.unknown);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      ok: false,
      exitCode: ExitCode.unknown,
      interrupted: true,
      outcomes: { accepted: 0, unknown: 2 },
    });
    expect(summary.outcomes['not-sent']).toBe(summary.started - 2);
    expect(summary.skipped).toBe(50 - summary.started);
    expect(summary.failures).toContainEqual(
      expect.objectContaining({ outcome: 'not-sent', code: 'SMTP_CLIENT_CLOSED' }),
    );
  });
});
