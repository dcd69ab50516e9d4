/**
 * The client against a hostile (or broken) server, played by the scripted raw server: each case
 * is a behaviour a server may show and the exact reaction the security contract asks for
 * (docs/security.md decisions 9 and 10, INV-8, INV-9, INV-10):
 * - bytes on an idle kept connection; a reply to DATA other than 354; a reply while the body is
 *   still being written; a refused RSET; pipelined and BDAT replies that do not match;
 * - `destroy()` while the connection is still opening;
 * - waits that are not on the socket (a stalled content stream, a token provider);
 * - raw input checked before the first byte; server text sanitised wherever it is handed out.
 */
import type { ScriptedServer, ScriptStep } from 'test-servers';
import { describe, expect, it } from 'vitest';
import { SmtpConnection } from './index.ts';
import {
  codes,
  decode,
  FAST_EVERY_PHASE,
  failure,
  sleep,
  useIntegrationFixtures,
} from './testing/integration.ts';

const { open, scripted } = useIntegrationFixtures({ closeServers: 'afterEach' });

const FAST = FAST_EVERY_PHASE;

const rawMail = (subject = 'f') => ({
  envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
  raw: `Subject: ${subject}\r\n\r\nx\r\n`,
});

/** Greeting and EHLO with the given extensions. */
const opening = (...extensions: string[]): ScriptStep[] => [
  { send: '220 scripted ESMTP\r\n' },
  { expect: /^EHLO / },
  {
    send: ['scripted', ...extensions]
      .map((line, i, all) => `250${i === all.length - 1 ? ' ' : '-'}${line}\r\n`)
      .join(''),
  },
];

/** One accepted pipelined message with subject `subject`. */
const accepted = (subject = 'f'): ScriptStep[] => [
  { expect: /^MAIL FROM:<ann@example.com>/ },
  { expect: 'RCPT TO:<bob@example.com>' },
  { expect: 'DATA' },
  { send: '250 ok\r\n250 ok\r\n354 go\r\n' },
  { expect: `Subject: ${subject}` },
  { expect: '' },
  { expect: 'x' },
  { expect: '.' },
  { send: '250 queued\r\n' },
];

/** What the client wrote on one connection, as text. */
const written = (sc: ScriptedServer, connection: number): string => decode(sc.received(connection));

describe('bytes on an idle kept connection (decision 9)', () => {
  const idle = (stray: string) =>
    scripted((connection) =>
      connection === 0
        ? [
            ...opening('PIPELINING'),
            ...accepted('one'),
            { delay: 20 },
            { send: stray },
            { readUntilClose: true },
          ]
        : [...opening('PIPELINING'), ...accepted('two'), { readUntilClose: true }],
    );

  it('a stray reply is never read as the reply to the next message: a new connection takes it', async () => {
    const sc = await idle('250 stray\r\n');
    const client = open({ url: sc.url, timeouts: FAST });
    await client.send(rawMail('one'));
    await sleep(80);
    const result = await client.send(rawMail('two'));
    expect(result.outcome).toBe('accepted');
    expect(result.reply.text).toBe('queued');
    expect(sc.connections).toBe(2);
    // Nothing of the second message went on the first connection.
    expect(written(sc, 0)).not.toContain('Subject: two');
    expect(written(sc, 0).match(/MAIL FROM/g)).toHaveLength(1);
  });

  it('a partial line counts too (it would corrupt the next reply)', async () => {
    const sc = await idle('25');
    const client = open({ url: sc.url, timeouts: FAST });
    await client.send(rawMail('one'));
    await sleep(80);
    expect((await client.send(rawMail('two'))).outcome).toBe('accepted');
    expect(sc.connections).toBe(2);
    expect(written(sc, 0).match(/MAIL FROM/g)).toHaveLength(1);
  });

  it('a 421 closes it quietly: the log says so, and the next message goes on a new connection', async () => {
    const sc = await idle('421 idle too long\r\n');
    const lines: string[] = [];
    const client = open({ url: sc.url, timeouts: FAST }, { log: (line) => lines.push(line) });
    await client.send(rawMail('one'));
    await sleep(80);
    expect((await client.send(rawMail('two'))).outcome).toBe('accepted');
    expect(sc.connections).toBe(2);
    expect(lines.some((line) => line.includes('closed the idle connection'))).toBe(true);
    expect(lines.some((line) => line.startsWith('send failed'))).toBe(false);
  });
});

