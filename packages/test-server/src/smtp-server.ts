/**
 * `startSmtpServer()`: a real SMTP server (smtp-server 3.21) on loopback, port 0, configured
 * per test, that records what it received (messages and a command log) and closes every socket
 * it ever accepted.
 *
 * smtp-server is used as it ships except for four behaviours added through subclasses (no
 * global prototype patching, so other smtp-server instances in the process are untouched):
 * - the hard-coded 100 ms "early talker" pause before the greeting is skipped by default
 *   (`greetingPause: true` keeps it), because it caps every test at 10 connections per second
 *   per connection slot and hides client cost, the same patch `tools/bench` applies;
 * - HELO-only mode answers EHLO with 502 (smtp-server always speaks ESMTP; disabling EHLO
 *   through `disabledCommands` would answer 500, which is "syntax error", not "not implemented");
 * - a per-command log that records the read ("chunk") each command line arrived in, so tests
 *   can count round trips and see what a client pipelined; AUTH payloads are redacted;
 * - reply delays per phase.
 *
 * Binding is limited to 127.0.0.1 and ::1 (or a UNIX socket): nothing here is ever reachable
 * from another machine.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import type tls from 'node:tls';
import {
  SMTPServer,
  type SMTPServerAuthentication,
  type SMTPServerAuthenticationResponse,
  type SMTPServerDataResult,
  type SMTPServerDataStream,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import { type CertificateName, createTestCertificates, pickCertificate } from './certificates.ts';
import type { ReceivedMessage } from './received-message.ts';
import { type CapturedMessage, type MessageQuery, waitForMessage } from './wait-for-message.ts';

export type { ReceivedMessage } from './received-message.ts';

/** The SASL mechanisms the server can offer. */
export type AuthMechanism = 'PLAIN' | 'LOGIN' | 'CRAM-MD5' | 'XOAUTH2';

/**
 * The points at which a reply can be delayed. Each names the reply it delays: `greeting` the
 * 220, `ehlo` the reply to EHLO or HELO, `data` the 354 that answers DATA, and `message` the
 * final reply after the end-of-data dot (the message is already recorded when that delay starts,
 * as on a real server that accepted it but answered late).
 */
export type ReplyPhase =
  | 'greeting'
  | 'ehlo'
  | 'starttls'
  | 'auth'
  | 'mail'
  | 'rcpt'
  | 'data'
  | 'message'
  | 'rset'
  | 'noop'
  | 'quit';

/** Where a fault may strike: a command's phase, or `message` (after the end of data). */
export interface FaultPoint {
  readonly phase: ReplyPhase;
  /** smtp-server's session id of the connection. */
  readonly connectionId: string;
}

/**
 * What the server does at a fault point instead of its normal reply:
 * - `drop`: close the socket at once, without a reply. At `message` the message is recorded
 *   first, as on a server that queued it and failed before answering (the client cannot know).
 * - `reply`: answer with this code (`421` also closes the connection, as RFC 5321 says it
 *   does); at `message` the message is not recorded.
 * - `delay`: answer normally after `ms`.
 */
export type Fault =
  | { readonly action: 'drop' }
  | { readonly action: 'reply'; readonly code: number; readonly text?: string }
  | { readonly action: 'delay'; readonly ms: number };

