/**
 * Test-only helpers for the transport's unit tests: tiny `node:net` servers started inline, and
 * a check that nothing (socket or timer) is left behind. Integration tests use `test-servers`.
 */
import net from 'node:net';

/** A listening server on 127.0.0.1, port 0, that destroys its sockets on close. */
export interface InlineServer {
  readonly port: number;
  readonly sockets: Set<net.Socket>;
  close(): Promise<void>;
}

export async function listen(onSocket: (socket: net.Socket) => void): Promise<InlineServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Counts of active handles by type (`TCPSocketWrap`, `Timeout`...). */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo())
    counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/**
 * Waits until the process holds no more sockets and timers than `before` (closing a socket
 * takes a turn of the event loop), or gives up after `ms`. Returns what is left over.
 */
export async function leftovers(before: Map<string, number>, ms = 500): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const extra: string[] = [];
    for (const [name, count] of activeResources()) {
      if (!/TCP|Pipe|Timeout|TLS/.test(name)) continue;
      const was = before.get(name) ?? 0;
      if (count > was) extra.push(`${name} x${count - was}`);
    }
    if (extra.length === 0 || Date.now() > deadline) return extra;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

export const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** True when this machine can listen on the IPv6 loopback. */
export async function hasIpv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 where nobody listens (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
