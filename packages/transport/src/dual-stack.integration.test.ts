/**
 * Dual-stack connects (RFC 8305): a name with IPv6 and IPv4 addresses, given by a `lookup` that
 * returns both families, one of them unreachable. The server listens on one family only; the
 * other address either refuses at once or hangs (test-servers' blackhole), so which address the
 * connection ends on says whether the addresses were raced, and after which delay.
 */
import type { LookupAllOptions } from 'node:dns';
import net, { type LookupFunction } from 'node:net';
import { type Blackhole, startBlackhole } from 'test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from './connect.ts';
import type { Connection } from './connection.ts';
import { ConnectionError } from './errors/connection-error.ts';
import { TimeoutError } from './errors/timeout-error.ts';
import type { TransportEvent } from './events.ts';
import { closedPort, hasIpv6Loopback } from './testing/net.ts';

const ipv6 = await hasIpv6Loopback();
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface LookupCall {
  readonly hostname: string;
  readonly all: boolean;
  readonly family: number | undefined;
}

/** A `lookup` that answers every name with `addresses`, in order, and records its calls. */
function lookupReturning(addresses: readonly { address: string; family: 4 | 6 }[]): {
  lookup: LookupFunction;
  calls: LookupCall[];
} {
  const calls: LookupCall[] = [];
  const lookup = ((hostname: string, options: LookupAllOptions, callback: unknown) => {
    const family = typeof options.family === 'number' ? options.family : undefined;
    calls.push({ hostname, all: options.all === true, family });
    const wanted = addresses.filter((entry) => !family || entry.family === family);
    const done = callback as (error: Error | null, ...rest: unknown[]) => void;
    process.nextTick(() =>
      options.all === true ? done(null, wanted) : done(null, wanted[0]?.address, wanted[0]?.family),
    );
  }) as LookupFunction;
  return { lookup, calls };
}

/** Loopback in both families, in the order DNS would give them. */
const IPV6_FIRST = [
  { address: '::1', family: 6 },
  { address: '127.0.0.1', family: 4 },
] as const;
const IPV4_FIRST = [...IPV6_FIRST].reverse();

/** A server on `host` that greets and is closed after the test; on `port` when given. */
async function greeter(host: string, port = 0): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.end('220 dual.example ready\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, resolve);
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

async function blackhole(host: string): Promise<Blackhole> {
  const hole = await startBlackhole(host);
  cleanups.push(() => hole.close());
  return hole;
}

async function open(options: Parameters<typeof connect>[0]): Promise<Connection> {
  const connection = await connect(options);
  cleanups.push(() => connection.destroy());
  return connection;
}

describe.skipIf(!ipv6)('dual-stack connects', () => {
  it('falls back to IPv4 when the IPv6 address refuses, and says which it tried', async () => {
    const port = await greeter('127.0.0.1');
    const { lookup, calls } = lookupReturning(IPV6_FIRST);
    const events: TransportEvent[] = [];
    const connection = await open({
      host: 'dual.example',
      port,
      lookup,
      connectTimeoutMs: 5000,
      onEvent: (event) => events.push(event),
    });
    expect(connection.remoteAddress).toBe('127.0.0.1');
    expect((await connection.readReply({ phase: 'greeting' })).code).toBe(220);
    expect(calls).toEqual([{ hostname: 'dual.example', all: true, family: undefined }]);
    const connected = events.find((event) => event.type === 'connect');
    expect(connected).toMatchObject({
      attemptedAddresses: [`::1:${port}`, `127.0.0.1:${port}`],
    });
  });

  it('tries only the first address when racing is turned off', async () => {
    const port = await greeter('127.0.0.1');
    const { lookup, calls } = lookupReturning(IPV6_FIRST);
    const failure = await connect({
      host: 'dual.example',
      port,
      lookup,
      autoSelectFamily: false,
      connectTimeoutMs: 5000,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectionError);
    expect(failure).toMatchObject({ code: 'SMTP_CONNECTION_REFUSED' });
    expect(calls.map((call) => call.all)).toEqual([false]);
  });

  it('starts the IPv6 attempt after the attempt delay while IPv4 hangs', async () => {
    const hole = await blackhole('127.0.0.1');
    // The same port on ::1 answers: only racing reaches it, since 127.0.0.1 comes first.
    await greeter('::1', hole.port);
    const { lookup } = lookupReturning(IPV4_FIRST);
    const connection = await open({
      host: 'dual.example',
      port: hole.port,
      lookup,
      connectionAttemptDelayMs: 50,
      connectTimeoutMs: 10_000,
    });
    expect(connection.remoteAddress).toBe('::1');
    expect((await connection.readReply({ phase: 'greeting' })).code).toBe(220);
  });

  it('keeps to the hanging address until the attempt delay, within the connect deadline', async () => {
    const hole = await blackhole('127.0.0.1');
    await greeter('::1', hole.port);
    const { lookup } = lookupReturning(IPV4_FIRST);
    // The next attempt would start after 60 s; the deadline ends the race long before.
    const failure = await connect({
      host: 'dual.example',
      port: hole.port,
      lookup,
      connectionAttemptDelayMs: 60_000,
      connectTimeoutMs: 300,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TimeoutError);
    expect(failure).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'connect' });
  });

  it('asks the lookup for one family when family is set', async () => {
    const port = await greeter('127.0.0.1');
    const { lookup, calls } = lookupReturning(IPV6_FIRST);
    const connection = await open({
      host: 'dual.example',
      port,
      lookup,
      family: 4,
      connectTimeoutMs: 5000,
    });
    expect(connection.remoteAddress).toBe('127.0.0.1');
    expect(calls[0]).toMatchObject({ family: 4 });
  });

  it('connects from the given local address', async () => {
    const port = await greeter('127.0.0.1');
    const connection = await open({
      host: '127.0.0.1',
      port,
      localAddress: '127.0.0.1',
      connectTimeoutMs: 5000,
    });
    expect(connection.localAddress).toBe('127.0.0.1');
  });

  it('reports a refused race as refused', async () => {
    const port = await closedPort();
    const { lookup } = lookupReturning(IPV6_FIRST);
    const failure = await connect({
      host: 'dual.example',
      port,
      lookup,
      connectTimeoutMs: 5000,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectionError);
  });
});

if (!ipv6) {
  it('skips the dual-stack tests: this machine has no IPv6 loopback', () => {});
}