/** Options of {@link startSmtpServer}. Every field is optional; the defaults make a plain ESMTP server. */
export interface StartSmtpServerOptions {
  /**
   * Loopback address to bind. `localhost` binds 127.0.0.1 and, where the machine has it, ::1 on
   * the same port (so a client that resolves `localhost` to either reaches it) and reports
   * `localhost` as the host. Default `127.0.0.1`.
   */
  host?: '127.0.0.1' | '::1' | 'localhost';
  /**
   * The TCP port to listen on. Default 0: one the OS picks, free by construction, which is what
   * tests want; a fixed port is for a long-running catcher that mail programs are pointed at
   * (`startInbox`). A port in use rejects with Node's `EADDRINUSE` error. Not with `socketPath`.
   */
  port?: number;
  /** Listen on this UNIX socket path instead of TCP. It must not exist; it is removed on close. */
  socketPath?: string;
  /**
   * `none`: plaintext, STARTTLS not offered (the command answers 500). `starttls`: plaintext,
   * STARTTLS offered. `implicit`: TLS from the first byte (port 465 style). Default `none`.
   */
  security?: 'none' | 'starttls' | 'implicit';
  /** Which test certificate TLS presents (see `certificates.ts`). Default `server`. */
  certificate?: CertificateName;
  /** With `security: 'starttls'`: STARTTLS works but is not advertised in EHLO. */
  hideStartTls?: boolean;
  /**
   * Request a client certificate during TLS and refuse the session unless it is signed by the
   * test CA (for example `certificates.client`).
   */
  requireClientCertificate?: boolean;
  /** Turns AUTH on. Without it AUTH is disabled (not advertised; the command answers 500). */
  auth?: {
    /** MAIL, RCPT and DATA answer 530 until the client authenticated. Default `true`. */
    required?: boolean;
    /** user name -> password, for PLAIN, LOGIN and CRAM-MD5. */
    users: Record<string, string>;
    /** Mechanisms offered, in this order. Default `['LOGIN', 'PLAIN']` (smtp-server's default). */
    mechanisms?: AuthMechanism[];
    /** user name -> the bearer token XOAUTH2 accepts for that user. */
    tokens?: Record<string, string>;
    /**
     * Allow AUTH on a plaintext connection when STARTTLS is offered (smtp-server otherwise
     * answers 538 until STARTTLS). With `security: 'none'` AUTH is always allowed, since there
     * is no TLS to ask for. Default `false`.
     */
    allowInsecure?: boolean;
  };
  /** No ESMTP: EHLO answers `502 Error: command not implemented`, HELO works. */
  heloOnly?: boolean;
  /**
   * Speak LMTP (RFC 2033) instead of SMTP: the greeting says LMTP, LHLO replaces EHLO (EHLO and
   * HELO answer 500), and after the data the server answers once per recipient it accepted at
   * RCPT, in RCPT order (see `rejectAfterData`). The `url` is `lmtp://`. Not with
   * `security: 'implicit'`, which no LMTP URL scheme says.
   */
  lmtp?: boolean;
  /** Advertised SIZE limit in bytes; bigger messages (and MAIL SIZE=) get 552. */
  size?: number;
  /**
   * Each advertised extension on or off. Defaults follow smtp-server: PIPELINING, 8BITMIME and
   * SMTPUTF8 on; DSN, ENHANCEDSTATUSCODES and REQUIRETLS off (REQUIRETLS is only ever advertised
   * on a TLS connection). Switching ENHANCEDSTATUSCODES on also adds enhanced codes to replies.
   */
  extensions?: {
    pipelining?: boolean;
    eightBitMime?: boolean;
    smtpUtf8?: boolean;
    dsn?: boolean;
    enhancedStatusCodes?: boolean;
    requireTls?: boolean;
  };
  /**
   * Reply code per recipient address (compared case-insensitively), or a function returning a
   * code or `undefined` to accept. Any 4xx or 5xx works, e.g. `550` (no such user) or `451`.
   */
  rejectRecipients?: Record<string, number> | ((address: string) => number | undefined);
  /** Reply code per sender address (case-insensitive) for MAIL FROM, or a function. */
  rejectSenders?: Record<string, number> | ((address: string) => number | undefined);
  /**
   * With `lmtp`: the reply code after the data for a recipient (compared case-insensitively), or
   * a function; a recipient it gives no code gets `250`. Any 4xx or 5xx works, e.g. `552`
   * (mailbox full) or `452`. The message is recorded when at least one recipient got a `250`,
   * with those recipients in `delivered`.
   */
  rejectAfterData?: Record<string, number> | ((address: string) => number | undefined);
  /**
   * Called at every command after the greeting (not SASL continuation lines) and after every
   * end of data; a {@link Fault} it returns replaces the normal reply there. For chaos tests:
   * random drops, `421`s, `451`s and delays.
   */
  faults?: (point: FaultPoint) => Fault | undefined;
  /** Delay in ms before a reply: a number delays every phase, an object only the phases named. */
  replyDelayMs?: number | { [phase in ReplyPhase]?: number };
  /**
   * Keep smtp-server's 100 ms early-talker pause before the greeting. Default `false`: the pause
   * is skipped so tests are fast (a client that talks first still gets `421 You talk too soon`
   * only while a `greeting` delay runs).
   */
  greetingPause?: boolean;
  /** Also write every accepted message as `<n>-<connectionId>.eml` into this folder (created if missing). */
  saveTo?: string;
  /**
   * How many accepted messages `messages` keeps; past it the oldest are dropped (a long-running
   * catcher stays bounded). Default: all of them.
   */
  maxMessages?: number;
  /** Record every command line in `commands`. Default `true`; a long-running catcher turns it off. */
  recordCommands?: boolean;
  /** The server name in the greeting and EHLO reply. Default `localhost`. */
  name?: string;
  /** Idle timeout per connection in ms (smtp-server `socketTimeout`). Default 60 000. */
  socketTimeoutMs?: number;
}

