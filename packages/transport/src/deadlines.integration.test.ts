/**
 * Deadlines over real loopback sockets (docs/security.md INV-8): one absolute `deadline` shared
 * by several reads and writes (a pipelined batch), the earlier of `timeoutMs` and `deadline`
 * winning, a deadline already passed failing at once, and a `writeStream` whose source stalls:
 * bounded by the write's deadline, and failed as soon as the server goes away, with or without
 * a signal. Each case is bounded in time and checked to leave no socket or timer behind.
 */
import { type ScriptedServer, type ScriptStep, startScriptedServer } from 'test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from './connection.ts';
import type { TransportEvent } from './events.ts';
import { type ConnectOptions, connect } from './index.ts';
import {
  activeResources,
  decode,
  encode,
  type InlineServer,
  leftovers,
  listen,
  sleep,
} from './testing/net.ts';

let server: ScriptedServer | undefined;
let inline: InlineServer | undefined;
let connection: Connection | undefined;
let before: Map<string, number>;

afterEach(async () => {
  connection?.destroy();
  connection = undefined;
  await server?.close();
  server = undefined;
  await inline?.close();
  inline = undefined;
});

/** Starts the script, connects to it; the resource count is taken before either. */
async function scripted(
  steps: ScriptStep[],
  options: Partial<ConnectOptions> = {},
): Promise<Connection> {
  before = activeResources();
  server = await startScriptedServer(steps);
  connection = await connect({ host: '127.0.0.1', port: server.port, ...options });
  return connection;
}

/** A server that answers each line `X` with `250 X`, the first `limit` lines only. */
async function lineServer(limit = Number.POSITIVE_INFINITY): Promise<Connection> {
  before = activeResources();
  inline = await listen((socket) => {
    let buffered = '';
    let answered = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end = buffered.indexOf('\r\n');
      while (end !== -1) {
        if (answered++ < limit) socket.write(`250 ${buffered.slice(0, end)}\r\n`);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\r\n');
      }
    });
  });
  connection = await connect({ host: '127.0.0.1', port: inline.port });
  return connection;
}

/** The connection is destroyed, and once the servers are gone nothing of ours remains. */
async function expectNothingLeft(): Promise<void> {
  expect(connection?.destroyed).toBe(true);
  await server?.close();
  await inline?.close();
  expect(await leftovers(before)).toEqual([]);
}

async function elapsed<T>(work: Promise<T>): Promise<{ value: T | unknown; ms: number }> {
  const started = performance.now();
  const value = await work.catch((e: unknown) => e);
  return { value, ms: performance.now() - started };
}

/** A source whose next chunk never comes; records whether it was told to stop. */
function stalledSource(first?: Uint8Array): {
  source: AsyncIterable<Uint8Array>;
  returned: () => boolean;
} {
  let returned = false;
  let sent = first === undefined;
  const source: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        if (!sent && first !== undefined) {
          sent = true;
          return Promise.resolve({ done: false, value: first });
        }
        return new Promise<IteratorResult<Uint8Array>>(() => {});
      },
      return: async () => {
        returned = true;
        return { done: true, value: undefined };
      },
    }),
  };
  return { source, returned: () => returned };
}