describe('the reply to DATA (decision 10)', () => {
  const toData = (reply: string): ScriptStep[] => [
    ...opening('PIPELINING'),
    { expect: /^MAIL FROM:/ },
    { expect: 'RCPT TO:<bob@example.com>' },
    { expect: 'DATA' },
    { send: `250 ok\r\n250 ok\r\n${reply}\r\n` },
    { readUntilClose: true },
  ];

  it('a 250 to DATA is a protocol error, not-sent; the body is never sent; the connection is dropped', async () => {
    const sc = await scripted((connection) =>
      connection === 0 ? toData('250 sure') : [...opening('PIPELINING'), ...accepted()],
    );
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(rawMail()));
    expect(error.code).toBe('SMTP_PROTOCOL_UNEXPECTED_REPLY');
    expect(error.outcome).toBe('not-sent');
    expect(written(sc, 0)).not.toContain('Subject');
    // The next message needs a new connection.
    expect((await client.send(rawMail())).outcome).toBe('accepted');
    expect(sc.connections).toBe(2);
  });

  it('a 554 to DATA is rejected with that reply, and nothing of the body is sent', async () => {
    const sc = await scripted(toData('554 no data for you'));
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(rawMail()));
    expect(error.outcome).toBe('rejected');
    expect((error.reply as { code: number }).code).toBe(554);
    expect(written(sc, 0)).not.toContain('Subject');
  });
});

describe('a reply while the body is being written (decision 10)', () => {
  /** A raw message whose body streams 64 KiB chunks, slowly enough to be interrupted. */
  const slowRaw = (chunks = 200) => ({
    envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
    raw: (async function* () {
      yield 'Subject: big\r\n\r\n';
      const line = `${'y'.repeat(76)}\r\n`.repeat(840);
      for (let i = 0; i < chunks; i++) {
        await sleep(2);
        yield line;
      }
    })(),
  });
  const interrupt = (reply: string, then: ScriptStep): ScriptStep[] => [
    ...opening('PIPELINING'),
    { expect: /^MAIL FROM:/ },
    { expect: 'RCPT TO:<bob@example.com>' },
    { expect: 'DATA' },
    { send: '250 ok\r\n250 ok\r\n354 go\r\n' },
    { expect: 'Subject: big' },
    { send: `${reply}\r\n` },
    then,
  ];

  // A close (FIN) right after the reply. After a reset (RST) instead, the kernel may drop the
  // reply before anyone reads it, and then the reset is all there is to report.
  it('a 552 then an immediate close: rejected with the 552, not a broken pipe', async () => {
    const sc = await scripted(interrupt('552 5.3.4 message too big', { close: true }));
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(slowRaw()));
    expect(error.outcome).toBe('rejected');
    expect(error.code).toBe('SMTP_REPLY');
    expect((error.reply as { code: number }).code).toBe(552);
    expect(error.temporary).toBe(false);
  });

  it('a 452 while the server keeps reading: rejected (temporary), the body stops at once', async () => {
    const sc = await scripted(interrupt('452 4.3.1 out of space', { readUntilClose: true }));
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(slowRaw()));
    expect(error.outcome).toBe('rejected');
    expect(error.temporary).toBe(true);
    // Far less than the whole body went out, and never its terminator.
    await sleep(30);
    expect(written(sc, 0).length).toBeLessThan(200 * 64 * 1024);
    expect(written(sc, 0)).not.toContain('\r\n.\r\n');
  });

  it('a 250 before the end of data: a protocol error with outcome unknown, never accepted', async () => {
    const sc = await scripted(interrupt('250 thanks', { readUntilClose: true }));
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(slowRaw()));
    expect(error.outcome).toBe('unknown');
    expect(error.code).toBe('SMTP_PROTOCOL_UNEXPECTED_REPLY');
  });
});

