/**
 * Connection behaviour against inline `node:net` servers: write ordering, reads queued and
 * served in order, close and destroy with operations pending, the connect deadline, usage
 * errors, ref/unref, and a source that fails mid-stream.
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect } from './connect.ts';
import type { Connection } from './connection.ts';
import type { TransportEvent } from './events.ts';
import {
  activeResources,
  decode,
  encode,
  type InlineServer,
  leftovers,
  listen,
  sleep,
} from './testing/net.ts';

let server: InlineServer | undefined;
let connection: Connection | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  connection?.destroy();
  connection = undefined;
  await server?.close();
  server = undefined;
});

/** An echo-ish server: answers each line `X` with `250 X`. */
async function lineServer(): Promise<InlineServer> {
  return listen((socket) => {
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end = buffered.indexOf('\r\n');
      while (end !== -1) {
        socket.write(`250 ${buffered.slice(0, end)}\r\n`);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\r\n');
      }
    });
  });
}

describe('connect', () => {
  it('refuses invalid options before opening a socket', async () => {
    const spy = vi.spyOn(net, 'connect');
    await expect(connect({ host: 'a.example', port: 0 })).rejects.toMatchObject({
      code: 'SMTP_TRANSPORT_INVALID_OPTIONS',
    });
    expect(spy).not.toHaveBeenCalled();
  });

  it('times out a connect that never completes, with phase connect', async () => {
    const before = activeResources();
    const pending = new net.Socket();
    vi.spyOn(net, 'connect').mockReturnValue(pending);
    const started = performance.now();
    await expect(
      connect({ host: '192.0.2.1', port: 25, connectTimeoutMs: 100 }),
    ).rejects.toMatchObject({
      name: 'TimeoutError',
      code: 'SMTP_TIMEOUT',
      phase: 'connect',
      timeoutMs: 100,
    });
    expect(performance.now() - started).toBeLessThan(500);
    expect(pending.destroyed).toBe(true);
    expect(await leftovers(before)).toEqual([]);
  });

  it('reports a socket closed before it connected', async () => {
    const pending = new net.Socket();
    vi.spyOn(net, 'connect').mockReturnValue(pending);
    setTimeout(() => pending.destroy(), 10);
    await expect(connect({ host: '192.0.2.1', port: 25 })).rejects.toMatchObject({
      code: 'SMTP_CONNECTION_CLOSED',
    });
  });

  it('gives each connection its own id, and a connect event with the addresses', async () => {
    server = await lineServer();
    const events: TransportEvent[] = [];
    const first = await connect({
      host: '127.0.0.1',
      port: server.port,
      onEvent: (e) => events.push(e),
    });
    const second = await connect({ host: '127.0.0.1', port: server.port });
    expect(second.id).toBeGreaterThan(first.id);
    expect(events[0]).toMatchObject({
      type: 'connect',
      connectionId: first.id,
      remoteAddress: '127.0.0.1',
      remotePort: server.port,
      path: undefined,
    });
    first.destroy();
    second.destroy();
  });
});

