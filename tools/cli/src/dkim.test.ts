/**
 * DKIM in the `smtp` command, run as a user runs it (`node dist/bin.js ...` in a child process):
 * `smtp dkim keygen` (the key to a new 0600 file or to stdout, the DNS record printed, never an
 * existing file overwritten) and `--dkim-key/--dkim-selector/--dkim-domain` on `send`,
 * `send --count` and `bulk`, what the server received verified by mailauth with the records
 * keygen printed as the only DNS; and the usage errors (exit code 2, nothing sent).
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningSmtpServer, startSmtpServer } from 'test-servers';
import { verifyDkim } from 'test-servers/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from './exit-codes.ts';
import { runSmtp } from './testing/run-cli.ts';

let server: RunningSmtpServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smtp-cli-dkim-test-'));
  server = await startSmtpServer({ size: 10 * 1024 * 1024 });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => server.reset());

/** A record as `keygen` prints it: `name  <name>` and `value  <value>` rows. */
function record(output: string): { name: string; value: string } {
  const name = /^name +(\S+)$/m.exec(output)?.[1];
  const value = /^value +(.+)$/m.exec(output)?.[1];
  if (name === undefined || value === undefined) throw new Error(`no record in:\n${output}`);
  return { name, value };
}

interface Key {
  readonly file: string;
  readonly selector: string;
  readonly record: { name: string; value: string };
}