describe('RSET (decision 9)', () => {
  it('a refused RSET drops the connection; nothing of the next message is sent on it', async () => {
    const sc = await scripted((connection) =>
      connection === 0
        ? [
            ...opening('PIPELINING'),
            { expect: /^MAIL FROM:/ },
            { expect: 'RCPT TO:<bob@example.com>' },
            { expect: 'DATA' },
            { send: '250 ok\r\n550 no such user\r\n554 no valid recipients\r\n' },
            { expect: 'RSET' },
            { send: '500 what?\r\n' },
            { readUntilClose: true },
          ]
        : [...opening('PIPELINING'), ...accepted('two'), { readUntilClose: true }],
    );
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(rawMail('one')));
    expect(error.outcome).toBe('rejected');
    expect((await client.send(rawMail('two'))).outcome).toBe('accepted');
    expect(sc.connections).toBe(2);
    expect(written(sc, 0)).not.toContain('Subject: two');
    expect(written(sc, 0).match(/MAIL FROM/g)).toHaveLength(1);
  });
});

describe('replies matched strictly', () => {
  it('one reply too many in a pipelined batch: a protocol error, never a shifted match', async () => {
    const sc = await scripted([
      ...opening('PIPELINING'),
      { expect: /^MAIL FROM:/ },
      { expect: 'RCPT TO:<bob@example.com>' },
      { expect: 'DATA' },
      { send: '250 ok\r\n250 ok\r\n250 extra\r\n354 go\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(rawMail()));
    expect(error.code).toBe('SMTP_PROTOCOL_UNEXPECTED_REPLY');
    expect(error.outcome).toBe('not-sent');
    expect(written(sc, 0)).not.toContain('Subject');
  });

  it('a reply too many after the 354: a protocol error before any content', async () => {
    const sc = await scripted([
      ...opening('PIPELINING'),
      { expect: /^MAIL FROM:/ },
      { expect: 'RCPT TO:<bob@example.com>' },
      { expect: 'DATA' },
      { send: '250 ok\r\n250 ok\r\n354 go\r\n250 extra\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(rawMail()));
    expect(error.code).toBe('SMTP_PROTOCOL_UNEXPECTED_REPLY');
    expect(error.outcome).toBe('not-sent');
    expect(written(sc, 0)).not.toContain('Subject');
  });

  it('a malformed reply in the batch: a protocol error, not-sent', async () => {
    const sc = await scripted([
      ...opening('PIPELINING'),
      { expect: /^MAIL FROM:/ },
      { expect: 'RCPT TO:<bob@example.com>' },
      { expect: 'DATA' },
      { send: '250 ok\r\nnonsense\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(client.send(rawMail()));
    expect(codes(error)).toContain('SMTP_PROTOCOL_MALFORMED_REPLY');
    expect(error.outcome).toBe('not-sent');
  });

  const bdat = (chunkReply: string, pipelining: boolean): ScriptStep[] => [
    ...opening(...(pipelining ? ['PIPELINING'] : []), 'CHUNKING'),
    { expect: /^MAIL FROM:/ },
    ...(pipelining
      ? [{ expect: 'RCPT TO:<bob@example.com>' }, { send: '250 ok\r\n250 ok\r\n' }]
      : [{ send: '250 ok\r\n' }, { expect: 'RCPT TO:<bob@example.com>' }, { send: '250 ok\r\n' }]),
    { expect: /^BDAT \d+$/ },
    { send: `${chunkReply}\r\n` },
    { readUntilClose: true },
  ];
  const twoChunks = {
    envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
    raw: `Subject: b\r\n\r\n${'z'.repeat(100)}\r\n`,
  };

  it('a 354 to BDAT (lock-step): a protocol error before LAST, not-sent, the connection dropped', async () => {
    const sc = await scripted(bdat('354 go on', false));
    const client = open({ url: sc.url, timeouts: FAST, chunking: true, chunkSize: 50 });
    const error = await failure(client.send(twoChunks));
    expect(error.code).toBe('SMTP_PROTOCOL_UNEXPECTED_REPLY');
    expect(error.outcome).toBe('not-sent');
    expect(written(sc, 0)).not.toContain('LAST');
    expect(client.info.connected).toBe(false);
  });

  it('a 354 to BDAT (pipelined): a protocol error, the connection dropped', async () => {
    const sc = await scripted(bdat('354 go on', true));
    const client = open({ url: sc.url, timeouts: FAST, chunking: true, chunkSize: 50 });
    const error = await failure(client.send(twoChunks));
    expect(error.code).toBe('SMTP_PROTOCOL_UNEXPECTED_REPLY');
    // LAST may already be on its way when the 354 is read: then the outcome is unknown.
    expect(['not-sent', 'unknown']).toContain(error.outcome);
    expect(client.info.connected).toBe(false);
  });

  it('an extra reply during BDAT (lock-step): a protocol error before the next chunk', async () => {
    const sc = await scripted(bdat('250 ok\r\n250 extra', false));
    const client = open({ url: sc.url, timeouts: FAST, chunking: true, chunkSize: 50 });
    const error = await failure(client.send(twoChunks));
    expect(error.code).toBe('SMTP_PROTOCOL_UNEXPECTED_REPLY');
    expect(error.outcome).toBe('not-sent');
    expect(written(sc, 0)).not.toContain('LAST');
    expect(client.info.connected).toBe(false);
  });
});

describe('destroy() is final, even while opening', () => {
  it('during the greeting: connect() rejects SMTP_CLIENT_CLOSED, a queued send fails not-sent, nothing is written', async () => {
    const sc = await scripted([{ delay: 5000 }]);
    const client = open({ url: sc.url, timeouts: { ...FAST, greeting: 10_000 } });
    const connecting = failure(client.connect());
    const sending = failure(client.send(rawMail()));
    await sleep(50);
    client.destroy();
    const [connectError, sendError] = await Promise.all([connecting, sending]);
    expect(connectError.code).toBe('SMTP_CLIENT_CLOSED');
    expect(sendError.outcome).toBe('not-sent');
    await sleep(20);
    expect(sc.received(0).byteLength).toBe(0);
  });

  it('while a token provider is pending: the send fails not-sent and no AUTH is written', async () => {
    const sc = await scripted([...opening('AUTH XOAUTH2'), { readUntilClose: true }]);
    const client = open({
      url: sc.url,
      security: 'none',
      allowInsecureAuth: true,
      auth: { user: 'ann', accessToken: () => new Promise<string>(() => {}) },
      timeouts: FAST,
    });
    const sending = failure(client.send(rawMail()));
    await sleep(50);
    client.destroy();
    const error = await sending;
    expect(error.outcome).toBe('not-sent');
    expect(written(sc, 0)).not.toContain('AUTH');
  });

  it('an SmtpConnection destroyed while opening rejects open() and writes nothing more', async () => {
    const sc = await scripted([{ send: '220 hi\r\n' }, { delay: 5000 }]);
    const client = open({ url: sc.url, timeouts: FAST });
    expect(client.info.connected).toBe(false);
    const { resolveClientOptions } = await import('./resolve-options.ts');
    const { createClientLog } = await import('./logging.ts');
    const { createSecrets } = await import('./redact.ts');
    const secrets = createSecrets();
    const connection = new SmtpConnection({
      options: resolveClientOptions({ url: sc.url, timeouts: FAST }),
      log: createClientLog(undefined, secrets),
      secrets,
      credentials: undefined,
    });
    const opening = failure(connection.open());
    await sleep(30);
    connection.destroy();
    expect((await opening).code).toBe('SMTP_CLIENT_CLOSED');
    expect(connection.usable).toBe(false);
  });
});

describe('waits that are not on the socket (INV-8)', () => {
  it('a token provider that never resolves: the AUTH phase deadline, not-sent', async () => {
    const sc = await scripted([...opening('AUTH XOAUTH2'), { readUntilClose: true }]);
    const client = open({
      url: sc.url,
      security: 'none',
      allowInsecureAuth: true,
      auth: { user: 'ann', accessToken: () => new Promise<string>(() => {}) },
      timeouts: { ...FAST, command: 50 },
    });
    const error = await failure(client.send(rawMail()));
    expect(error.code).toBe('SMTP_TIMEOUT');
    expect(error.outcome).toBe('not-sent');
    expect(written(sc, 0)).not.toContain('AUTH');
  });

  it('a content stream that stalls during BDAT: the data-block deadline, not-sent', async () => {
    const sc = await scripted([
      ...opening('PIPELINING', 'CHUNKING'),
      { expect: /^MAIL FROM:/ },
      { expect: 'RCPT TO:<bob@example.com>' },
      { send: '250 ok\r\n250 ok\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url, timeouts: { ...FAST, dataBlock: 100 }, chunking: true });
    const error = await failure(
      client.send({
        envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
        raw: (async function* () {
          yield 'Subject: s\r\n\r\n';
          await new Promise(() => {});
        })(),
      }),
    );
    expect(error.code).toBe('SMTP_TIMEOUT');
    expect(error.outcome).toBe('not-sent');
    expect(written(sc, 0)).not.toContain('LAST');
  });

  it('a content stream that stalls during DATA: the data-block deadline, not-sent', async () => {
    const sc = await scripted([
      ...opening('PIPELINING'),
      { expect: /^MAIL FROM:/ },
      { expect: 'RCPT TO:<bob@example.com>' },
      { expect: 'DATA' },
      { send: '250 ok\r\n250 ok\r\n354 go\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url, timeouts: { ...FAST, dataBlock: 100 } });
    const error = await failure(
      client.send({
        envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
        raw: (async function* () {
          yield 'Subject: s\r\n\r\n';
          await new Promise(() => {});
        })(),
      }),
    );
    expect(error.code).toBe('SMTP_TIMEOUT');
    expect(error.outcome).toBe('not-sent');
  });
});

describe('raw input is checked before the first byte of the transaction', () => {
  for (const [what, raw] of [
    ['a NUL', 'Subject: n\r\n\r\na\u0000b\r\n'],
    ['a line over 998 octets', `Subject: l\r\n\r\n${'w'.repeat(1200)}\r\n`],
  ] as const) {
    it(`${what}: InvalidInputError, and no MAIL was written`, async () => {
      const sc = await scripted([...opening('PIPELINING'), { readUntilClose: true }]);
      const client = open({ url: sc.url, timeouts: FAST });
      const error = await failure(
        client.send({ envelope: { from: 'ann@example.com', to: ['bob@example.com'] }, raw }),
      );
      expect(error.outcome).toBe('not-sent');
      expect(String(error.code)).toMatch(/^SMTP_INVALID_/);
      expect(written(sc, 0)).not.toContain('MAIL FROM');
    });
  }
});

describe('server text is sanitised wherever it is handed out (INV-10)', () => {
  it('EHLO keywords and parameters in info and ping()', async () => {
    const ehlo = ['PIPELINING', 'X-\u001b[31mEVIL\u001b[0m', 'SIZE 100\u202e'];
    const sc = await scripted(() => [
      ...opening(...ehlo),
      { expect: 'QUIT' },
      { send: '221 bye\r\n' },
    ]);
    const client = open({ url: sc.url, timeouts: FAST });
    await client.connect();
    const text = JSON.stringify(client.info.capabilities);
    expect(text).not.toMatch(/\u001b|\u202e/);
    expect(client.info.capabilities.join(' ')).toContain('\\x1b[31');
    const ping = await client.ping({ stopAfter: 'ehlo' });
    const keywords = [...ping.capabilities.extensions.keys()].join(' ');
    expect(keywords).not.toMatch(/\u001b/);
    expect(keywords).toContain('\\x1b');
  });

  it('a decoded OAuth error (status, scope) reaches the AuthError', async () => {
    const challenge = Buffer.from(
      JSON.stringify({ status: '401', schemes: 'Bearer', scope: 'https://mail.example.com/' }),
    ).toString('base64');
    const sc = await scripted([
      ...opening('AUTH XOAUTH2'),
      { expect: /^AUTH XOAUTH2 / },
      { send: `334 ${challenge}\r\n` },
      { expect: '' },
      { send: '535 5.7.8 bad token\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({
      url: sc.url,
      security: 'none',
      allowInsecureAuth: true,
      auth: { user: 'ann', accessToken: 'token-1234567890' },
      timeouts: FAST,
    });
    const error = await failure(client.send(rawMail()));
    const auth = error.cause as { oauthError?: { status?: string; scope?: string } };
    expect(auth.oauthError?.status).toBe('401');
    expect(auth.oauthError?.scope).toBe('https://mail.example.com/');
    expect(error.message).toContain('status 401');
    expect(error.message).not.toContain('token-1234567890');
  });
});
