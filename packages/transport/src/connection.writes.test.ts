/**
 * How stream writes meet the socket: which chunks cork it (only those under its high-water
 * mark), and a write the kernel took whole resolving without a `drain` wait. Both matter for a
 * large body (tools/bench, suite `large-send`): a tick per chunk lets a Node `Readable` source
 * fill up, so the next pull gets two chunks joined.
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect } from './connect.ts';
import type { Connection } from './connection.ts';
import { type InlineServer, listen } from './testing/net.ts';

let server: InlineServer | undefined;
let connection: Connection | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  connection?.destroy();
  connection = undefined;
  await server?.close();
  server = undefined;
});

/** A server that reads everything and counts it. */
async function sink(received: { bytes: number }): Promise<InlineServer> {
  return listen((socket) => {
    socket.on('data', (chunk: Buffer) => {
      received.bytes += chunk.length;
    });
  });
}

async function* chunks(sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  for (const size of sizes) yield new Uint8Array(size).fill(0x61);
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('stream writes', () => {
  it('corks the socket for chunks under its high-water mark only', async () => {
    const received = { bytes: 0 };
    server = await sink(received);
    connection = await connect({ host: '127.0.0.1', port: server.port });
    const cork = vi.spyOn(net.Socket.prototype, 'cork');
    // Over the mark on any Node version (16 KiB on Node 20, 64 KiB from Node 22).
    const big = 256 * 1024;
    expect(await connection.writeStream(chunks([big, big]))).toBe(2 * big);
    expect(cork).not.toHaveBeenCalled();
    expect(await connection.writeStream(chunks([100, 100, big]))).toBe(200 + big);
    expect(cork).toHaveBeenCalledTimes(1);
    await until(() => received.bytes === 3 * big + 200);
  });

  it('does not wait for drain when the kernel took the whole chunk', async () => {
    const received = { bytes: 0 };
    server = await sink(received);
    connection = await connect({ host: '127.0.0.1', port: server.port, writeTimeoutMs: 5000 });
    // As for a chunk over the mark: write() says "wait", yet the small chunk left at once.
    const write = net.Socket.prototype.write;
    vi.spyOn(net.Socket.prototype, 'write').mockImplementation(function (
      this: net.Socket,
      ...args: Parameters<net.Socket['write']>
    ) {
      write.apply(this, args);
      return false;
    });
    const started = performance.now();
    expect(await connection.writeStream(chunks([10, 10, 10]))).toBe(30);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(connection.usage.sendMs).toBe(0);
    await until(() => received.bytes === 30);
  });

  it('pulls with next(true) only when the socket holds none of the chunks it took', async () => {
    server = await sink({ bytes: 0 });
    connection = await connect({ host: '127.0.0.1', port: server.port });
    const answers: unknown[] = [];
    const source = (
      sizes: readonly number[],
    ): AsyncIterator<Uint8Array> & AsyncIterable<Uint8Array> => {
      let next = 0;
      const iterator = {
        next(released?: unknown): Promise<IteratorResult<Uint8Array>> {
          answers.push(released);
          const size = sizes[next++];
          return Promise.resolve(
            size === undefined
              ? { done: true, value: undefined }
              : { done: false, value: new Uint8Array(size).fill(0x61) },
          );
        },
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    };
    // A small chunk corks the socket (buffered until the next tick): not released. A big one
    // the kernel takes whole: released.
    await connection.writeStream(source([256 * 1024, 100]));
    expect(answers).toEqual([true, true, false]);
  });

  it('never says next(true) when data events carry the bytes', async () => {
    server = await sink({ bytes: 0 });
    connection = await connect({
      host: '127.0.0.1',
      port: server.port,
      includeData: true,
      onEvent: () => {},
    });
    const answers: unknown[] = [];
    async function* body(): AsyncGenerator<Uint8Array, void, unknown> {
      answers.push(yield new Uint8Array(256 * 1024));
      answers.push(yield new Uint8Array(256 * 1024));
    }
    await connection.writeStream(body());
    expect(answers).toEqual([false, false]);
  });

  it('still fails a write the socket refused because it was destroyed', async () => {
    server = await sink({ bytes: 0 });
    connection = await connect({ host: '127.0.0.1', port: server.port, writeTimeoutMs: 5000 });
    vi.spyOn(net.Socket.prototype, 'write').mockImplementation(function (this: net.Socket) {
      this.destroy();
      return false;
    });
    await expect(connection.writeStream(chunks([10]))).rejects.toMatchObject({
      code: 'SMTP_CONNECTION_CLOSED',
    });
  });
});

describe('writes', () => {
  it('queues a write behind the writes in flight, in call order', async () => {
    const seen: string[] = [];
    server = await listen((socket) => {
      socket.on('data', (chunk: Buffer) => seen.push(chunk.toString('latin1')));
    });
    connection = await connect({ host: '127.0.0.1', port: server.port });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('first ');
      await gate;
      yield new TextEncoder().encode('second ');
    }
    const stream = connection.writeStream(slow());
    const write = connection.write(new TextEncoder().encode('third'));
    release();
    await Promise.all([stream, write]);
    await until(() => seen.join('') === 'first second third');
  });

  it('waits for drain when the socket buffered the bytes, and queues the next write', async () => {
    let peer: net.Socket | undefined;
    const received = { bytes: 0 };
    server = await listen((socket) => {
      peer = socket;
      socket.pause();
      socket.on('data', (chunk: Buffer) => {
        received.bytes += chunk.length;
      });
    });
    connection = await connect({ host: '127.0.0.1', port: server.port, writeTimeoutMs: 10_000 });
    await until(() => peer !== undefined);
    // Far more than the kernel buffers while the peer does not read.
    const big = new Uint8Array(64 * 1024 * 1024);
    let drained = false;
    const first = connection.write(big).then(() => {
      drained = true;
    });
    const second = connection.write(new Uint8Array(10));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(drained).toBe(false);
    peer?.resume();
    await Promise.all([first, second]);
    expect(connection.usage.sendMs).toBeGreaterThan(0);
    await until(() => received.bytes === big.length + 10);
  });

  it('tells the bytes received without a usage snapshot', async () => {
    server = await listen((socket) => socket.write('220 ready\r\n'));
    connection = await connect({ host: '127.0.0.1', port: server.port });
    expect((await connection.readReply()).code).toBe(220);
    expect(connection.bytesReceived).toBe(11);
    expect(connection.bytesReceived).toBe(connection.usage.bytesReceived);
  });

  it('fails a read whose signal aborted before it began, and the connection with it', async () => {
    server = await listen(() => {});
    connection = await connect({ host: '127.0.0.1', port: server.port });
    await expect(connection.readReply({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(connection.destroyed).toBe(true);
  });
});
