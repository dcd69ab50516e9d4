/**
 * An in-memory `Connection` for the client's unit tests: replies come from a script, in order,
 * whatever is written, but like a real server's, only once something drew them: the greeting at
 * once, then one reply per command line written, one per message content (a `writeStream`, or a
 * write ending with the `.` terminator) and one per BDAT chunk, whose payload is skipped whether it
 * comes in a write of its own or in the same write as its command (a pipelined `BDAT n LAST`). A
 * read with no reply due waits.
 * Every write is recorded with whether the link was TLS at that moment, so a test can assert
 * exactly which bytes went out in plaintext (INV-1).
 *
 * Script entries: a reply as text (`'250 ok'`, `'250-a\r\n250 b'`), an `Error` (the read fails
 * with it and the connection is destroyed, as the transport does), or `HANG` (the read waits
 * until the signal aborts or the connection is destroyed).
 */
import type { Reply } from '@smtp/protocol';
import { createReplyParser } from '@smtp/protocol';
import type {
  Connection,
  ConnectOptions,
  Connector,
  TlsInfo,
  TransportUsage,
} from '@smtp/transport';
import { AbortError, ConnectionError } from '@smtp/transport';

/** A read that never completes on its own. */
export const HANG = Symbol('hang');

export type ScriptEntry = string | Error | typeof HANG;

/** One recorded write. */
export interface Written {
  readonly text: string;
  readonly bytes: Uint8Array;
  /** The link was TLS when these bytes were written. */
  readonly secure: boolean;
  /** Message content: written by `writeStream`, or in memory with its terminator. */
  readonly stream: boolean;
}

export interface FakeOptions {
  /** Start as implicit TLS. */
  readonly secure?: boolean;
  /** What `upgradeToTls` does: succeed (default, authorized), succeed unverified, or throw. */
  readonly tls?: 'ok' | 'unverified' | Error;
  /** Fail the n-th call to `write` (0-based) with this error, destroying the connection. */
  readonly failWrite?: { readonly at: number; readonly error: Error };
  /** Fail `writeStream` after this many chunks were written (the next pull fails). */
  readonly failStream?: { readonly afterChunks: number; readonly error: Error };
}

const decoder = new TextDecoder();

function parse(text: string): Reply {
  const parser = createReplyParser();
  const [reply] = parser.push(new TextEncoder().encode(`${text.replace(/\r?\n$/, '')}\r\n`));
  if (reply === undefined) throw new Error(`fake: not a reply: ${text}`);
  return reply;
}

const TLS: TlsInfo = {
  protocol: 'TLSv1.3',
  cipher: {
    name: 'TLS_AES_256_GCM_SHA384',
    standardName: 'TLS_AES_256_GCM_SHA384',
    version: 'TLSv1.3',
  },
  authorized: true,
  authorizationError: undefined,
  servername: 'mail.example.com',
  verifiedName: 'mail.example.com',
  peerCertificate: undefined,
};

let nextId = 1;

export class FakeConnection implements Connection {
  readonly id = nextId++;
  readonly remoteAddress = '192.0.2.1';
  readonly remotePort = 25;
  readonly localAddress = '192.0.2.2';
  readonly localPort = 40000;
  readonly path = undefined;
  readonly written: Written[] = [];
  readonly #script: ScriptEntry[];
  readonly #options: FakeOptions;
  #secure: boolean;
  #tls: TlsInfo | undefined;
  #destroyed = false;
  #closed = false;
  #writes = 0;
  #replies = 0;
  /** Replies drawn and not read yet (the greeting is due at once). */
  #owed = 1;
  /** Octets of a BDAT payload still to come. */
  #bdatLeft = 0;
  /** Reads waiting for a reply to become due. */
  readonly #waiting: (() => void)[] = [];
  readonly #hanging = new Set<(error: Error) => void>();

  constructor(script: readonly ScriptEntry[], options: FakeOptions = {}) {
    this.#script = [...script];
    this.#options = options;
    this.#secure = options.secure === true;
    this.#tls = this.#secure ? TLS : undefined;
  }

  get secure(): boolean {
    return this.#secure;
  }
  get tls(): TlsInfo | undefined {
    return this.#tls;
  }
  get destroyed(): boolean {
    return this.#destroyed || this.#closed;
  }
  /** True when close() (graceful) was called. */
  get closed(): boolean {
    return this.#closed;
  }
  get pendingReplies(): number {
    return 0;
  }
  /** Script entries not consumed. */
  get remaining(): number {
    return this.#script.length;
  }
  get usage(): TransportUsage {
    const bytesSent = this.written.reduce((n, w) => n + w.bytes.byteLength, 0);
    return {
      bytesSent,
      bytesReceived: 0,
      connectMs: 1,
      tlsMs: 0,
      sendMs: 0,
      waitMs: 0,
      writes: this.#writes,
      replies: this.#replies,
      maxWriteBufferBytes: 0,
    };
  }

  /** Every command line written, in order (content excluded). */
  get lines(): string[] {
    return this.written
      .filter((w) => !w.stream)
      .flatMap((w) => w.text.split('\r\n').filter((line) => line !== ''));
  }

  /** Command lines written in plaintext. */
  get plaintextLines(): string[] {
    return this.written
      .filter((w) => !w.stream && !w.secure)
      .flatMap((w) => w.text.split('\r\n').filter((line) => line !== ''));
  }

  /** The message content written with writeStream. */
  get content(): string {
    return this.written
      .filter((w) => w.stream)
      .map((w) => w.text)
      .join('');
  }

