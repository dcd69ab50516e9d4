/**
 * SmtpClient against fake connections: the FIFO queue under concurrent sends, an aborted queued
 * call leaving the queue, reuse with RSET, one reconnection when the server dropped the idle
 * connection (421, EOF), keepAlive off, close/destroy, stats, and dryRun's exact bytes.
 */
import { ConnectionError } from '@smtp/transport';
import { describe, expect, it } from 'vitest';
import { type ClientOptions, SmtpClient } from './index.ts';
import {
  ehlo,
  FakeConnection,
  fakeConnector,
  HANG,
  type ScriptEntry,
} from './testing/fake-connection.ts';

const accepted = ['250 ok', '250 ok', '354 go', '250 ok'];
const pipelinedAccepted = ['250 ok', '250 ok', '354 go', '250 ok'];

function make(
  connections: FakeConnection[],
  options: Partial<ClientOptions> = {},
): { client: SmtpClient; connector: ReturnType<typeof fakeConnector> } {
  const connector = fakeConnector(...connections);
  const client = new SmtpClient({
    host: 'mail.example.com',
    port: 25,
    name: 'client.example',
    security: 'none',
    connector,
    ...options,
  });
  return { client, connector };
}

const session = (...replies: ScriptEntry[]) => new FakeConnection(['220 hi', ehlo(), ...replies]);

const raw = (n: number) => ({
  envelope: { from: 'a@example.com', to: `r${n}@example.com` },
  raw: `Subject: ${n}\r\n\r\nbody ${n}\r\n`,
});

async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('one call at a time', () => {
  it('concurrent sends run in call order, never interleaved, with no RSET after an accepted message', async () => {
    const connection = session(...accepted, ...accepted, ...accepted);
    const { client, connector } = make([connection]);
    const results = await Promise.all([
      client.send(raw(1)),
      client.send(raw(2)),
      client.send(raw(3)),
    ]);
    expect(results.map((r) => r.accepted[0])).toEqual([
      'r1@example.com',
      'r2@example.com',
      'r3@example.com',
    ]);
    expect(connection.lines.slice(1)).toEqual([
      'MAIL FROM:<a@example.com>',
      'RCPT TO:<r1@example.com>',
      'DATA',
      'MAIL FROM:<a@example.com>',
      'RCPT TO:<r2@example.com>',
      'DATA',
      'MAIL FROM:<a@example.com>',
      'RCPT TO:<r3@example.com>',
      'DATA',
    ]);
    expect(connector.calls).toHaveLength(1);
    expect(client.stats.messages).toBe(3);
    expect(client.stats.connections).toBe(1);
  });

  it('an aborted queued call leaves the queue at once; the others go on', async () => {
    const connection = session(...accepted, ...accepted);
    const { client } = make([connection]);
    const controller = new AbortController();
    const first = client.send(raw(1));
    const second = rejection(client.send(raw(2), { signal: controller.signal }));
    const third = client.send(raw(3));
    controller.abort();
    const error = await second;
    expect(error.code).toBe('SMTP_ABORTED');
    expect(error.outcome).toBe('not-sent');
    await first;
    await third;
    expect(connection.lines.filter((line) => line.startsWith('RCPT'))).toEqual([
      'RCPT TO:<r1@example.com>',
      'RCPT TO:<r3@example.com>',
    ]);
  });
});

