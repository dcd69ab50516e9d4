/**
 * Faults, against test-servers' scripted raw server: replies cut and trickled, a slow-loris
 * reply that must still hit its deadline, unbounded lines and replies, resets and closes, no
 * greeting, refused and unresolvable addresses, and an abort at every wait. Each case is bounded
 * in time (deadlines of a few hundred ms) and checked to leave no socket or timer behind.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtocolError } from '@smtp/protocol';
import { type ScriptedServer, type ScriptStep, startScriptedServer } from 'test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from './connection.ts';
import { type ConnectOptions, connect } from './index.ts';
import { activeResources, closedPort, encode, leftovers, listen, sleep } from './testing/net.ts';

let server: ScriptedServer | undefined;
let connection: Connection | undefined;
let before: Map<string, number>;

afterEach(async () => {
  connection?.destroy();
  connection = undefined;
  await server?.close();
  server = undefined;
});

/** Starts the script, connects to it; the resource count is taken before either. */
async function scripted(
  steps: ScriptStep[],
  options: Partial<ConnectOptions> = {},
): Promise<Connection> {
  before = activeResources();
  server = await startScriptedServer(steps);
  connection = await connect({
    host: '127.0.0.1',
    port: server.port,
    readTimeoutMs: 2000,
    ...options,
  });
  return connection;
}

/** The connection is destroyed, and once the server is gone too nothing of ours remains. */
async function expectNothingLeft(): Promise<void> {
  expect(connection?.destroyed).toBe(true);
  await server?.close();
  expect(await leftovers(before)).toEqual([]);
}

async function elapsed<T>(work: Promise<T>): Promise<{ value: T | unknown; ms: number }> {
  const started = performance.now();
  const value = await work.catch((e: unknown) => e);
  return { value, ms: performance.now() - started };
}

describe('replies cut and delayed', () => {
  it('reads a reply split byte by byte with delays', async () => {
    const c = await scripted([
      { trickle: '250-first line\r\n250 last line\r\n', intervalMs: 3 },
      { readUntilClose: true },
    ]);
    const reply = await c.readReply({ timeoutMs: 2000 });
    expect(reply).toMatchObject({ code: 250, lines: ['first line', 'last line'] });
    expect(c.usage.bytesReceived).toBe(31);
    await c.close();
    await expectNothingLeft();
  });

  it('reads a reply split mid-line, and one split between CR and LF', async () => {
    const c = await scripted([
      { send: '220 hel' },
      { delay: 20 },
      { send: 'lo\r' },
      { delay: 20 },
      { send: '\n250 next\r\n' },
      { readUntilClose: true },
    ]);
    expect((await c.readReply()).text).toBe('hello');
    expect((await c.readReply()).text).toBe('next');
    await c.close();
    await expectNothingLeft();
  });

  it('hits the read deadline although the server trickles bytes to dodge an idle timeout', async () => {
    const c = await scripted([
      { trickle: `250-${'x'.repeat(200)}\r\n250 end\r\n`, intervalMs: 10 },
    ]);
    const { value, ms } = await elapsed(c.readReply({ timeoutMs: 300, phase: 'ehlo' }));
    expect(value).toMatchObject({
      name: 'TimeoutError',
      code: 'SMTP_TIMEOUT',
      phase: 'ehlo',
      timeoutMs: 300,
    });
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(1000);
    expect(c.usage.bytesReceived).toBeGreaterThan(5);
    await expectNothingLeft();
  });
});