/** One command line the server read. */
export interface CommandLogEntry {
  /** smtp-server's session id of the connection. */
  connectionId: string;
  /** The command word, upper case (`EHLO`, `MAIL`, ...); `AUTH` for SASL continuation lines. */
  command: string;
  /**
   * The line as received, without CRLF, UTF-8 decoded. AUTH initial responses and every SASL
   * continuation line are replaced by `<redacted>` (INV-10: secrets never reach logs).
   */
  line: string;
  /** `Date.now()` when the line was read. */
  at: number;
  /**
   * Index (from 1, per connection) of the socket read in which the line's end arrived. Commands
   * with the same `readChunk` came in one read: the client pipelined them.
   */
  readChunk: number;
  /** Whether the line came over TLS. */
  secure: boolean;
}

/** A running server from {@link startSmtpServer}. */
export interface RunningSmtpServer {
  /** The host to connect to: `127.0.0.1`, `::1` or `localhost` (`localhost` also for a UNIX socket). */
  readonly host: string;
  /** The OS-chosen port (0 for a UNIX socket). */
  readonly port: number;
  /** `smtp://host:port` (`smtps://` for implicit TLS; IPv6 in brackets; a socket path percent-encoded). */
  readonly url: string;
  /** The UNIX socket path, when listening on one. */
  readonly socketPath?: string;
  /**
   * The PEM certificate of the test CA that signed the server's certificate, for the client under
   * test to trust (`tls: { ca: [server.ca] }`); absent when the server speaks no TLS. The
   * certificate names `localhost`, `127.0.0.1` and `::1`.
   */
  readonly ca?: string;
  /** Messages accepted so far, in order. */
  readonly messages: ReceivedMessage[];
  /** Every command line read so far, in order, all connections. */
  readonly commands: CommandLogEntry[];
  /** Errors smtp-server reported (TLS handshake failures, socket errors), in order. */
  readonly errors: Error[];
  /** Connections open right now. */
  readonly connections: number;
  /** Connections accepted since start (or the last `reset()`). */
  readonly totalConnections: number;
  /** Calls `listener` with each message accepted from now on; returns the function that stops it. */
  onMessage(listener: (message: ReceivedMessage) => void): () => void;
  /**
   * Resolves with the first accepted message (already received or still to come) that matches
   * `query`, with its parsed form; rejects with a `MessageWaitTimeoutError` after `timeout`
   * (5 s by default) naming what did arrive.
   */
  waitForMessage(query?: MessageQuery): Promise<CapturedMessage>;
  /** Empties `messages`, `commands` and `errors` and zeroes `totalConnections` (arrays are cleared in place). */
  reset(): void;
  /** Stops listening, destroys every client socket, cancels every pending delay. Idempotent. */
  close(): Promise<void>;
}

/** What a connection needs from its server, looked up per smtp-server instance. */
interface ServerHooks {
  readonly skipGreetingPause: boolean;
  fault(point: FaultPoint): Fault | undefined;
  readonly heloOnly: boolean;
  delay(phase: ReplyPhase): number;
  later(ms: number, run: () => void): void;
  log(entry: CommandLogEntry): void;
  track(connection: TestConnection): void;
  untrack(connection: TestConnection): void;
}

