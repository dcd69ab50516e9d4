/**
 * `SmtpConnection`: the life of one connection to one server, and the unit `SmtpClient` (one
 * connection and a queue) and a pool (many) are built from. It owns its state; callers ask.
 *
 * - `open()`: connect, greeting, EHLO (HELO only when EHLO is refused with 500, 502, 504 or 550,
 *   never by reading the banner), STARTTLS as the policy asks, EHLO again with everything
 *   learnt before TLS forgotten (INV-2), AUTH (INV-4). Stops early for `ping()`. With
 *   `protocol: 'lmtp'`, LHLO in place of each EHLO and never HELO (RFC 2033 section 4.1).
 * - `send()`: one transaction (transaction.ts), after checking that the connection, if it sat
 *   idle, is still fit for one (stale.ts), and, with `dkim`, after signing the message for this
 *   server's capabilities (dkim-sign.ts).
 * - `quit()`: QUIT, its reply, and a graceful close; `destroy()`: final, at any moment, even
 *   while opening: not one more byte is written, pending waits reject.
 * - `usable`, `capabilities`, `ehlo`, `tls`, counters and transport usage.
 *
 * Every wait takes the deadline of its phase and the caller's signal as arguments (wait.ts);
 * the security rules are asked of policy.ts; every byte goes through the connection's `Wire`.
 */
import {
  type Capabilities,
  encodeEhlo,
  encodeHelo,
  encodeLhlo,
  encodeQuit,
  encodeStarttls,
  parseEhlo,
  type Reply,
  SaslError,
} from '@smtp/protocol';
import type { Connection, ConnectOptions, TlsInfo, TransportUsage } from '@smtp/transport';
import { createMechanism } from './auth.ts';
import { DataWatch } from './data-watch.ts';
import { publishClient } from './diagnostics.ts';
import { type SignedMessage, signMessage } from './dkim-sign.ts';
import {
  AuthError,
  ClientStateError,
  type ReplyInfo,
  SecurityError,
  SmtpReplyError,
} from './errors.ts';
import type { ClientLog } from './logging.ts';
import { prepareMessage, type SendableMessage } from './message-source.ts';
import type { Credentials, ResolvedClientOptions } from './options.ts';
import { replyError, withUnknownRecipients } from './outcome.ts';
import {
  MAX_AUTH_ROUNDS,
  mayAuthenticate,
  mayWritePlain,
  mustDiscard,
  selectMechanism,
  wantsStartTls,
} from './policy.ts';
import { describeProxy, transportProxy } from './proxy-option.ts';
import type { Secrets } from './redact.ts';
import { describeReply, toReplyInfo } from './reply-info.ts';
import { authenticate } from './sasl-exchange.ts';
import { type IdleState, idleState, StaleConnectionError } from './stale.ts';
import { runTransaction } from './transaction.ts';
import type { TransactionResult } from './transaction-context.ts';
import {
  planTransaction,
  prepareOptionsFor,
  type SendOptions,
  type TransactionPlan,
} from './transaction-plan.ts';
import { settleWithin, type Wait, waitFor } from './wait.ts';
import { Wire } from './wire.ts';

/** EHLO replies that mean "I do not speak ESMTP": the only ones that trigger HELO (RFC 5321 section 4.1.4). */
export const HELO_FALLBACK_CODES: readonly number[] = [500, 502, 504, 550];

/** Where opening may stop (for `ping()`). */
export type SessionStage = 'greeting' | 'ehlo' | 'tls' | 'auth';

/** How long each stage of opening took, in ms. */
export interface SessionTimings {
  readonly connect: number;
  readonly greeting: number;
  readonly ehlo: number;
  readonly tls?: number;
  readonly auth?: number;
  readonly total: number;
}

/** What a connection needs from its owner. */
export interface SmtpConnectionContext {
  readonly options: ResolvedClientOptions;
  readonly log: ClientLog;
  readonly secrets: Secrets;
  /** The credentials in force for this connection (`setCredentials` may change them for the next). */
  readonly credentials: Credentials | undefined;
}

/** A transaction that ran, with the plan it ran from. */
export interface SentTransaction extends TransactionResult {
  readonly plan: TransactionPlan;
}

const QUIT = encodeQuit();
const STARTTLS = encodeStarttls();