describe('unbounded replies', () => {
  it('stops endless continuation lines at maxLines with a ProtocolError', async () => {
    const endless: ScriptStep[] = Array.from({ length: 200 }, () => ({ send: '250-more\r\n' }));
    const c = await scripted([...endless, { readUntilClose: true }], {
      replyParser: { maxLines: 20 },
    });
    const error = await c.readReply().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ code: 'SMTP_PROTOCOL_REPLY_TOO_LARGE' });
    await expectNothingLeft();
  });

  it('stops a reply over maxReplySize', async () => {
    const c = await scripted(
      [{ send: `250-${'y'.repeat(100)}\r\n`.repeat(20) }, { readUntilClose: true }],
      {
        replyParser: { maxReplySize: 1024 },
      },
    );
    await expect(c.readReply()).rejects.toMatchObject({ code: 'SMTP_PROTOCOL_REPLY_TOO_LARGE' });
    await expectNothingLeft();
  });

  it('stops a line without end at maxLineLength, while it is still arriving', async () => {
    const c = await scripted(
      [
        { send: '250 ' },
        ...Array.from({ length: 50 }, () => ({ send: 'z'.repeat(100) })),
        { readUntilClose: true },
      ],
      { replyParser: { maxLineLength: 256 } },
    );
    await expect(c.readReply()).rejects.toMatchObject({
      name: 'ProtocolError',
      code: 'SMTP_PROTOCOL_LINE_TOO_LONG',
    });
    await expectNothingLeft();
  });

  it('re-throws a malformed reply as the ProtocolError it is', async () => {
    const c = await scripted([{ send: 'hello there\r\n' }, { readUntilClose: true }]);
    await expect(c.readReply()).rejects.toMatchObject({
      name: 'ProtocolError',
      code: 'SMTP_PROTOCOL_MALFORMED_REPLY',
    });
    await expect(c.readReply()).rejects.toMatchObject({ code: 'SMTP_CONNECTION_CLOSED' });
    await expectNothingLeft();
  });
});

describe('the server goes away', () => {
  it('reports a reset in the middle of a reply', async () => {
    const c = await scripted([
      { send: '250-partial\r\n250 hal' },
      { delay: 20 },
      { destroy: true },
    ]);
    const error = await c.readReply().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConnectionError' });
    expect(['SMTP_CONNECTION_RESET', 'SMTP_CONNECTION_CLOSED']).toContain(
      (error as { code: string }).code,
    );
    await expectNothingLeft();
  });

  it('reports a close in the middle of a reply, with the bytes received', async () => {
    const c = await scripted([{ send: '220 hal' }, { close: true }]);
    await expect(c.readReply({ phase: 'greeting' })).rejects.toMatchObject({
      code: 'SMTP_CONNECTION_CLOSED',
      partialReplyBytes: 7,
    });
    await expectNothingLeft();
  });

  it('reports a close right after connect on the greeting read', async () => {
    const c = await scripted([{ close: true }]);
    await expect(c.readReply({ phase: 'greeting' })).rejects.toMatchObject({
      name: 'ConnectionError',
      code: 'SMTP_CONNECTION_CLOSED',
      partialReplyBytes: 0,
    });
    await expectNothingLeft();
  });

  it('still returns a reply that fully arrived before the close (221, or a final 250)', async () => {
    const c = await scripted([{ send: '221 bye\r\n' }, { close: true }]);
    await sleep(50);
    expect(c.destroyed).toBe(true);
    expect((await c.readReply()).code).toBe(221);
    await expect(c.readReply()).rejects.toMatchObject({ code: 'SMTP_CONNECTION_CLOSED' });
    await expectNothingLeft();
  });

  it('times out on a server that never greets', async () => {
    const c = await scripted([{ readUntilClose: true }]);
    const { value, ms } = await elapsed(c.readReply({ phase: 'greeting', timeoutMs: 200 }));
    expect(value).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'greeting' });
    expect(ms).toBeLessThan(800);
    await expectNothingLeft();
  });

  it('fails writes after the peer reset', async () => {
    const c = await scripted([{ delay: 30 }, { destroy: true }]);
    await sleep(100);
    await expect(c.write(encode('NOOP\r\n'))).rejects.toMatchObject({
      code: 'SMTP_CONNECTION_CLOSED',
    });
    await expectNothingLeft();
  });
});

