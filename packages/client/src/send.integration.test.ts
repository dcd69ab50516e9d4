/**
 * `SmtpClient.send()` end to end against test-servers: every URL scheme and security mode, the
 * HELO fallback, partial and refused recipients, SIZE, SMTPUTF8, 8BITMIME, DSN, REQUIRETLS,
 * PIPELINING counted from the server's read log, CHUNKING against the scripted server, and
 * `dryRun`. The security faults are in security.integration.test.ts, AUTH in
 * auth.integration.test.ts.
 */
import { type RunningSmtpServer, type ScriptStep, startScriptedServer } from 'test-servers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, Message } from './index.ts';
import { failure, mailBuilder, useIntegrationFixtures, words } from './testing/integration.ts';

const { certs, open, server, trackClient, trackServer } = useIntegrationFixtures();

const mail = mailBuilder('Hello', 'Hello Bob,\nall well?\n');

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const plaintextWords = (s: RunningSmtpServer): string[] =>
  s.commands.filter((c) => !c.secure).map((c) => c.command);
const portOf = (url: string): number => Number(new URL(url).port);

describe('schemes and security modes', () => {
  it('smtp:// (opportunistic) without STARTTLS on offer sends in plaintext', async () => {
    const s = await server({ security: 'none' });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const result = await client.send(mail());
    expect(result.outcome).toBe('accepted');
    expect(result.accepted).toEqual(['bob@example.com']);
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]?.secure).toBe(false);
    expect(words(s)).not.toContain('STARTTLS');
  });

  for (const scheme of ['smtp', 'esmtp'] as const) {
    it(`${scheme}:// upgrades with STARTTLS when offered; only EHLO and STARTTLS in plaintext`, async () => {
      const s = await server({ security: 'starttls' });
      const client = open({ url: `${scheme}://127.0.0.1:${s.port}`, tls: { ca: certs.ca.cert } });
      const result = await client.send(mail());
      expect(result.outcome).toBe('accepted');
      expect(s.messages[0]?.secure).toBe(true);
      expect(plaintextWords(s)).toEqual(['EHLO', 'STARTTLS']);
      // EHLO again after TLS (INV-2).
      expect(s.commands.filter((c) => c.secure).map((c) => c.command)[0]).toBe('EHLO');
    });
  }

  for (const scheme of ['smtptls', 'esmtptls'] as const) {
    it(`${scheme}:// sends STARTTLS even when the server does not advertise it`, async () => {
      const s = await server({ security: 'starttls', hideStartTls: true });
      const client = open({ url: `${scheme}://127.0.0.1:${s.port}`, tls: { ca: certs.ca.cert } });
      await client.send(mail());
      expect(s.messages[0]?.secure).toBe(true);
      expect(plaintextWords(s)).toEqual(['EHLO', 'STARTTLS']);
    });

    it(`${scheme}:// fails with SMTP_TLS_REQUIRED when STARTTLS is refused, having written nothing else (INV-1)`, async () => {
      const s = await server({ security: 'none' });
      const client = open({ url: `${scheme}://127.0.0.1:${s.port}`, tls: { ca: certs.ca.cert } });
      const error = await failure(client.send(mail()));
      expect(error.code).toBe('SMTP_TLS_REQUIRED');
      expect(error.outcome).toBe('not-sent');
      expect(words(s)).toEqual(['EHLO', 'STARTTLS']);
      expect(s.messages).toHaveLength(0);
    });
  }

  for (const scheme of ['smtps', 'esmtps'] as const) {
    it(`${scheme}:// speaks TLS from the first byte`, async () => {
      const s = await server({ security: 'implicit' });
      const client = open({ url: `${scheme}://127.0.0.1:${s.port}`, tls: { ca: certs.ca.cert } });
      await client.send(mail());
      expect(s.messages[0]?.secure).toBe(true);
      expect(s.commands.every((c) => c.secure)).toBe(true);
      expect(words(s)).not.toContain('STARTTLS');
    });
  }

  it("security: 'none' never upgrades, even when STARTTLS is offered", async () => {
    const s = await server({ security: 'starttls' });
    const client = open({ url: `smtp://127.0.0.1:${s.port}`, security: 'none' });
    await client.send(mail());
    expect(s.messages[0]?.secure).toBe(false);
    expect(words(s)).not.toContain('STARTTLS');
  });

  it("security: 'starttls' over an smtp:// URL makes STARTTLS required", async () => {
    const s = await server({ security: 'none' });
    const client = open({ url: `smtp://127.0.0.1:${s.port}`, security: 'starttls' });
    const error = await failure(client.send(mail()));
    expect(error.code).toBe('SMTP_TLS_REQUIRED');
    expect(words(s)).toEqual(['EHLO', 'STARTTLS']);
  });

  it("security: 'implicit' with host and port", async () => {
    const s = await server({ security: 'implicit' });
    const client = open({
      host: '127.0.0.1',
      port: s.port,
      security: 'implicit',
      tls: { ca: certs.ca.cert },
    });
    await client.send(mail());
    expect(s.messages[0]?.secure).toBe(true);
  });

  it('verifies the certificate against a configured servername on STARTTLS (INV-3)', async () => {
    const s = await server({ security: 'starttls', certificate: 'wrongName' });
    const client = open({
      url: `smtptls://127.0.0.1:${s.port}`,
      tls: { ca: certs.ca.cert, servername: 'wrong.example' },
    });
    await client.send(mail());
    expect(s.messages[0]?.secure).toBe(true);
  });

  it('connects to a UNIX socket', async () => {
    const path = `/tmp/smtp-client-${process.pid}-${Date.now()}.sock`;
    const s = await server({ socketPath: path });
    const client = open({ path, security: 'none' });
    await client.send(mail());
    expect(s.messages).toHaveLength(1);
  });
});

