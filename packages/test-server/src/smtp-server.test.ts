import { createHmac } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificates, type TestCertificates } from './certificates.ts';
import { connectRaw, type RawClient } from './raw-client.ts';
import {
  type RunningSmtpServer,
  type StartSmtpServerOptions,
  startSmtpServer,
} from './smtp-server.ts';

let certs: TestCertificates;
beforeAll(async () => {
  certs = await createTestCertificates();
});

const servers: RunningSmtpServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: StartSmtpServerOptions = {}): Promise<RunningSmtpServer> {
  const server = await startSmtpServer(options);
  servers.push(server);
  return server;
}

async function connect(server: RunningSmtpServer, implicitTls = false): Promise<RawClient> {
  const target =
    server.socketPath !== undefined
      ? { path: server.socketPath }
      : { host: server.host, port: server.port };
  const client = await connectRaw(
    implicitTls ? { ...target, tls: { ca: [certs.ca.cert], servername: 'localhost' } } : target,
  );
  clients.push(client);
  return client;
}

/** Greeting + EHLO; returns the EHLO reply. */
async function hello(client: RawClient): Promise<string> {
  expect(await client.readReply()).toMatch(/^220 /);
  return client.command('EHLO client.example');
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

async function sendMessage(
  client: RawClient,
  body = 'Subject: hi\r\n\r\nhello\r\n',
): Promise<string> {
  expect(await client.command('MAIL FROM:<ann@example.com>')).toMatch(/^250 /);
  expect(await client.command('RCPT TO:<bob@example.com>')).toMatch(/^250 /);
  expect(await client.command('DATA')).toMatch(/^354 /);
  client.write(`${body}.\r\n`);
  return client.readReply();
}

describe('startSmtpServer: basics', () => {
  it('binds 127.0.0.1 on an OS-chosen port and reports an smtp:// URL', async () => {
    const server = await start();
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`smtp://127.0.0.1:${server.port}`);
  });

  // Observed through behaviour, not time (timings do not belong in pass/fail tests): during its
  // pause smtp-server refuses a client that talks first with 421 "You talk too soon".
  it('skips smtp-server’s early-talker pause by default, so a client may talk at once', async () => {
    const server = await start();
    const client = await connect(server);
    client.write('NOOP\r\n');
    expect(await client.readReply()).toBe('220 localhost ESMTP\r\n');
    expect(await client.readReply()).toMatch(/^250 /);
  });

  it('keeps the early-talker pause with greetingPause: true', async () => {
    const server = await start({ greetingPause: true });
    const client = await connect(server);
    client.write('NOOP\r\n');
    expect(await client.readReply()).toMatch(/^421 .*You talk too soon/);
  });

  it('advertises smtp-server’s default extensions and records a message with its envelope', async () => {
    const server = await start();
    const client = await connect(server);
    expect(await hello(client)).toBe(
      '250-localhost Nice to meet you, [127.0.0.1]\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n',
    );
    expect(await sendMessage(client, 'Subject: hi\r\n\r\n..dot\r\n')).toBe(
      '250 OK: message queued\r\n',
    );
    expect(server.messages).toHaveLength(1);
    const [message] = server.messages;
    expect(message?.envelope).toEqual({
      mailFrom: 'ann@example.com',
      rcptTo: ['bob@example.com'],
      mailParams: {},
      rcptParams: [{}],
    });
    expect(Buffer.from(message?.raw ?? []).toString()).toBe('Subject: hi\r\n\r\n.dot\r\n');
    expect(message?.secure).toBe(false);
    expect(message?.user).toBeUndefined();
    expect(message?.connectionId).toBe(server.commands[0]?.connectionId);
  });

  it('records MAIL and RCPT parameters', async () => {
    const server = await start({ extensions: { dsn: true } });
    const client = await connect(server);
    await hello(client);
    expect(
      await client.command('MAIL FROM:<ann@example.com> BODY=8BITMIME SMTPUTF8 ENVID=a+2Bb'),
    ).toMatch(/^250/);
    expect(await client.command('RCPT TO:<bob@example.com> NOTIFY=SUCCESS,FAILURE')).toMatch(
      /^250/,
    );
    expect(await client.command('DATA')).toMatch(/^354/);
    client.write('x\r\n.\r\n');
    await client.readReply();
    expect(server.messages[0]?.envelope.mailParams).toEqual({
      BODY: '8BITMIME',
      SMTPUTF8: true,
      ENVID: 'a+b',
    });
    expect(server.messages[0]?.envelope.rcptParams).toEqual([{ NOTIFY: 'SUCCESS,FAILURE' }]);
  });

  it('close() destroys open client sockets and leaves no connection behind', async () => {
    const server = await start();
    const client = await connect(server);
    await hello(client);
    expect(server.connections).toBe(1);
    const closed = client.closed();
    await server.close();
    await closed;
    expect(server.connections).toBe(0);
    expect(client.socket.destroyed).toBe(true);
    await server.close();
  });

  it('close() leaves no socket, listener or timer behind', async () => {
    const handles = () =>
      process
        .getActiveResourcesInfo()
        .filter((name) => /TCP|Timeout/.test(name))
        .sort();
    // Let the sockets of earlier tests (destroyed in afterEach) finish closing first.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = handles();
    const server = await startSmtpServer({ security: 'starttls', replyDelayMs: { ehlo: 10_000 } });
    const client = await connectRaw({ host: server.host, port: server.port });
    await client.readReply();
    client.write('EHLO x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await server.close();
    await client.closed();
    await new Promise((resolve) => setImmediate(resolve));
    // Nothing new: every handle now was already there before the server started.
    const left = [...before];
    const added = handles().filter((name) => {
      const at = left.indexOf(name);
      if (at < 0) return true;
      left.splice(at, 1);
      return false;
    });
    expect(added).toEqual([]);
  });

  it('counts connections and reset() clears the records', async () => {
    const server = await start();
    const first = await connect(server);
    await hello(first);
    await sendMessage(first);
    const second = await connect(server);
    await hello(second);
    expect(server.totalConnections).toBe(2);
    server.reset();
    expect(server.messages).toEqual([]);
    expect(server.commands).toEqual([]);
    expect(server.totalConnections).toBe(0);
  });
});

describe('startSmtpServer: addresses', () => {
  it('binds ::1 and brackets it in the URL', async (context) => {
    const server = await startSmtpServer({ host: '::1' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT') {
        context.skip('this machine has no IPv6 loopback (::1)');
      }
      throw error;
    });
    servers.push(server);
    expect(server.url).toBe(`smtp://[::1]:${server.port}`);
    const client = await connect(server);
    expect(await hello(client)).toContain('[::1]');
  });

  it('listens on both loopbacks for host localhost', async () => {
    const server = await start({ host: 'localhost' });
    expect(server.url).toBe(`smtp://localhost:${server.port}`);
    const v4 = await connectRaw({ host: '127.0.0.1', port: server.port });
    clients.push(v4);
    expect(await v4.readReply()).toMatch(/^220 /);
    const v6 = await connectRaw({ host: '::1', port: server.port }).catch(() => undefined);
    if (v6) {
      clients.push(v6);
      expect(await v6.readReply()).toMatch(/^220 /);
    }
  });

  it('listens on a UNIX socket and removes it on close', async () => {
    const folder = await mkdtemp(join(os.tmpdir(), 'test-servers-'));
    const socketPath = join(folder, 'smtp.sock');
    try {
      const server = await start({ socketPath });
      expect(server.socketPath).toBe(socketPath);
      expect(server.url).toBe(`smtp://${encodeURIComponent(socketPath)}`);
      const client = await connect(server);
      await hello(client);
      expect(await sendMessage(client)).toMatch(/^250 /);
      await server.close();
      await expect(stat(socketPath)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('startSmtpServer: TLS', () => {
  it('hands out the CA that signed its certificate, and none without TLS', async () => {
    expect((await start({ security: 'starttls' })).ca).toBe(certs.ca.cert);
    expect((await start({ security: 'implicit' })).ca).toBe(certs.ca.cert);
    expect((await start()).ca).toBeUndefined();
  });

  it('offers STARTTLS and upgrades with the good certificate', async () => {
    const server = await start({ security: 'starttls' });
    const client = await connect(server);
    expect(await hello(client)).toMatch(/\r\n250 STARTTLS\r\n$/);
    expect(await client.command('STARTTLS')).toBe('220 Ready to start TLS\r\n');
    await client.startTls({ ca: [certs.ca.cert], servername: 'localhost' });
    const ehlo = await client.command('EHLO client.example');
    expect(ehlo).not.toContain('STARTTLS');
    await sendMessage(client);
    expect(server.messages[0]?.secure).toBe(true);
    expect(server.commands.map((entry) => [entry.command, entry.secure])).toEqual([
      ['EHLO', false],
      ['STARTTLS', false],
      ['EHLO', true],
      ['MAIL', true],
      ['RCPT', true],
      ['DATA', true],
    ]);
  });

  it('counts a STARTTLS connection as gone once the client closes it', async () => {
    const server = await start({ security: 'starttls' });
    const client = await connect(server);
    await hello(client);
    await client.command('STARTTLS');
    await client.startTls({ ca: [certs.ca.cert], servername: 'localhost' });
    await client.command('EHLO client.example');
    expect(server.connections).toBe(1);
    const closed = client.closed();
    client.socket.end();
    await closed;
    // The server learns of the close a moment after the client: wait for it, bounded.
    for (let turn = 0; turn < 200 && server.connections > 0; turn++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(server.connections).toBe(0);
  });

  it('hides STARTTLS with hideStartTls but still accepts it', async () => {
    const server = await start({ security: 'starttls', hideStartTls: true });
    const client = await connect(server);
    expect(await hello(client)).not.toContain('STARTTLS');
    expect(await client.command('STARTTLS')).toMatch(/^220 /);
    await client.startTls({ ca: [certs.ca.cert], servername: 'localhost' });
    expect(await client.command('EHLO x')).toMatch(/^250/);
  });

  it('refuses STARTTLS with security none', async () => {
    const server = await start();
    const client = await connect(server);
    expect(await hello(client)).not.toContain('STARTTLS');
    expect(await client.command('STARTTLS')).toMatch(/^500 /);
  });

  it('speaks TLS from the first byte with security implicit and an smtps:// URL', async () => {
    const server = await start({ security: 'implicit' });
    expect(server.url).toBe(`smtps://127.0.0.1:${server.port}`);
    const client = await connect(server, true);
    expect(await hello(client)).not.toContain('STARTTLS');
    await sendMessage(client);
    expect(server.messages[0]?.secure).toBe(true);
  });

  it.each([
    ['expired', 'CERT_HAS_EXPIRED'],
    ['wrongName', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['untrusted', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ] as const)(
    'serves the %s certificate, which the client rejects with %s',
    async (certificate, code) => {
      const server = await start({ security: 'implicit', certificate });
      await expect(connect(server, true)).rejects.toMatchObject({ code });
    },
  );

  it('serves a bad certificate on STARTTLS too', async () => {
    const server = await start({ security: 'starttls', certificate: 'expired' });
    const client = await connect(server);
    await hello(client);
    await client.command('STARTTLS');
    await expect(
      client.startTls({ ca: [certs.ca.cert], servername: 'localhost' }),
    ).rejects.toMatchObject({
      code: 'CERT_HAS_EXPIRED',
    });
  });

  it('requires a client certificate signed by the test CA with requireClientCertificate', async () => {
    const server = await start({ security: 'implicit', requireClientCertificate: true });
    const tlsOptions = { ca: [certs.ca.cert], servername: 'localhost' };
    const withCert = await connectRaw({
      host: server.host,
      port: server.port,
      tls: { ...tlsOptions, key: certs.client.key, cert: certs.client.cert },
    });
    clients.push(withCert);
    expect(await withCert.readReply()).toMatch(/^220 /);
    // TLS 1.3: the client's handshake completes before the server judged its certificate, so
    // the refusal (alert 116, certificate required) arrives on the first read.
    const without = connectRaw({ host: server.host, port: server.port, tls: tlsOptions }).then(
      (client) => {
        clients.push(client);
        return client.readReply();
      },
    );
    await expect(without).rejects.toMatchObject({
      code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    });
  });
});

describe('startSmtpServer: AUTH', () => {
  const users = { ann: 'pa55word' };

  it('does not offer AUTH without the auth option', async () => {
    const server = await start();
    const client = await connect(server);
    expect(await hello(client)).not.toContain('AUTH');
    expect(await client.command(`AUTH PLAIN ${b64('\0ann\0pa55word')}`)).toMatch(/^500 /);
  });

  it('offers the configured mechanisms and requires AUTH by default', async () => {
    const server = await start({
      auth: { users, mechanisms: ['CRAM-MD5', 'PLAIN', 'LOGIN', 'XOAUTH2'] },
    });
    const client = await connect(server);
    expect(await hello(client)).toMatch(/\r\n250 AUTH CRAM-MD5 PLAIN LOGIN XOAUTH2\r\n$/);
    expect(await client.command('MAIL FROM:<ann@example.com>')).toMatch(/^530 /);
  });

  it('accepts optional AUTH with required: false', async () => {
    const server = await start({ auth: { users, required: false } });
    const client = await connect(server);
    await hello(client);
    expect(await sendMessage(client)).toMatch(/^250 /);
  });

  it('accepts PLAIN with the right password, records the user and redacts the payload', async () => {
    const server = await start({ auth: { users } });
    const client = await connect(server);
    await hello(client);
    expect(await client.command(`AUTH PLAIN ${b64('\0ann\0pa55word')}`)).toBe(
      '235 Authentication successful\r\n',
    );
    await sendMessage(client);
    expect(server.messages[0]?.user).toBe('ann');
    expect(server.commands.find((entry) => entry.command === 'AUTH')?.line).toBe(
      'AUTH PLAIN <redacted>',
    );
    expect(JSON.stringify(server.commands)).not.toContain(b64('\0ann\0pa55word'));
  });

  it('rejects PLAIN with a wrong password (535)', async () => {
    const server = await start({ auth: { users } });
    const client = await connect(server);
    await hello(client);
    expect(await client.command(`AUTH PLAIN ${b64('\0ann\0nope')}`)).toMatch(/^535 /);
  });

  it('rejects a user name that only exists on Object.prototype', async () => {
    const server = await start({ auth: { users } });
    const client = await connect(server);
    await hello(client);
    expect(await client.command(`AUTH PLAIN ${b64('\0toString\0x')}`)).toMatch(/^535 /);
  });

  it('accepts and rejects LOGIN, redacting both continuation lines', async () => {
    const server = await start({ auth: { users } });
    const client = await connect(server);
    await hello(client);
    expect(await client.command('AUTH LOGIN')).toBe('334 VXNlcm5hbWU6\r\n');
    expect(await client.command(b64('ann'))).toBe('334 UGFzc3dvcmQ6\r\n');
    expect(await client.command(b64('wrong'))).toMatch(/^535 /);
    expect(await client.command('AUTH LOGIN')).toMatch(/^334 /);
    await client.command(b64('ann'));
    expect(await client.command(b64('pa55word'))).toMatch(/^235 /);
    const lines = server.commands.map((entry) => entry.line);
    expect(lines).toEqual([
      'EHLO client.example',
      'AUTH LOGIN',
      '<redacted>',
      '<redacted>',
      'AUTH LOGIN',
      '<redacted>',
      '<redacted>',
    ]);
  });

  it('accepts and rejects CRAM-MD5', async () => {
    const server = await start({ auth: { users, mechanisms: ['CRAM-MD5'] } });
    const answer = async (client: RawClient, password: string) => {
      const challenge = await client.command('AUTH CRAM-MD5');
      expect(challenge).toMatch(/^334 /);
      const text = Buffer.from(challenge.slice(4).trim(), 'base64').toString();
      const digest = createHmac('md5', password).update(text).digest('hex');
      return client.command(b64(`ann ${digest}`));
    };
    const client = await connect(server);
    await hello(client);
    expect(await answer(client, 'wrong')).toMatch(/^535 /);
    expect(await answer(client, 'pa55word')).toMatch(/^235 /);
  });

  it('accepts and rejects XOAUTH2 tokens', async () => {
    const server = await start({
      auth: { users: {}, tokens: { ann: 'tok-1' }, mechanisms: ['XOAUTH2'] },
    });
    const client = await connect(server);
    await hello(client);
    const bad = b64('user=ann\x01auth=Bearer tok-2\x01\x01');
    const failure = await client.command(`AUTH XOAUTH2 ${bad}`);
    expect(failure).toMatch(/^334 /);
    expect(JSON.parse(Buffer.from(failure.slice(4).trim(), 'base64').toString())).toMatchObject({
      status: '401',
    });
    expect(await client.command('')).toMatch(/^535 /);
    expect(
      await client.command(`AUTH XOAUTH2 ${b64('user=ann\x01auth=Bearer tok-1\x01\x01')}`),
    ).toMatch(/^235 /);
    expect(JSON.stringify(server.commands)).not.toContain('tok-1');
  });

  it('asks for STARTTLS before AUTH on a starttls server unless allowInsecure', async () => {
    const strict = await start({ security: 'starttls', auth: { users } });
    const client = await connect(strict);
    await hello(client);
    expect(await client.command(`AUTH PLAIN ${b64('\0ann\0pa55word')}`)).toMatch(/^538 /);
    const lax = await start({ security: 'starttls', auth: { users, allowInsecure: true } });
    const other = await connect(lax);
    await hello(other);
    expect(await other.command(`AUTH PLAIN ${b64('\0ann\0pa55word')}`)).toMatch(/^235 /);
  });
});

describe('startSmtpServer: protocol options', () => {
  it('answers EHLO with 502 in heloOnly mode and accepts HELO', async () => {
    const server = await start({ heloOnly: true });
    const client = await connect(server);
    expect(await hello(client)).toBe('502 Error: command not implemented\r\n');
    expect(await client.command('HELO client.example')).toBe(
      '250 localhost Nice to meet you, [127.0.0.1]\r\n',
    );
    expect(await sendMessage(client)).toBe('250 OK: message queued\r\n');
  });

  it('speaks LMTP: LHLO only, one reply per accepted recipient after the data', async () => {
    const server = await start({
      lmtp: true,
      rejectRecipients: { 'nobody@example.com': 550 },
      rejectAfterData: { 'full@example.com': 552, 'later@example.com': 452 },
    });
    expect(server.url).toBe(`lmtp://127.0.0.1:${server.port}`);
    const client = await connect(server);
    expect(await client.readReply()).toBe('220 localhost LMTP\r\n');
    expect(await client.command('EHLO client.example')).toMatch(/^500 /);
    expect(await client.command('HELO client.example')).toMatch(/^500 /);
    expect(await client.command('LHLO client.example')).toMatch(/^250-localhost /);
    expect(await client.command('MAIL FROM:<ann@example.com>')).toMatch(/^250 /);
    for (const rcpt of ['bob', 'full', 'nobody', 'later']) {
      await client.command(`RCPT TO:<${rcpt}@example.com>`);
    }
    expect(await client.command('DATA')).toMatch(/^354 /);
    client.write('Subject: hi\r\n\r\nhello\r\n.\r\n');
    const replies = [await client.readReply(), await client.readReply(), await client.readReply()];
    expect(replies).toEqual([
      '250 OK: delivered to bob@example.com\r\n',
      '552 Error: delivery to full@example.com refused\r\n',
      '452 Error: delivery to later@example.com refused\r\n',
    ]);
    expect(server.messages.map((message) => message.delivered)).toEqual([['bob@example.com']]);
    expect(server.commands.map((entry) => entry.command)).toContain('LHLO');
  });

  it('records no LMTP message that no recipient got', async () => {
    const server = await start({ lmtp: true, rejectAfterData: () => 550 });
    const client = await connect(server);
    await client.readReply();
    await client.command('LHLO client.example');
    expect(await sendMessage(client)).toMatch(/^550 /);
    expect(server.messages).toEqual([]);
    await expect(start({ lmtp: true, security: 'implicit' })).rejects.toThrow(/implicit/);
  });

  it('advertises SIZE and rejects bigger messages and MAIL SIZE= with 552', async () => {
    const server = await start({ size: 100 });
    const client = await connect(server);
    expect(await hello(client)).toContain('250 SIZE 100\r\n');
    expect(await client.command('MAIL FROM:<ann@example.com> SIZE=500')).toMatch(/^552 /);
    expect(await sendMessage(client, `Subject: big\r\n\r\n${'x'.repeat(200)}\r\n`)).toMatch(
      /^552 /,
    );
    expect(server.messages).toEqual([]);
    expect(await sendMessage(client, 'Subject: small\r\n\r\nx\r\n')).toMatch(/^250 /);
  });

  it('switches each extension', async () => {
    const off = await start({
      extensions: { pipelining: false, eightBitMime: false, smtpUtf8: false },
    });
    const client = await connect(off);
    expect(await hello(client)).toBe('250 localhost Nice to meet you, [127.0.0.1]\r\n');
    const on = await start({
      security: 'implicit',
      extensions: { dsn: true, enhancedStatusCodes: true, requireTls: true },
    });
    const secure = await connect(on, true);
    expect(await hello(secure)).toBe(
      [
        '250-localhost Nice to meet you, [127.0.0.1]',
        '250-PIPELINING',
        '250-8BITMIME',
        '250-SMTPUTF8',
        '250-ENHANCEDSTATUSCODES',
        '250-DSN',
        '250 REQUIRETLS',
        '',
      ].join('\r\n'),
    );
    expect(await secure.command('MAIL FROM:<ann@example.com>')).toBe('250 2.1.0 Accepted\r\n');
  });

  it('rejects recipients per rule, case-insensitively, with the given codes', async () => {
    const server = await start({
      rejectRecipients: { 'nobody@example.com': 550, 'Later@Example.com': 451 },
      extensions: { enhancedStatusCodes: true },
    });
    const client = await connect(server);
    await hello(client);
    await client.command('MAIL FROM:<ann@example.com>');
    expect(await client.command('RCPT TO:<nobody@example.com>')).toBe(
      '550 5.1.1 Error: recipient nobody@example.com rejected\r\n',
    );
    expect(await client.command('RCPT TO:<later@example.com>')).toMatch(/^451 4\.3\.0 /);
    expect(await client.command('RCPT TO:<bob@example.com>')).toMatch(/^250 /);
  });

  it('rejects recipients and senders by function', async () => {
    const server = await start({
      rejectRecipients: (address) => (address.startsWith('full') ? 452 : undefined),
      rejectSenders: { 'spammer@example.com': 553 },
    });
    const client = await connect(server);
    await hello(client);
    expect(await client.command('MAIL FROM:<spammer@example.com>')).toMatch(/^553 /);
    await client.command('MAIL FROM:<ann@example.com>');
    expect(await client.command('RCPT TO:<full@example.com>')).toMatch(/^452 /);
  });

  it('delays the greeting and chosen replies', async () => {
    const server = await start({ replyDelayMs: { greeting: 80, rcpt: 80, message: 80 } });
    let began = performance.now();
    const client = await connect(server);
    await client.readReply();
    expect(performance.now() - began).toBeGreaterThanOrEqual(75);
    began = performance.now();
    await client.command('EHLO x');
    await client.command('MAIL FROM:<ann@example.com>');
    began = performance.now();
    await client.command('RCPT TO:<bob@example.com>');
    expect(performance.now() - began).toBeGreaterThanOrEqual(75);
    await client.command('DATA');
    began = performance.now();
    client.write('x\r\n.\r\n');
    await client.readReply();
    expect(performance.now() - began).toBeGreaterThanOrEqual(75);
  });

  it('delays every reply with a number', async () => {
    const server = await start({ replyDelayMs: 60 });
    const began = performance.now();
    const client = await connect(server);
    await client.readReply();
    await client.command('NOOP');
    expect(performance.now() - began).toBeGreaterThanOrEqual(115);
  });

  it('logs pipelined commands with one readChunk', async () => {
    const server = await start();
    const client = await connect(server);
    await hello(client);
    client.write(
      'MAIL FROM:<ann@example.com>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<cat@example.com>\r\nDATA\r\n',
    );
    for (let i = 0; i < 4; i += 1) await client.readReply();
    client.write('x\r\n.\r\n');
    await client.readReply();
    await client.command('NOOP');
    const log = server.commands.map((entry) => [entry.command, entry.readChunk]);
    expect(log).toEqual([
      ['EHLO', 1],
      ['MAIL', 2],
      ['RCPT', 2],
      ['RCPT', 2],
      ['DATA', 2],
      ['NOOP', 4],
    ]);
  });

  it('logs a command split over reads at the read that completed it', async () => {
    const server = await start();
    const client = await connect(server);
    await client.readReply();
    client.write('NO');
    await new Promise((resolve) => setTimeout(resolve, 30));
    client.write('OP\r\n');
    await client.readReply();
    expect(server.commands.map((entry) => entry.readChunk)).toEqual([2]);
  });

  it('writes each accepted message as .eml with saveTo', async () => {
    const folder = await mkdtemp(join(os.tmpdir(), 'test-servers-eml-'));
    try {
      const server = await start({ saveTo: join(folder, 'out') });
      const client = await connect(server);
      await hello(client);
      await sendMessage(client, 'Subject: one\r\n\r\n1\r\n');
      await sendMessage(client, 'Subject: two\r\n\r\n2\r\n');
      const files = (await readdir(join(folder, 'out'))).sort();
      expect(files).toHaveLength(2);
      expect(files[0]).toMatch(/^0001-.+\.eml$/);
      expect(await readFile(join(folder, 'out', files[1] ?? ''), 'utf8')).toBe(
        'Subject: two\r\n\r\n2\r\n',
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('does not take connections after close()', async () => {
    const server = await start();
    await server.close();
    await expect(
      new Promise((resolve, reject) => {
        const socket = net.connect(server.port, server.host, () => resolve(socket));
        socket.on('error', reject);
      }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('startSmtpServer: faults', () => {
  it('replies instead at a command, and 421 closes the connection', async () => {
    const seen: string[] = [];
    const server = await start({
      faults: ({ phase }) => {
        seen.push(phase);
        if (phase === 'rcpt') return { action: 'reply', code: 451, text: 'Try later' };
        if (phase === 'data') return { action: 'reply', code: 421 };
        return undefined;
      },
    });
    const client = await connect(server);
    await hello(client);
    expect(await client.command('MAIL FROM:<ann@example.com>')).toMatch(/^250 /);
    expect(await client.command('RCPT TO:<bob@example.com>')).toBe('451 Try later\r\n');
    expect(await client.command('DATA')).toBe('421 Error: fault injected (421)\r\n');
    await client.closed();
    expect(seen).toEqual(['ehlo', 'mail', 'rcpt', 'data']);
  });

  it('drops the connection without a reply, and delays a reply', async () => {
    const server = await start({
      faults: ({ phase }) => {
        if (phase === 'mail') return { action: 'delay', ms: 50 };
        if (phase === 'rcpt') return { action: 'drop' };
        return undefined;
      },
    });
    const client = await connect(server);
    await hello(client);
    const started = Date.now();
    expect(await client.command('MAIL FROM:<ann@example.com>')).toMatch(/^250 /);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    client.write('RCPT TO:<bob@example.com>\r\n');
    await client.closed();
    expect(server.messages).toEqual([]);
  });

  it('at the end of data: drop records the message, reply refuses it', async () => {
    let next: 'drop' | 'refuse' = 'drop';
    const server = await start({
      faults: ({ phase }) => {
        if (phase !== 'message') return undefined;
        return next === 'drop' ? { action: 'drop' } : { action: 'reply', code: 451 };
      },
    });
    const first = await connect(server);
    await hello(first);
    expect(await first.command('MAIL FROM:<ann@example.com>')).toMatch(/^250 /);
    expect(await first.command('RCPT TO:<bob@example.com>')).toMatch(/^250 /);
    expect(await first.command('DATA')).toMatch(/^354 /);
    first.write('Subject: kept\r\n\r\nx\r\n.\r\n');
    await first.closed();
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]?.receivedAt).toBeGreaterThan(0);
    next = 'refuse';
    const second = await connect(server);
    await hello(second);
    expect(await sendMessage(second)).toBe('451 Error: fault injected (451)\r\n');
    expect(server.messages).toHaveLength(1);
  });
});

describe('startSmtpServer: a fixed port', () => {
  /** A port that was free a moment ago (nothing else on this machine is expected to take it). */
  async function freePort(): Promise<number> {
    const probe = await start();
    const { port } = probe;
    await probe.close();
    servers.splice(servers.indexOf(probe), 1);
    return port;
  }

  it('listens on the port asked for, on 127.0.0.1 and on localhost', async () => {
    const port = await freePort();
    const server = await start({ port });
    expect(server.port).toBe(port);
    expect(server.url).toBe(`smtp://127.0.0.1:${port}`);
    await server.close();
    const dual = await start({ host: 'localhost', port });
    expect(dual.port).toBe(port);
    expect(await (await connect(dual)).readReply()).toMatch(/^220 /);
  });

  it('rejects with EADDRINUSE when the port is taken, on either address of localhost', async () => {
    const taken = await start();
    await expect(startSmtpServer({ port: taken.port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    await expect(startSmtpServer({ host: 'localhost', port: taken.port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    const onV6 = net.createServer();
    await new Promise<void>((resolve, reject) => {
      onV6.once('error', reject);
      onV6.listen({ host: '::1', port: 0 }, resolve);
    }).catch(() => undefined);
    const v6Port = (onV6.address() as net.AddressInfo | null)?.port;
    try {
      if (v6Port !== undefined) {
        // 127.0.0.1 is free on that port, ::1 is not: a fixed port has no other port to try.
        await expect(startSmtpServer({ host: 'localhost', port: v6Port })).rejects.toMatchObject({
          code: 'EADDRINUSE',
        });
      }
    } finally {
      await new Promise<void>((resolve) => onV6.close(() => resolve()));
    }
  });

  it('refuses a port out of range, or with a socket path', async () => {
    for (const port of [-1, 65_536, 1.5, Number.NaN]) {
      await expect(startSmtpServer({ port })).rejects.toThrow(
        /port must be an integer from 0 to 65535/,
      );
    }
    await expect(
      startSmtpServer({ port: 2525, socketPath: join(os.tmpdir(), 'never.sock') }),
    ).rejects.toThrow(/give port or socketPath, not both/);
  });
});
