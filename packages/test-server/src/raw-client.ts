/**
 * `connectRaw()`: a deliberately dumb SMTP client on a raw socket, for tests that speak the
 * protocol by hand (this package's own, and a server's): it writes exactly what it is given and
 * returns replies as the exact text the server sent (CRLFs included), so no SMTP client library
 * stands between the test and the wire.
 */
import net from 'node:net';
import tls from 'node:tls';

/** Where to connect: TCP host and port, or a UNIX socket path; `tls` connects with implicit TLS. */
export type RawTarget =
  | { host: string; port: number; tls?: tls.ConnectionOptions }
  | { path: string; tls?: tls.ConnectionOptions };

/** An open raw connection. */
export interface RawClient {
  /** The current socket (the TLS one after `startTls`). */
  readonly socket: net.Socket;
  /** Every byte received so far, before and after TLS. */
  readonly received: () => Buffer;
  /** Reads one complete reply (all its lines) and returns it verbatim. */
  readReply(timeoutMs?: number): Promise<string>;
  /** Writes bytes as given. */
  write(data: string | Uint8Array): void;
  /** Writes `line` + CRLF and reads the reply. */
  command(line: string, timeoutMs?: number): Promise<string>;
  /** Upgrades to TLS on the same socket (after a 220 to STARTTLS). */
  startTls(options: tls.ConnectionOptions): Promise<void>;
  /** Resolves when the server closed the connection. */
  closed(): Promise<void>;
  /** Destroys the socket. */
  destroy(): void;
}

const REPLY_END = /^\d{3}(?: [^\r\n]*)?\r?\n/m;

/** Connects and returns a {@link RawClient}; the greeting is left unread. */
export async function connectRaw(target: RawTarget): Promise<RawClient> {
  let socket: net.Socket = await open(target);
  const all: Buffer[] = [];
  let pending = '';
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const run = wake;
    wake = undefined;
    run?.();
  };
  const onData = (chunk: Buffer) => {
    all.push(chunk);
    pending += chunk.toString('latin1');
    notify();
  };
  const onClose = () => {
    ended = true;
    notify();
  };
  const onError = (error: Error) => {
    failure = error;
    notify();
  };
  const attach = (target: net.Socket) => {
    target.on('data', onData);
    target.on('close', onClose);
    target.on('error', onError);
  };
  attach(socket);

  const readReply = async (timeoutMs = 2000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // A reply ends with the first line whose code is followed by a space (or nothing).
      let offset = 0;
      for (;;) {
        const end = pending.indexOf('\n', offset);
        if (end < 0) break;
        const line = pending.slice(offset, end + 1);
        offset = end + 1;
        if (REPLY_END.test(line)) {
          const reply = pending.slice(0, offset);
          pending = pending.slice(offset);
          return Buffer.from(reply, 'latin1').toString('utf8');
        }
      }
      if (failure) throw failure;
      if (ended) throw new Error(`connection closed; unread ${JSON.stringify(pending)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no complete reply within ${timeoutMs} ms; unread ${JSON.stringify(pending)}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  return {
    get socket() {
      return socket;
    },
    received: () => Buffer.concat(all),
    readReply,
    write(data) {
      socket.write(data);
    },
    async command(line, timeoutMs) {
      socket.write(`${line}\r\n`);
      return readReply(timeoutMs);
    },
    async startTls(options) {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      const secure = tls.connect({ ...options, socket });
      await new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', () => resolve());
        secure.once('error', reject);
      });
      socket = secure;
      attach(secure);
    },
    closed() {
      return new Promise<void>((resolve) => {
        if (ended || socket.destroyed) resolve();
        else socket.once('close', () => resolve());
      });
    },
    destroy() {
      socket.destroy();
    },
  };
}

function open(target: RawTarget): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const options =
      'path' in target ? { path: target.path } : { host: target.host, port: target.port };
    const socket = target.tls
      ? tls.connect({ ...options, ...target.tls }, () => resolve(socket))
      : net.connect(options, () => resolve(socket));
    socket.once('error', reject);
  });
}
