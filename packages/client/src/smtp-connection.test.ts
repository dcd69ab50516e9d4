/**
 * `SmtpConnection` reached directly, over the in-memory fake connection: the unit both
 * `SmtpClient` and a pool build on. Opening, one transaction, the counters, staleness, quit and
 * destroy, without the client's queue in between.
 */
import { describe, expect, it } from 'vitest';
import { createClientLog } from './logging.ts';
import { createSecrets } from './redact.ts';
import { resolveClientOptions } from './resolve-options.ts';
import { SmtpConnection } from './smtp-connection.ts';
import { StaleConnectionError } from './stale.ts';
import {
  ehlo,
  FakeConnection,
  fakeConnector,
  type ScriptEntry,
} from './testing/fake-connection.ts';

function unit(script: ScriptEntry[]): { connection: SmtpConnection; fake: FakeConnection } {
  const fake = new FakeConnection(['220 hi', ehlo('PIPELINING', 'SIZE 1000'), ...script]);
  const secrets = createSecrets();
  const connection = new SmtpConnection({
    options: resolveClientOptions({
      host: 'mail.example.com',
      security: 'none',
      name: 'client.example',
      connector: fakeConnector(fake),
    }),
    log: createClientLog(undefined, secrets),
    secrets,
    credentials: undefined,
  });
  return { connection, fake };
}

const raw = {
  envelope: { from: 'a@example.com', to: ['b@example.com', 'c@example.com'] },
  raw: 'Subject: t\r\n\r\nhello\r\n',
};

describe('SmtpConnection', () => {
  it('opens, runs a transaction with every reply by stage, and counts it', async () => {
    const { connection, fake } = unit([
      '250 ok',
      '250 b ok',
      '550 no c',
      '354 go',
      '250 queued as X1',
    ]);
    expect(connection.usable).toBe(false);
    const timings = await connection.open();
    expect(timings.total).toBeGreaterThanOrEqual(0);
    expect(connection.usable).toBe(true);
    expect(connection.capabilities.size).toBe(1000);
    expect(connection.ehlo?.command).toBe('EHLO');
    expect(connection.greeting?.code).toBe(220);
    const sent = await connection.send(raw);
    expect(sent.accepted).toEqual(['b@example.com']);
    expect(sent.rejected.map((r) => r.recipient)).toEqual(['c@example.com']);
    expect(sent.replies.mail.code).toBe(250);
    expect(sent.replies.rcpt.map((r) => [r.recipient, r.reply.code])).toEqual([
      ['b@example.com', 250],
      ['c@example.com', 550],
    ]);
    expect(sent.replies.data?.code).toBe(354);
    expect(sent.reply.text).toBe('queued as X1');
    expect(connection.transactions).toBe(1);
    expect(connection.accepted).toBe(1);
    expect(fake.content).toBe('Subject: t\r\n\r\nhello\r\n.\r\n');
  });

  it('a refused transaction leaves it usable and in step; no RSET when MAIL itself was refused', async () => {
    const { connection, fake } = unit(['550 sender refused', '503 no', '503 no', '503 no']);
    await connection.open();
    await expect(connection.send(raw)).rejects.toMatchObject({ outcome: 'rejected' });
    expect(connection.usable).toBe(true);
    expect(fake.lines).not.toContain('RSET');
    expect(connection.transactions).toBe(1);
    expect(connection.accepted).toBe(0);
  });

  it('a plan error writes nothing and leaves it usable', async () => {
    const { connection, fake } = unit([]);
    await connection.open();
    const big = { ...raw, raw: 'x'.repeat(2000) };
    await expect(connection.send(big)).rejects.toMatchObject({ code: 'SMTP_MESSAGE_TOO_LARGE' });
    expect(connection.usable).toBe(true);
    expect(fake.lines).toEqual(['EHLO client.example']);
  });

  it('kept idle, a closed connection is stale before anything is written', async () => {
    const { connection, fake } = unit([]);
    await connection.open();
    connection.markIdle();
    fake.destroy();
    await expect(connection.send(raw)).rejects.toBeInstanceOf(StaleConnectionError);
    expect(fake.lines).toEqual(['EHLO client.example']);
    expect(connection.usable).toBe(false);
  });

  it('quit() sends QUIT and resolves with the reply; afterwards it is not usable', async () => {
    const { connection, fake } = unit(['221 bye']);
    await connection.open();
    const reply = await connection.quit();
    expect(reply?.code).toBe(221);
    expect(reply?.command).toBe('QUIT');
    expect(fake.lines.at(-1)).toBe('QUIT');
    expect(connection.usable).toBe(false);
    await expect(connection.send(raw)).rejects.toMatchObject({ code: 'SMTP_CLIENT_CLOSED' });
  });

  it('destroy() is final: send() refuses, quit() writes nothing', async () => {
    const { connection, fake } = unit([]);
    await connection.open();
    connection.destroy();
    expect(connection.usable).toBe(false);
    expect(await connection.quit()).toBeUndefined();
    expect(fake.lines).toEqual(['EHLO client.example']);
    await expect(connection.open()).rejects.toMatchObject({ code: 'SMTP_CLIENT_CLOSED' });
  });

  it('reports its local end and transport usage once connected', async () => {
    const { connection } = unit([]);
    expect(connection.localEndpoint).toBeUndefined();
    expect(connection.usage).toBeUndefined();
    await connection.open();
    expect(connection.localEndpoint).toEqual({ address: '192.0.2.2', port: 40000 });
    expect(connection.usage?.writes).toBeGreaterThan(0);
    expect(connection.id).toBeGreaterThan(0);
  });
});
