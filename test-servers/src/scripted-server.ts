/**
 * `startScriptedServer()`: a raw `node:net` server that plays a script, for everything a
 * well-behaved server (smtp-server) will not do: replies split mid-line or trickled byte by
 * byte, malformed or non-ASCII replies, bytes injected after the STARTTLS 220, CHUNKING/BDAT
 * dialogues, resets and early closes, a server that never greets.
 *
 * A script is a list of steps run in order on each connection. Strings are UTF-8 encoded;
 * nothing adds CRLF, so a script says exactly which bytes go on the wire. `expect` reads one
 * CRLF-terminated line (a line ending in a bare LF fails the expectation: clients must send CRLF).
 * The transcript records every read and write with the connection index, so a test can assert
 * the exact bytes a client sent.
 *
 * Everything is bounded by `close()`: it destroys every socket, cancels every delay and trickle,
 * and any script still running fails with "server closed".
 */
import net from 'node:net';
import tls from 'node:tls';
import { type CertificateName, createTestCertificates, pickCertificate } from '@smtp/test-server';

/** One step of a script. */
export type ScriptStep =
  /** Read one line (CRLF-terminated) and check it; a string must match exactly (CRLF excluded). */
  | { expect: string | RegExp }
  /** Write these bytes exactly (strings as UTF-8); no CRLF is added. */
  | { send: string | Uint8Array }
  /** Wait this many ms. */
  | { delay: number }
  /** Start TLS on the socket as the server, presenting the named test certificate (default `server`). */
  | { upgradeToTls: true; certificate?: CertificateName }
  /** End the socket gracefully (FIN) and wait until it has closed. */
  | { close: true }
  /** Reset the socket (RST). */
  | { destroy: true }
  /** Write the bytes one at a time, `intervalMs` apart. */
  | { trickle: string | Uint8Array; intervalMs: number }
  /** Read and record everything until the client closes its side. */
  | { readUntilClose: true };

/** One read or write on a scripted connection. */
export interface TranscriptEntry {
  /** Connection index, 0 for the first connection. */
  connection: number;
  /** `in`: bytes the client sent (after TLS: decrypted); `out`: bytes the script wrote. */
  direction: 'in' | 'out';
  data: Uint8Array;
}