async function keygen(algorithm: 'rsa' | 'ed25519', selector: string): Promise<Key> {
  const file = join(dir, `${selector}.pem`);
  const run = await runSmtp([
    'dkim',
    'keygen',
    '--selector',
    selector,
    '--domain',
    'example.com',
    '--algorithm',
    algorithm,
    '--out',
    file,
  ]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(ExitCode.ok);
  return { file, selector, record: record(run.stdout) };
}

const dkimFlags = (...keys: Key[]): string[] =>
  keys.flatMap((key) => [
    '--dkim-key',
    key.file,
    '--dkim-selector',
    key.selector,
    '--dkim-domain',
    'example.com',
  ]);

const send = (extra: string[] = []): string[] => [
  'send',
  '--url',
  `smtp://127.0.0.1:${server.port}`,
  '--from',
  'Ann <ann@example.com>',
  '--to',
  'bob@example.org',
  '--subject',
  'Signed',
  '--text',
  // Ending in a line break: the DATA encoder adds the last CRLF otherwise, after SIZE was counted.
  'Hello Bob.\n',
  ...extra,
];

/** Every message the server received verifies with these keys, in this order. */
async function expectVerified(keys: readonly Key[], count: number): Promise<void> {
  expect(server.messages).toHaveLength(count);
  for (const message of server.messages) {
    const results = (
      await verifyDkim(
        message.raw,
        keys.map((key) => key.record),
      )
    ).map((v) => v.result);
    expect(results).toEqual(keys.map(() => 'pass'));
    expect(message.envelope.mailParams.SIZE).toBe(String(message.raw.length));
  }
}

let ed: Key;
let rsa: Key;
beforeAll(async () => {
  [ed, rsa] = await Promise.all([keygen('ed25519', 'ed1'), keygen('rsa', 'rsa1')]);
}, 60_000);

describe('smtp dkim keygen', () => {
  it('writes the PKCS#8 key to a new 0600 file and prints the DNS record', async () => {
    const pem = await readFile(ed.file, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    expect((await stat(ed.file)).mode & 0o777).toBe(0o600);
    expect(ed.record.name).toBe('ed1._domainkey.example.com');
    expect(ed.record.value).toMatch(/^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
    expect(rsa.record.value).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
  });

  it('never overwrites an existing file: exit 2, the file as it was', async () => {
    const before = await readFile(ed.file, 'utf8');
    const run = await runSmtp([
      'dkim',
      'keygen',
      '--selector',
      'ed1',
      '--domain',
      'example.com',
      '--algorithm',
      'ed25519',
      '--out',
      ed.file,
    ]);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(/SMTP_CLI_FILE: cannot write --out .*: the file exists/);
    expect(run.stdout).toBe('');
    expect(await readFile(ed.file, 'utf8')).toBe(before);
  });

  it('without --out: the key alone on stdout, the record on stderr', async () => {
    const run = await runSmtp([
      'dkim',
      'keygen',
      '--selector',
      'out1',
      '--domain',
      'example.com',
      '--algorithm',
      'ed25519',
    ]);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    expect(record(run.stderr).name).toBe('out1._domainkey.example.com');
  });

  it.each([
    [['--domain', 'example.com'], /required option '--selector <selector>' not specified/],
    [['--selector', 's', '--domain', 'example.com', '--algorithm', 'dsa'], /Allowed choices/],
    [['--selector', 's', '--domain', 'example.com', '--bits', '512'], /--bits must be/],
    [
      ['--selector', 's', '--domain', 'example.com', '--algorithm', 'ed25519', '--bits', '2048'],
      /--bits is for RSA keys only/,
    ],
    [['--selector', 'a;b', '--domain', 'example.com', '--algorithm', 'ed25519'], /SMTP_DKIM_/],
  ])('refuses %j with exit code 2', async (args, message) => {
    const run = await runSmtp(['dkim', 'keygen', ...args]);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(message);
  });

  it('lists keygen in the help', async () => {
    const run = await runSmtp(['dkim', '--help']);
    expect(run.stdout).toContain('keygen');
    const help = await runSmtp(['dkim', 'keygen', '--help']);
    expect(help.code).toBe(ExitCode.ok);
    expect(help.stdout).toContain('--selector <selector>');
    expect(help.stdout).toContain('never overwritten');
  });
});

describe('smtp send and bulk with --dkim-key', () => {
  it('signs one message with an Ed25519 and an RSA key: both verify, Ed25519 on top', async () => {
    const run = await runSmtp(send(dkimFlags(ed, rsa)));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(ExitCode.ok);
    await expectVerified([ed, rsa], 1);
    const text = Buffer.from(server.messages[0]?.raw ?? []).toString();
    expect(text.startsWith('DKIM-Signature: ')).toBe(true);
    expect(text.indexOf('a=ed25519-sha256')).toBeLessThan(text.indexOf('a=rsa-sha256'));
  });

  it('signs a raw .eml', async () => {
    const eml = join(dir, 'raw.eml');
    await writeFile(
      eml,
      'From: ann@example.com\r\nTo: bob@example.org\r\nSubject: raw\r\n\r\nraw body\r\n',
    );
    const run = await runSmtp([
      'send',
      '--url',
      `smtp://127.0.0.1:${server.port}`,
      '--from',
      'ann@example.com',
      '--to',
      'bob@example.org',
      '--raw',
      eml,
      ...dkimFlags(rsa),
    ]);
    expect(run.code).toBe(ExitCode.ok);
    await expectVerified([rsa], 1);
  });

  it('signs every message of --count', async () => {
    const run = await runSmtp(send(['--count', '3', '--json', ...dkimFlags(ed)]));
    expect(run.code).toBe(ExitCode.ok);
    await expectVerified([ed], 3);
  });

  it('signs every file of smtp bulk', async () => {
    const outbox = join(dir, 'outbox');
    await mkdir(outbox, { recursive: true });
    for (const n of [1, 2]) {
      await writeFile(
        join(outbox, `${n}.eml`),
        `From: ann@example.com\r\nTo: bob@example.org\r\nSubject: bulk ${n}\r\n\r\nbody ${n}\r\n`,
      );
    }
    const run = await runSmtp([
      'bulk',
      outbox,
      '--url',
      `smtp://127.0.0.1:${server.port}`,
      '--from',
      'ann@example.com',
      '--to',
      'bob@example.org',
      '--json',
      ...dkimFlags(rsa, ed),
    ]);
    expect(run.code).toBe(ExitCode.ok);
    await expectVerified([rsa, ed], 2);
  });

  it('flags that do not pair up: exit 2, nothing sent', async () => {
    const run = await runSmtp(send([...dkimFlags(ed), '--dkim-key', rsa.file]));
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toContain(
      'SMTP_CLI_USAGE: --dkim-key, --dkim-selector and --dkim-domain go together: give each the same number of times (got 2, 1 and 1)',
    );
    expect(server.totalConnections).toBe(0);
  });

  it('a key file that is not a key, or missing: exit 2, no connection, the key not shown', async () => {
    const bad = join(dir, 'bad.pem');
    await writeFile(bad, 'this is not a private key\n');
    const run = await runSmtp(
      send(['--dkim-key', bad, '--dkim-selector', 's', '--dkim-domain', 'example.com']),
    );
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(/^smtp: SMTP_DKIM_INVALID_KEY: /m);
    expect(run.stderr).not.toContain('this is not a private key');
    const missing = await runSmtp(
      send(['--dkim-key', join(dir, 'none.pem'), '--dkim-selector', 's', '--dkim-domain', 'x.org']),
    );
    expect(missing.code).toBe(ExitCode.usage);
    expect(missing.stderr).toMatch(/SMTP_CLI_FILE: cannot read --dkim-key .*: no such file/);
    const pool = await runSmtp(
      send(['--count', '2', '--dkim-key', bad, '--dkim-selector', 's', '--dkim-domain', 'x.org']),
    );
    expect(pool.code).toBe(ExitCode.usage);
    expect(server.totalConnections).toBe(0);
  });

  it('documents the flags in send and bulk help', async () => {
    for (const command of ['send', 'bulk']) {
      const run = await runSmtp([command, '--help']);
      expect(run.stdout).toContain('--dkim-key <file>');
      expect(run.stdout).toContain('--dkim-selector <selector>');
      expect(run.stdout).toContain('--dkim-domain <domain>');
      expect(run.stdout).toContain("'smtp dkim keygen'");
    }
  });
});