const hooksByServer = new WeakMap<SMTPServer, ServerHooks>();

function hooksOf(server: SMTPServer): ServerHooks {
  const hooks = hooksByServer.get(server);
  if (!hooks)
    throw new Error('@smtp/test-server: connection of an smtp-server not made by startSmtpServer');
  return hooks;
}

/**
 * smtp-server's `init()` is `_setListeners` + a maxClients check + `setTimeout(connectionReady,
 * 100)`. Skipping the pause means re-implementing it without the timer, which is only safe while
 * the original still has that shape; if an upgrade changes it, the stock init (with its pause)
 * runs and the greeting-speed test in this package fails loudly.
 */
const CAN_SKIP_GREETING_PAUSE = SMTPConnection.prototype.init
  .toString()
  .includes('this.connectionReady(), 100');

/** Socket reads not yet handed to a command parser (identity marks, see `TestConnection`). */
const freshReads = new WeakSet<object>();
const markRead = (chunk: unknown): void => {
  if (typeof chunk === 'object' && chunk !== null) freshReads.add(chunk);
};
/**
 * Marks each read of `socket` before smtp-server's pipe hands it to the parser. `prependListener`
 * (unlike `on`) does not switch the stream to flowing mode, so nothing is read before the pipe.
 */
function markReads(socket: net.Socket | tls.TLSSocket): void {
  if (!socket.listeners('data').includes(markRead)) socket.prependListener('data', markRead);
}
const noop = (): void => {};

const COMMAND_PHASES: Readonly<Record<string, ReplyPhase>> = {
  EHLO: 'ehlo',
  HELO: 'ehlo',
  LHLO: 'ehlo',
  STARTTLS: 'starttls',
  AUTH: 'auth',
  MAIL: 'mail',
  RCPT: 'rcpt',
  DATA: 'data',
  RSET: 'rset',
  NOOP: 'noop',
  QUIT: 'quit',
};

const REDACTED = '<redacted>';

/** An SMTPConnection with the greeting, HELO-only, delay and command-log behaviours. */
class TestConnection extends SMTPConnection {
  /** Socket reads seen by the command parser(s) of this connection, across the TLS upgrade. */
  reads = 0;