  #closedError(): ConnectionError {
    return new ConnectionError('SMTP_CONNECTION_CLOSED', 'fake: the connection is closed');
  }

  readReply(options: { signal?: AbortSignal; phase?: string } = {}): Promise<Reply> {
    if (this.destroyed) return Promise.reject(this.#closedError());
    if (this.#owed === 0) {
      return new Promise<Reply>((resolve, reject) => {
        const fail = (error: Error): void => reject(error);
        this.#hanging.add(fail);
        options.signal?.addEventListener(
          'abort',
          () => {
            this.#hanging.delete(fail);
            this.destroy();
            reject(new AbortError(options.phase ?? 'read'));
          },
          { once: true },
        );
        this.#waiting.push(() => {
          this.#hanging.delete(fail);
          this.readReply(options).then(resolve, reject);
        });
      });
    }
    this.#owed--;
    if (options.signal?.aborted) {
      this.destroy();
      return Promise.reject(new AbortError(options.phase ?? 'read'));
    }
    const next = this.#script.shift();
    if (next === undefined) {
      this.destroy();
      return Promise.reject(
        new ConnectionError('SMTP_CONNECTION_CLOSED', 'fake: the script has no more replies'),
      );
    }
    if (next instanceof Error) {
      this.destroy();
      return Promise.reject(next);
    }
    if (next === HANG) {
      return new Promise<Reply>((_resolve, reject) => {
        const fail = (error: Error): void => reject(error);
        this.#hanging.add(fail);
        options.signal?.addEventListener(
          'abort',
          () => {
            this.#hanging.delete(fail);
            this.destroy();
            reject(new AbortError(options.phase ?? 'read'));
          },
          { once: true },
        );
      });
    }
    this.#replies++;
    return Promise.resolve(parse(next));
  }

  write(bytes: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.destroyed) return Promise.reject(this.#closedError());
    if (options.signal?.aborted) {
      this.destroy();
      return Promise.reject(new AbortError('write'));
    }
    const at = this.#writes++;
    if (this.#options.failWrite?.at === at) {
      this.destroy();
      return Promise.reject(this.#options.failWrite.error);
    }
    const text = decoder.decode(bytes);
    const content = this.#bdatLeft === 0 && isContent(text);
    this.written.push({ text, bytes: bytes.slice(), secure: this.#secure, stream: content });
    if (content) this.#due(1);
    else this.#draw(bytes);
    return Promise.resolve();
  }

  /**
   * Counts the replies command lines draw (see the module docblock), skipping BDAT payload by
   * its count, in this write or the next ones: payload octets are never lines.
   */
  #draw(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.byteLength) {
      if (this.#bdatLeft > 0) {
        const take = Math.min(this.#bdatLeft, bytes.byteLength - at);
        this.#bdatLeft -= take;
        at += take;
        continue;
      }
      let end = at;
      while (end < bytes.byteLength && !(bytes[end] === 0x0d && bytes[end + 1] === 0x0a)) end++;
      const line = decoder.decode(bytes.subarray(at, end));
      at = end + 2;
      if (line === '') continue;
      this.#due(1);
      const bdat = /^BDAT (\d+)/i.exec(line);
      if (bdat !== null) this.#bdatLeft = Number(bdat[1]);
    }
  }

  #due(count: number): void {
    this.#owed += count;
    while (this.#owed > 0 && this.#waiting.length > 0) (this.#waiting.shift() as () => void)();
  }

  async writeStream(
    source: AsyncIterable<Uint8Array>,
    options: { signal?: AbortSignal } = {},
  ): Promise<number> {
    let total = 0;
    let chunks = 0;
    for await (const chunk of source) {
      if (this.destroyed) throw this.#closedError();
      if (options.signal?.aborted) {
        this.destroy();
        throw new AbortError('write');
      }
      const fail = this.#options.failStream;
      if (fail !== undefined && chunks === fail.afterChunks) {
        this.destroy();
        throw fail.error;
      }
      this.written.push({
        text: decoder.decode(chunk),
        bytes: chunk.slice(),
        secure: this.#secure,
        stream: true,
      });
      total += chunk.byteLength;
      chunks++;
      this.#writes++;
    }
    this.#due(1);
    return total;
  }

  async upgradeToTls(): Promise<TlsInfo> {
    const mode = this.#options.tls ?? 'ok';
    if (mode instanceof Error) {
      this.destroy();
      throw mode;
    }
    this.#secure = true;
    this.#tls =
      mode === 'ok' ? TLS : { ...TLS, authorized: false, authorizationError: 'SELF_SIGNED' };
    return this.#tls;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#failHanging();
  }

  destroy(): void {
    this.#destroyed = true;
    this.#failHanging();
  }

  #failHanging(): void {
    for (const fail of this.#hanging) fail(this.#closedError());
    this.#hanging.clear();
  }

  ref(): void {}
  unref(): void {}
}

/** Message content with its terminator, written in one piece. */
function isContent(text: string): boolean {
  return text.endsWith('\r\n.\r\n') || text === '.\r\n';
}

/** A connector handing out the given fake connections in turn, recording the options it got. */
export function fakeConnector(...connections: FakeConnection[]): Connector & {
  readonly calls: ConnectOptions[];
} {
  const calls: ConnectOptions[] = [];
  const connector = async (options: ConnectOptions, context?: { signal?: AbortSignal }) => {
    calls.push(options);
    if (context?.signal?.aborted) throw new AbortError('connect');
    const next = connections.shift();
    if (next === undefined)
      throw new ConnectionError('SMTP_CONNECTION_REFUSED', 'fake: no more connections');
    return next;
  };
  return Object.assign(connector, { calls });
}

/** An EHLO reply with the given extension lines. */
export function ehlo(...extensions: string[]): string {
  const lines = ['mail.example.com greets you', ...extensions];
  return lines.map((line, i) => `250${i === lines.length - 1 ? ' ' : '-'}${line}`).join('\r\n');
}
