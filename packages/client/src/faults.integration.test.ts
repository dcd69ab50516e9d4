/**
 * Faults, each bounded in time (deadlines of a few hundred ms): abort at every phase with the
 * honest outcome (INV-9); end of data written and no final reply → `unknown`, never resent
 * (decision 8); failures before the terminator → `not-sent`; hostile replies (a never-ending
 * reply, a huge line, a reply trickled forever, lone CR and NUL) bounded (INV-8, decision 4);
 * and every typed error code the client raises, at least once.
 */
import { Readable } from 'node:stream';
import type { ScriptedServer, ScriptStep, StartSmtpServerOptions } from 'test-servers';
import { describe, expect, it } from 'vitest';
import { type ClientOptions, SmtpClient } from './index.ts';
import {
  codes,
  decode,
  FAST_EVERY_PHASE,
  failure,
  failureSync,
  mailBuilder,
  sleep,
  useIntegrationFixtures,
} from './testing/integration.ts';

const { certs, open, server, scripted } = useIntegrationFixtures({ closeServers: 'afterEach' });

const mail = mailBuilder('Hello', 'Hello Bob\n');
const rawMail = {
  envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
  raw: 'Subject: f\r\n\r\nx\r\n',
};
const FAST = FAST_EVERY_PHASE;
/** Greeting, EHLO with PIPELINING, MAIL+RCPT+DATA pipelined, 354. */
const toData: ScriptStep[] = [
  { send: '220 scripted ESMTP\r\n' },
  { expect: /^EHLO / },
  { send: '250-scripted\r\n250 PIPELINING\r\n' },
  { expect: /^MAIL FROM:<ann@example.com>/ },
  { expect: 'RCPT TO:<bob@example.com>' },
  { expect: 'DATA' },
  { send: '250 ok\r\n250 ok\r\n354 go\r\n' },
];
const body: ScriptStep[] = [
  { expect: 'Subject: f' },
  { expect: '' },
  { expect: 'x' },
  { expect: '.' },
];
const countData = (sc: ScriptedServer): number => {
  let n = 0;
  for (let c = 0; c < sc.connections; c += 1)
    n += decode(sc.received(c)).split('\r\nDATA\r\n').length - 1;
  return n;
};

describe('abort at every phase (SMTP_ABORTED, honest outcome)', () => {
  it('an already aborted signal: nothing is opened', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const error = await failure(client.send(mail(), { signal: AbortSignal.abort() }));
    expect(error.code).toBe('SMTP_ABORTED');
    expect(error.outcome).toBe('not-sent');
    await sleep(20);
    expect(s.totalConnections).toBe(0);
  });

  it('while connecting', async () => {
    const s = await server({});
    const { connect } = await import('@smtp/transport');
    const client = open({
      host: '127.0.0.1',
      port: s.port,
      // A connector that takes its time, then connects honouring the signal it was given.
      connector: async (options, context) => {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 3000);
          context?.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        return connect(options, context);
      },
    });
    const error = await failure(client.send(mail(), { signal: AbortSignal.timeout(100) }));
    expect(error.code).toBe('SMTP_ABORTED');
    expect(error.outcome).toBe('not-sent');
    expect(s.totalConnections).toBe(0);
  });

  const phases: {
    phase: string;
    server: StartSmtpServerOptions;
    client?: Partial<ClientOptions>;
    outcome: 'not-sent' | 'unknown';
  }[] = [
    { phase: 'greeting', server: { replyDelayMs: { greeting: 3000 } }, outcome: 'not-sent' },
    { phase: 'ehlo', server: { replyDelayMs: { ehlo: 3000 } }, outcome: 'not-sent' },
    {
      phase: 'starttls',
      server: { security: 'starttls', replyDelayMs: { starttls: 3000 } },
      outcome: 'not-sent',
    },
    {
      phase: 'auth',
      server: {
        security: 'starttls',
        auth: { users: { ann: 'pw' } },
        replyDelayMs: { auth: 3000 },
      },
      client: { auth: { user: 'ann', pass: 'pw' } },
      outcome: 'not-sent',
    },
    { phase: 'mail', server: { replyDelayMs: { mail: 3000 } }, outcome: 'not-sent' },
    { phase: 'rcpt', server: { replyDelayMs: { rcpt: 3000 } }, outcome: 'not-sent' },
    { phase: 'data (354)', server: { replyDelayMs: { data: 3000 } }, outcome: 'not-sent' },
    { phase: 'final reply', server: { replyDelayMs: { message: 3000 } }, outcome: 'unknown' },
  ];
  for (const { phase, server: serverOptions, client: clientOptions, outcome } of phases) {
    it(`during ${phase}: outcome ${outcome}`, async () => {
      const s = await server(serverOptions);
      const client = open({
        url: `smtp://127.0.0.1:${s.port}`,
        tls: { ca: certs.ca.cert },
        ...clientOptions,
      });
      const controller = new AbortController();
      const sending = failure(client.send(mail(), { signal: controller.signal }));
      await sleep(250);
      controller.abort();
      const error = await sending;
      expect(error.code).toBe('SMTP_ABORTED');
      expect(error.outcome).toBe(outcome);
      expect(s.messages).toHaveLength(outcome === 'unknown' ? 1 : 0);
      // The aborted connection is dropped, not reused. (test-servers' `connections` does not
      // count down for a connection that was upgraded with STARTTLS, so ask the client there.)
      await sleep(50);
      expect(client.info.connected).toBe(false);
      if (!serverOptions.security) expect(s.connections).toBe(0);
    });
  }

  it('while the body is streaming: not-sent, nothing stored', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const controller = new AbortController();
    const text = new Readable({ read() {} });
    text.push('first part of the body\r\n');
    const sending = failure(client.send(mail({ text }), { signal: controller.signal }));
    await sleep(250);
    controller.abort();
    const error = await sending;
    text.destroy();
    expect(error.code).toBe('SMTP_ABORTED');
    expect(error.outcome).toBe('not-sent');
    expect(s.messages).toHaveLength(0);
  });
});