describe('one deadline across several reads and writes', () => {
  it('serves a pipelined batch within one shared deadline', async () => {
    const c = await lineServer();
    const deadline = performance.now() + 2000;
    await c.write(encode('MAIL\r\nRCPT\r\nDATA\r\n'), { deadline });
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await c.readReply({ phase: 'envelope', deadline }));
    expect(replies.map((reply) => reply.text)).toEqual(['MAIL', 'RCPT', 'DATA']);
    expect(c.destroyed).toBe(false);
  });

  it('fails the read still waiting when the shared deadline passes, naming the phase', async () => {
    // Two of three replies come; the third read gets what is left of the deadline, not more.
    const c = await lineServer(2);
    const started = performance.now();
    const deadline = started + 250;
    await c.write(encode('MAIL\r\nRCPT\r\nDATA\r\n'), { deadline });
    await c.readReply({ phase: 'envelope', deadline });
    await sleep(100);
    await c.readReply({ phase: 'envelope', deadline });
    const error = await c
      .readReply({ phase: 'envelope', deadline, timeoutMs: 5000 })
      .catch((e: unknown) => e);
    const total = performance.now() - started;
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'SMTP_TIMEOUT', phase: 'envelope' });
    expect((error as { timeoutMs: number }).timeoutMs).toBeLessThanOrEqual(250);
    expect(total).toBeGreaterThanOrEqual(240);
    expect(total).toBeLessThan(1000);
    await expectNothingLeft();
  });

  it('lets the earlier of timeoutMs and deadline win', async () => {
    const c = await scripted([{ readUntilClose: true }]);
    const { value, ms } = await elapsed(
      c.readReply({ phase: 'greeting', timeoutMs: 100, deadline: performance.now() + 10_000 }),
    );
    expect(value).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'greeting', timeoutMs: 100 });
    expect(ms).toBeLessThan(800);
    await expectNothingLeft();
  });

  it('gives a read with only a deadline no default timeout of its own', async () => {
    const c = await scripted([{ delay: 200 }, { send: '220 late but in time\r\n' }], {
      readTimeoutMs: 50,
    });
    const reply = await c.readReply({ phase: 'greeting', deadline: performance.now() + 2000 });
    expect(reply.code).toBe(220);
    expect(c.destroyed).toBe(false);
  });

  it('takes Infinity as no deadline', async () => {
    const c = await scripted([{ delay: 100 }, { send: '220 hi\r\n' }, { readUntilClose: true }], {
      readTimeoutMs: 20,
    });
    expect((await c.readReply({ deadline: Number.POSITIVE_INFINITY })).code).toBe(220);
    await c.write(encode('NOOP\r\n'), { deadline: Number.POSITIVE_INFINITY });
  });

  it('fails a read at once when the deadline already passed, and fails the connection', async () => {
    const events: TransportEvent[] = [];
    const c = await scripted([{ readUntilClose: true }], { onEvent: (e) => events.push(e) });
    const { value, ms } = await elapsed(
      c.readReply({ phase: 'rcpt', deadline: performance.now() - 1 }),
    );
    expect(value).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'rcpt', timeoutMs: 0 });
    expect(ms).toBeLessThan(50);
    expect(events.map((e) => e.type)).toEqual(['connect', 'error', 'close']);
    expect(events[1]).toMatchObject({ phase: 'rcpt' });
    await expect(c.readReply()).rejects.toMatchObject({ code: 'SMTP_CONNECTION_CLOSED' });
    await expectNothingLeft();
  });

  it('still returns a reply that already arrived, whatever the deadline', async () => {
    const c = await lineServer();
    await c.write(encode('ONE\r\n'));
    await sleep(50);
    expect(c.pendingReplies).toBe(1);
    const reply = await c.readReply({ deadline: performance.now() - 1000 });
    expect(reply.text).toBe('ONE');
    expect(c.destroyed).toBe(false);
  });

  it('writes nothing once the deadline has passed', async () => {
    const c = await scripted([{ readUntilClose: true }]);
    const { value, ms } = await elapsed(
      c.write(encode('MAIL FROM:<a@example.com>\r\n'), { deadline: performance.now() - 1 }),
    );
    expect(value).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'write', timeoutMs: 0 });
    expect(ms).toBeLessThan(50);
    expect(c.usage.bytesSent).toBe(0);
    await expectNothingLeft();
    expect(server?.received().byteLength ?? 0).toBe(0);
  });

  it('bounds a write to a server that stops reading by the deadline', async () => {
    before = activeResources();
    inline = await listen((socket) => socket.pause());
    connection = await connect({ host: '127.0.0.1', port: inline.port });
    const { value, ms } = await elapsed(
      connection.write(new Uint8Array(64 * 1024 * 1024), { deadline: performance.now() + 200 }),
    );
    expect(value).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'write' });
    expect(ms).toBeLessThan(1000);
    await expectNothingLeft();
  });

  it('bounds a whole stream by the deadline, across chunks and pulls', async () => {
    const c = await scripted([{ readUntilClose: true }]);
    let chunks = 0;
    async function* slow(): AsyncGenerator<Uint8Array> {
      for (;;) {
        await sleep(40);
        chunks++;
        yield encode('line of a slow body\r\n');
      }
    }
    // Each pull takes 40 ms, well within timeoutMs; the deadline ends the stream.
    const { value, ms } = await elapsed(
      c.writeStream(slow(), { timeoutMs: 5000, deadline: performance.now() + 200 }),
    );
    expect(value).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'body-source' });
    expect(chunks).toBeGreaterThan(1);
    expect(ms).toBeLessThan(1000);
    await expectNothingLeft();
  });

  it('refuses a NaN deadline without failing the connection', async () => {
    const c = await lineServer();
    const options = { deadline: Number.NaN };
    await expect(c.readReply(options)).rejects.toMatchObject({
      code: 'SMTP_TRANSPORT_INVALID_OPTIONS',
    });
    await expect(c.write(encode('X\r\n'), options)).rejects.toMatchObject({
      code: 'SMTP_TRANSPORT_INVALID_OPTIONS',
    });
    await expect(c.writeStream(stalledSource().source, options)).rejects.toMatchObject({
      code: 'SMTP_TRANSPORT_INVALID_OPTIONS',
    });
    await expect(c.upgradeToTls(options)).rejects.toMatchObject({
      code: 'SMTP_TRANSPORT_INVALID_OPTIONS',
    });
    expect(c.destroyed).toBe(false);
    await c.write(encode('STILL\r\n'));
    expect((await c.readReply()).text).toBe('STILL');
  });
});