describe('HELO fallback', () => {
  it('falls back to HELO when EHLO answers 502, and sends plain SMTP', async () => {
    const s = await server({ heloOnly: true });
    const client = open({ url: `smtp://127.0.0.1:${s.port}`, name: 'client.example' });
    const result = await client.send(mail());
    expect(result.outcome).toBe('accepted');
    expect(words(s).slice(0, 2)).toEqual(['EHLO', 'HELO']);
    expect(s.commands[1]?.line).toBe('HELO client.example');
    const mailLine = s.commands.find((c) => c.command === 'MAIL')?.line ?? '';
    // No ESMTP parameters to a server that did not say EHLO.
    expect(mailLine).toBe('MAIL FROM:<ann@example.com>');
    expect(s.messages).toHaveLength(1);
  });

  it('a HELO-only server cannot satisfy smtptls://', async () => {
    const s = await server({ heloOnly: true });
    const client = open(`smtptls://127.0.0.1:${s.port}`);
    const error = await failure(client.send(mail()));
    expect(error.code).toBe('SMTP_TLS_REQUIRED');
    expect(words(s).filter((w) => !['EHLO', 'HELO', 'STARTTLS'].includes(w))).toEqual([]);
  });
});

describe('recipients', () => {
  let s: RunningSmtpServer;
  beforeAll(async () => {
    s = await server({
      rejectRecipients: { 'nobody@example.com': 550, 'later@example.com': 451 },
      rejectSenders: { 'spammer@example.com': 550 },
    });
  });
  afterEach(() => s.reset());

  it('partial: sends to the accepted recipients and reports the refused ones with their replies', async () => {
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const result = await client.send(
      mail({ to: ['bob@example.com', 'nobody@example.com', 'carol@example.com'] }),
    );
    expect(result.outcome).toBe('partial');
    expect(result.accepted).toEqual(['bob@example.com', 'carol@example.com']);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]?.recipient).toBe('nobody@example.com');
    expect(result.rejected[0]?.reply.code).toBe(550);
    expect(result.rejected[0]?.reply.command).toBe('RCPT');
    expect(s.messages[0]?.envelope.rcptTo).toEqual(['bob@example.com', 'carol@example.com']);
  });

  it('requireAllRecipients: any refusal fails the message, RSET, no DATA', async () => {
    const client = open({ url: `smtp://127.0.0.1:${s.port}`, requireAllRecipients: true });
    const error = await failure(
      client.send(mail({ to: ['bob@example.com', 'nobody@example.com'] })),
    );
    expect(error.name).toBe('SendError');
    expect(error.outcome).toBe('rejected');
    expect((error.rejected as { recipient: string }[]).map((r) => r.recipient)).toEqual([
      'nobody@example.com',
    ]);
    expect(words(s)).not.toContain('DATA');
    expect(words(s)).toContain('RSET');
    expect(s.messages).toHaveLength(0);
    // The connection is still good for the next message.
    await client.send(mail());
    expect(s.messages).toHaveLength(1);
  });

  it('every recipient refused: rejected, no DATA, the connection stays usable', async () => {
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const error = await failure(client.send(mail({ to: ['nobody@example.com'] })));
    expect(error.outcome).toBe('rejected');
    expect(error.code).toBe('SMTP_REPLY');
    expect(error.temporary).toBe(false);
    expect((error.rejected as unknown[]).length).toBe(1);
    expect(s.messages).toHaveLength(0);
    await client.send(mail());
    expect(s.messages).toHaveLength(1);
  });

  it('a 4xx refusal is temporary', async () => {
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const error = await failure(client.send(mail({ to: ['later@example.com'] })));
    expect(error.outcome).toBe('rejected');
    expect(error.temporary).toBe(true);
  });

  it('a refused sender: rejected with the MAIL reply, no RCPT acted on', async () => {
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const error = await failure(client.send(mail({ from: 'spammer@example.com' })));
    expect(error.outcome).toBe('rejected');
    expect(error.code).toBe('SMTP_REPLY');
    expect((error.reply as { code: number; command: string }).code).toBe(550);
    expect((error.reply as { command: string }).command).toBe('MAIL');
    expect(s.messages).toHaveLength(0);
  });

  it('Bcc recipients are in the envelope and never in the headers (INV-7)', async () => {
    const client = open(`smtp://127.0.0.1:${s.port}`);
    await client.send(mail({ bcc: 'secret@example.com' }));
    expect(s.messages[0]?.envelope.rcptTo).toEqual(['bob@example.com', 'secret@example.com']);
    expect(text(s.messages[0]?.raw ?? new Uint8Array())).not.toMatch(/secret@example\.com/);
  });
});

