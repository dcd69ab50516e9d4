/**
 * Connection reuse: 1,000 messages over one kept connection, with no RSET after an accepted
 * message (decision 9: RSET only after a transaction that did not complete); a server
 * that closes an idle connection (EOF, or 421) and the transparent reconnect before the next
 * transaction; 50 concurrent `send()` calls never interleaved on the wire; `keepAlive: false`;
 * `close()` and `destroy()`, idempotent; and the rule that a connection is discarded after a
 * timeout or a protocol error (INV-9).
 */
import type { ScriptStep } from 'test-servers';
import { describe, expect, it } from 'vitest';
import { failure, sleep, useIntegrationFixtures } from './testing/integration.ts';

const { open, server, scripted } = useIntegrationFixtures();

const mail = (n: number, extra: Record<string, unknown> = {}) => ({
  from: 'ann@example.com',
  to: 'bob@example.com',
  subject: `Message ${n}`,
  text: `This is message number ${n}.\n`,
  ...extra,
});
const FAST = { greeting: 800, command: 800, connect: 800, dataFinal: 800, quit: 200 } as const;

describe('a kept connection', () => {
  it('with PIPELINING, a later message is one envelope batch: MAIL, RCPT, DATA, no RSET', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    await client.send(mail(1));
    await client.send(mail(2));
    // The second transaction: MAIL, RCPT and DATA read by the server in one socket read, so a
    // later message costs two round trips like the first one (envelope, then content).
    const mails = s.commands.filter((c) => c.command === 'MAIL');
    const start = s.commands.indexOf(mails[1] as (typeof mails)[number]);
    const batch = s.commands
      .slice(start)
      .filter((c) => c.readChunk === s.commands[start]?.readChunk)
      .map((c) => c.command);
    expect(batch).toEqual(['MAIL', 'RCPT', 'DATA']);
    expect(s.commands.some((c) => c.command === 'RSET')).toBe(false);
  });

  it('without PIPELINING, no RSET after an accepted message either', async () => {
    const s = await server({ extensions: { pipelining: false } });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    await client.send(mail(1));
    await client.send(mail(2));
    expect(s.commands.map((c) => c.command)).toEqual([
      'EHLO',
      'MAIL',
      'RCPT',
      'DATA',
      'MAIL',
      'RCPT',
      'DATA',
    ]);
  });

  it('after a refused message, RSET, then the next message on the same connection', async () => {
    const s = await server({ rejectRecipients: { 'nobody@example.com': 550 } });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const error = await failure(client.send(mail(1, { to: 'nobody@example.com' })));
    expect(error.outcome).toBe('rejected');
    await client.send(mail(2));
    const commands = s.commands.map((c) => c.command);
    // DATA rode in the pipelined batch and was refused too (no valid recipient).
    expect(commands).toEqual(['EHLO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'MAIL', 'RCPT', 'DATA']);
    expect(s.totalConnections).toBe(1);
  });

  it('1,000 messages over one connection, no RSET between them', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    for (let n = 0; n < 1000; n += 1) {
      const result = await client.send(mail(n));
      expect(result.outcome).toBe('accepted');
    }
    expect(s.messages).toHaveLength(1000);
    expect(s.totalConnections).toBe(1);
    expect(new Set(s.commands.map((c) => c.connectionId)).size).toBe(1);
    expect(s.commands.filter((c) => c.command === 'EHLO')).toHaveLength(1);
    // An accepted transaction is over (RFC 5321 section 4.1.1.4): no RSET follows it.
    const mails = s.commands.filter((c) => c.command === 'MAIL').length;
    const rsets = s.commands.filter((c) => c.command === 'RSET').length;
    expect(mails).toBe(1000);
    expect(rsets).toBe(0);
    // The subjects arrived in order, each once.
    const subjects = s.messages.map(
      (m) => /^Subject: (.*)$/m.exec(Buffer.from(m.raw).toString())?.[1],
    );
    expect(subjects[0]).toBe('Message 0');
    expect(subjects[999]).toBe('Message 999');
    expect(new Set(subjects).size).toBe(1000);
    await client.close();
  }, 60_000);

  it('keepAlive: false quits after each message', async () => {
    const s = await server({});
    const client = open({ url: `smtp://127.0.0.1:${s.port}`, keepAlive: false });
    await client.send(mail(1));
    await client.send(mail(2));
    expect(s.messages).toHaveLength(2);
    expect(s.totalConnections).toBe(2);
    expect(s.commands.filter((c) => c.command === 'QUIT')).toHaveLength(2);
  });
});