describe('STARTTLS deadline', () => {
  it('does not start the handshake when the deadline already passed', async () => {
    const c = await scripted([{ send: '220 go ahead\r\n' }, { readUntilClose: true }]);
    await c.readReply();
    const { value, ms } = await elapsed(c.upgradeToTls({ deadline: performance.now() - 1 }));
    expect(value).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'tls', timeoutMs: 0 });
    expect(ms).toBeLessThan(50);
    expect(c.secure).toBe(false);
    await expectNothingLeft();
    // Not even a ClientHello went out.
    expect(server?.received().byteLength ?? 0).toBe(0);
  });

  it('times the handshake out at the deadline when it comes before tlsTimeoutMs', async () => {
    const c = await scripted([{ send: '220 go ahead\r\n' }, { readUntilClose: true }]);
    await c.readReply();
    const { value, ms } = await elapsed(
      c.upgradeToTls({ timeoutMs: 10_000, deadline: performance.now() + 150 }),
    );
    expect(value).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'tls' });
    expect(ms).toBeLessThan(800);
    await expectNothingLeft();
  });
});

describe('a stalled content stream', () => {
  it('times out without a signal, naming the source as what stalled', async () => {
    const c = await scripted([{ readUntilClose: true }]);
    const { source, returned } = stalledSource(encode('Subject: half\r\n'));
    const { value, ms } = await elapsed(c.writeStream(source, { timeoutMs: 150 }));
    expect(value).toMatchObject({
      name: 'TimeoutError',
      code: 'SMTP_TIMEOUT',
      phase: 'body-source',
      timeoutMs: 150,
    });
    expect(ms).toBeLessThan(800);
    expect(returned()).toBe(true);
    await expectNothingLeft();
  });

  it('times out with the connection default when no timeout is given', async () => {
    const c = await scripted([{ readUntilClose: true }], { writeTimeoutMs: 100 });
    const { value } = await elapsed(c.writeStream(stalledSource().source));
    expect(value).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'body-source', timeoutMs: 100 });
    await expectNothingLeft();
  });

  it.each([
    ['closes', { close: true }, 'SMTP_CONNECTION_CLOSED'],
    ['resets', { destroy: true }, 'SMTP_CONNECTION_RESET'],
  ] as const)(
    'fails at once with the connection error when the server %s, without a signal',
    async (_, step, code) => {
      const events: TransportEvent[] = [];
      const c = await scripted([{ delay: 50 }, step], { onEvent: (e) => events.push(e) });
      const { source, returned } = stalledSource(encode('Subject: half\r\n'));
      const { value, ms } = await elapsed(c.writeStream(source, { timeoutMs: 5000 }));
      // A reset may also be seen as a close, depending on what the kernel reports first.
      expect(value).toMatchObject({
        name: 'ConnectionError',
        code: code === 'SMTP_CONNECTION_RESET' ? expect.stringMatching(/RESET|CLOSED/) : code,
      });
      expect(ms).toBeLessThan(1000);
      expect(returned()).toBe(true);
      // Someone was waiting: the close is reported as an error, not a quiet end.
      expect(events.map((e) => e.type)).toContain('error');
      await expectNothingLeft();
    },
  );

  it('fails at once when the server closes, with a signal that never fires', async () => {
    const c = await scripted([{ delay: 50 }, { close: true }]);
    const { source } = stalledSource();
    const controller = new AbortController();
    const { value, ms } = await elapsed(
      c.writeStream(source, { signal: controller.signal, timeoutMs: 5000 }),
    );
    expect(value).toMatchObject({ code: 'SMTP_CONNECTION_CLOSED' });
    expect(ms).toBeLessThan(1000);
    await expectNothingLeft();
  });

  it('does not pull from the source of a connection that already failed', async () => {
    const c = await scripted([{ readUntilClose: true }]);
    let pulls = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      pulls++;
      yield encode('one\r\n');
    }
    c.destroy();
    await expect(c.writeStream(source())).rejects.toMatchObject({
      code: 'SMTP_CONNECTION_CLOSED',
    });
    expect(pulls).toBe(0);
    await expectNothingLeft();
  });

  it('aborts during a stalled pull', async () => {
    const c = await scripted([{ readUntilClose: true }]);
    const { source, returned } = stalledSource();
    const controller = new AbortController();
    const writing = c.writeStream(source, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 30);
    await expect(writing).rejects.toMatchObject({
      code: 'SMTP_ABORTED',
      phase: 'body-source',
      cause: new Error('stop'),
    });
    expect(returned()).toBe(true);
    await expectNothingLeft();
  });

  it('still streams a healthy source, with its bytes exactly', async () => {
    const c = await scripted([{ readUntilClose: true }]);
    async function* body(): AsyncGenerator<Uint8Array> {
      yield encode('Subject: ok\r\n\r\n');
      await sleep(10);
      yield encode('body\r\n.\r\n');
    }
    expect(await c.writeStream(body(), { deadline: performance.now() + 2000 })).toBe(24);
    expect(c.destroyed).toBe(false);
    // The last chunks leave when the socket is uncorked, on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    c.destroy();
    // The script ends when it has read everything up to the client's close.
    await server?.done;
    expect(decode(server?.received() ?? new Uint8Array())).toBe('Subject: ok\r\n\r\nbody\r\n.\r\n');
  });
});