describe('the result', () => {
  it('carries the final reply, the Message-ID, the EHLO reply, envelope, size and timings', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const result = await client.send(mail());
    expect(result.reply.code).toBe(250);
    const raw = text(s.messages[0]?.raw ?? new Uint8Array());
    const header = /^Message-ID: *(<[^>]+>)/im.exec(raw)?.[1];
    expect(header).toBeDefined();
    expect(result.messageId).toBe(header);
    expect(result.envelope).toMatchObject({ from: 'ann@example.com', to: ['bob@example.com'] });
    expect(result.size).toBeGreaterThan(0);
    expect(result.ehlo).toBeDefined();
    expect(result.timings).toBeDefined();
  });

  it('names the queue id the server gives', async () => {
    const scripted = await startScriptedServer([
      { send: '220 scripted ESMTP\r\n' },
      { expect: /^EHLO / },
      { send: '250-scripted\r\n250 ENHANCEDSTATUSCODES\r\n' },
      { expect: 'MAIL FROM:<ann@example.com>' },
      { send: '250 2.1.0 Ok\r\n' },
      { expect: 'RCPT TO:<bob@example.com>' },
      { send: '250 2.1.5 Ok\r\n' },
      { expect: 'DATA' },
      { send: '354 go\r\n' },
      { expect: 'Subject: q' },
      { expect: '' },
      { expect: 'body' },
      { expect: '.' },
      { send: '250 2.0.0 Ok: queued as 4ABCDEF12\r\n' },
      { expect: 'QUIT' },
      { send: '221 bye\r\n' },
      { readUntilClose: true },
    ]);
    trackServer(scripted);
    const client = open(scripted.url);
    const result = await client.send({
      envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
      raw: 'Subject: q\r\n\r\nbody\r\n',
    });
    expect(result.queueId).toBe('4ABCDEF12');
    expect(result.reply.enhanced).toBeDefined();
    await client.close();
    await scripted.done;
  });
});