describe('reuse', () => {
  it('421 to the first command on a kept connection: one reconnection, and the message goes', async () => {
    const first = session(...accepted, '421 idle timeout');
    const second = session(...accepted);
    const { client, connector } = make([first, second]);
    await client.send(raw(1));
    const result = await client.send(raw(2));
    expect(result.outcome).toBe('accepted');
    expect(connector.calls).toHaveLength(2);
    expect(second.lines.slice(1, 3)).toEqual([
      'MAIL FROM:<a@example.com>',
      'RCPT TO:<r2@example.com>',
    ]);
  });

  it('EOF on the first command on a kept connection: one reconnection', async () => {
    const eof = new ConnectionError('SMTP_CONNECTION_CLOSED', 'The server closed the connection');
    const first = session(...accepted, eof);
    const second = session(...accepted);
    const { client, connector } = make([first, second]);
    await client.send(raw(1));
    await client.send(raw(2));
    expect(connector.calls).toHaveLength(2);
  });

  it('a connection kept idle after connect() that answers MAIL with 421: reconnect once', async () => {
    const first = new FakeConnection(['220 hi', ehlo('PIPELINING'), '421 bye']);
    const second = new FakeConnection(['220 hi', ehlo('PIPELINING'), ...pipelinedAccepted]);
    const { client, connector } = make([first, second]);
    await client.connect();
    const result = await client.send(raw(1));
    expect(result.outcome).toBe('accepted');
    expect(connector.calls).toHaveLength(2);
  });

  it('only one reconnection: a second failure is reported as not-sent', async () => {
    const first = session(...accepted, '421 bye');
    const second = new FakeConnection(['421 busy']);
    const { client, connector } = make([first, second]);
    await client.send(raw(1));
    const error = await rejection(client.send(raw(2)));
    expect(error.outcome).toBe('not-sent');
    expect(connector.calls).toHaveLength(2);
  });

  it('keepAlive: false sends QUIT after each message', async () => {
    const first = session(...accepted, '221 bye');
    const second = session(...accepted, '221 bye');
    const { client, connector } = make([first, second], { keepAlive: false });
    await client.send(raw(1));
    await client.send(raw(2));
    expect(first.lines.at(-1)).toBe('QUIT');
    expect(first.closed).toBe(true);
    expect(second.lines).not.toContain('RSET');
    expect(connector.calls).toHaveLength(2);
  });

  it('a refused message leaves the connection usable', async () => {
    const connection = session('550 no', ...accepted);
    const { client, connector } = make([connection]);
    await rejection(client.send(raw(1)));
    await client.send(raw(2));
    expect(connector.calls).toHaveLength(1);
  });
});

describe('close and destroy', () => {
  it('close() QUITs once the queue is done; idempotent; later sends fail SMTP_CLIENT_CLOSED', async () => {
    const connection = session(...accepted);
    const { client } = make([connection]);
    const sending = client.send(raw(1));
    const closing = client.close();
    expect(client.close()).toBe(closing);
    await sending;
    await closing;
    expect(connection.lines.at(-1)).toBe('QUIT');
    const error = await rejection(client.send(raw(2)));
    expect(error.code).toBe('SMTP_CLIENT_CLOSED');
    expect(error.name).toBe('SendError');
  });

  it('destroy() drops the connection and fails queued calls; idempotent', async () => {
    const connection = session(HANG);
    const { client } = make([connection]);
    const first = rejection(client.send(raw(1)));
    const second = rejection(client.send(raw(2)));
    await new Promise((resolve) => setTimeout(resolve, 10));
    client.destroy();
    client.destroy();
    expect((await second).code).toBe('SMTP_CLIENT_CLOSED');
    expect((await first).outcome).toBe('not-sent');
    expect(connection.destroyed).toBe(true);
  });
});

describe('ping', () => {
  it('stops where asked and QUITs', async () => {
    const connection = new FakeConnection(['220 hi', ehlo('SIZE 100', 'PIPELINING')]);
    const { client } = make([connection]);
    const pong = await client.ping({ stopAfter: 'ehlo' });
    expect(pong.capabilities.size).toBe(100);
    expect(pong.authenticated).toBe(false);
    expect(pong.ehlo?.code).toBe(250);
    expect(pong.timings.total).toBeGreaterThanOrEqual(0);
    expect(connection.lines).toEqual(['EHLO client.example', 'QUIT']);
  });

  it('after the greeting only: no EHLO', async () => {
    const connection = new FakeConnection(['220 hi']);
    const { client } = make([connection]);
    const pong = await client.ping({ stopAfter: 'greeting' });
    expect(pong.greeting?.code).toBe(220);
    expect(connection.lines).toEqual(['QUIT']);
  });
});