describe('connection failures', () => {
  it('reports a refused connection', async () => {
    before = activeResources();
    const port = await closedPort();
    await expect(connect({ host: '127.0.0.1', port })).rejects.toMatchObject({
      name: 'ConnectionError',
      code: 'SMTP_CONNECTION_REFUSED',
      socketCode: 'ECONNREFUSED',
    });
    expect(await leftovers(before)).toEqual([]);
  });

  it('reports a name that does not resolve', async () => {
    await expect(
      connect({ host: 'no-such-host.invalid', port: 25, connectTimeoutMs: 5000 }),
    ).rejects.toMatchObject({
      code: 'SMTP_DNS',
    });
  });

  it('reports a missing UNIX socket', async () => {
    const path = join(tmpdir(), `missing-${randomBytes(4).toString('hex')}.sock`);
    await expect(connect({ path })).rejects.toMatchObject({
      code: 'SMTP_CONNECTION_FAILED',
      socketCode: 'ENOENT',
    });
  });

  it('times out an implicit TLS handshake the server never answers', async () => {
    before = activeResources();
    server = await startScriptedServer([{ readUntilClose: true }]);
    const { value, ms } = await elapsed(
      connect({ host: '127.0.0.1', port: server.port, tls: 'implicit', tlsTimeoutMs: 200 }),
    );
    expect(value).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'tls' });
    expect(ms).toBeLessThan(800);
    await server.close();
    expect(await leftovers(before)).toEqual([]);
  });
});

describe('aborts', () => {
  it('aborts at connect', async () => {
    before = activeResources();
    server = await startScriptedServer([{ readUntilClose: true }]);
    const controller = new AbortController();
    const connecting = connect(
      { host: '127.0.0.1', port: server.port },
      { signal: controller.signal },
    );
    controller.abort(new Error('changed my mind'));
    await expect(connecting).rejects.toMatchObject({
      name: 'AbortError',
      code: 'SMTP_ABORTED',
      phase: 'connect',
      cause: new Error('changed my mind'),
    });
    await expect(
      connect({ host: '127.0.0.1', port: server.port }, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'SMTP_ABORTED', phase: 'connect' });
    await server.close();
    expect(await leftovers(before)).toEqual([]);
  });

  it('aborts at read', async () => {
    const c = await scripted([{ readUntilClose: true }]);
    const controller = new AbortController();
    const reading = c.readReply({ phase: 'greeting', signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await expect(reading).rejects.toMatchObject({ code: 'SMTP_ABORTED', phase: 'greeting' });
    await expectNothingLeft();
  });

  it('aborts at write while waiting for drain', async () => {
    before = activeResources();
    // A server that never reads: the socket buffers fill and the write waits for 'drain'.
    const stuck = await listen((socket) => socket.pause());
    try {
      connection = await connect({ host: '127.0.0.1', port: stuck.port });
      const controller = new AbortController();
      const big = new Uint8Array(64 * 1024 * 1024);
      const writing = connection.write(big, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(writing).rejects.toMatchObject({ code: 'SMTP_ABORTED', phase: 'write' });
      expect(connection.destroyed).toBe(true);
    } finally {
      await stuck.close();
    }
    expect(await leftovers(before)).toEqual([]);
  });

  it('aborts a stream while it waits for its source', async () => {
    const c = await scripted([{ readUntilClose: true }]);
    const controller = new AbortController();
    let returned = false;
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<Uint8Array>>(() => {}),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const writing = c.writeStream(source, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    // The phase names what was waited for: the caller's source, not the socket.
    await expect(writing).rejects.toMatchObject({ code: 'SMTP_ABORTED', phase: 'body-source' });
    expect(returned).toBe(true);
    await expectNothingLeft();
  });

  it('aborts at implicit TLS', async () => {
    before = activeResources();
    server = await startScriptedServer([{ readUntilClose: true }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      connect(
        { host: '127.0.0.1', port: server.port, tls: 'implicit' },
        { signal: controller.signal },
      ),
    ).rejects.toMatchObject({ code: 'SMTP_ABORTED', phase: 'tls' });
    await server.close();
    expect(await leftovers(before)).toEqual([]);
  });

  it('aborts at the STARTTLS handshake', async () => {
    const c = await scripted([{ send: '220 go ahead\r\n' }, { readUntilClose: true }]);
    expect((await c.readReply()).code).toBe(220);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(c.upgradeToTls({ signal: controller.signal })).rejects.toMatchObject({
      code: 'SMTP_ABORTED',
      phase: 'tls',
    });
    await expectNothingLeft();
  });

  it('times out the STARTTLS handshake', async () => {
    const c = await scripted([{ send: '220 go ahead\r\n' }, { readUntilClose: true }]);
    await c.readReply();
    await expect(c.upgradeToTls({ timeoutMs: 150 })).rejects.toMatchObject({
      code: 'SMTP_TIMEOUT',
      phase: 'tls',
    });
    await expectNothingLeft();
  });
});
