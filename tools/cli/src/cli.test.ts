/**
 * The `smtp` command run as a user runs it (`node dist/bin.js ...` in a child process) against
 * `test-servers`: send with an attachment, ping (table and JSON), schemes, help, and every exit
 * code (bad input 2, partial 3, rejected 4, not sent 5, unknown 6).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTP_SCHEMES } from '@smtp/url';
import { simpleParser } from 'mailparser';
import {
  createTestCertificates,
  type RunningSmtpServer,
  type ScriptedServer,
  startScriptedServer,
  startSmtpServer,
} from 'test-servers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from './exit-codes.ts';
import { runSmtp } from './testing/run-cli.ts';

const PASSWORD = 's3cret-Pa55';
let server: RunningSmtpServer;
let dir: string;
let caFile: string;
let url: string;

beforeAll(async () => {
  const certs = await createTestCertificates();
  dir = await mkdtemp(join(tmpdir(), 'smtp-cli-test-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, certs.ca.cert);
  server = await startSmtpServer({
    security: 'starttls',
    auth: { users: { ann: PASSWORD } },
    rejectRecipients: { 'nobody@example.org': 550 },
  });
  url = `smtp://ann:${PASSWORD}@127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => server.reset());

const message = (extra: string[] = []): string[] => [
  'send',
  '--url',
  url,
  '--ca',
  caFile,
  '--from',
  'Ann <ann@example.com>',
  '--to',
  'bob@example.org',
  '--subject',
  'Report',
  '--text',
  'Hi Bob, the report is attached.',
  ...extra,
];

function noSecret(...outputs: string[]): void {
  const b64 = Buffer.from(`\0ann\0${PASSWORD}`).toString('base64');
  for (const output of outputs) {
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(b64);
  }
}

describe('smtp send', () => {
  it('sends a message with an attachment over STARTTLS and AUTH', async () => {
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256));
    const file = join(dir, 'data.bin');
    await writeFile(file, bytes);
    const run = await runSmtp(message(['--attach', file, '--header', 'X-Campaign: q4']));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toMatch(/^outcome +accepted$/m);
    expect(run.stdout).toMatch(/^accepted +bob@example\.org$/m);
    expect(run.stdout).toMatch(/^timings +connect \d+ ms, envelope/m);
    noSecret(run.stdout, run.stderr);

    expect(server.messages).toHaveLength(1);
    const received = server.messages[0];
    expect(received?.secure).toBe(true);
    expect(received?.user).toBe('ann');
    const parsed = await simpleParser(Buffer.from(received?.raw ?? new Uint8Array()));
    expect(parsed.subject).toBe('Report');
    expect(parsed.text?.trim()).toBe('Hi Bob, the report is attached.');
    expect(parsed.headers.get('x-campaign')).toBe('q4');
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]?.filename).toBe('data.bin');
    expect(Buffer.compare(parsed.attachments[0]?.content ?? Buffer.alloc(0), bytes)).toBe(0);
  });

  it('prints JSON with --json, takes credentials from SMTP_USER/SMTP_PASSWORD, and shows a redacted dialogue with --verbose', async () => {
    const args = message(['--json', '--verbose']);
    args[2] = `smtp://127.0.0.1:${server.port}`;
    const run = await runSmtp(args, { env: { SMTP_USER: 'ann', SMTP_PASSWORD: PASSWORD } });
    expect(run.code).toBe(ExitCode.ok);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ ok: true, outcome: 'accepted', accepted: ['bob@example.org'] });
    expect(run.stderr).toContain('C: AUTH PLAIN <redacted>');
    expect(run.stderr).toContain('C: STARTTLS');
    expect(run.stderr).toContain('* sending to smtp://ann:***@127.0.0.1');
    noSecret(run.stdout, run.stderr);
    expect(server.messages[0]?.user).toBe('ann');
  });

  it('sends a raw .eml with --raw', async () => {
    const eml = join(dir, 'raw.eml');
    await writeFile(
      eml,
      'From: ann@example.com\r\nTo: bob@example.org\r\nSubject: raw\r\n\r\nraw body\r\n',
    );
    const run = await runSmtp([
      'send',
      '--url',
      url,
      '--ca',
      caFile,
      '--from',
      'ann@example.com',
      '--to',
      'bob@example.org',
      '--raw',
      eml,
      '--quiet',
    ]);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toBe('');
    expect(Buffer.from(server.messages[0]?.raw ?? []).toString()).toContain(
      'Subject: raw\r\n\r\nraw body',
    );
  });

  it('exits 3 (partial) when some recipients are refused, listing them', async () => {
    const run = await runSmtp(message(['--to', 'nobody@example.org']));
    expect(run.code).toBe(ExitCode.partial);
    expect(run.stdout).toMatch(/^outcome +partial$/m);
    expect(run.stdout).toMatch(/^rejected +nobody@example\.org: 550 /m);
  });

  it('exits 4 (rejected) when every recipient is refused', async () => {
    const args = message();
    args[args.indexOf('bob@example.org')] = 'nobody@example.org';
    const run = await runSmtp(args);
    expect(run.code).toBe(ExitCode.rejected);
    expect(run.stderr).toMatch(/^smtp: SMTP_REPLY \(rejected\): /m);
    expect(run.stderr).toContain('refused nobody@example.org: 550');
    expect(server.messages).toHaveLength(0);
  });

  it('exits 5 (not sent) when the connection is refused', async () => {
    const port = await freePort();
    const args = message();
    args[2] = `smtp://127.0.0.1:${port}`;
    const run = await runSmtp(args);
    expect(run.code).toBe(ExitCode.notSent);
    expect(run.stderr).toMatch(/^smtp: SMTP_CONNECTION_REFUSED \(not-sent\): /m);
    expect(run.stderr).toContain('safe to retry');
  });

  it('exits 5 (not sent) when the credentials are refused', async () => {
    const args = message();
    args[2] = `smtp://ann:wrong@127.0.0.1:${server.port}`;
    const run = await runSmtp(args);
    expect(run.code).toBe(ExitCode.notSent);
    expect(run.stderr).toMatch(/^smtp: SMTP_AUTH_FAILED \(not-sent\): /m);
  });

  it('exits 6 (unknown) when the server closes after the end of data without a reply', async () => {
    const scripted: ScriptedServer = await startScriptedServer([
      { send: '220 scripted ESMTP\r\n' },
      { expect: /^EHLO / },
      { send: '250-scripted\r\n250 PIPELINING\r\n' },
      { expect: 'MAIL FROM:<ann@example.com>' },
      { expect: 'RCPT TO:<bob@example.org>' },
      { expect: 'DATA' },
      { send: '250 ok\r\n250 ok\r\n354 go\r\n' },
      { expect: 'Subject: f' },
      { expect: '' },
      { expect: 'x' },
      { expect: '.' },
      { close: true },
    ]);
    try {
      const eml = join(dir, 'f.eml');
      await writeFile(eml, 'Subject: f\r\n\r\nx\r\n');
      const run = await runSmtp([
        'send',
        '--url',
        scripted.url,
        '--from',
        'ann@example.com',
        '--to',
        'bob@example.org',
        '--raw',
        eml,
      ]);
      expect(run.code).toBe(ExitCode.unknown);
      expect(run.stderr).toMatch(/\(unknown\): /);
      expect(run.stderr).toContain('may have been delivered');
      await scripted.done;
    } finally {
      await scripted.close();
    }
  });

  describe('bad input exits 2 with a clear message and sends nothing', () => {
    it.each([
      ['a bad URL', ['--url', 'smtp://127.0.0.1:99999'], /SMTP_URL_INVALID_PORT: /],
      ['an unknown scheme', ['--url', 'http://127.0.0.1'], /SMTP_URL_UNKNOWN_SCHEME: /],
      [
        'a missing attachment',
        ['--attach', '/nonexistent/file.pdf'],
        /cannot attach \/nonexistent\/file\.pdf: no such file/,
      ],
      [
        'an unreadable attachment (a folder)',
        ['--attach', '/'],
        /cannot attach \/: not a regular file/,
      ],
      [
        'a missing --text-file',
        ['--text-file', 'nope.txt'],
        /cannot read --text-file nope\.txt: no such file/,
      ],
      [
        'a bad --header',
        ['--header', 'no colon'],
        /SMTP_CLI_HEADER: --header must look like 'Name: value'/,
      ],
      ['an invalid address', ['--to', 'not an address'], /SMTP_MIME_INVALID_ADDRESS: /],
      ['an unknown option', ['--frobnicate'], /error: unknown option '--frobnicate'/],
    ])('%s', async (_name, extra, pattern) => {
      const args = message();
      const at = args.indexOf(extra[0] === '--text-file' ? '--text' : (extra[0] ?? ''));
      if (at >= 0) args.splice(at, 2, ...extra);
      else args.push(...extra);
      const run = await runSmtp(args);
      expect(run.stderr).toMatch(pattern);
      expect(run.code).toBe(ExitCode.usage);
      expect(server.messages).toHaveLength(0);
    });

    it('a user without a password, off a terminal', async () => {
      const args = message();
      args[2] = `smtp://ann@127.0.0.1:${server.port}`;
      const run = await runSmtp(args);
      expect(run.code).toBe(ExitCode.usage);
      expect(run.stderr).toMatch(/SMTP_CLI_CREDENTIALS: no password for ann: set SMTP_PASSWORD/);
    });

    it('no --url', async () => {
      const args = message();
      args.splice(1, 2);
      const run = await runSmtp(args);
      expect(run.code).toBe(ExitCode.usage);
      expect(run.stderr).toContain('missing --url');
    });

    it('with --json, the error is one JSON object on stdout', async () => {
      const args = message(['--json']);
      args[2] = 'smtp://user@';
      const run = await runSmtp(args);
      expect(run.code).toBe(ExitCode.usage);
      expect(JSON.parse(run.stdout)).toMatchObject({
        ok: false,
        exitCode: 2,
        code: expect.stringMatching(/^SMTP_URL_/),
      });
    });
  });
});

describe('progress', () => {
  const big = async (): Promise<string> => {
    const file = join(dir, 'big.bin');
    await writeFile(file, Buffer.alloc(2 * 1024 * 1024, 7));
    return file;
  };

  it('prints plain lines when stderr is not a terminal', async () => {
    const run = await runSmtp(message(['--attach', await big()]));
    expect(run.code).toBe(ExitCode.ok);
    const lines = run.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines)
      expect(line).toMatch(/^sent [\d.]+ (KiB|MiB) of ~[\d.]+ MiB \(\d+%\), .*\/s, .* left$/);
    expect(lines.at(-1)).toMatch(/\(100%\)/);
    expect(run.stderr).not.toContain('\x1b');
  });

  it('draws a bar on a terminal (run under script(1), which gives the child a pty)', async () => {
    const file = await big();
    const args = message(['--attach', file]).map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`);
    const { BIN } = await import('./testing/run-cli.ts');
    const run = await runSmtp([], {
      command: [
        'script',
        '-qec',
        [`'${process.execPath}'`, `'${BIN}'`, ...args].join(' '),
        '/dev/null',
      ],
    });
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toMatch(/sending \[[█░]+\] \d+% \| .* of ~[\d.]+ MiB \| .*\/s \| .* left/);
    expect(run.stdout).toContain('100%');
    expect(run.stdout).toMatch(/outcome +accepted/);
  });

  it('shows nothing with --no-progress, --quiet or --json', async () => {
    const file = await big();
    for (const flag of ['--no-progress', '--quiet', '--json']) {
      const run = await runSmtp(message(['--attach', file, flag]));
      expect(run.code).toBe(ExitCode.ok);
      expect(run.stderr).toBe('');
    }
  });
});

describe('smtp ping', () => {
  it('prints a table: extensions, TLS and certificate, AUTH, timings', async () => {
    const run = await runSmtp(['ping', '--url', url, '--ca', caFile]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toMatch(
      /^server +smtp:\/\/ann:\*\*\*@127\.0\.0\.1:\d+ \(security: opportunistic\)$/m,
    );
    expect(run.stdout).toMatch(/^greeting +220 /m);
    expect(run.stdout).toMatch(/^tls +TLSv1\.[23], \S+, certificate verified$/m);
    expect(run.stdout).toMatch(/^certificate +subject +.*localhost/m);
    expect(run.stdout).toMatch(/^ +issuer +\S+/m);
    expect(run.stdout).toMatch(/^ +valid +.+ to .+$/m);
    expect(run.stdout).toMatch(/^auth +LOGIN, PLAIN$/m);
    expect(run.stdout).toMatch(/^authenticated +yes, as ann$/m);
    expect(run.stdout).toMatch(
      /^timings +connect \d+ ms, greeting \d+ ms, ehlo \d+ ms, tls \d+ ms, auth \d+ ms, total/m,
    );
    noSecret(run.stdout, run.stderr);
  });

  it('prints JSON with --json', async () => {
    const run = await runSmtp(['ping', '--url', url, '--ca', caFile, '--json']);
    expect(run.code).toBe(ExitCode.ok);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      ok: true,
      security: 'opportunistic',
      auth: ['LOGIN', 'PLAIN'],
      authenticated: true,
      user: 'ann',
      tls: { authorized: true, certificate: { subject: expect.stringContaining('localhost') } },
      timings: { connect: expect.any(Number), total: expect.any(Number) },
    });
    expect(result.extensions).toContain('PIPELINING');
    noSecret(run.stdout);
  });

  it('stops after EHLO with --stop-after ehlo (no TLS yet)', async () => {
    const run = await runSmtp([
      'ping',
      '--url',
      `smtp://127.0.0.1:${server.port}`,
      '--stop-after',
      'ehlo',
      '--json',
    ]);
    expect(run.code).toBe(ExitCode.ok);
    const result = JSON.parse(run.stdout);
    expect(result.tls).toBeNull();
    expect(result.extensions).toContain('STARTTLS');
    expect(result.authenticated).toBe(false);
  });

  it('exits 5 when the certificate is not trusted (no --ca), and 2 for a bad --stop-after', async () => {
    const untrusted = await runSmtp(['ping', '--url', url]);
    expect(untrusted.code).toBe(ExitCode.notSent);
    expect(untrusted.stderr).toMatch(/^smtp: SMTP_TLS_HANDSHAKE: /m);
    const bad = await runSmtp(['ping', '--url', url, '--stop-after', 'data']);
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.stderr).toContain("argument 'data' is invalid");
  });
});

describe('password prompt', () => {
  it('asks with no echo on a terminal when the URL names only the user (run under script(1))', async () => {
    const { BIN } = await import('./testing/run-cli.ts');
    const { spawn } = await import('node:child_process');
    const command = `'${process.execPath}' '${BIN}' ping --url 'smtp://ann@127.0.0.1:${server.port}' --ca '${caFile}'`;
    const output = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let typed = false;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (!typed && out.includes('Password for ann')) {
          typed = true;
          setTimeout(() => child.stdin.write(`${PASSWORD}\r`), 100);
        }
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(output.code).toBe(ExitCode.ok);
    expect(output.out).toContain('Password for ann at smtp://127.0.0.1:');
    expect(output.out).toMatch(/authenticated +yes, as ann/);
    noSecret(output.out);
  });
});

describe('smtp schemes', () => {
  it('prints the table from @smtp/url', async () => {
    const run = await runSmtp(['schemes']);
    expect(run.code).toBe(ExitCode.ok);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^scheme +port +security +protocol +meaning$/);
    const entries = Object.entries(SMTP_SCHEMES);
    expect(lines).toHaveLength(entries.length + 1);
    entries.forEach(([scheme, info], i) => {
      expect(lines[i + 1]?.split(/ {2,}/)).toEqual([
        scheme,
        String(info.defaultPort),
        info.security,
        info.protocol,
        info.description,
      ]);
    });
  });

  it('prints JSON with --json', async () => {
    const run = await runSmtp(['schemes', '--json']);
    const rows = JSON.parse(run.stdout) as {
      scheme: string;
      defaultPort: number;
      security: string;
      protocol: string;
    }[];
    expect(rows.map((row) => [row.scheme, row.defaultPort, row.security, row.protocol])).toEqual(
      Object.entries(SMTP_SCHEMES).map(([scheme, info]) => [
        scheme,
        info.defaultPort,
        info.security,
        info.protocol,
      ]),
    );
  });
});

describe('help', () => {
  it.each([[[]], [['send']], [['bulk']], [['ping']], [['schemes']], [['demo']]])(
    'smtp %j --help shows usage and examples',
    async (command) => {
      const run = await runSmtp([...command, '--help']);
      expect(run.code).toBe(ExitCode.ok);
      expect(run.stdout).toContain('Usage: smtp');
      expect(run.stdout).toContain('Examples:');
    },
  );

  it('documents the exit codes', async () => {
    const run = await runSmtp(['send', '--help']);
    expect(run.stdout).toContain('Exit codes:');
    for (const code of Object.values(ExitCode))
      expect(run.stdout).toMatch(new RegExp(`^  ${code}  `, 'm'));
  });

  it('an unknown command exits 2', async () => {
    const run = await runSmtp(['frobnicate']);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toContain("unknown command 'frobnicate'");
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        resolve(typeof address === 'object' && address !== null ? address.port : 0),
      );
    });
  });
}