describe('SIZE', () => {
  it('announces the message size on MAIL FROM', async () => {
    const s = await server({ size: 100_000 });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const raw = 'Subject: size\r\n\r\nhello\r\n';
    await client.send({ envelope: { from: 'ann@example.com', to: ['bob@example.com'] }, raw });
    expect(s.messages[0]?.envelope.mailParams.SIZE).toBe(String(raw.length));
  });

  it('a message larger than SIZE is refused before DATA: SMTP_MESSAGE_TOO_LARGE', async () => {
    const s = await server({ size: 1000 });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const error = await failure(
      client.send({
        envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
        raw: `Subject: big\r\n\r\n${'x'.repeat(70)}\r\n`.repeat(100),
      }),
    );
    expect(error.code).toBe('SMTP_MESSAGE_TOO_LARGE');
    expect(error.outcome).toBe('not-sent');
    expect(words(s)).not.toContain('DATA');
    expect(s.messages).toHaveLength(0);
  });

  it('a composed message larger than SIZE is refused before DATA too', async () => {
    const s = await server({ size: 1000 });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const error = await failure(client.send(mail({ text: 'word '.repeat(2000) })));
    expect(error.code).toBe('SMTP_MESSAGE_TOO_LARGE');
    expect(words(s)).not.toContain('DATA');
  });
});

describe('SMTPUTF8 and 8BITMIME', () => {
  it('a UTF-8 address is sent with SMTPUTF8 when offered', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    await client.send(mail({ to: 'jörg@example.com' }));
    expect(s.messages[0]?.envelope.rcptTo).toEqual(['jörg@example.com']);
    expect(s.messages[0]?.envelope.mailParams.SMTPUTF8).toBe(true);
  });

  it('a UTF-8 address to a server without SMTPUTF8 fails before any MAIL', async () => {
    const s = await server({ extensions: { smtpUtf8: false } });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const error = await failure(client.send(mail({ to: 'jörg@example.com' })));
    expect(error.code).toBe('SMTP_SMTPUTF8_UNAVAILABLE');
    expect(error.outcome).toBe('not-sent');
    expect(words(s)).not.toContain('MAIL');
  });

  it('without 8BITMIME a non-ASCII message arrives 7bit-safe', async () => {
    const s = await server({ extensions: { eightBitMime: false } });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    await client.send(mail({ subject: 'Grüße', text: 'Grüße aus Köln – schön!\n' }));
    const raw = s.messages[0]?.raw ?? new Uint8Array();
    expect(raw.every((byte) => byte < 0x80)).toBe(true);
    expect(s.messages[0]?.envelope.mailParams.BODY).toBeUndefined();
  });

  it('8-bit raw content goes with BODY=8BITMIME when offered', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    await client.send({
      envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
      raw: 'Subject: 8bit\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n',
    });
    expect(s.messages[0]?.envelope.mailParams.BODY).toBe('8BITMIME');
    expect(text(s.messages[0]?.raw ?? new Uint8Array())).toContain('Grüße');
  });
});