/** The capabilities of a server that answered HELO, or before any EHLO: none. */
export function noCapabilities(domain = ''): Capabilities {
  return {
    domain,
    greeting: '',
    pipelining: false,
    startTls: false,
    auth: [],
    eightBitMime: false,
    smtpUtf8: false,
    chunking: false,
    binaryMime: false,
    dsn: false,
    enhancedStatusCodes: false,
    requireTls: false,
    mtPriority: false,
    extensions: new Map(),
  };
}

/** The transport's connect options for the client's resolved options. */
export function connectOptionsFor(options: ResolvedClientOptions): ConnectOptions {
  const { servername, ...tlsOptions } = options.tls;
  const { target, timeouts } = options;
  const where =
    target.kind === 'unix'
      ? { path: target.path }
      : { host: target.host, port: target.port, kind: target.kind };
  return {
    ...where,
    tls: options.security === 'implicit' ? 'implicit' : 'none',
    ...(servername === undefined ? {} : { servername }),
    tlsOptions,
    connectTimeoutMs: timeouts.connect,
    tlsTimeoutMs: timeouts.tls,
    readTimeoutMs: timeouts.command,
    writeTimeoutMs: timeouts.dataBlock,
    closeTimeoutMs: timeouts.quit,
    replyParser: options.replyLimits,
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    ...(options.family === undefined ? {} : { family: options.family }),
    autoSelectFamily: options.autoSelectFamily,
    connectionAttemptDelayMs: options.connectionAttemptDelay,
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
    ...(options.proxy === undefined ? {} : { proxy: transportProxy(options.proxy) }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    ...(options.slowOperation?.slowOperationMs === undefined
      ? {}
      : { slowOperationMs: options.slowOperation.slowOperationMs }),
    ...(options.slowOperation?.minThroughput === undefined
      ? {}
      : { minThroughput: options.slowOperation.minThroughput }),
  };
}

/** One connection's life: see the module docblock. */
export class SmtpConnection {
  readonly #context: SmtpConnectionContext;
  /** Aborted by `destroy()`: ends the waits that are not on the socket (connect, a token). */
  readonly #lifetime = new AbortController();
  #wire: Wire | undefined;
  /** The DATA early-reply watch of this connection (data-body.ts), made with the wire. */
  #dataWatch: DataWatch | undefined;
  #destroyed = false;
  /** `destroy()` was called (as opposed to the connection failing). */
  #destroyedByOwner = false;
  #capabilities: Capabilities = noCapabilities();
  #greeting: Reply | undefined;
  #ehlo: Reply | undefined;
  #ehloCommand: 'EHLO' | 'HELO' | 'LHLO' = 'EHLO';
  /** `ehlo` as last given out, for the reply and the number of secrets it was scrubbed with. */
  #ehloInfo: { reply: Reply; secrets: number; info: ReplyInfo } | undefined;
  #authenticatedAs: string | undefined;
  #mechanism: string | undefined;
  #transactions = 0;
  #accepted = 0;
  /** Set while the connection waits between transactions, to what had arrived by then. */
  #idleSince: number | undefined;

  constructor(context: SmtpConnectionContext) {
    this.#context = context;
  }

  /** The transport connection's id (0 before it exists). */
  get id(): number {
    return this.#wire?.connection.id ?? 0;
  }

  /** True while the connection can take a transaction: open, in step, not destroyed. */
  get usable(): boolean {
    return this.#wire !== undefined && !this.#destroyed && !this.#wire.connection.destroyed;
  }

  /** True after implicit TLS or a successful STARTTLS. */
  get secure(): boolean {
    return this.#wire?.connection.secure ?? false;
  }

  /** The local end of the connection (address and port), once connected over TCP. */
  get localEndpoint(): { readonly address?: string; readonly port?: number } | undefined {
    const connection = this.#wire?.connection;
    if (connection === undefined) return undefined;
    return {
      ...(connection.localAddress === undefined ? {} : { address: connection.localAddress }),
      ...(connection.localPort === undefined ? {} : { port: connection.localPort }),
    };
  }

  /** The TLS session, when secure. */
  get tls(): TlsInfo | undefined {
    return this.#wire?.connection.tls;
  }

  /** What the server offers now (after TLS: only what it said after TLS). Raw server text. */
  get capabilities(): Capabilities {
    return this.#capabilities;
  }

  /** The greeting, sanitised; undefined before it came. */
  get greeting(): ReplyInfo | undefined {
    const reply = this.#greeting;
    return reply === undefined ? undefined : toReplyInfo(reply, 'greeting', this.#context.secrets);
  }

  /** The last EHLO (or HELO, or LMTP's LHLO) reply, sanitised; undefined before it came. */
  get ehlo(): ReplyInfo | undefined {
    const reply = this.#ehlo;
    if (reply === undefined) return undefined;
    // Every result carries it, so it is sanitised once per reply rather than once per message;
    // again when a secret was added since (the info is frozen, so sharing it is safe).
    const secrets = this.#context.secrets;
    const cached = this.#ehloInfo;
    if (cached !== undefined && cached.reply === reply && cached.secrets === secrets.size) {
      return cached.info;
    }
    const info = toReplyInfo(reply, this.#ehloCommand, secrets);
    this.#ehloInfo = { reply, secrets: secrets.size, info };
    return info;
  }

  /** The user AUTH succeeded with. */
  get authenticatedAs(): string | undefined {
    return this.#authenticatedAs;
  }

  /** The AUTH mechanism used. */
  get mechanism(): string | undefined {
    return this.#mechanism;
  }

  /** Transactions run on this connection, whatever their outcome. */
  get transactions(): number {
    return this.#transactions;
  }

  /** Messages the server accepted (fully or partially) on this connection. */
  get accepted(): number {
    return this.#accepted;
  }

  /** The transport's usage figures (zero before the connection exists). */
  get usage(): TransportUsage | undefined {
    return this.#wire?.connection.usage;
  }

  /**
   * Connects and runs the opening dialogue up to `stopAfter`. On failure the connection is
   * released (QUIT when the dialogue is still in step, else destroyed) and the error thrown.
   */
  async open(
    options: { readonly signal?: AbortSignal | undefined; readonly stopAfter?: SessionStage } = {},
  ): Promise<SessionTimings> {
    const { options: resolved, log } = this.#context;
    const stopAfter = options.stopAfter ?? 'auth';
    if (this.#destroyed || this.#wire !== undefined) {
      throw new ClientStateError('SMTP_CLIENT_CLOSED', 'This connection was opened or destroyed');
    }
    // Opening happens once per connection: combining the caller's signal with the
    // connection's own costs one object here and nothing per message.
    const signal =
      options.signal === undefined
        ? this.#lifetime.signal
        : AbortSignal.any([options.signal, this.#lifetime.signal]);
    const started = performance.now();
    publishClient('connect', {
      target: resolved.target,
      security: resolved.security,
      clientName: resolved.clientName,
      ...(resolved.proxy === undefined ? {} : { proxy: describeProxy(resolved.proxy) }),
    });
    const connection: Connection = await resolved.connector(connectOptionsFor(resolved), {
      signal,
    });
    if (this.#destroyedByOwner) {
      // A custom connector that ignored the signal: the connection is dropped unused.
      connection.destroy();
      throw closedError();
    }
    this.#wire = new Wire(connection, log, this.#context.secrets);
    this.#dataWatch = new DataWatch(connection);
    const usage = connection.usage;
    const timings: { -readonly [K in keyof SessionTimings]?: number } = {
      connect: usage.connectMs + usage.tlsMs,
    };
    let mark = performance.now();
    const lap = (): number => {
      const now = performance.now();
      const elapsed = now - mark;
      mark = now;
      return elapsed;
    };
    try {
      await this.#readGreeting(signal);
      timings.greeting = lap();
      if (stopAfter !== 'greeting') {
        await this.#hello(signal);
        timings.ehlo = lap();
        if (stopAfter !== 'ehlo') {
          if (await this.#startTls(signal)) timings.tls = lap();
          if (stopAfter !== 'tls' && (await this.#authenticate(signal))) timings.auth = lap();
        }
      }
    } catch (error) {
      await this.#release(error);
      throw this.#destroyedByOwner ? closedError(error) : error;
    }
    this.#idleSince = undefined;
    return {
      connect: timings.connect ?? 0,
      greeting: timings.greeting ?? 0,
      ehlo: timings.ehlo ?? 0,
      ...(timings.tls === undefined ? {} : { tls: timings.tls }),
      ...(timings.auth === undefined ? {} : { auth: timings.auth }),
      total: (timings.connect ?? 0) + (performance.now() - started),
    };
  }

  /**
   * The connection is kept for later without a transaction now (after `connect()`): from here
   * on, anything the server sends before the next transaction makes it unusable (stale.ts).
   */
  markIdle(): void {
    if (this.#wire !== undefined && this.#idleSince === undefined) {
      this.#idleSince = receivedBytes(this.#wire.connection);
    }
  }

  /**
   * Whether this connection alone may keep the process alive: a pool with `unref` lets go of
   * its idle connections and takes them back before their next transaction.
   */
  setRef(ref: boolean): void {
    const connection = this.#wire?.connection;
    if (connection === undefined) return;
    if (ref) connection.ref();
    else connection.unref();
  }

  /**
   * Runs one transaction. Throws `StaleConnectionError` when the connection turned out to be
   * closed or closing before anything of the message was sent (the caller may open a new one
   * and try there), a signing or plan error (nothing written, the connection still usable), or
   * the transaction's `SendError`. A message read once to be signed is not worth a new
   * connection: its `StaleConnectionError` becomes the failure underneath.
   */
  async send(message: SendableMessage, options: SendOptions = {}): Promise<SentTransaction> {
    const wire = this.#wire;
    if (wire === undefined || this.#destroyed) {
      throw new ClientStateError('SMTP_CLIENT_CLOSED', 'The connection is not open');
    }
    const { options: resolved, log, secrets } = this.#context;
    const reused = this.#idleSince !== undefined;
    if (reused && this.#idleState(wire) !== 'ready') await this.#retireIdle(wire);
    let prepared = prepareMessage(message, prepareOptionsFor(this.#capabilities, resolved));
    // DKIM: signed once the capabilities are known and before the plan, so SIZE counts the
    // signature and a signing failure writes nothing (dkim-sign.ts). Unsigned sends await nothing.
    let signed: SignedMessage | undefined;
    if (resolved.dkim !== undefined) {
      signed = await signMessage(prepared, resolved.dkim, {
        log,
        blockTimeoutMs: resolved.timeouts.dataBlock,
        signal: options.signal,
        lifetime: this.#lifetime.signal,
      });
      prepared = signed.prepared;
    }
    let plan: TransactionPlan;
    try {
      plan = planTransaction(
        prepared,
        {
          capabilities: this.#capabilities,
          secure: wire.connection.secure,
          options: resolved,
          log,
        },
        options,
      );
    } catch (error) {
      await signed?.dispose();
      throw error;
    }
    this.#transactions++;
    let result: SentTransaction;
    try {
      result = await runTransaction(
        {
          wire,
          capabilities: this.#capabilities,
          options: resolved,
          log,
          secrets,
          signal: options.signal,
          lifetime: this.#lifetime.signal,
          reused,
          dataWatch: this.#dataWatch as DataWatch,
          beforeEndOfData: options.beforeEndOfData,
        },
        plan,
      );
    } catch (error) {
      if (mustDiscard(error) || error instanceof StaleConnectionError) this.#drop();
      else this.#idleSince = receivedBytes(wire.connection);
      // The server dropped the idle connection as the message started: the client would try a
      // new one, but content that could be read once was read to sign it, so this is the failure.
      if (signed?.consumed === true && error instanceof StaleConnectionError) {
        throw error.cause ?? error;
      }
      // An `unknown` outcome names who may have the message (INV-9).
      throw withUnknownRecipients(error, plan.rcpts);
    } finally {
      // The spool outlives the transaction by nothing (spool.ts).
      if (signed !== undefined) await signed.dispose();
    }
    this.#accepted++;
    this.#idleSince = receivedBytes(wire.connection);
    // runTransaction's result carries the plan already: no copy per message.
    return result;
  }

  /**
   * QUIT, its reply, then a graceful close that waits (up to the `quit` deadline) for the
   * server to close its side (RFC 5321 section 4.1.1.10). Never throws; resolves with the
   * reply, or undefined when there was none. A connection out of step, or in plaintext where
   * TLS is required (INV-1), is dropped instead.
   */
  async quit(): Promise<ReplyInfo | undefined> {
    const wire = this.#wire;
    if (wire === undefined || this.#destroyed || wire.connection.destroyed) {
      this.#drop();
      return undefined;
    }
    const connection = wire.connection;
    const { options, credentials, secrets } = this.#context;
    const inStep =
      connection.pendingReplies === 0 &&
      (this.#idleSince === undefined || receivedBytes(connection) === this.#idleSince);
    if (
      !inStep ||
      !mayWritePlain(
        connection.secure,
        options.security,
        credentials !== undefined,
        options.allowInsecureAuth,
      )
    ) {
      this.#drop();
      return undefined;
    }
    const wait = waitFor(options.timeouts.quit, undefined);
    try {
      const reply = await wire.command(QUIT, 'QUIT', wait);
      await connection.close({ timeoutMs: Math.max(1, wait.deadline - performance.now()) });
      return toReplyInfo(reply, 'QUIT', secrets);
    } catch {
      this.#drop();
      return undefined;
    } finally {
      this.#destroyed = true;
    }
  }

  /**
   * Drops the connection at once; final, also while it is opening: pending waits reject,
   * `open()` rejects with `SMTP_CLIENT_CLOSED`, and nothing more is written.
   */
  destroy(): void {
    this.#destroyedByOwner = true;
    this.#drop();
  }

  #drop(): void {
    if (!this.#destroyed) {
      this.#destroyed = true;
      this.#lifetime.abort(closedError());
    }
    this.#wire?.connection.destroy();
  }

  // --- opening ---

  #phase(timeoutMs: number, signal: AbortSignal): Wait {
    return waitFor(timeoutMs, signal);
  }

  async #readGreeting(signal: AbortSignal): Promise<void> {
    const wire = this.#wire as Wire;
    const reply = await wire.read(
      'greeting',
      this.#phase(this.#context.options.timeouts.greeting, signal),
    );
    this.#greeting = reply;
    if (reply.code !== 220) {
      throw replyError(
        toReplyInfo(reply, 'greeting', this.#context.secrets),
        this.#context.secrets,
        'The server refused the session',
      );
    }
  }

  /**
   * EHLO, or HELO when EHLO is refused with 500, 502, 504 or 550. LMTP: LHLO, and a refusal is
   * final, since LMTP has no HELO (RFC 2033 section 4.1) and a server that refuses LHLO is most
   * likely an SMTP server, which would answer the data once where LMTP expects a reply per
   * recipient.
   */
  async #hello(signal: AbortSignal): Promise<void> {
    const wire = this.#wire as Wire;
    const { options, secrets, log } = this.#context;
    const wait = this.#phase(options.timeouts.command, signal);
    if (options.protocol === 'lmtp') {
      const lhlo = await wire.command(encodeLhlo(options.clientName), 'LHLO', wait);
      if (lhlo.code !== 250) {
        throw replyError(
          toReplyInfo(lhlo, 'LHLO', secrets),
          secrets,
          'The server refused LHLO, so it does not speak LMTP (RFC 2033)',
        );
      }
      this.#ehlo = lhlo;
      this.#ehloCommand = 'LHLO';
      this.#capabilities = parseEhlo(lhlo);
      return;
    }
    const reply = await wire.command(encodeEhlo(options.clientName), 'EHLO', wait);
    if (reply.code === 250) {
      this.#ehlo = reply;
      this.#ehloCommand = 'EHLO';
      this.#capabilities = parseEhlo(reply);
      return;
    }
    if (!HELO_FALLBACK_CODES.includes(reply.code)) {
      throw replyError(toReplyInfo(reply, 'EHLO', secrets), secrets);
    }
    log.info('EHLO refused, trying HELO', { code: reply.code });
    const helo = await wire.command(
      encodeHelo(options.clientName),
      'HELO',
      this.#phase(options.timeouts.command, signal),
    );
    if (helo.code !== 250) throw replyError(toReplyInfo(helo, 'HELO', secrets), secrets);
    this.#ehlo = helo;
    this.#ehloCommand = 'HELO';
    this.#capabilities = noCapabilities(helo.lines[0]?.split(' ')[0] ?? '');
  }

  /** STARTTLS when the policy asks for it (decision 2); returns whether TLS was started. */
  async #startTls(signal: AbortSignal): Promise<boolean> {
    const wire = this.#wire as Wire;
    const connection = wire.connection;
    const { options, secrets, log } = this.#context;
    if (connection.secure) return false;
    if (!wantsStartTls(options.security, this.#capabilities.startTls)) return false;
    const reply = await wire.command(
      STARTTLS,
      'STARTTLS',
      this.#phase(options.timeouts.command, signal),
    );
    if (reply.code !== 220) {
      const cause = replyError(toReplyInfo(reply, 'STARTTLS', secrets), secrets);
      throw new SecurityError(
        'SMTP_TLS_REQUIRED',
        secrets.scrub(
          `TLS is required and the server refused STARTTLS: ${describeReply(cause.reply)}`,
        ),
        { cause },
      );
    }
    // INV-2: the transport refuses any byte that came after the 220, then verifies the peer.
    const tls = await connection.upgradeToTls({ timeoutMs: options.timeouts.tls, signal });
    if (log.enabled) {
      log.info('TLS established', {
        protocol: tls.protocol,
        cipher: tls.cipher.name,
        authorized: tls.authorized,
      });
    }
    // INV-2: nothing learnt before TLS survives it.
    this.#capabilities = noCapabilities();
    this.#ehlo = undefined;
    await this.#hello(signal);
    return true;
  }

  /** AUTH when credentials are configured; returns whether it ran. */
  async #authenticate(signal: AbortSignal): Promise<boolean> {
    const wire = this.#wire as Wire;
    const { options, secrets, log, credentials } = this.#context;
    if (credentials === undefined) return false;
    const connection = wire.connection;
    // INV-4: over verified TLS only, unless the separate opt-in says otherwise.
    mayAuthenticate(
      { secure: connection.secure, authorized: connection.tls?.authorized ?? false },
      options.allowInsecureAuth,
    );
    // Throws SMTP_AUTH_UNAVAILABLE when nothing usable is offered (decision 6).
    const name = selectMechanism(this.#capabilities.auth, credentials, options.mechanism);
    const target = options.target;
    // One deadline for the AUTH phase: a command's worth for each round the policy allows.
    const wait = this.#phase(options.timeouts.command * (MAX_AUTH_ROUNDS + 1), signal);
    // A token provider is the caller's code: bounded like any wait (INV-8).
    const mechanism = await settleWithin(
      createMechanism(name, credentials, {
        host: target.kind === 'unix' ? 'localhost' : target.host,
        port: target.kind === 'unix' ? 0 : target.port,
        secrets,
      }),
      wait,
      'auth-token',
      () => connection.destroy(),
      this.#lifetime.signal,
    );
    await authenticate(wire, mechanism, wait, secrets);
    this.#authenticatedAs = credentials.user;
    this.#mechanism = mechanism.name;
    if (log.enabled)
      log.info('authenticated', { mechanism: mechanism.name, user: credentials.user });
    return true;
  }

  /**
   * Lets go of the connection after `error` while opening: QUIT when the dialogue is still in
   * step (a refusal, a security stop before the offending bytes), destroy otherwise.
   */
  async #release(error: unknown): Promise<void> {
    const inStep =
      error instanceof SmtpReplyError ||
      error instanceof AuthError ||
      error instanceof SaslError ||
      error instanceof SecurityError;
    if (inStep && !this.#destroyed) await this.quit();
    else this.#drop();
    this.#destroyed = true;
  }

  // --- between transactions ---

  /**
   * Before a transaction on a connection that sat idle: anything that arrived meanwhile, or the
   * connection having closed, makes it unusable (decision 9).
   */
  #idleState(wire: Wire): IdleState {
    const connection = wire.connection;
    return idleState({
      destroyed: connection.destroyed,
      bytesSinceIdle: receivedBytes(connection) - (this.#idleSince ?? 0),
    });
  }

  /**
   * Drops a connection that went stale while idle and throws `StaleConnectionError`. A `421` is
   * a routine close and is logged as such; anything else is logged as unexpected.
   */
  async #retireIdle(wire: Wire): Promise<never> {
    const connection = wire.connection;
    const state = this.#idleState(wire);
    let said: Reply | undefined;
    if (connection.pendingReplies > 0) said = await connection.readReply().catch(() => undefined);
    this.#drop();
    const { log } = this.#context;
    if (said?.code === 421 || (state === 'closed' && said === undefined)) {
      log.info('the server closed the idle connection; opening a new one');
    } else if (log.enabled) {
      log.info('the server sent something on the idle connection; dropping it', {
        ...(said === undefined ? {} : { code: said.code }),
      });
    }
    throw new StaleConnectionError(
      said === undefined ? undefined : toReplyInfo(said, 'NOOP', this.#context.secrets),
    );
  }
}

function closedError(cause?: unknown): ClientStateError {
  return new ClientStateError(
    'SMTP_CLIENT_CLOSED',
    'The connection was destroyed',
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Octets received so far on the connection: the cheap counter where the transport has it, the
 * usage snapshot otherwise (a `Connection` from elsewhere may not carry the counter).
 */
function receivedBytes(connection: Connection): number {
  return connection.bytesReceived ?? connection.usage.bytesReceived;
}
