/**
 * `--proxy` (and `SMTP_PROXY`) as a user runs the CLI: `smtp ping` says it went through the proxy,
 * `smtp send` delivers through one, the proxy's password never shows, and a proxy that refuses
 * the login or cannot be used exits with the right code.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestCertificates,
  type RunningProxy,
  type RunningSmtpServer,
  startHttpProxy,
  startSmtpServer,
  startSocksProxy,
} from 'test-servers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from './exit-codes.ts';
import { runSmtp } from './testing/run-cli.ts';

const PROXY_PASSWORD = 'pr0xy-Pa55';
let server: RunningSmtpServer;
let socks: RunningProxy;
let http: RunningProxy;
let dir: string;
let caFile: string;
let smtpUrl: string;

beforeAll(async () => {
  const certs = await createTestCertificates();
  dir = await mkdtemp(join(tmpdir(), 'smtp-cli-proxy-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, certs.ca.cert);
  server = await startSmtpServer({ security: 'starttls' });
  socks = await startSocksProxy({ auth: { username: 'relay', password: PROXY_PASSWORD } });
  http = await startHttpProxy({ auth: { username: 'relay', password: PROXY_PASSWORD } });
  smtpUrl = `smtptls://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await Promise.all([server?.close(), socks?.close(), http?.close()]);
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => server.reset());

const socksUrl = (password = PROXY_PASSWORD): string =>
  `socks5h://relay:${password}@127.0.0.1:${socks.port}`;

describe('smtp ping --proxy', () => {
  it('says it went through the proxy, with the password hidden', async () => {
    const run = await runSmtp(['ping', '--url', smtpUrl, '--ca', caFile, '--proxy', socksUrl()]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toMatch(
      new RegExp(`^proxy +through socks5h://relay:\\*\\*\\*@127\\.0\\.0\\.1:${socks.port} `, 'm'),
    );
    expect(run.stdout).toMatch(/^tls +TLSv1\.[23], \S+, certificate verified$/m);
    expect(run.stdout).not.toContain(PROXY_PASSWORD);
    expect(socks.tunnels.at(-1)).toMatchObject({ host: '127.0.0.1', port: server.port });
  });

  it('reports the proxy in JSON, and takes it from SMTP_PROXY', async () => {
    const run = await runSmtp(['ping', '--url', smtpUrl, '--ca', caFile, '--json'], {
      env: { SMTP_PROXY: `http://relay:${PROXY_PASSWORD}@127.0.0.1:${http.port}` },
    });
    expect(run.code).toBe(ExitCode.ok);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: true,
      proxy: `http://relay:***@127.0.0.1:${http.port}`,
    });
    expect(run.stdout).not.toContain(PROXY_PASSWORD);
  });

  it('exits 5 with SMTP_PROXY_AUTH when the proxy refuses the login', async () => {
    const run = await runSmtp([
      'ping',
      '--url',
      smtpUrl,
      '--ca',
      caFile,
      '--proxy',
      socksUrl('wrong'),
    ]);
    expect(run.code).toBe(ExitCode.notSent);
    expect(run.stderr).toMatch(/^smtp: SMTP_PROXY_AUTH: /m);
    expect(server.totalConnections).toBe(0);
  });
});

describe('smtp send --proxy', () => {
  it('delivers through an HTTP CONNECT proxy', async () => {
    const run = await runSmtp([
      'send',
      '--url',
      smtpUrl,
      '--ca',
      caFile,
      '--proxy',
      `http://relay:${PROXY_PASSWORD}@127.0.0.1:${http.port}`,
      '--from',
      'ann@example.com',
      '--to',
      'bob@example.org',
      '--subject',
      'Through the proxy',
      '--text',
      'Hi',
      '--verbose',
    ]);
    expect(run.code).toBe(ExitCode.ok);
    expect(server.messages).toHaveLength(1);
    expect(run.stderr).toContain(`proxy=http://127.0.0.1:${http.port}`);
    expect(`${run.stdout}${run.stderr}`).not.toContain(PROXY_PASSWORD);
  });

  it('refuses a password over a plain link to another machine without --proxy-insecure-auth', async () => {
    const args = ['ping', '--url', smtpUrl, '--proxy', 'socks5://u:p@proxy.invalid:1080'];
    const refused = await runSmtp(args);
    expect(refused.code).toBe(ExitCode.usage);
    expect(refused.stderr).toContain('would receive its password in the clear');
    // Allowed, it is tried, and the name does not resolve: the proxy is unreachable.
    const tried = await runSmtp([...args, '--proxy-insecure-auth']);
    expect(tried.code).toBe(ExitCode.notSent);
    expect(tried.stderr).toMatch(/^smtp: SMTP_PROXY_UNREACHABLE: /m);
  });

  it('exits 2 for a proxy URL it does not know', async () => {
    const run = await runSmtp(['ping', '--url', smtpUrl, '--proxy', 'ftp://127.0.0.1']);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toContain('Unknown proxy URL scheme "ftp"');
  });
});