  override init(): void {
    const hooks = hooksOf(this._server);
    if (!hooks.skipGreetingPause) {
      super.init();
      return;
    }
    this._setListeners(() => {
      const maxClients = this._server.options.maxClients;
      if (maxClients && this._server.connections.size > maxClients) {
        this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      this.connectionReady();
    });
  }

  override _setListeners(callback: () => void): void {
    markReads(this._socket);
    super._setListeners(callback);
  }

  override _onClose(): void {
    super._onClose();
    hooksOf(this._server).untrack(this);
  }

  override connectionReady(next?: () => void): void {
    const hooks = hooksOf(this._server);
    const delay = hooks.delay('greeting');
    if (delay > 0) {
      hooks.later(delay, () => super.connectionReady(next));
      return;
    }
    super.connectionReady(next);
  }

  /**
   * Counts socket reads at the parser: smtp-server's parser re-enters its own `_write` for the
   * rest of a chunk (after DATA), so only the chunks marked as fresh socket reads count.
   */
  override _createParser(): ReturnType<SMTPConnection['_createParser']> {
    const parser = super._createParser();
    const write = parser._write.bind(parser);
    parser._write = (
      chunk: Buffer,
      encoding: BufferEncoding,
      next: (error?: Error | null) => void,
    ) => {
      if (freshReads.has(chunk)) {
        freshReads.delete(chunk);
        this.reads += 1;
      }
      write(chunk, encoding, next);
    };
    return parser;
  }

  override _onCommand(command: Buffer, callback?: () => void): void {
    const hooks = hooksOf(this._server);
    const text = command.toString('utf8');
    const continuation = this._nextHandler !== false;
    const word = (text.split(' ')[0] ?? '').toUpperCase();
    const name = continuation ? 'AUTH' : word;
    hooks.log({
      connectionId: this.id,
      command: name,
      line: continuation ? REDACTED : redactAuth(word, text),
      at: Date.now(),
      readChunk: this.reads,
      secure: this.secure,
    });
    const next = callback ?? noop;
    if (!continuation && hooks.heloOnly && word === 'EHLO' && this._ready && !this._upgrading) {
      // RFC 5321 4.2.4: 502 is "command not implemented", what a pre-ESMTP server answers.
      this.send(502, 'Error: command not implemented', false);
      setImmediate(() => this._whenWritable(next));
      return;
    }
    const phase = continuation ? undefined : COMMAND_PHASES[word];
    const fault = phase && this._ready ? hooks.fault({ phase, connectionId: this.id }) : undefined;
    if (fault !== undefined && fault.action !== 'delay') {
      this.strike(fault);
      setImmediate(() => this._whenWritable(next));
      return;
    }
    const delay = fault?.action === 'delay' ? fault.ms : phase ? hooks.delay(phase) : 0;
    if (delay > 0) {
      hooks.later(delay, () => super._onCommand(command, callback));
      return;
    }
    super._onCommand(command, callback);
  }

  /** Carries out a `drop` or `reply` fault. */
  strike(fault: Exclude<Fault, { action: 'delay' }>): void {
    if (fault.action === 'drop') {
      this._socket.destroy();
      return;
    }
    this.send(fault.code, fault.text ?? `Error: fault injected (${fault.code})`);
    if (fault.code === 421) this.close();
  }
}

/** smtp-server, with connections made by {@link TestConnection}. */
class TestSmtpServer extends SMTPServer {
  /** Same as smtp-server's `connect()`, but with a TestConnection. */
  override connect(
    socket: net.Socket | tls.TLSSocket,
    socketOptions?: SMTPConnectionOptions | null,
  ): void {
    const connection = new TestConnection(this, socket, socketOptions);
    hooksOf(this).track(connection);
    this.connections.add(connection);
    connection.on('error', (error: Error) => this._onError(error));
    connection.on('connect', (info: Parameters<SMTPServer['_onClientConnect']>[0]) =>
      this._onClientConnect(info),
    );
    connection.init();
  }
}

function redactAuth(word: string, line: string): string {
  if (word !== 'AUTH') return line;
  const parts = line.trim().split(/\s+/);
  return parts.length > 2 ? `${parts[0]} ${parts[1]} ${REDACTED}` : line;
}

function ruleCode(
  rule: Record<string, number> | ((address: string) => number | undefined) | undefined,
  address: string,
): number | undefined {
  if (rule === undefined) return undefined;
  if (typeof rule === 'function') return rule(address);
  const wanted = address.toLowerCase();
  for (const [key, code] of Object.entries(rule)) {
    if (key.toLowerCase() === wanted) return code;
  }
  return undefined;
}

function rejection(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

function params(args: Record<string, string | true> | false): Record<string, string | true> {
  return args ? { ...args } : {};
}

function formatUrl(scheme: string, host: string, port: number, socketPath?: string): string {
  if (socketPath !== undefined) return `${scheme}://${encodeURIComponent(socketPath)}`;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Starts an smtp-server on loopback, port 0, configured by `options`.
 *
 * @example
 * const server = await startSmtpServer({ security: 'starttls', auth: { users: { ann: 's3cret' } } });
 * try {
 *   // ... connect to server.host:server.port, trust (await createTestCertificates()).ca.cert
 *   expect(server.messages[0]?.envelope.rcptTo).toEqual(['bob@example.com']);
 * } finally {
 *   await server.close();
 * }
 */
export async function startSmtpServer(
  options: StartSmtpServerOptions = {},
): Promise<RunningSmtpServer> {
  const security = options.security ?? 'none';
  if (options.lmtp === true && security === 'implicit') {
    throw new Error(
      '@smtp/test-server: no LMTP URL scheme says implicit TLS; use lmtp with starttls',
    );
  }
  const auth = options.auth;
  const extensions = options.extensions ?? {};
  const usesTls = security !== 'none';
  const certificates = usesTls ? await createTestCertificates() : undefined;

  const messages: ReceivedMessage[] = [];
  const commands: CommandLogEntry[] = [];
  const errors: Error[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<net.Socket>();
  const liveConnections = new Set<TestConnection>();
  let totalConnections = 0;
  let closed = false;
  let messageCount = 0;
  const messageListeners = new Set<(message: ReceivedMessage) => void>();
  const maxMessages = options.maxMessages ?? Number.POSITIVE_INFINITY;
  if (!(maxMessages >= 0)) {
    throw new RangeError(`@smtp/test-server: maxMessages must be >= 0, got ${maxMessages}`);
  }
  const recordCommands = options.recordCommands ?? true;
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`@smtp/test-server: port must be an integer from 0 to 65535, got ${port}`);
  }
  if (options.port !== undefined && options.socketPath !== undefined) {
    throw new RangeError('@smtp/test-server: give port or socketPath, not both');
  }

  const delays = options.replyDelayMs;
  const delay = (phase: ReplyPhase): number =>
    typeof delays === 'number' ? delays : (delays?.[phase] ?? 0);
  const later = (ms: number, run: () => void): void => {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) run();
    }, ms);
    timers.add(timer);
  };

  const onAuth = (
    request: SMTPServerAuthentication,
    _session: SMTPServerSession,
    callback: (
      error: Error | null | undefined,
      response?: SMTPServerAuthenticationResponse,
    ) => void,
  ): void => {
    const username = request.username ?? '';
    const users = auth?.users ?? {};
    const password = Object.hasOwn(users, username) ? users[username] : undefined;
    let ok = false;
    switch (request.method) {
      case 'PLAIN':
      case 'LOGIN':
        ok = password !== undefined && request.password === password;
        break;
      case 'CRAM-MD5':
        ok = password !== undefined && request.validatePassword(password);
        break;
      case 'XOAUTH2': {
        const tokens = auth?.tokens ?? {};
        ok = Object.hasOwn(tokens, username) && tokens[username] === request.accessToken;
        if (!ok) {
          // RFC 7628 style error: a 334 with a base64 JSON status, then 535 after the client's empty line.
          callback(null, {
            data: { status: '401', schemes: 'bearer', scope: 'https://mail.example/' },
          });
          return;
        }
        break;
      }
      default:
        break;
    }
    // No user and no message: smtp-server answers its own "535 Error: Authentication credentials invalid".
    callback(null, ok ? { user: username } : {});
  };

  const onData = (
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (error?: Error | null, result?: SMTPServerDataResult[]) => void,
  ): void => {
    const chunks: Buffer[] = [];
    let failed = false;
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', () => {
      // The client left mid-message: nothing is recorded, and smtp-server sends no reply.
      failed = true;
    });
    stream.on('end', () => {
      if (failed) return;
      if (stream.sizeExceeded) {
        callback(
          rejection(552, `Error: message exceeds fixed maximum message size ${options.size}`),
        );
        return;
      }
      const envelope = session.envelope;
      // LMTP: one reply per recipient accepted at RCPT, in RCPT order (RFC 2033 section 4.2).
      const perRecipient = options.lmtp
        ? envelope.rcptTo.map(({ address }) => {
            const code = ruleCode(options.rejectAfterData, address);
            return code === undefined
              ? `OK: delivered to ${address}`
              : rejection(code, `Error: delivery to ${address} refused`);
          })
        : undefined;
      const delivered = perRecipient
        ?.map((result, index) =>
          typeof result === 'string' ? envelope.rcptTo[index]?.address : undefined,
        )
        .filter((address): address is string => address !== undefined);
      const message: ReceivedMessage = {
        envelope: {
          mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
          rcptTo: envelope.rcptTo.map((rcpt) => rcpt.address),
          mailParams: envelope.mailFrom ? params(envelope.mailFrom.args) : {},
          rcptParams: envelope.rcptTo.map((rcpt) => params(rcpt.args)),
        },
        raw: new Uint8Array(Buffer.concat(chunks)),
        secure: session.secure,
        connectionId: session.id,
        receivedAt: Date.now(),
        ...(typeof session.user === 'string' ? { user: session.user } : {}),
        ...(delivered === undefined ? {} : { delivered }),
      };
      const fault = options.faults?.({ phase: 'message', connectionId: session.id });
      if (fault?.action === 'reply') {
        const connection = [...liveConnections].find((live) => live.id === session.id);
        if (fault.code === 421) setImmediate(() => connection?.close());
        callback(rejection(fault.code, fault.text ?? `Error: fault injected (${fault.code})`));
        return;
      }
      if (delivered?.length !== 0) {
        messages.push(message);
        if (messages.length > maxMessages) messages.splice(0, messages.length - maxMessages);
        messageCount += 1;
        for (const listener of [...messageListeners]) listener(message);
      }
      if (fault?.action === 'drop') {
        const connection = [...liveConnections].find((live) => live.id === session.id);
        connection?._socket.destroy();
        return;
      }
      const wait = fault?.action === 'delay' ? fault.ms : delay('message');
      const reply = () => later(wait, () => callback(null, perRecipient));
      if (options.saveTo === undefined || delivered?.length === 0) {
        reply();
        return;
      }
      const folder = options.saveTo;
      const file = join(folder, `${String(messageCount).padStart(4, '0')}-${session.id}.eml`);
      mkdir(folder, { recursive: true })
        .then(() => writeFile(file, message.raw))
        .then(reply, (error: unknown) => {
          callback(rejection(451, `Error: could not save message (${String(error)})`));
        });
    });
  };

  const serverOptions: SMTPServerOptions = {
    name: options.name ?? 'localhost',
    logger: false,
    disableReverseLookup: true,
    secure: security === 'implicit',
    ...(certificates ? pickCertificate(certificates, options.certificate ?? 'server') : {}),
    ...(options.requireClientCertificate && certificates
      ? { requestCert: true, rejectUnauthorized: true, ca: [certificates.ca.cert] }
      : {}),
    hideSTARTTLS: options.hideStartTls ?? false,
    disabledCommands: [...(security === 'none' ? ['STARTTLS'] : []), ...(auth ? [] : ['AUTH'])],
    authMethods: auth?.mechanisms ?? ['LOGIN', 'PLAIN'],
    authOptional: !(auth?.required ?? true),
    allowInsecureAuth: auth?.allowInsecure ?? false,
    ...(options.size !== undefined ? { size: options.size, rejectOversized: true } : {}),
    hidePIPELINING: !(extensions.pipelining ?? true),
    hide8BITMIME: !(extensions.eightBitMime ?? true),
    hideSMTPUTF8: !(extensions.smtpUtf8 ?? true),
    hideDSN: !(extensions.dsn ?? false),
    // RFC 2034: enhanced codes only after EHLO advertised them, which a HELO-only server never does.
    hideENHANCEDSTATUSCODES:
      options.heloOnly === true || !(extensions.enhancedStatusCodes ?? false),
    hideREQUIRETLS: !(extensions.requireTls ?? false),
    lmtp: options.lmtp ?? false,
    socketTimeout: options.socketTimeoutMs ?? 60_000,
    closeTimeout: 1_000,
    onSecure(socket, _session, callback) {
      // After STARTTLS the parser reads from the TLS socket: count its reads too.
      markReads(socket);
      callback();
    },
    onConnect(_session, callback) {
      // Synchronous on purpose: smtp-server's default waits a setImmediate before the greeting.
      callback();
    },
    onMailFrom(address, _session, callback) {
      const code = ruleCode(options.rejectSenders, address.address);
      callback(
        code === undefined ? null : rejection(code, `Error: sender ${address.address} rejected`),
      );
    },
    onRcptTo(address, _session, callback) {
      const code = ruleCode(options.rejectRecipients, address.address);
      callback(
        code === undefined ? null : rejection(code, `Error: recipient ${address.address} rejected`),
      );
    },
    onAuth,
    onData,
  };

  const server = new TestSmtpServer(serverOptions);
  hooksByServer.set(server, {
    skipGreetingPause: !(options.greetingPause ?? false) && CAN_SKIP_GREETING_PAUSE,
    fault: (point) => options.faults?.(point),
    heloOnly: options.heloOnly ?? false,
    delay,
    later,
    log: (entry) => {
      if (recordCommands) commands.push(entry);
    },
    track: (connection) => liveConnections.add(connection),
    untrack: (connection) => liveConnections.delete(connection),
  });
  server.on('error', (error: Error) => errors.push(error));
  server.server.on('connection', (socket: net.Socket) => {
    totalConnections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (closed) socket.destroy();
  });

  const listening = await listen(server, options);
  const scheme = options.lmtp === true ? 'lmtp' : security === 'implicit' ? 'smtps' : 'smtp';

  const close = async (): Promise<void> => {
    closed = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    const secondaryStopped = listening.secondary
      ? new Promise<void>((resolve) => listening.secondary?.close(() => resolve()))
      : Promise.resolve();
    // The topmost socket first (a TLS socket over the raw one), then whatever raw sockets are left.
    for (const connection of liveConnections) connection._socket.destroy();
    for (const socket of sockets) socket.destroy();
    await Promise.all([stopped, secondaryStopped]);
    // One more turn: libuv releases the listening handle after 'close', and smtp-server runs
    // its onClose hooks in a setImmediate; afterwards nothing of this server is left.
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  let closing: Promise<void> = Promise.resolve();

  const running: RunningSmtpServer = {
    host: listening.host,
    port: listening.port,
    url: formatUrl(scheme, listening.host, listening.port, options.socketPath),
    ...(options.socketPath !== undefined ? { socketPath: options.socketPath } : {}),
    ...(certificates === undefined ? {} : { ca: certificates.ca.cert }),
    messages,
    commands,
    errors,
    // SMTP connections, not raw sockets: after STARTTLS smtp-server talks over a TLS socket
    // wrapping the raw one, and the raw socket does not always report its own close.
    get connections() {
      return liveConnections.size;
    },
    get totalConnections() {
      return totalConnections;
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => {
        messageListeners.delete(listener);
      };
    },
    waitForMessage(query) {
      return waitForMessage(running, query);
    },
    reset() {
      messages.length = 0;
      commands.length = 0;
      errors.length = 0;
      totalConnections = 0;
    },
    close() {
      if (!closed) closing = close();
      return closing;
    },
  };
  return running;
}

