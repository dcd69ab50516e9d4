/**
 * `startBlackhole()`: a loopback address and port where a TCP connect neither succeeds nor
 * fails, for tests of connect deadlines and of address racing (RFC 8305).
 *
 * Loopback answers at once (a listener accepts, anything else is refused), so a hanging connect
 * is made the way a congested server makes one: a listener whose accept queue is full. A child
 * process listens with a backlog of 1 and is stopped (SIGSTOP), so it never accepts; two filler
 * connections fill the queue, and Linux then drops every further SYN, which the connecting side
 * retries until its own deadline. Addresses outside loopback are no substitute: on shared
 * machines they may be routed, refused or intercepted.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';

/** A running blackhole: connects to `host:port` hang until the caller gives up. */
export interface Blackhole {
  readonly host: string;
  readonly port: number;
  /** Ends the child process and the filler connections. */
  close(): Promise<void>;
}

/** The accept queue holds backlog + 1 connections on Linux; one more makes sure it is full. */
const FILLERS = 3;

const LISTENER = `
const server = require('node:net').createServer(() => {});
server.listen({ host: process.argv[1], port: 0, backlog: 1 }, () => {
  process.stdout.write(server.address().port + '\\n');
});
`;

/** Starts a blackhole on `host` (default `127.0.0.1`; `::1` works where IPv6 loopback does). */
export async function startBlackhole(host = '127.0.0.1'): Promise<Blackhole> {
  const child = spawn(process.execPath, ['-e', LISTENER, host], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`blackhole listener exited with ${code}`)));
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  child.kill('SIGSTOP');
  const fillers = Array.from({ length: FILLERS }, () => {
    const socket = net.connect({ host, port });
    socket.on('error', () => {});
    return socket;
  });
  // The first fillers complete their handshakes in the kernel; give them a moment to do so.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    host,
    port,
    close: async () => {
      for (const socket of fillers) socket.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