describe('a connection the server closed while idle', () => {
  it('EOF (smtp-server socket timeout): the next send reconnects transparently', async () => {
    const s = await server({ socketTimeoutMs: 150 });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    await client.send(mail(1));
    await sleep(400);
    expect(s.connections).toBe(0);
    const result = await client.send(mail(2));
    expect(result.outcome).toBe('accepted');
    expect(s.messages).toHaveLength(2);
    expect(s.totalConnections).toBe(2);
  });

  it('421 then close while idle: the next send reconnects', async () => {
    const first: ScriptStep[] = [
      { send: '220 one ESMTP\r\n' },
      { expect: /^EHLO / },
      { send: '250-one\r\n250 PIPELINING\r\n' },
      { expect: /^MAIL FROM:/ },
      { expect: /^RCPT TO:/ },
      { expect: 'DATA' },
      { send: '250 ok\r\n250 ok\r\n354 go\r\n' },
      { expect: 'Subject: 1' },
      { expect: '' },
      { expect: 'x' },
      { expect: '.' },
      { send: '250 queued\r\n' },
      { delay: 50 },
      { send: '421 4.4.2 idle too long, closing\r\n' },
      { close: true },
    ];
    const second: ScriptStep[] = [
      { send: '220 two ESMTP\r\n' },
      { expect: /^EHLO / },
      { send: '250 two\r\n' },
      { expect: /^MAIL FROM:/ },
      { send: '250 ok\r\n' },
      { expect: /^RCPT TO:/ },
      { send: '250 ok\r\n' },
      { expect: 'DATA' },
      { send: '354 go\r\n' },
      { expect: 'Subject: 2' },
      { expect: '' },
      { expect: 'x' },
      { expect: '.' },
      { send: '250 queued\r\n' },
      { expect: 'QUIT' },
      { send: '221 bye\r\n' },
      { readUntilClose: true },
    ];
    const sc = await scripted((connection) => (connection === 0 ? first : second));
    const client = open({ url: sc.url, timeouts: FAST });
    const envelope = { from: 'ann@example.com', to: ['bob@example.com'] };
    await client.send({ envelope, raw: 'Subject: 1\r\n\r\nx\r\n' });
    await sleep(200);
    const result = await client.send({ envelope, raw: 'Subject: 2\r\n\r\nx\r\n' });
    expect(result.outcome).toBe('accepted');
    expect(sc.connections).toBe(2);
    await client.close();
    await sc.done;
    expect(sc.failures.size).toBe(0);
  });
});

describe('concurrency', () => {
  it('50 concurrent sends on one client: all accepted, never interleaved', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        client.send(mail(n, { to: [`r${n}a@example.com`, `r${n}b@example.com`] })),
      ),
    );
    expect(results.every((r) => r.outcome === 'accepted')).toBe(true);
    expect(s.messages).toHaveLength(50);
    // Each message got exactly its own two recipients: no transaction mixed with another.
    for (const message of s.messages) {
      const n = /^Subject: Message (\d+)$/m.exec(Buffer.from(message.raw).toString())?.[1];
      expect(message.envelope.rcptTo).toEqual([`r${n}a@example.com`, `r${n}b@example.com`]);
    }
    // Per connection, each MAIL..DATA run is contiguous: MAIL, RCPT, RCPT, DATA.
    const byConnection = new Map<string, string[]>();
    for (const c of s.commands) {
      byConnection.set(c.connectionId, [...(byConnection.get(c.connectionId) ?? []), c.command]);
    }
    for (const sequence of byConnection.values()) {
      const transactional = sequence.filter((w) => ['MAIL', 'RCPT', 'DATA'].includes(w));
      for (let i = 0; i < transactional.length; i += 4) {
        expect(transactional.slice(i, i + 4)).toEqual(['MAIL', 'RCPT', 'RCPT', 'DATA']);
      }
    }
    expect(s.totalConnections).toBe(1);
  });
});

