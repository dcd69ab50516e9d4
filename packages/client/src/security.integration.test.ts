/**
 * The security contract (docs/security.md) against the client as a whole: INV-1 (no plaintext downgrade), INV-2 (the STARTTLS
 * trust boundary), INV-3 (certificates), INV-5 (injection, refused before any I/O) and INV-6
 * (canonical DATA, smuggling), each against test-servers and bounded in time. AUTH rules
 * (INV-4) are in auth.integration.test.ts; secrets (INV-10) in logging.integration.test.ts.
 */
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import tls from 'node:tls';
import type { RunningSmtpServer, ScriptStep } from 'test-servers';
import { beforeEach, describe, expect, it } from 'vitest';
import { SmtpClient } from './index.ts';
import {
  chain,
  codes,
  decode,
  FAST,
  failure,
  mailBuilder,
  useIntegrationFixtures,
  words,
} from './testing/integration.ts';

const { certs, open, server, scripted, trackServer } = useIntegrationFixtures({
  closeServers: 'afterEach',
});

const mail = mailBuilder('Hello', 'Hello Bob\n');

describe('INV-3: certificates', () => {
  for (const certificate of ['expired', 'wrongName', 'untrusted'] as const) {
    for (const mode of ['starttls', 'implicit'] as const) {
      it(`${certificate} certificate over ${mode}: SMTP_TLS_HANDSHAKE, never retried in plaintext`, async () => {
        const s = await server({ security: mode, certificate });
        const scheme = mode === 'implicit' ? 'smtps' : 'smtp';
        const client = open({ url: `${scheme}://127.0.0.1:${s.port}`, tls: { ca: certs.ca.cert } });
        const error = await failure(client.send(mail()));
        expect(error.code).toBe('SMTP_TLS_HANDSHAKE');
        expect(error.outcome).toBe('not-sent');
        // A certificate that fails verification will fail again: not worth a retry.
        expect(error.temporary).toBe(false);
        expect(s.messages).toHaveLength(0);
        // The opportunistic smtp:// upgrade failed: no plaintext fallback (decision 2).
        expect(s.commands.filter((c) => !c.secure).map((c) => c.command)).toEqual(
          mode === 'starttls' ? ['EHLO', 'STARTTLS'] : [],
        );
        expect(s.totalConnections).toBe(1);
      });
    }
  }

  it('a certificate for another name verifies against the configured servername only', async () => {
    const s = await server({ security: 'implicit', certificate: 'wrongName' });
    const bad = open({ url: `smtps://127.0.0.1:${s.port}`, tls: { ca: certs.ca.cert } });
    expect((await failure(bad.send(mail()))).code).toBe('SMTP_TLS_HANDSHAKE');
    const good = open({
      url: `smtps://127.0.0.1:${s.port}`,
      tls: { ca: certs.ca.cert, servername: 'wrong.example' },
    });
    await good.send(mail());
    expect(s.messages).toHaveLength(1);
  });

  it('rejectUnauthorized: false is explicit, and works without credentials', async () => {
    const s = await server({ security: 'starttls', certificate: 'untrusted' });
    const client = open({
      url: `smtptls://127.0.0.1:${s.port}`,
      tls: { rejectUnauthorized: false },
    });
    await client.send(mail());
    expect(s.messages[0]?.secure).toBe(true);
  });
});