describe('DSN and REQUIRETLS', () => {
  it('DSN parameters go on MAIL and RCPT when the server offers DSN', async () => {
    const s = await server({ extensions: { dsn: true } });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    await client.send(
      mail({ dsn: { notify: ['SUCCESS', 'FAILURE'], ret: 'HDRS', envelopeId: 'env-42' } }),
    );
    const envelope = s.messages[0]?.envelope;
    expect(envelope?.mailParams.RET).toBe('HDRS');
    expect(envelope?.mailParams.ENVID).toBe('env-42');
    expect(envelope?.rcptParams[0]?.NOTIFY).toBe('SUCCESS,FAILURE');
  });

  it('requireTls on a plaintext link fails with SMTP_REQUIRETLS_UNAVAILABLE before MAIL', async () => {
    const s = await server({ extensions: { requireTls: true } });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const error = await failure(client.send(mail(), { requireTls: true }));
    expect(error.code).toBe('SMTP_REQUIRETLS_UNAVAILABLE');
    expect(words(s)).not.toContain('MAIL');
  });

  it('requireTls over TLS with REQUIRETLS offered puts REQUIRETLS on MAIL', async () => {
    const s = await server({ security: 'starttls', extensions: { requireTls: true } });
    const client = open({ url: `smtptls://127.0.0.1:${s.port}`, tls: { ca: certs.ca.cert } });
    await client.send(mail(), { requireTls: true });
    expect(s.messages[0]?.envelope.mailParams.REQUIRETLS).toBe(true);
  });
});