interface Listening {
  host: string;
  port: number;
  secondary?: net.Server;
}

async function listen(server: SMTPServer, options: StartSmtpServerOptions): Promise<Listening> {
  if (options.socketPath !== undefined) {
    await listenOn(server.server, { path: options.socketPath });
    return { host: 'localhost', port: 0 };
  }
  const host = options.host ?? '127.0.0.1';
  const wanted = options.port ?? 0;
  if (host !== 'localhost') {
    await listenOn(server.server, { host, port: wanted });
    return { host, port: portOf(server.server) };
  }
  // `localhost`: 127.0.0.1 on an OS-chosen port, then ::1 on the same port when the machine has
  // IPv6 loopback. Another process may hold that port on ::1; then try a new port (a fixed port
  // has no other to try).
  for (let attempt = 0; ; attempt += 1) {
    await listenOn(server.server, { host: '127.0.0.1', port: wanted });
    const port = portOf(server.server);
    const secondary = net.createServer((socket) => server.server.emit('connection', socket));
    try {
      await listenOn(secondary, { host: '::1', port });
      return { host, port, secondary };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return { host, port };
      await new Promise<void>((resolve) => server.server.close(() => resolve()));
      if (attempt >= 5 || wanted !== 0) throw error;
    }
  }
}

function listenOn(target: net.Server, listenOptions: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    target.once('error', onError);
    target.listen(listenOptions, () => {
      target.off('error', onError);
      resolve();
    });
  });
}

function portOf(target: net.Server): number {
  const address = target.address();
  if (address === null || typeof address === 'string')
    throw new Error('@smtp/test-server: not a TCP listener');
  return address.port;
}