describe('INV-3: SNI and the name checked (inline implicit-TLS server that records SNI)', () => {
  /** An implicit-TLS server that greets, answers QUIT, and records each ClientHello's SNI. */
  async function sniServer(): Promise<{ port: number; names: (string | undefined)[] }> {
    const names: (string | undefined)[] = [];
    const sockets = new Set<tls.TLSSocket>();
    const srv = tls.createServer(
      {
        key: certs.server.key,
        cert: certs.server.cert,
        SNICallback: (name, callback) => {
          names.push(name);
          callback(null, undefined);
        },
      },
      (socket) => {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.write('220 sni ESMTP\r\n');
        socket.on('data', (data) => {
          const line = data.toString();
          if (line.startsWith('QUIT')) socket.end('221 bye\r\n');
          else if (/^(EHLO|HELO)/.test(line)) socket.write('250 sni\r\n');
        });
      },
    );
    srv.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    trackServer({
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          srv.close(() => resolve());
        }),
    });
    return { port: (srv.address() as AddressInfo).port, names };
  }

  it('sends SNI for a DNS name, none for an IP address, the configured servername when set', async () => {
    const sni = await sniServer();
    const byName = open({
      url: `smtps://localhost:${sni.port}`,
      tls: { ca: certs.ca.cert },
      timeouts: FAST,
    });
    await byName.ping({ stopAfter: 'greeting' });
    expect(sni.names).toEqual(['localhost']);
    const byIp = open({
      url: `smtps://127.0.0.1:${sni.port}`,
      tls: { ca: certs.ca.cert },
      timeouts: FAST,
    });
    await byIp.ping({ stopAfter: 'greeting' });
    // No SNI for an IP literal (RFC 6066 section 3): SNICallback is not called.
    expect(sni.names).toEqual(['localhost']);
    const configured = open({
      url: `smtps://127.0.0.1:${sni.port}`,
      tls: { ca: certs.ca.cert, servername: 'mail.example.test' },
      timeouts: FAST,
    });
    // The certificate does not name mail.example.test: verified against it, the handshake fails.
    const error = await failure(configured.ping({ stopAfter: 'greeting' }));
    expect(codes(error)).toContain('SMTP_TLS_HANDSHAKE');
    expect(sni.names).toEqual(['localhost', 'mail.example.test']);
  });
});

