/**
 * A TCP proxy that adds latency, for the benchmarks: it listens on 127.0.0.1 (port 0, the system
 * picks one), connects every accepted connection to a target port on 127.0.0.1, and holds every
 * chunk `delayMs` milliseconds (default 20) in each direction before passing it on, so one round
 * trip costs `2 × delayMs` more than on loopback.
 *
 * Order is kept by construction: each direction is one queue of chunks stamped with the time
 * they may leave, drained in order by one timer, so a chunk never overtakes an earlier one
 * whatever the timers do. The end of a stream (half-close) waits in the same queue behind the
 * data; a reset or error closes the other side after the same delay. Chunks are passed on as
 * they were read (the proxy neither splits nor merges them, though the kernel may).
 *
 * `createLatencyProxy()` runs it in this process; `startLatencyProxy()` forks this file so the
 * proxy's timers and copies do not run in the process being measured.
 */
import { fork } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
/** `setTimeout` counts whole milliseconds: a chunk due within this much is sent now. */
const SLACK_MS = 0.5;

/** Moves what `from` reads to `to`, `delayMs` later, in order. */
function delayedDirection(from, to, delayMs) {
  const queue = [];
  let head = 0;
  let scheduled = false;
  const drain = () => {
    scheduled = false;
    const now = performance.now();
    while (head < queue.length && queue[head].due <= now + SLACK_MS) {
      const { chunk } = queue[head];
      queue[head] = undefined;
      head += 1;
      if (to.destroyed) continue;
      if (chunk === null) to.end();
      else to.write(chunk);
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else {
      scheduled = true;
      setTimeout(drain, Math.max(1, queue[head].due - now));
    }
  };
  const enqueue = (chunk) => {
    queue.push({ due: performance.now() + delayMs, chunk });
    if (!scheduled) {
      scheduled = true;
      setTimeout(drain, delayMs);
    }
  };
  from.on('data', (chunk) => enqueue(chunk));
  from.on('end', () => enqueue(null));
  from.on('error', () => {});
  from.on('close', (hadError) => {
    if (hadError) setTimeout(() => to.destroy(), delayMs);
  });
}

/**
 * Creates the proxy in this process. `listen()` resolves with the port; `close()` stops
 * listening and drops every connection.
 */
export function createLatencyProxy({ targetPort, targetHost = '127.0.0.1', delayMs = 20 }) {
  const sockets = new Set();
  const track = (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
  };
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ host: targetHost, port: targetPort, allowHalfOpen: true });
    track(client);
    track(upstream);
    delayedDirection(client, upstream, delayMs);
    delayedDirection(upstream, client, delayMs);
    // Once both directions have ended, nothing more can pass: release the sockets.
    const closeWhenDone = () => {
      if (client.readableEnded && upstream.readableEnded) {
        setTimeout(() => {
          client.destroy();
          upstream.destroy();
        }, delayMs + 1);
      }
    };
    client.on('end', closeWhenDone);
    upstream.on('end', closeWhenDone);
  });
  return {
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server.address().port));
      });
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Forks this file: the proxy in its own process. Resolves with `{ port, stop() }`. */
export function startLatencyProxy({ targetPort, delayMs = 20 }) {
  const proc = fork(SELF, ['--serve', String(targetPort), String(delayMs)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`the latency proxy exited with ${code}`)));
    proc.once('message', (message) => {
      if (message?.type !== 'ready') return reject(new Error('the latency proxy did not start'));
      resolve({
        port: message.port,
        stop: () =>
          new Promise((done) => {
            proc.removeAllListeners('exit');
            proc.once('exit', () => done());
            proc.send({ cmd: 'stop' });
          }),
      });
    });
  });
}

if (process.argv[1] === SELF && process.argv[2] === '--serve') {
  const proxy = createLatencyProxy({
    targetPort: Number(process.argv[3]),
    delayMs: Number(process.argv[4]),
  });
  const port = await proxy.listen();
  process.on('message', async (message) => {
    if (message?.cmd === 'stop') {
      await proxy.close();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', port });
}