/** A running scripted server. */
export interface ScriptedServer {
  /** The loopback address it listens on (`localhost` with a UNIX socket `path`). */
  readonly host: string;
  /** The OS-chosen port (0 with a UNIX socket `path`). */
  readonly port: number;
  /** The UNIX socket path, when listening on one. */
  readonly path?: string;
  /** `smtp://host:port` (IPv6 in brackets), or `smtp://` and the percent-encoded socket path. */
  readonly url: string;
  /** Every read and write, all connections, in order. */
  readonly transcript: TranscriptEntry[];
  /**
   * Settles when the first connection's script ends: resolves when every step ran, rejects on a
   * failed expectation, a socket error, a client that closed while a step still needed it, or
   * `close()` before the end. Already marked as handled, so a test that never awaits it does not
   * fail with an unhandled rejection; await it to assert the script ran.
   */
  readonly done: Promise<void>;
  /** Why each connection's script failed, by connection index (empty while all is well). */
  readonly failures: Map<number, Error>;
  /** Connections accepted so far. */
  readonly connections: number;
  /** The bytes the client sent on one connection (all `in` entries joined). */
  received(connection?: number): Uint8Array;
  /** Destroys every socket, cancels pending steps, stops listening. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startScriptedServer}. */
export interface ScriptedServerOptions {
  /** Loopback address to bind. Default `127.0.0.1`. */
  host?: '127.0.0.1' | '::1';
  /**
   * Listen on this UNIX socket path instead of TCP (an LMTP server's usual home). It must not
   * exist; closing the server removes it.
   */
  path?: string;
}

/** Thrown (as `done`'s rejection) when a script cannot go on. */
export class ScriptError extends Error {
  override readonly name = 'ScriptError';
  /** Index of the step that failed. */
  readonly step: number;
  constructor(message: string, step: number, options?: ErrorOptions) {
    super(message, options);
    this.step = step;
  }
}

const encoder = new TextEncoder();
const toBytes = (data: string | Uint8Array): Uint8Array =>
  typeof data === 'string' ? encoder.encode(data) : data;

/**
 * Starts a scripted server on loopback, port 0. `script` is the same for every connection, or a
 * function of the connection index (0 for the first).
 *
 * @example
 * const server = await startScriptedServer([
 *   { send: '220 hi\r\n' },
 *   { expect: /^EHLO / },
 *   { send: '250-hi\r\n250 STA' }, { delay: 50 }, { send: 'RTTLS\r\n' },
 *   { expect: 'STARTTLS' },
 *   { send: '220 go ahead\r\n' },
 *   { upgradeToTls: true },
 *   { readUntilClose: true },
 * ]);
 * // ... run the client against server.url, then:
 * await server.done;
 * await server.close();
 */
export async function startScriptedServer(
  script: ScriptStep[] | ((connection: number) => ScriptStep[]),
  options: ScriptedServerOptions = {},
): Promise<ScriptedServer> {
  const host = options.host ?? '127.0.0.1';
  const transcript: TranscriptEntry[] = [];
  const failures = new Map<number, Error>();
  const sockets = new Set<net.Socket>();
  const closing = new AbortController();
  let connections = 0;

  let settleFirst: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settleFirst = { resolve, reject };
  });
  done.catch(() => {});

  // Certificates are only made if a script upgrades, but before any client connects, so a
  // handshake never waits for key generation.
  const steps0 = typeof script === 'function' ? undefined : script;
  const needsTls = steps0 === undefined || steps0.some((step) => 'upgradeToTls' in step);
  const certificates = needsTls ? await createTestCertificates() : undefined;

  const server = net.createServer((socket) => {
    const index = connections;
    connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {
      // Reported through the step that was waiting; a socket error must not crash the process.
    });
    const steps = typeof script === 'function' ? script(index) : script;
    runScript(index, socket, steps).then(
      () => {
        if (index === 0) settleFirst?.resolve();
      },
      (error: Error) => {
        failures.set(index, error);
        if (!socket.destroyed) socket.destroy();
        if (index === 0) settleFirst?.reject(error);
      },
    );
  });

  async function runScript(
    index: number,
    raw: net.Socket,
    steps: readonly ScriptStep[],
  ): Promise<void> {
    const signal = closing.signal;
    let stream: net.Socket = raw;
    let buffer = Buffer.alloc(0);
    let ended = false;
    let streamError: Error | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      const resume = wake;
      wake = undefined;
      resume?.();
    };

    const onData = (chunk: Buffer) => {
      transcript.push({ connection: index, direction: 'in', data: new Uint8Array(chunk) });
      buffer = Buffer.concat([buffer, chunk]);
      notify();
    };
    const onEnd = () => {
      ended = true;
      notify();
    };
    const onError = (error: Error) => {
      streamError = error;
      notify();
    };
    const attach = (target: net.Socket) => {
      stream = target;
      target.on('data', onData);
      target.on('end', onEnd);
      target.on('close', onEnd);
      target.on('error', onError);
    };
    const detach = (target: net.Socket) => {
      target.pause();
      target.off('data', onData);
      target.off('end', onEnd);
      target.off('close', onEnd);
      target.off('error', onError);
    };
    attach(raw);

    /** Waits for more input (or end, error, close of the server). */
    const waitForInput = (step: number) =>
      new Promise<void>((resolve, reject) => {
        if (signal.aborted) {
          reject(new ScriptError('server closed', step));
          return;
        }
        const onAbort = () => reject(new ScriptError('server closed', step));
        signal.addEventListener('abort', onAbort, { once: true });
        wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
      });

    const sleep = (ms: number, step: number) =>
      new Promise<void>((resolve, reject) => {
        if (signal.aborted) {
          reject(new ScriptError('server closed', step));
          return;
        }
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
        const onAbort = () => {
          clearTimeout(timer);
          reject(new ScriptError('server closed', step));
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });

    const write = (bytes: Uint8Array, step: number) =>
      new Promise<void>((resolve, reject) => {
        if (stream.destroyed || !stream.writable) {
          reject(new ScriptError('the connection is closed, cannot send', step));
          return;
        }
        transcript.push({ connection: index, direction: 'out', data: bytes });
        stream.write(bytes, (error) => {
          if (error)
            reject(new ScriptError(`send failed: ${error.message}`, step, { cause: error }));
          else resolve();
        });
      });

    const readLine = async (step: number): Promise<string> => {
      for (;;) {
        const end = buffer.indexOf(0x0a);
        if (end >= 0) {
          const line = buffer.subarray(0, end + 1);
          buffer = buffer.subarray(end + 1);
          if (line.length < 2 || line[line.length - 2] !== 0x0d) {
            throw new ScriptError(
              `step ${step}: line not terminated by CRLF: ${JSON.stringify(line.toString('latin1'))}`,
              step,
            );
          }
          return line.subarray(0, -2).toString('utf8');
        }
        if (streamError)
          throw new ScriptError(`step ${step}: ${streamError.message}`, step, {
            cause: streamError,
          });
        if (ended) {
          throw new ScriptError(
            `step ${step}: client closed before a full line (pending ${JSON.stringify(buffer.toString('latin1'))})`,
            step,
          );
        }
        await waitForInput(step);
      }
    };

    for (const [i, step] of steps.entries()) {
      if (signal.aborted) throw new ScriptError('server closed', i);
      if ('expect' in step) {
        const line = await readLine(i);
        const ok = typeof step.expect === 'string' ? line === step.expect : step.expect.test(line);
        if (!ok) {
          throw new ScriptError(
            `step ${i}: expected ${String(typeof step.expect === 'string' ? JSON.stringify(step.expect) : step.expect)}, got ${JSON.stringify(line)}`,
            i,
          );
        }
      } else if ('send' in step) {
        await write(toBytes(step.send), i);
      } else if ('delay' in step) {
        await sleep(step.delay, i);
      } else if ('trickle' in step) {
        const bytes = toBytes(step.trickle);
        for (let at = 0; at < bytes.length; at += 1) {
          if (at > 0) await sleep(step.intervalMs, i);
          await write(bytes.subarray(at, at + 1), i);
        }
      } else if ('upgradeToTls' in step) {
        const certs = certificates ?? (await createTestCertificates());
        const { key, cert } = pickCertificate(certs, step.certificate ?? 'server');
        detach(stream);
        // Bytes already read (the start of the ClientHello) go back to the socket: the TLS
        // socket reads the wrapped socket's buffer before it reads from the wire.
        if (buffer.length > 0) stream.unshift(buffer);
        buffer = Buffer.alloc(0);
        const secure = new tls.TLSSocket(stream, { isServer: true, key, cert });
        sockets.add(secure);
        secure.once('close', () => sockets.delete(secure));
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => reject(new ScriptError('server closed', i));
          signal.addEventListener('abort', onAbort, { once: true });
          secure.once('secure', () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          });
          secure.once('error', (error: Error) => {
            signal.removeEventListener('abort', onAbort);
            reject(
              new ScriptError(`step ${i}: TLS handshake failed: ${error.message}`, i, {
                cause: error,
              }),
            );
          });
          secure.once('close', () =>
            reject(new ScriptError(`step ${i}: closed during the TLS handshake`, i)),
          );
        });
        secure.on('error', () => {
          // Reported through the step that was waiting, as for the raw socket.
        });
        attach(secure);
      } else if ('close' in step) {
        const target = stream;
        await new Promise<void>((resolve) => {
          if (target.destroyed) {
            resolve();
            return;
          }
          target.once('close', () => resolve());
          target.end();
          // A client that never closes its side is not waited for beyond the server's lifetime.
          signal.addEventListener('abort', () => resolve(), { once: true });
          target.resume();
        });
      } else if ('destroy' in step) {
        // RST needs the TCP handle; under TLS it belongs to the TLS socket, which can only be destroyed.
        if (stream === raw) raw.resetAndDestroy();
        else {
          try {
            raw.resetAndDestroy();
          } catch {
            stream.destroy();
          }
          if (!stream.destroyed) stream.destroy();
        }
      } else if ('readUntilClose' in step) {
        while (!ended && !streamError) await waitForInput(i);
        buffer = Buffer.alloc(0);
      }
    }
  }

  const { path } = options;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path === undefined ? { host, port: 0 } : { path }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || (typeof address === 'string') !== (path !== undefined))
    throw new Error('test-servers: not the listener asked for');
  const port = typeof address === 'string' ? 0 : address.port;

  let closed: Promise<void> | undefined;
  return {
    host: path === undefined ? host : 'localhost',
    port,
    ...(path === undefined ? {} : { path }),
    url:
      path === undefined
        ? `smtp://${host.includes(':') ? `[${host}]` : host}:${port}`
        : `smtp://${encodeURIComponent(path)}`,
    transcript,
    done,
    failures,
    get connections() {
      return connections;
    },
    received(connection = 0) {
      return new Uint8Array(
        Buffer.concat(
          transcript
            .filter((entry) => entry.connection === connection && entry.direction === 'in')
            .map((entry) => entry.data),
        ),
      );
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        // One more turn after 'close': libuv releases the listening handle then, so a test that
        // counts active handles right after close() sees none of ours.
        server.close(() => setImmediate(resolve));
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}