describe('INV-1: no plaintext downgrade', () => {
  it('credentials make TLS required: a server without STARTTLS gets only EHLO and STARTTLS', async () => {
    const s = await server({ security: 'none', auth: { users: { ann: 'pw-Secret-1' } } });
    const client = open({
      url: `smtp://127.0.0.1:${s.port}`,
      auth: { user: 'ann', pass: 'pw-Secret-1' },
    });
    const error = await failure(client.send(mail()));
    expect(['SMTP_TLS_REQUIRED', 'SMTP_AUTH_INSECURE']).toContain(error.code);
    expect(words(s).filter((w) => w !== 'EHLO' && w !== 'STARTTLS')).toEqual([]);
    expect(s.messages).toHaveLength(0);
  });

  it('a STARTTLS refused with 454 on smtptls:// stops there', async () => {
    const sc = await scripted([
      { send: '220 scripted ESMTP\r\n' },
      { expect: /^EHLO / },
      { send: '250-scripted\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n' },
      { expect: 'STARTTLS' },
      { send: '454 4.7.0 TLS not available\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url.replace('smtp:', 'smtptls:'), timeouts: FAST });
    const error = await failure(client.send(mail()));
    expect(error.code).toBe('SMTP_TLS_REQUIRED');
    client.destroy();
    await sc.done;
    const lines = decode(sc.received()).split('\r\n').filter(Boolean);
    expect(lines.filter((l) => !/^(EHLO|STARTTLS|QUIT)\b/.test(l))).toEqual([]);
  });
});

describe('INV-2: the STARTTLS trust boundary (scripted server)', () => {
  const greet: ScriptStep[] = [
    { send: '220 scripted ESMTP\r\n' },
    { expect: /^EHLO / },
    { send: '250-scripted\r\n250-PIPELINING\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n' },
    { expect: 'STARTTLS' },
  ];

  for (const [name, injected] of [
    ['a complete reply in the same write as the 220', '220 go ahead\r\n250-injected\r\n'],
    ['a partial line in the same write as the 220', '220 go ahead\r\n250 inj'],
  ] as const) {
    it(`${name}: ProtocolError SMTP_PROTOCOL_STARTTLS_INJECTION, TLS never starts`, async () => {
      const sc = await scripted([...greet, { send: injected }, { readUntilClose: true }]);
      const client = open({ url: sc.url, tls: { ca: certs.ca.cert }, timeouts: FAST });
      const error = await failure(client.send(mail()));
      expect(codes(error)).toContain('SMTP_PROTOCOL_STARTTLS_INJECTION');
      expect(chain(error).some((e) => e.name === 'ProtocolError')).toBe(true);
      expect(error.outcome).toBe('not-sent');
      await sc.done;
      // Nothing after STARTTLS: no ClientHello, no command.
      const received = decode(sc.received());
      expect(received.slice(received.indexOf('STARTTLS\r\n') + 'STARTTLS\r\n'.length)).toBe('');
      expect(sc.connections).toBe(1);
    });
  }

  it('plaintext arriving while TLS starts fails typed, and no command follows in plaintext', async () => {
    const sc = await scripted([
      ...greet,
      { send: '220 go ahead\r\n' },
      { delay: 30 },
      { send: '250 injected later\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url, tls: { ca: certs.ca.cert }, timeouts: FAST });
    const error = await failure(client.send(mail()));
    expect(
      codes(error).some(
        (c) => c === 'SMTP_PROTOCOL_STARTTLS_INJECTION' || c === 'SMTP_TLS_HANDSHAKE',
      ),
    ).toBe(true);
    await sc.done;
    const received = decode(sc.received());
    const after = received.slice(received.indexOf('STARTTLS\r\n') + 'STARTTLS\r\n'.length);
    // At most a TLS ClientHello (record type 0x16), never an SMTP command.
    expect(after === '' || after.charCodeAt(0) === 0x16).toBe(true);
    expect(after).not.toMatch(/EHLO|AUTH|MAIL|RCPT|DATA/);
    expect(sc.connections).toBe(1);
  });

  it('capabilities from before TLS are forgotten: no pipelining, AUTH unavailable after TLS', async () => {
    const sc = await scripted([
      ...greet,
      { send: '220 go ahead\r\n' },
      { upgradeToTls: true },
      { expect: /^EHLO / },
      { send: '250-scripted after TLS\r\n250 8BITMIME\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({
      url: sc.url,
      tls: { ca: certs.ca.cert },
      auth: { user: 'ann', pass: 'pw-Secret-1' },
      timeouts: FAST,
    });
    const error = await failure(client.send(mail()));
    expect(error.code).toBe('SMTP_AUTH_UNAVAILABLE');
    client.destroy();
    await sc.done;
    expect(decode(sc.received())).not.toMatch(/AUTH|MAIL/);
  });

  it('PIPELINING advertised only before TLS is not used after TLS', async () => {
    const sc = await scripted([
      ...greet,
      { send: '220 go ahead\r\n' },
      { upgradeToTls: true },
      { expect: /^EHLO / },
      { send: '250-scripted after TLS\r\n250 8BITMIME\r\n' },
      { expect: 'MAIL FROM:<ann@example.com>' },
      // If the client pipelined, RCPT is already in the buffer; give it time to show up.
      { delay: 100 },
      { send: '250 ok\r\n' },
      { expect: 'RCPT TO:<bob@example.com>' },
      { send: '250 ok\r\n' },
      { expect: 'DATA' },
      { send: '354 go\r\n' },
      { expect: 'Subject: p' },
      { expect: '' },
      { expect: 'x' },
      { expect: '.' },
      { send: '250 ok\r\n' },
      { expect: 'QUIT' },
      { send: '221 bye\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url, tls: { ca: certs.ca.cert }, timeouts: FAST });
    await client.send({
      envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
      raw: 'Subject: p\r\n\r\nx\r\n',
    });
    await client.close();
    await sc.done;
    // With PIPELINING forgotten, MAIL arrived alone in its read.
    const mailRead = sc.transcript.find(
      (t) => t.direction === 'in' && decode(t.data).includes('MAIL FROM'),
    );
    expect(decode(mailRead?.data ?? new Uint8Array())).toBe('MAIL FROM:<ann@example.com>\r\n');
  });

  it('writes nothing after STARTTLS until the 220 arrives', async () => {
    const sc = await scripted([
      ...greet,
      { delay: 300 },
      { send: '220 go ahead\r\n' },
      { upgradeToTls: true },
      { expect: /^EHLO / },
      { send: '250 after TLS\r\n' },
      { expect: 'QUIT' },
      { send: '221 bye\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url, tls: { ca: certs.ca.cert }, timeouts: FAST });
    const connecting = client.connect();
    // While the server holds its 220, the transcript must end with the client's STARTTLS.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const inbound = sc.transcript.filter((t) => t.direction === 'in');
    const soFar = decode(Buffer.concat(inbound.map((t) => t.data)));
    expect(soFar.endsWith('STARTTLS\r\n')).toBe(true);
    await connecting;
    await client.close();
    await sc.done;
  });
});

describe('INV-5: injection is refused before any network I/O', () => {
  let s: RunningSmtpServer;
  beforeEach(async () => {
    s = await server({});
  });

  const cases: [string, () => unknown][] = [
    ['CRLF in the subject', () => mail({ subject: 'hi\r\nBcc: evil@example.com' })],
    ['LF in the subject', () => mail({ subject: 'hi\nBcc: evil@example.com' })],
    [
      'CRLF in a display name',
      () => mail({ from: { name: 'Ann\r\nBcc: evil@example.com', address: 'ann@example.com' } }),
    ],
    ['CRLF in an address', () => mail({ to: 'bob@example.com\r\nRCPT TO:<evil@example.com>' })],
    ['NUL in an address', () => mail({ to: 'bob\u0000@example.com' })],
    ['DEL in the subject', () => mail({ subject: 'hi\u007fthere' })],
    ['CRLF in a custom header', () => mail({ headers: { 'X-Tag': 'a\r\nBcc: evil@example.com' } })],
    [
      'CRLF in a raw envelope sender',
      () => ({
        envelope: {
          from: 'ann@example.com>\r\nRCPT TO:<evil@example.com',
          to: ['bob@example.com'],
        },
        raw: 'Subject: x\r\n\r\nx\r\n',
      }),
    ],
    [
      'angle bracket in a raw envelope recipient',
      () => ({
        envelope: { from: 'ann@example.com', to: ['bob@example.com> NOTIFY=NEVER'] },
        raw: 'Subject: x\r\n\r\nx\r\n',
      }),
    ],
    [
      'space in a raw envelope recipient',
      () => ({
        envelope: { from: 'ann@example.com', to: ['bob @example.com'] },
        raw: 'Subject: x\r\n\r\nx\r\n',
      }),
    ],
  ];
  for (const [name, build] of cases) {
    it(`${name}`, async () => {
      const client = open(`smtp://127.0.0.1:${s.port}`);
      const error = await failure(
        (async () => client.send(build() as Parameters<SmtpClient['send']>[0]))(),
      );
      expect(String(error.code)).toMatch(/^SMTP_(MIME_)?INVALID/);
      // Invalid input stays invalid: a retry cannot help.
      expect((error as { temporary?: boolean }).temporary ?? false).toBe(false);
      expect(s.totalConnections).toBe(0);
      expect(s.commands).toEqual([]);
    });
  }

  it('an EHLO name with CRLF is refused when the client is made', () => {
    expect(
      () => new SmtpClient({ host: '127.0.0.1', port: 25, name: 'x\r\nMAIL FROM:<a@b>' }),
    ).toThrow();
  });
});

/** Canonical DATA as docs/security.md INV-6 and decision 3 define it: CRLF only, dot-stuffed, one terminator. */
function canonicalData(raw: string): string {
  let body = raw.replace(/\r\n|\r|\n/g, '\r\n');
  if (!body.endsWith('\r\n')) body += '\r\n';
  const lines = body.slice(0, -2).split('\r\n');
  return `${lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n')}\r\n.\r\n`;
}

describe('INV-6: canonical DATA (scripted server reads to CRLF.CRLF and checks every byte)', () => {
  const payloads: [string, string][] = [
    ['bare LF line ends', 'Subject: lf\n\nline one\nline two\n'],
    ['bare CR line ends', 'Subject: cr\r\rline one\rline two\r'],
    [
      'a dot on the first body line and mid-text',
      'Subject: dots\r\n\r\n.first\r\nmid\r\n..two\r\n',
    ],
    ['LF.LF smuggling', 'Subject: s1\r\n\r\nbefore\n.\nMAIL FROM:<evil@example.com>\r\nafter\r\n'],
    [
      'CRLF.CR smuggling',
      'Subject: s2\r\n\r\nbefore\r\n.\rRCPT TO:<evil@example.com>\r\nafter\r\n',
    ],
    ['CR.CRLF smuggling', 'Subject: s3\r\n\r\nbefore\r.\r\nQUIT\r\nafter\r\n'],
    ['LF.CRLF smuggling', 'Subject: s4\r\n\r\nbefore\n.\r\nDATA\r\nafter'],
    ['a terminator inside the body', 'Subject: s5\r\n\r\nbefore\r\n.\r\nafter\r\n'],
    ['no final line end', 'Subject: s6\r\n\r\nno newline at the end'],
  ];

  for (const [name, raw] of payloads) {
    it(name, async () => {
      const expected = canonicalData(raw);
      const dataLines = expected.slice(0, -2).split('\r\n');
      const sc = await scripted([
        { send: '220 scripted ESMTP\r\n' },
        { expect: /^EHLO / },
        { send: '250-scripted\r\n250 8BITMIME\r\n' },
        { expect: /^MAIL FROM:<ann@example.com>/ },
        { send: '250 ok\r\n' },
        { expect: 'RCPT TO:<bob@example.com>' },
        { send: '250 ok\r\n' },
        { expect: 'DATA' },
        { send: '354 go ahead\r\n' },
        ...dataLines.map((line): ScriptStep => ({ expect: line })),
        { send: '250 ok\r\n' },
        { expect: 'QUIT' },
        { send: '221 bye\r\n' },
        { readUntilClose: true },
      ]);
      const client = open({ url: sc.url, timeouts: FAST });
      await client.send({ envelope: { from: 'ann@example.com', to: ['bob@example.com'] }, raw });
      await client.close();
      await sc.done;
      const received = decode(sc.received());
      const start = received.indexOf('DATA\r\n') + 'DATA\r\n'.length;
      const data = received.slice(start, start + expected.length);
      expect(data).toBe(expected);
      // Exactly one terminator, then nothing but a command (QUIT) or nothing.
      expect(received.slice(start + expected.length)).toMatch(/^(|QUIT\r\n|RSET\r\n)$/);
      // CRLF only.
      expect(data.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    });
  }

  it('a raw line over 998 octets is refused, nothing is stored', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const error = await failure(
      client.send({
        envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
        raw: `Subject: long\r\n\r\n${'y'.repeat(2000)}\r\n`,
      }),
    );
    expect(codes(error)).toContain('SMTP_INVALID_LINE_TOO_LONG');
    expect(error.outcome).toBe('not-sent');
    expect(s.messages).toHaveLength(0);
  });

  it('a composed message with very long text lines arrives in lines of at most 998 octets', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    await client.send(mail({ text: `${'word '.repeat(1000)}\n${'z'.repeat(3000)}\n` }));
    const raw = Buffer.from(s.messages[0]?.raw ?? new Uint8Array()).toString('latin1');
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  });

  it('a line starting with "." at a chunk boundary of a streamed body is stuffed', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const chunks = ['first line\r\n', '.dot at the start of a chunk\r\n', '.\r\n', 'after\r\n'];
    await client.send(mail({ text: Readable.from(chunks.map((c) => Buffer.from(c))) }));
    expect(s.messages).toHaveLength(1);
    const raw = Buffer.from(s.messages[0]?.raw ?? new Uint8Array()).toString('utf8');
    // The message was not cut short at the lone dot: everything after it arrived.
    expect(raw).toMatch(/after|YWZ0ZX/);
    expect(words(s)).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA']);
  });

  it('a message whose text holds CRLF.CRLF arrives whole at smtp-server', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    await client.send(
      mail({ text: 'top\r\n.\r\nMAIL FROM:<evil@example.com>\r\n.\r\nbottom\r\n' }),
    );
    expect(s.messages).toHaveLength(1);
    expect(words(s)).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA']);
  });
});