describe('PIPELINING', () => {
  const transactionChunks = (s: RunningSmtpServer) => {
    const out: number[][] = [];
    let current: number[] | undefined;
    for (const entry of s.commands) {
      if (entry.command === 'MAIL') current = [];
      if (current && ['MAIL', 'RCPT', 'DATA'].includes(entry.command))
        current.push(entry.readChunk);
      if (entry.command === 'DATA' && current) {
        out.push(current);
        current = undefined;
      }
    }
    return out;
  };

  it('with PIPELINING, MAIL, every RCPT and DATA arrive in one read', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const to = ['a@example.com', 'b@example.com', 'c@example.com'];
    await client.send(mail({ to }));
    await client.send(mail({ to }));
    const chunks = transactionChunks(s);
    expect(chunks).toHaveLength(2);
    for (const transaction of chunks) {
      expect(transaction).toHaveLength(5);
      expect(new Set(transaction).size).toBe(1);
    }
    expect(s.messages).toHaveLength(2);
  });

  it('replies are matched to their commands when some RCPTs fail in a pipelined batch', async () => {
    const s = await server({ rejectRecipients: { 'b@example.com': 550, 'd@example.com': 450 } });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const result = await client.send(
      mail({ to: ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'] }),
    );
    expect(result.accepted).toEqual(['a@example.com', 'c@example.com']);
    expect(result.rejected.map((r) => [r.recipient, r.reply.code])).toEqual([
      ['b@example.com', 550],
      ['d@example.com', 450],
    ]);
  });

  it('all RCPTs refused in a pipelined batch: DATA refused too, outcome rejected, nothing stored', async () => {
    const s = await server({ rejectRecipients: () => 550 });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const error = await failure(client.send(mail({ to: ['a@example.com', 'b@example.com'] })));
    expect(error.outcome).toBe('rejected');
    expect(s.messages).toHaveLength(0);
    // The connection is in a known state: the next message goes through on it.
    s.reset();
    const ok = await failure(client.send(mail({ to: 'x@example.com' })));
    expect(ok.outcome).toBe('rejected');
  });

  it('without PIPELINING, one command per read', async () => {
    const s = await server({ extensions: { pipelining: false } });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    await client.send(mail({ to: ['a@example.com', 'b@example.com'] }));
    const [transaction] = transactionChunks(s);
    expect(transaction).toHaveLength(4);
    expect(new Set(transaction).size).toBe(4);
  });

  it('pipelining: false never pipelines, even when offered', async () => {
    const s = await server({});
    const client = open({ url: `smtp://127.0.0.1:${s.port}`, pipelining: false });
    await client.send(mail({ to: ['a@example.com', 'b@example.com'] }));
    const [transaction] = transactionChunks(s);
    expect(new Set(transaction).size).toBe(4);
  });
});

describe('CHUNKING (scripted server)', () => {
  it('sends BDAT ... LAST when chunking is chosen and offered', async () => {
    const body = 'Subject: bdat\r\n\r\nhello\r\n';
    const steps: ScriptStep[] = [
      { send: '220 scripted ESMTP\r\n' },
      { expect: /^EHLO / },
      { send: '250-scripted\r\n250-CHUNKING\r\n250 8BITMIME\r\n' },
      { expect: /^MAIL FROM:<ann@example.com>/ },
      { send: '250 ok\r\n' },
      { expect: 'RCPT TO:<bob@example.com>' },
      { send: '250 ok\r\n' },
      { expect: `BDAT ${body.length} LAST` },
      { expect: 'Subject: bdat' },
      { expect: '' },
      { expect: 'hello' },
      { send: '250 ok queued\r\n' },
      { expect: 'QUIT' },
      { send: '221 bye\r\n' },
      { readUntilClose: true },
    ];
    const scripted = await startScriptedServer(steps);
    trackServer(scripted);
    const client = open({ url: scripted.url, chunking: true });
    const result = await client.send({
      envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
      raw: body,
    });
    expect(result.outcome).toBe('accepted');
    await client.close();
    await scripted.done;
    expect(text(scripted.received())).not.toMatch(/^DATA\r$/m);
  });
});

describe('dryRun', () => {
  it('touches no network and returns the bytes it would have written', async () => {
    const s = await server({});
    const client = open({ host: '127.0.0.1', port: s.port, dryRun: true });
    const result = await client.send(mail());
    expect(result.outcome).toBe('accepted');
    expect(result.bytes).toBeDefined();
    expect(text(result.bytes as Uint8Array)).toContain('Subject: Hello');
    expect(s.totalConnections).toBe(0);
  });
});

describe('connect() and ping()', () => {
  it('connect() does greeting, EHLO, STARTTLS and EHLO again; info reports the TLS in force', async () => {
    const s = await server({ security: 'starttls' });
    const client = open({ url: `smtp://127.0.0.1:${s.port}`, tls: { ca: certs.ca.cert } });
    await client.connect();
    expect(words(s)).toEqual(['EHLO', 'STARTTLS', 'EHLO']);
    const info = JSON.parse(JSON.stringify(client.info)) as Record<string, unknown>;
    expect(JSON.stringify(info)).toMatch(/TLSv1\.[23]/);
    expect(portOf(`smtp://x:${s.port}`)).toBe(s.port);
  });

  it('ping() reports capabilities and stops where asked', async () => {
    const s = await server({ security: 'starttls' });
    const client = open({ url: `smtp://127.0.0.1:${s.port}`, tls: { ca: certs.ca.cert } });
    const pong = await client.ping({ stopAfter: 'ehlo' });
    expect(pong).toBeDefined();
    expect(words(s)).toEqual(['EHLO', 'QUIT']);
    s.reset();
    await client.ping();
    expect(words(s)).toEqual(['EHLO', 'STARTTLS', 'EHLO', 'QUIT']);
  });
});

describe('inputs and definitions', () => {
  it('sends a Message instance, and reports its Message-ID', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const message = new Message(mail());
    const result = await client.send(message);
    expect(result.messageId).toBe(message.messageId);
    expect(s.messages).toHaveLength(1);
  });

  it('createClient() builds a working client from a JSON connection definition', async () => {
    const s = await server({ security: 'starttls' });
    const definition = JSON.stringify({
      url: `smtp://127.0.0.1:${s.port}`,
      options: { tls: { ca: certs.ca.cert }, timeouts: { command: 5000 } },
    });
    const client = createClient(definition);
    trackClient(client);
    await client.send(mail());
    expect(s.messages[0]?.secure).toBe(true);
  });

  it('createClient() refuses an invalid definition with a clear error', () => {
    expect(() =>
      createClient({ url: 'smtp://127.0.0.1:25', options: { timeouts: { command: 'soon' } } }),
    ).toThrow(expect.objectContaining({ code: 'SMTP_CLIENT_INVALID_OPTIONS' }));
    expect(() => createClient('{ not json')).toThrow(
      expect.objectContaining({ code: 'SMTP_CLIENT_INVALID_OPTIONS' }),
    );
  });
});
