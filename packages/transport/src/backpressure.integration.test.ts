/**
 * Backpressure (docs/security.md INV-8): a 64 MiB message streamed to a server that reads slowly
 * never has more than one chunk plus the socket's high-water mark buffered in the transport,
 * and a server that stops reading makes the write hit its deadline instead of growing memory.
 *
 * The slow reader is an inline `node:net` server: test-servers' scripted server reads as fast
 * as it can and has no step to read slowly.
 */
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from './connect.ts';
import type { Connection } from './connection.ts';
import type { TransportEvent } from './events.ts';
import { activeResources, type InlineServer, leftovers, listen } from './testing/net.ts';

const CHUNK = 64 * 1024;
const TOTAL = 64 * 1024 * 1024;

let server: InlineServer | undefined;
let connection: Connection | undefined;

afterEach(async () => {
  connection?.destroy();
  connection = undefined;
  await server?.close();
  server = undefined;
});

/** Yields `total` bytes in `CHUNK`-sized pieces, counting what was pulled. */
function generate(total: number, counter: { pulled: number }): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      for (let sent = 0; sent < total; sent += CHUNK) {
        counter.pulled += CHUNK;
        // A fresh buffer each time, as a real source would produce.
        yield new Uint8Array(CHUNK).fill(0x61);
      }
    },
  };
}

/** A server that reads in short bursts with pauses between them. */
function slowReader(received: { bytes: number }): (socket: net.Socket) => void {
  return (socket) => {
    socket.on('data', (chunk: Buffer) => {
      received.bytes += chunk.length;
      socket.pause();
      setTimeout(() => socket.resume(), 1).unref();
    });
  };
}

describe('writeStream backpressure', () => {
  it('streams 64 MiB to a slow reader holding at most one chunk plus the high-water mark', async () => {
    const before = activeResources();
    const received = { bytes: 0 };
    server = await listen(slowReader(received));
    connection = await connect({ host: '127.0.0.1', port: server.port, writeTimeoutMs: 10_000 });
    const counter = { pulled: 0 };
    const written = await connection.writeStream(generate(TOTAL, counter));
    expect(written).toBe(TOTAL);
    const usage = connection.usage;
    // 16 KiB on Node 20, 64 KiB from Node 22.
    const highWaterMark = 64 * 1024;
    expect(usage.maxWriteBufferBytes).toBeLessThanOrEqual(CHUNK + highWaterMark);
    expect(usage.sendMs).toBeGreaterThan(0); // it did wait for 'drain'
    expect(usage.bytesSent).toBe(TOTAL);
    expect(usage.writes).toBe(TOTAL / CHUNK);
    await connection.close({ timeoutMs: 2000 });
    expect(received.bytes).toBe(TOTAL);
    await server.close();
    expect(await leftovers(before)).toEqual([]);
  }, 60_000);

  it('stops pulling and hits the write deadline when the server stops reading', async () => {
    const before = activeResources();
    server = await listen((socket) => socket.pause());
    connection = await connect({ host: '127.0.0.1', port: server.port });
    const counter = { pulled: 0 };
    const error = await connection
      .writeStream(generate(TOTAL, counter), { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'write' });
    expect(connection.destroyed).toBe(true);
    // Only what the kernel buffers took, plus one chunk and the high-water mark: not 64 MiB.
    expect(counter.pulled).toBeLessThan(16 * 1024 * 1024);
    expect(connection.usage.maxWriteBufferBytes).toBeLessThanOrEqual(CHUNK + 64 * 1024);
    await server.close();
    expect(await leftovers(before)).toEqual([]);
  });

  it('reports a transfer under minThroughput', async () => {
    const received = { bytes: 0 };
    server = await listen((socket) => {
      socket.on('data', (chunk: Buffer) => {
        received.bytes += chunk.length;
        socket.pause();
        setTimeout(() => socket.resume(), 20).unref();
      });
    });
    const events: TransportEvent[] = [];
    connection = await connect({
      host: '127.0.0.1',
      port: server.port,
      minThroughput: 1024 * 1024 * 1024,
      onEvent: (event) => events.push(event),
    });
    await connection.writeStream(generate(8 * 1024 * 1024, { pulled: 0 }));
    const slow = events.find(
      (event) => event.type === 'slow' && event.operation === 'write-stream',
    );
    expect(slow).toMatchObject({ exceeded: ['minThroughput'], bytes: 8 * 1024 * 1024 });
    expect(slow?.type === 'slow' && slow.throughput).toBeLessThan(1024 * 1024 * 1024);
  }, 30_000);
});