describe('close() and destroy()', () => {
  it('close() sends QUIT; both are idempotent; a closed client takes no more work', async () => {
    const s = await server({});
    const client = open(`smtp://127.0.0.1:${s.port}`);
    await client.send(mail(1));
    await Promise.all([client.close(), client.close()]);
    await client.close();
    client.destroy();
    client.destroy();
    expect(s.commands.filter((c) => c.command === 'QUIT')).toHaveLength(1);
    const error = await failure(client.send(mail(2)));
    expect(error.code).toBe('SMTP_CLIENT_CLOSED');
    expect(s.messages).toHaveLength(1);
  });

  it('close() does not wait longer than its deadline for a server that never answers QUIT', async () => {
    const s = await server({ replyDelayMs: { quit: 5000 } });
    const client = open({ url: `smtp://127.0.0.1:${s.port}`, timeouts: { quit: 150 } });
    await client.send(mail(1));
    await client.close();
    await sleep(50);
    expect(s.connections).toBe(0);
  });

  it('destroy() during a send fails it, and the server sees the socket go', async () => {
    const s = await server({ replyDelayMs: { rcpt: 5000 } });
    const client = open(`smtp://127.0.0.1:${s.port}`);
    const sending = failure(client.send(mail(1)));
    await sleep(100);
    client.destroy();
    const error = await sending;
    expect(error.outcome).toBe('not-sent');
    await sleep(50);
    expect(s.connections).toBe(0);
  });
});

describe('a connection is never reused after a timeout or a protocol error (INV-9)', () => {
  it('after a command timeout the next send opens a new connection', async () => {
    const s = await server({ replyDelayMs: { rcpt: 2000 } });
    const client = open({ url: `smtp://127.0.0.1:${s.port}`, timeouts: { command: 200 } });
    const error = await failure(client.send(mail(1)));
    expect(error.code).toBe('SMTP_TIMEOUT');
    expect(error.outcome).toBe('not-sent');
    expect(s.totalConnections).toBe(1);
    // The first connection is gone; a new one is used (and will time out the same way).
    await failure(client.send(mail(2)));
    expect(s.totalConnections).toBe(2);
  });

  it('after a malformed reply the next send opens a new connection', async () => {
    const sc = await scripted((connection) =>
      connection === 0
        ? [
            { send: '220 one\r\n' },
            { expect: /^EHLO / },
            { send: '250 one\r\n' },
            { expect: /^MAIL FROM:/ },
            { send: 'this is not smtp\r\n' },
            { readUntilClose: true },
          ]
        : [
            { send: '220 two\r\n' },
            { expect: /^EHLO / },
            { send: '250 two\r\n' },
            { expect: /^MAIL FROM:/ },
            { send: '250 ok\r\n' },
            { expect: /^RCPT TO:/ },
            { send: '250 ok\r\n' },
            { expect: 'DATA' },
            { send: '354 go\r\n' },
            { expect: 'Subject: 2' },
            { expect: '' },
            { expect: 'x' },
            { expect: '.' },
            { send: '250 ok\r\n' },
            { expect: 'QUIT' },
            { send: '221 bye\r\n' },
            { readUntilClose: true },
          ],
    );
    const client = open({ url: sc.url, timeouts: FAST });
    const envelope = { from: 'ann@example.com', to: ['bob@example.com'] };
    const error = await failure(client.send({ envelope, raw: 'Subject: 1\r\n\r\nx\r\n' }));
    expect(error.code).toBe('SMTP_PROTOCOL_MALFORMED_REPLY');
    expect(error.outcome).toBe('not-sent');
    await client.send({ envelope, raw: 'Subject: 2\r\n\r\nx\r\n' });
    expect(sc.connections).toBe(2);
    await client.close();
  });
});