describe('dryRun', () => {
  it('no network; the result holds exactly the bytes that would have been written', async () => {
    const connector = fakeConnector();
    const client = new SmtpClient({ host: 'x.example', port: 25, dryRun: true, connector });
    const result = await client.send(
      {
        envelope: { from: 'a@example.com', to: ['b@example.com', 'jörg@example.com'] },
        raw: 'Subject: dry\n\n.leading dot\n',
      },
      { dsn: { notify: 'NEVER' } },
    );
    expect(connector.calls).toHaveLength(0);
    expect(result.outcome).toBe('accepted');
    expect(new TextDecoder().decode(result.bytes)).toBe(
      'MAIL FROM:<a@example.com> SMTPUTF8\r\n' +
        'RCPT TO:<b@example.com> NOTIFY=NEVER\r\n' +
        'RCPT TO:<jörg@example.com> NOTIFY=NEVER\r\n' +
        'DATA\r\n' +
        'Subject: dry\r\n\r\n..leading dot\r\n.\r\n',
    );
  });

  it('validates as a real send would: an invalid message fails not-sent', async () => {
    const client = new SmtpClient({ host: 'x.example', port: 25, dryRun: true });
    const error = await rejection(client.send({ from: 'a@example.com', text: 'no recipient' }));
    expect(error.outcome).toBe('not-sent');
    expect(error.code).toBe('SMTP_MIME_INVALID_MESSAGE');
  });
});

describe('info, stats and secrets', () => {
  it('info and the client itself never show the password', async () => {
    const { inspect } = await import('node:util');
    const client = new SmtpClient({
      host: 'x.example',
      port: 465,
      security: 'implicit',
      auth: { user: 'ann', pass: 'hunter2-secret' },
      dryRun: true,
    });
    expect(client.info.user).toBe('ann');
    expect(JSON.stringify(client.info)).not.toContain('hunter2');
    expect(inspect(client, { depth: 5, showHidden: true })).not.toContain('hunter2');
    expect(JSON.stringify(client)).not.toContain('hunter2');
  });

  it('resetStats() starts the figures again from zero', async () => {
    const connection = session(...accepted, ...accepted);
    const { client } = make([connection]);
    await client.send(raw(1));
    const before = client.stats.bytesSent;
    client.resetStats();
    expect(client.stats).toMatchObject({ connections: 0, messages: 0, bytesSent: 0 });
    await client.send(raw(2));
    expect(client.stats.messages).toBe(1);
    expect(client.stats.bytesSent).toBe(connection.usage.bytesSent - before);
  });

  it('close() resolves with the QUIT reply', async () => {
    const connection = session(...accepted, '221 2.0.0 bye');
    const { client } = make([connection]);
    await client.send(raw(1));
    const reply = await client.close();
    expect(reply).toMatchObject({ code: 221, command: 'QUIT', text: 'bye' });
  });

  it('definition() gives a JSON definition without the password unless asked', () => {
    const client = new SmtpClient({
      url: 'smtps://ann:hunter2-secret@mail.example.com',
      timeouts: { command: 5000 },
    });
    const plain = client.definition();
    expect(JSON.stringify(plain)).not.toContain('hunter2');
    expect(plain.omitted).toContain('auth.pass');
    const full = client.definition({ includeSecrets: true });
    expect(full.options?.timeouts?.command).toBe(5000);
    expect(JSON.stringify(full)).toContain('hunter2-secret');
  });

  it('allowFileAccess: false refuses a file attachment before any connection', async () => {
    const { client, connector } = make([]);
    const strict = new SmtpClient({
      host: 'mail.example.com',
      security: 'none',
      allowFileAccess: false,
      connector,
    });
    const error = await rejection(
      strict.send({
        from: 'a@example.com',
        to: 'b@example.com',
        text: 'see attached',
        attachments: [{ path: '/etc/passwd' }],
      }),
    );
    expect(error.code).toBe('SMTP_MIME_FILE_ACCESS_DENIED');
    expect(error.outcome).toBe('not-sent');
    expect(connector.calls).toHaveLength(0);
    client.destroy();
  });

  it('stats sum the usage of every connection', async () => {
    const first = session(...accepted, '421 bye');
    const second = session(...accepted);
    const { client } = make([first, second]);
    await client.send(raw(1));
    await client.send(raw(2));
    const stats = client.stats;
    expect(stats.connections).toBe(2);
    expect(stats.messages).toBe(2);
    expect(stats.bytesSent).toBe(first.usage.bytesSent + second.usage.bytesSent);
  });
});