describe('Connection', () => {
  it('runs writes in call order and serves queued reads in order', async () => {
    server = await lineServer();
    connection = await connect({ host: '127.0.0.1', port: server.port });
    const writes = ['A', 'B', 'C'].map((name) => connection?.write(encode(`${name}\r\n`)));
    const reads = [connection.readReply(), connection.readReply(), connection.readReply()];
    await Promise.all(writes);
    expect((await Promise.all(reads)).map((reply) => reply.text)).toEqual(['A', 'B', 'C']);
  });

  it('holds replies that arrived before they were read (pipelining), pausing the socket', async () => {
    server = await lineServer();
    connection = await connect({ host: '127.0.0.1', port: server.port });
    await connection.write(encode('ONE\r\nTWO\r\nTHREE\r\n'));
    await sleep(50);
    expect(connection.pendingReplies).toBeGreaterThan(0);
    expect((await connection.readReply()).text).toBe('ONE');
    expect((await connection.readReply()).text).toBe('TWO');
    expect((await connection.readReply()).text).toBe('THREE');
    expect(connection.pendingReplies).toBe(0);
  });

  it('rejects everything pending with SMTP_CONNECTION_CLOSED on destroy(), and later calls too', async () => {
    const before = activeResources();
    server = await listen(() => {});
    const events: TransportEvent[] = [];
    connection = await connect({
      host: '127.0.0.1',
      port: server.port,
      onEvent: (e) => events.push(e),
    });
    const reading = connection.readReply();
    connection.destroy();
    await expect(reading).rejects.toMatchObject({ code: 'SMTP_CONNECTION_CLOSED' });
    await expect(connection.write(encode('X\r\n'))).rejects.toMatchObject({
      code: 'SMTP_CONNECTION_CLOSED',
    });
    await expect(connection.upgradeToTls()).rejects.toMatchObject({
      code: 'SMTP_CONNECTION_CLOSED',
    });
    expect(connection.destroyed).toBe(true);
    connection.destroy();
    await connection.close();
    expect(events.map((e) => e.type)).toEqual(['connect', 'close']);
    expect(events[1]).toMatchObject({ hadError: false });
    expect(await leftovers(before)).toEqual([]);
  });

  it('closes gracefully, and destroys a peer that lingers past closeTimeoutMs', async () => {
    server = await listen((socket) => socket.on('end', () => {}));
    // allowHalfOpen is off on the server: it ends too, so this close is quick.
    connection = await connect({ host: '127.0.0.1', port: server.port });
    await connection.close();
    expect(connection.destroyed).toBe(true);

    const held = new Set<net.Socket>();
    const lingering = await new Promise<net.Server>((resolve) => {
      const s = net.createServer({ allowHalfOpen: true }, (socket) => {
        held.add(socket);
        socket.on('error', () => {});
      });
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const port = (lingering.address() as net.AddressInfo).port;
      const c = await connect({ host: '127.0.0.1', port, closeTimeoutMs: 100 });
      const started = performance.now();
      await c.close();
      expect(performance.now() - started).toBeLessThan(500);
      expect(c.destroyed).toBe(true);
      await expect(c.readReply()).rejects.toMatchObject({ code: 'SMTP_CONNECTION_CLOSED' });
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => lingering.close(() => resolve()));
    }
  });

  it('refuses invalid per-call deadlines without failing the connection', async () => {
    server = await lineServer();
    connection = await connect({ host: '127.0.0.1', port: server.port });
    await expect(connection.readReply({ timeoutMs: 0 })).rejects.toMatchObject({
      code: 'SMTP_TRANSPORT_INVALID_OPTIONS',
    });
    await expect(connection.write(encode('X\r\n'), { timeoutMs: -1 })).rejects.toMatchObject({
      code: 'SMTP_TRANSPORT_INVALID_OPTIONS',
    });
    await expect(
      connection.writeStream((async function* () {})(), { timeoutMs: Number.NaN }),
    ).rejects.toMatchObject({ code: 'SMTP_TRANSPORT_INVALID_OPTIONS' });
    await expect(connection.upgradeToTls({ timeoutMs: 0 })).rejects.toMatchObject({
      code: 'SMTP_TRANSPORT_INVALID_OPTIONS',
    });
    await expect(connection.close({ timeoutMs: 0 })).rejects.toMatchObject({
      code: 'SMTP_TRANSPORT_INVALID_OPTIONS',
    });
    expect(connection.destroyed).toBe(false);
    await connection.write(encode('STILL\r\n'));
    expect((await connection.readReply()).text).toBe('STILL');
  });

  it('fails the connection when the stream source throws, re-throwing its error', async () => {
    server = await lineServer();
    connection = await connect({ host: '127.0.0.1', port: server.port });
    const failure = new Error('disk on fire');
    async function* source(): AsyncGenerator<Uint8Array> {
      yield encode('half a mess');
      throw failure;
    }
    await expect(connection.writeStream(source())).rejects.toBe(failure);
    expect(connection.destroyed).toBe(true);
  });

  it('refuses a source that yields something other than bytes', async () => {
    server = await lineServer();
    connection = await connect({ host: '127.0.0.1', port: server.port });
    async function* source(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(0);
      yield 'text' as unknown as Uint8Array;
    }
    await expect(connection.writeStream(source())).rejects.toMatchObject({
      code: 'SMTP_TRANSPORT_INVALID_STATE',
    });
  });

  it('fails a write whose signal already fired', async () => {
    server = await lineServer();
    connection = await connect({ host: '127.0.0.1', port: server.port });
    await expect(
      connection.write(encode('X\r\n'), { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({
      code: 'SMTP_ABORTED',
      phase: 'write',
    });
    expect(connection.destroyed).toBe(true);
  });

  it('needs a servername to upgrade a UNIX socket connection with verification on', async () => {
    server = await lineServer();
    connection = await connect({ host: '127.0.0.1', port: server.port });
    // A TCP connection always has its host to verify; the option check still runs per upgrade.
    await expect(connection.upgradeToTls({ servername: '' })).rejects.toMatchObject({
      code: 'SMTP_TRANSPORT_INVALID_OPTIONS',
    });
  });

  it('can be unref’d so an idle pooled connection lets the process exit, and ref’d again', async () => {
    server = await lineServer();
    connection = await connect({ host: '127.0.0.1', port: server.port });
    connection.unref();
    connection.ref();
    await connection.write(encode('OK\r\n'));
    expect((await connection.readReply()).text).toBe('OK');
  });

  it('reports the error event with its phase when a read times out', async () => {
    server = await listen(() => {});
    const events: TransportEvent[] = [];
    connection = await connect({
      host: '127.0.0.1',
      port: server.port,
      onEvent: (e) => events.push(e),
    });
    await expect(connection.readReply({ timeoutMs: 50, phase: 'greeting' })).rejects.toMatchObject({
      code: 'SMTP_TIMEOUT',
    });
    expect(events.map((e) => e.type)).toEqual(['connect', 'error', 'close']);
    expect(events[1]).toMatchObject({ phase: 'greeting' });
    expect(events[2]).toMatchObject({ hadError: true });
  });

  it('sends bytes exactly as given', async () => {
    const seen: Buffer[] = [];
    server = await listen((socket) => socket.on('data', (chunk: Buffer) => seen.push(chunk)));
    connection = await connect({ host: '127.0.0.1', port: server.port });
    await connection.write(encode('MAIL FROM:<a@example.com>\r\n'));
    await sleep(30);
    expect(decode(Buffer.concat(seen))).toBe('MAIL FROM:<a@example.com>\r\n');
  });
});