describe('the end of data and the final reply (INV-9, decision 8)', () => {
  it('server closes after the terminator without a reply: unknown, and never resent', async () => {
    const sc = await scripted([...toData, ...body, { close: true }]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(rawMail));
    expect(error.name).toBe('SendError');
    expect(error.outcome).toBe('unknown');
    expect(error.temporary).toBeDefined();
    await sleep(200);
    expect(sc.connections).toBe(1);
    expect(countData(sc)).toBe(1);
  });

  it('server resets after the terminator: unknown', async () => {
    const sc = await scripted([...toData, ...body, { destroy: true }]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(rawMail));
    expect(error.outcome).toBe('unknown');
    await sleep(200);
    expect(countData(sc)).toBe(1);
  });

  it('timeout waiting for the final reply: SMTP_TIMEOUT, unknown, not resent', async () => {
    const s = await server({ replyDelayMs: { message: 3000 } });
    const client = open({ url: `smtp://127.0.0.1:${s.port}`, timeouts: { dataFinal: 300 } });
    const error = await failure(client.send(mail()));
    expect(error.code).toBe('SMTP_TIMEOUT');
    expect(error.outcome).toBe('unknown');
    await sleep(300);
    expect(s.messages).toHaveLength(1);
    expect(s.totalConnections).toBe(1);
    expect(s.commands.filter((c) => c.command === 'DATA')).toHaveLength(1);
  });

  it('a 4xx/5xx final reply: rejected with that reply', async () => {
    const sc = await scripted([
      ...toData,
      ...body,
      { send: '554 5.6.0 content refused\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(rawMail));
    expect(error.outcome).toBe('rejected');
    expect(error.code).toBe('SMTP_REPLY');
    expect((error.reply as { code: number; command: string }).code).toBe(554);
    expect(error.temporary).toBe(false);
  });

  it('the connection dies while the body is being written: not-sent', async () => {
    const sc = await scripted([...toData, { expect: /./ }, { destroy: true }]);
    const client = open({ url: sc.url, timeouts: FAST });
    // 32 MB: far more than loopback socket buffers hold, so the end of data cannot have been
    // written when the reset is noticed.
    const line = Buffer.from(`${'x'.repeat(998)}\r\n`);
    async function* body() {
      yield 'Subject: f\r\n\r\n';
      for (let i = 0; i < 32 * 1024; i += 1) yield line;
    }
    const error = await failure(client.send({ envelope: rawMail.envelope, raw: body() }));
    expect(error.outcome).toBe('not-sent');
    expect(['SMTP_CONNECTION_RESET', 'SMTP_CONNECTION_CLOSED']).toContain(error.code);
    expect(sc.connections).toBe(1);
  });

  it('the body source fails: not-sent, the connection is dropped', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    async function* body() {
      yield 'Subject: f\r\n\r\nfirst line\r\n';
      throw new Error('disk read failed');
    }
    const error = await failure(client.send({ envelope: rawMail.envelope, raw: body() }));
    expect(error.outcome).toBe('not-sent');
    expect(s.messages).toHaveLength(0);
    await sleep(50);
    expect(s.connections).toBe(0);
  });

  it('the 354 never comes (DATA initiation deadline): not-sent', async () => {
    const s = await server({ replyDelayMs: { data: 3000 } });
    const client = open({ url: `smtp://127.0.0.1:${s.port}`, timeouts: { dataInit: 200 } });
    const error = await failure(client.send(mail()));
    expect(error.code).toBe('SMTP_TIMEOUT');
    expect(error.outcome).toBe('not-sent');
    expect(error.temporary).toBe(true);
  });
});

describe('hostile replies are bounded (INV-8, decision 4)', () => {
  it('a huge reply line: SMTP_PROTOCOL_LINE_TOO_LONG', async () => {
    const sc = await scripted([{ send: `220 ${'x'.repeat(200_000)}` }, { readUntilClose: true }]);
    const client = open({ url: sc.url, timeouts: FAST, replyLimits: { maxLineLength: 1000 } });
    const error = await failure(client.send(mail()));
    expect(codes(error)).toContain('SMTP_PROTOCOL_LINE_TOO_LONG');
    expect(error.outcome).toBe('not-sent');
  });

  it('the default line limit holds too (8 KiB)', async () => {
    const sc = await scripted([
      { send: `220 ${'x'.repeat(100_000)}\r\n` },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(mail()));
    expect(codes(error)).toContain('SMTP_PROTOCOL_LINE_TOO_LONG');
  });

  it('a never-ending multi-line reply: SMTP_PROTOCOL_REPLY_TOO_LARGE', async () => {
    const sc = await scripted([{ send: '220-more\r\n'.repeat(5000) }, { readUntilClose: true }]);
    const client = open({ url: sc.url, timeouts: FAST, replyLimits: { maxLines: 100 } });
    const error = await failure(client.send(mail()));
    expect(codes(error)).toContain('SMTP_PROTOCOL_REPLY_TOO_LARGE');
  });

  it('a reply trickled forever hits the phase deadline, not an inactivity timeout', async () => {
    const sc = await scripted([{ trickle: '220-x\r\n'.repeat(2000), intervalMs: 5 }]);
    const client = open({ url: sc.url, timeouts: { ...FAST, greeting: 300 } });
    const error = await failure(client.send(mail()));
    expect(error.code).toBe('SMTP_TIMEOUT');
  });

  it('a lone CR in a reply is a protocol error', async () => {
    const sc = await scripted([{ send: '220 hi\rthere\r\n' }, { readUntilClose: true }]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(mail()));
    expect(codes(error)).toContain('SMTP_PROTOCOL_INVALID_BYTE');
  });

  it('a NUL in a reply is a protocol error', async () => {
    const sc = await scripted([{ send: '220 hi\u0000there\r\n' }, { readUntilClose: true }]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(mail()));
    expect(codes(error)).toContain('SMTP_PROTOCOL_INVALID_BYTE');
  });

  it('bare LF line ends in replies are tolerated', async () => {
    const sc = await scripted([
      { send: '220 lf server\n' },
      { expect: /^EHLO / },
      { send: '250-lf\n250 8BITMIME\n' },
      { expect: /^MAIL FROM:/ },
      { send: '250 ok\n' },
      { expect: /^RCPT TO:/ },
      { send: '250 ok\n' },
      { expect: 'DATA' },
      { send: '354 go\n' },
      ...body,
      { send: '250 ok\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url, timeouts: FAST });
    const result = await client.send(rawMail);
    expect(result.outcome).toBe('accepted');
  });

  it('a greeting that never comes: SMTP_TIMEOUT within the greeting deadline', async () => {
    const sc = await scripted([{ readUntilClose: true }]);
    const client = open({ url: sc.url, timeouts: { ...FAST, greeting: 300 } });
    const error = await failure(client.send(mail()));
    expect(error.code).toBe('SMTP_TIMEOUT');
    expect(error.outcome).toBe('not-sent');
  });
});

describe('every typed error code, at least once', () => {
  it('SMTP_CONNECTION_REFUSED', async () => {
    const s = await server({});
    const port = s.port;
    await s.close();
    const client = open({ host: '127.0.0.1', port, timeouts: FAST });
    const error = await failure(client.send(mail()));
    expect(error.code).toBe('SMTP_CONNECTION_REFUSED');
    expect(error.outcome).toBe('not-sent');
    expect(error.temporary).toBe(true);
  });

  it('SMTP_CONNECTION_RESET', async () => {
    const sc = await scripted([{ send: '220 hi\r\n' }, { expect: /^EHLO / }, { destroy: true }]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(mail()));
    expect(['SMTP_CONNECTION_RESET', 'SMTP_CONNECTION_CLOSED']).toContain(error.code);
  });

  it('SMTP_CONNECTION_CLOSED', async () => {
    const sc = await scripted([{ send: '220 hi\r\n' }, { expect: /^EHLO / }, { close: true }]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(mail()));
    expect(error.code).toBe('SMTP_CONNECTION_CLOSED');
  });

  it('SMTP_DNS (or a connect timeout where DNS is unreachable)', async () => {
    const client = open({ host: 'no-such-host.invalid', port: 25, timeouts: FAST });
    const error = await failure(client.send(mail()));
    expect(['SMTP_DNS', 'SMTP_TIMEOUT']).toContain(error.code);
    expect(error.outcome).toBe('not-sent');
  });

  it('SMTP_PROTOCOL_MALFORMED_REPLY', async () => {
    const sc = await scripted([{ send: 'hello, I am not SMTP\r\n' }, { readUntilClose: true }]);
    const client = open({ url: sc.url, timeouts: FAST });
    expect(codes(await failure(client.send(mail())))).toContain('SMTP_PROTOCOL_MALFORMED_REPLY');
  });

  it('SMTP_PROTOCOL_INCONSISTENT_CODE', async () => {
    const sc = await scripted([{ send: '220-hi\r\n250 there\r\n' }, { readUntilClose: true }]);
    const client = open({ url: sc.url, timeouts: FAST });
    expect(codes(await failure(client.send(mail())))).toContain('SMTP_PROTOCOL_INCONSISTENT_CODE');
  });

  it('a 554 greeting is SMTP_REPLY, not-sent', async () => {
    const sc = await scripted([{ send: '554 go away\r\n' }, { readUntilClose: true }]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(mail()));
    expect(error.code).toBe('SMTP_REPLY');
    expect(error.outcome).toBe('not-sent');
    expect((error.reply as { command: string }).command).toBe('greeting');
  });

  it('SMTP_URL_UNKNOWN_SCHEME from a bad URL, at construction', () => {
    const error = failureSync(() => new SmtpClient('http://127.0.0.1:25'));
    expect(codes(error)).toContain('SMTP_URL_UNKNOWN_SCHEME');
  });

  it('SMTP_CLIENT_INVALID_OPTIONS for contradictory or invalid options', () => {
    const error = failureSync(
      () => new SmtpClient({ host: '127.0.0.1', port: 25, security: 'bogus' as never }),
    );
    expect(codes(error)).toContain('SMTP_CLIENT_INVALID_OPTIONS');
    const timeout = failureSync(
      () => new SmtpClient({ host: '127.0.0.1', port: 25, timeouts: { command: -1 } }),
    );
    expect(codes(timeout)).toContain('SMTP_CLIENT_INVALID_OPTIONS');
  });

  it('SMTP_INVALID_MAILBOX for a bad raw envelope address', async () => {
    const client = open({ host: '127.0.0.1', port: 1, timeouts: FAST });
    const error = await failure(
      client.send({ envelope: { from: 'not an address', to: ['bob@example.com'] }, raw: 'x\r\n' }),
    );
    expect(String(codes(error).join(' '))).toMatch(/SMTP_INVALID_(MAILBOX|CHARACTER)/);
  });

  it('a message with no recipients is refused before I/O', async () => {
    const client = open({ host: '127.0.0.1', port: 1, timeouts: FAST });
    const error = await failure(client.send(mail({ to: [] })));
    expect(String(codes(error).join(' '))).toMatch(/SMTP_(MIME_|CLIENT_)?INVALID/);
  });

  it('SMTP_PROTOCOL_UNEXPECTED_REPLY for a 354 answering MAIL, and the connection is dropped', async () => {
    const sc = await scripted([
      { send: '220 hi\r\n' },
      { expect: /^EHLO / },
      { send: '250 hi\r\n' },
      { expect: /^MAIL FROM:/ },
      { send: '354 what?\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(rawMail));
    expect(codes(error)).toContain('SMTP_PROTOCOL_UNEXPECTED_REPLY');
    expect(error.outcome).toBe('not-sent');
    await sleep(50);
    expect(client.info.connected).toBe(false);
  });

  it('SMTP_INVALID_NON_ASCII: raw 8-bit content to a server without 8BITMIME, before MAIL', async () => {
    const s = await server({ extensions: { eightBitMime: false } });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const error = await failure(
      client.send({ envelope: rawMail.envelope, raw: 'Subject: 8\r\n\r\nGrüße\r\n' }),
    );
    expect(error.code).toBe('SMTP_INVALID_NON_ASCII');
    expect(error.outcome).toBe('not-sent');
    expect(s.commands.map((c) => c.command)).not.toContain('MAIL');
  });

  it('SMTP_INVALID_PARAMETER: BINARYMIME without CHUNKING, and a send() of nonsense', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const binary = await failure(
      client.send({
        envelope: rawMail.envelope,
        raw: 'Subject: b\r\n\r\n\u0000\r\n',
        body: 'BINARYMIME',
      }),
    );
    expect(binary.code).toBe('SMTP_INVALID_PARAMETER');
    expect(s.commands.map((c) => c.command)).not.toContain('MAIL');
    const nonsense = await failure(client.send(42 as never));
    expect(codes(nonsense)).toContain('SMTP_INVALID_PARAMETER');
  });
});
