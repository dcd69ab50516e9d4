/**
 * LMTP end to end against smtp-server in its LMTP mode (`lmtp: true`), the real library: real
 * mail through `SmtpClient` and `SmtpPool` to `lmtp://127.0.0.1:PORT` and to a UNIX socket,
 * recipients refused at RCPT and after the data, the connection kept between messages, and a
 * server that speaks SMTP refusing LHLO.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Message, type SendError } from './index.ts';
import { decode, FAST, failure, useIntegrationFixtures, words } from './testing/integration.ts';

const { open, openPool, server } = useIntegrationFixtures({ closeServers: 'afterEach' });

const mail = (to: string | string[], subject = 'lmtp') =>
  new Message({ from: 'ann@example.com', to, subject, text: 'delivered by LMTP' });

describe('LMTP end to end (smtp-server with lmtp: true)', () => {
  it('SmtpClient delivers to every recipient, one reply each, on one kept connection', async () => {
    const s = await server({ lmtp: true });
    expect(s.url).toMatch(/^lmtp:\/\/127\.0\.0\.1:\d+$/);
    const client = open({ url: s.url, timeouts: FAST });
    const first = await client.send(mail(['bob@example.com', 'carol@example.com']));
    expect(first.outcome).toBe('accepted');
    expect(first.replies.final?.map((r) => [r.recipient, r.reply.code])).toEqual([
      ['bob@example.com', 250],
      ['carol@example.com', 250],
    ]);
    expect(first.reply.text).toBe('OK: delivered to bob@example.com');
    const second = await client.send(mail('dave@example.com', 'second'));
    expect(second.outcome).toBe('accepted');
    await client.close();
    expect(s.totalConnections).toBe(1);
    expect(s.messages.map((m) => m.delivered)).toEqual([
      ['bob@example.com', 'carol@example.com'],
      ['dave@example.com'],
    ]);
    expect(decode(s.messages[0]?.raw ?? new Uint8Array())).toContain('delivered by LMTP');
    expect(words(s)).toEqual([
      'LHLO',
      'MAIL',
      'RCPT',
      'RCPT',
      'DATA',
      'MAIL',
      'RCPT',
      'DATA',
      'QUIT',
    ]);
  });

  it('refused at RCPT and after the data: partial, each recipient with its own reply', async () => {
    const s = await server({
      lmtp: true,
      rejectRecipients: { 'nobody@example.com': 550 },
      rejectAfterData: { 'full@example.com': 552 },
    });
    const client = open({ url: s.url, timeouts: FAST });
    const result = await client.send(
      mail(['bob@example.com', 'nobody@example.com', 'full@example.com']),
    );
    expect(result.outcome).toBe('partial');
    expect(result.accepted).toEqual(['bob@example.com']);
    expect(result.rejected.map((r) => [r.recipient, r.reply.code, r.reply.command])).toEqual([
      ['nobody@example.com', 550, 'RCPT'],
      ['full@example.com', 552, 'message'],
    ]);
    expect(s.messages[0]?.delivered).toEqual(['bob@example.com']);
    await client.close();
  });

  it('every recipient refused after the data: rejected, and the connection goes on', async () => {
    const s = await server({
      lmtp: true,
      rejectAfterData: (address) => (address.startsWith('x') ? 452 : undefined),
    });
    const client = open({ url: s.url, timeouts: FAST });
    const error = (await failure(
      client.send(mail(['x1@example.com', 'x2@example.com'])),
    )) as unknown as SendError;
    expect(error).toMatchObject({
      outcome: 'rejected',
      temporary: true,
      accepted: [],
      unknown: [],
    });
    expect(error.rejected.map((r) => r.reply.code)).toEqual([452, 452]);
    expect((await client.send(mail('bob@example.com'))).outcome).toBe('accepted');
    await client.close();
    expect(s.totalConnections).toBe(1);
  });

  it('SmtpPool sends many messages over LMTP, each with its replies', async () => {
    const s = await server({ lmtp: true, rejectAfterData: { 'full@example.com': 552 } });
    const pool = openPool({ url: s.url, timeouts: FAST, maxConnections: 2 });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        pool.send(mail([`r${i}@example.com`, 'full@example.com'], `m${i}`)),
      ),
    );
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill('partial'));
    for (const [i, result] of results.entries()) {
      expect(result.accepted).toEqual([`r${i}@example.com`]);
      expect(result.rejected[0]?.reply).toMatchObject({ code: 552, command: 'message' });
    }
    await pool.close();
    expect(s.messages).toHaveLength(6);
    expect(s.totalConnections).toBeLessThanOrEqual(2);
  });

  it('over a UNIX socket, with SmtpClient and SmtpPool', async () => {
    const folder = await mkdtemp(join(os.tmpdir(), 'lmtp-'));
    try {
      const socketPath = join(folder, 'lmtp');
      const s = await server({ lmtp: true, socketPath });
      expect(s.url).toBe(`lmtp://${encodeURIComponent(socketPath)}`);
      const client = open({ url: s.url, timeouts: FAST });
      expect((await client.send(mail('bob@example.com'))).outcome).toBe('accepted');
      await client.close();
      const pool = openPool({ url: s.url, timeouts: FAST });
      expect((await pool.send(mail('carol@example.com'))).replies.final).toHaveLength(1);
      await pool.close();
      expect(s.messages.map((m) => m.delivered)).toEqual([
        ['bob@example.com'],
        ['carol@example.com'],
      ]);
      await s.close();
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('an SMTP server refuses LHLO: a typed error, no HELO or EHLO tried', async () => {
    const s = await server();
    const client = open({ url: s.url, protocol: 'lmtp', timeouts: FAST });
    const error = await failure(client.send(mail('bob@example.com')));
    expect(error).toMatchObject({ code: 'SMTP_REPLY', outcome: 'not-sent' });
    expect(error.reply).toMatchObject({ code: 500, command: 'LHLO' });
    expect(words(s).filter((word) => word === 'EHLO' || word === 'HELO')).toEqual([]);
    expect(s.messages).toEqual([]);
  });
});
