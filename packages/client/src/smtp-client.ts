/**
 * `SmtpClient`: one connection to one server, kept between messages (RSET between them) or
 * closed after each, with every call queued so that commands never interleave.
 *
 * - Concurrency: calls run one at a time in call order (a FIFO lock); a queued call whose signal
 *   aborts leaves the queue at once.
 * - Reuse: RSET before each later transaction; a server that closed the idle connection (`421`,
 *   or EOF or reset on RSET or MAIL) gets one reconnection, which is safe because nothing of the
 *   message was sent. After a timeout, a protocol error, an abort or an `unknown` outcome the
 *   connection is dropped and never reused (INV-9).
 * - `send()` always fails with a `SendError` whose `code` is the underlying error's and whose
 *   `outcome` says whether the message may have been delivered; `connect()` and `ping()` throw the
 *   underlying error itself.
 */
import type { Capabilities } from '@smtp/protocol';
import type { TransportUsage } from '@smtp/transport';
import { AbortError } from '@smtp/transport';
import { publishClient } from './diagnostics.ts';
import { ClientStateError, type ReplyInfo, SendError } from './errors.ts';
import { type ClientLog, createClientLog, type Logger, type LoggingOptions } from './logging.ts';
import { normalizeInput, type SendInput } from './message-source.ts';
import type { ClientOptions, Credentials, ResolvedClientOptions, Security } from './options.ts';
import { createSecrets, type Secrets } from './redact.ts';
import { toReplyInfo } from './reply-info.ts';
import { createCredentials, resolveClientOptions, securityFor } from './resolve-options.ts';
import { parseQueueId, type SendResult } from './send-result.ts';
import {
  connectOptionsFor,
  Dialogue,
  Session,
  type SessionStage,
  type SessionTimings,
  StaleConnectionError,
  safeReplyInfo,
} from './session.ts';
import {
  DryRunConnection,
  dryRunCapabilities,
  failure,
  planTransaction,
  runTransaction,
  type SendOptions,
  type TransactionPlan,
  type TransactionResult,
} from './transaction.ts';
import { addUsage, ZERO_USAGE } from './usage.ts';

/** Options of {@link SmtpClient.ping}. */
export interface PingOptions {
  /** Where to stop before QUIT: after the greeting, EHLO, STARTTLS (and EHLO again), or AUTH (default). */
  readonly stopAfter?: SessionStage;
  readonly signal?: AbortSignal;
}

/** The TLS session in force, as `info` and `ping()` report it. */
export interface TlsSummary {
  readonly protocol: string | undefined;
  readonly cipher: string;
  readonly authorized: boolean;
  readonly authorizationError?: string;
}

/** What {@link SmtpClient.ping} found. */
export interface PingResult {
  /** What the server offers at the point reached (after TLS: only what it said after TLS). */
  readonly capabilities: Capabilities;
  /** The EHLO (or HELO) reply, unless stopped after the greeting. */
  readonly ehlo: ReplyInfo | undefined;
  /** The greeting. */
  readonly greeting: ReplyInfo | undefined;
  readonly tls?: TlsSummary;
  readonly authenticated: boolean;
  /** Milliseconds per stage. */
  readonly timings: SessionTimings;
}

/** {@link SmtpClient.info}: what the client is connected to and how. Holds no secret. */
export interface ClientInfo {
  /** `host:port` (IPv6 in brackets), or the socket path. */
  readonly target: string;
  /** The configured security level. */
  readonly security: Security;
  /** True while a connection is open. */
  readonly connected: boolean;
  /** True when the open connection is TLS. */
  readonly secure: boolean;
  readonly tls?: TlsSummary;
  /** The user name in force (never the password or token). */
  readonly user?: string;
  /** True when the open connection is authenticated. */
  readonly authenticated: boolean;
  /** The AUTH mechanism used on the open connection. */
  readonly mechanism?: string;
  /** The extensions the server offers on the open connection, as advertised (`SIZE 10240000`). */
  readonly capabilities: readonly string[];
  /** The EHLO (or HELO) reply on the open connection. */
  readonly ehlo?: ReplyInfo;
}

/** {@link SmtpClient.stats}: transport usage summed over every connection, and counts. */
export interface ClientStats extends TransportUsage {
  /** Connections opened. */
  readonly connections: number;
  /** Messages the server accepted (fully or partially). */
  readonly messages: number;
}

function abortedBeforeStart(signal: AbortSignal): AbortError {
  return new AbortError('queue', { cause: signal.reason });
}

/** A queued call. */
interface Waiter {
  start(): void;
  fail(error: Error): void;
}

/**
 * An SMTP client for one server. See the package README for the whole story.
 *
 * @example
 * ```ts
 * const client = new SmtpClient('smtp://user:pass@mail.example.com:587');
 * const result = await client.send({ from: 'a@example.com', to: 'b@example.com', text: 'Hi' });
 * await client.close();
 * ```
 */
export class SmtpClient {
  #options: ResolvedClientOptions;
  readonly #secrets: Secrets;
  readonly #log: ClientLog;
  #credentials: Credentials | undefined;
  #credentialsChanged = false;
  #session: Session | undefined;
  /** The session belongs to an earlier call: it may have gone stale while idle. */
  #idle = false;
  #busy = false;
  readonly #waiters: Waiter[] = [];
  #closed = false;
  #closing: Promise<void> | undefined;
  #retiredUsage: TransportUsage = ZERO_USAGE;
  #connections = 0;
  #messages = 0;

  /**
   * @param target An SMTP URL (`smtps://user:pass@mail.example.com`) or {@link ClientOptions}.
   * @param logging `{ log, debugLog }` (functions or logger objects), or a logger with
   *   `info`/`debug` methods (`console`, pino). Secrets never reach them (INV-10).
   * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS`; {@link UrlError} for a bad URL.
   */
  constructor(target: string | ClientOptions, logging?: LoggingOptions | Logger) {
    this.#secrets = createSecrets();
    this.#options = resolveClientOptions(target);
    this.#credentials = this.#options.credentials;
    this.#register(this.#credentials);
    this.#log = createClientLog(logging, this.#secrets);
  }

  /**
   * Sets a password login for the connections opened from now on (a connection already
   * authenticated as someone else is closed before the next message).
   */
  setCredentials(user: string, pass: string): void {
    this.#credentials = createCredentials({ user, pass });
    // INV-1: credentials make TLS required, as they do when given at construction.
    const security = securityFor(this.#options.security, true, this.#options.allowInsecureAuth);
    if (security !== this.#options.security) this.#options = { ...this.#options, security };
    this.#register(this.#credentials);
    this.#credentialsChanged = true;
  }

  /** What the client is connected to and how; never a secret. */
  get info(): ClientInfo {
    const target = this.#options.target;
    const session = this.#session?.usable === true ? this.#session : undefined;
    const tls = session?.connection.tls;
    const user = this.#credentials?.user;
    const capabilities: string[] = [];
    if (session !== undefined) {
      for (const [keyword, params] of session.capabilities.extensions) {
        capabilities.push([keyword, ...params].join(' '));
      }
    }
    return {
      target:
        target.kind === 'unix'
          ? target.path
          : `${target.kind === 'ipv6' ? `[${target.host}]` : target.host}:${target.port}`,
      security: this.#options.security,
      connected: session !== undefined,
      secure: session?.connection.secure ?? false,
      ...(tls === undefined ? {} : { tls: summarizeTls(tls) }),
      ...(user === undefined ? {} : { user }),
      authenticated: session?.authenticatedAs !== undefined,
      ...(session?.mechanism === undefined ? {} : { mechanism: session.mechanism }),
      capabilities,
      ...(session?.ehlo === undefined ? {} : { ehlo: session.ehloInfo }),
    };
  }

  /** Transport usage summed over every connection this client opened, and counts. */
  get stats(): ClientStats {
    const current = this.#session?.connection.usage ?? ZERO_USAGE;
    return {
      ...addUsage(this.#retiredUsage, current),
      connections: this.#connections,
      messages: this.#messages,
    };
  }

  /**
   * Opens the connection now (greeting, EHLO, STARTTLS, EHLO, AUTH) instead of at the first
   * `send()`. Does nothing when it is open.
   *
   * @throws the underlying error: `SmtpReplyError`, `SecurityError`, `AuthError`, `SaslError`,
   *   `ConnectionError`, `TimeoutError`, `TlsError`, `ProtocolError`, `AbortError`.
   */
  async connect(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    if (this.#options.dryRun) return;
    await this.#exclusive(options.signal, async () => {
      if (this.#session?.usable === true && !this.#credentialsChanged) return;
      await this.#dropSession();
      await this.#openSession(options.signal);
      this.#idle = true;
    });
  }

  /**
   * Sends one message. Resolves when the server accepted it for at least one recipient.
   *
   * @param input A `Message`, message options (`{ from, to, subject, text, ... }`), or
   *   `{ envelope: { from, to }, raw }`.
   * @throws {SendError} with the underlying `code`, the `outcome` (`rejected`, `not-sent`,
   *   `unknown`), the reply and the refused recipients.
   */
  async send(input: SendInput, options: SendOptions = {}): Promise<SendResult> {
    const started = performance.now();
    if (this.#closed) {
      throw failure(
        this.#secrets,
        new ClientStateError('SMTP_CLIENT_CLOSED', 'The client is closed'),
        'not-sent',
      );
    }
    let message: ReturnType<typeof normalizeInput>;
    try {
      message = normalizeInput(input);
    } catch (error) {
      throw failure(this.#secrets, error, 'not-sent');
    }
    if (this.#options.dryRun) return this.#dryRun(message, options, started);
    try {
      return await this.#exclusive(options.signal, () => this.#sendNow(message, options, started));
    } catch (error) {
      const sendError = failure(this.#secrets, error, 'not-sent');
      this.#log.info('send failed', { code: sendError.code, outcome: sendError.outcome });
      publishClient('error', {
        ...(this.#session === undefined ? {} : { connectionId: this.#session.connection.id }),
        error: sendError,
      });
      throw sendError;
    }
  }

  /**
   * Connects on a fresh connection (not the kept one), runs the opening dialogue up to
   * `stopAfter`, sends QUIT and reports what it found: the classic ping.
   *
   * @throws the underlying error, as `connect()` does.
   */
  async ping(options: PingOptions = {}): Promise<PingResult> {
    if (this.#options.dryRun) {
      throw new ClientStateError(
        'SMTP_CLIENT_INVALID_OPTIONS',
        'ping() needs the network: dryRun is set',
      );
    }
    const { signal } = options;
    return this.#exclusive(signal, async () => {
      const started = performance.now();
      const { session, timings } = await this.#connect(signal, options.stopAfter ?? 'auth');
      try {
        const tls = session.connection.tls;
        const result: PingResult = {
          capabilities: session.capabilities,
          ehlo: session.ehlo === undefined ? undefined : session.ehloInfo,
          greeting:
            session.greeting === undefined
              ? undefined
              : safeReplyInfo(session.greeting, 'greeting', this.#secrets),
          ...(tls === undefined ? {} : { tls: summarizeTls(tls) }),
          authenticated: session.authenticatedAs !== undefined,
          timings: { ...timings, total: performance.now() - started },
        };
        return result;
      } finally {
        await session.quit();
        this.#retire(session);
      }
    });
  }

  /**
   * Sends QUIT (with the `quit` deadline) once the queued calls are done, then closes the
   * connection. Idempotent; later calls fail with `SMTP_CLIENT_CLOSED`.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#exclusive(undefined, () => this.#dropSession(), true).catch(
      () => undefined,
    );
    return this.#closing;
  }

  /** Drops the connection at once; queued calls fail with `SMTP_CLIENT_CLOSED`. Idempotent. */
  destroy(): void {
    this.#closed = true;
    const session = this.#session;
    this.#session = undefined;
    if (session !== undefined) {
      session.connection.destroy();
      this.#retire(session);
    }
    const error = new ClientStateError('SMTP_CLIENT_CLOSED', 'The client was destroyed');
    for (const waiter of this.#waiters.splice(0)) waiter.fail(error);
  }

  // --- internals ---

  #register(credentials: Credentials | undefined): void {
    if (credentials === undefined) return;
    if ('pass' in credentials) this.#secrets.add(credentials.pass);
    else if (typeof credentials.accessToken === 'string')
      this.#secrets.add(credentials.accessToken);
  }

  /** Runs `task` alone, after every call queued before it (FIFO). */
  async #exclusive<T>(
    signal: AbortSignal | undefined,
    task: () => Promise<T>,
    evenClosed = false,
  ): Promise<T> {
    if (this.#closed && !evenClosed) {
      throw new ClientStateError('SMTP_CLIENT_CLOSED', 'The client is closed');
    }
    if (signal?.aborted) throw abortedBeforeStart(signal);
    if (this.#busy) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const at = this.#waiters.indexOf(waiter);
          if (at !== -1) this.#waiters.splice(at, 1);
          reject(abortedBeforeStart(signal as AbortSignal));
        };
        const waiter: Waiter = {
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          fail: (error) => {
            signal?.removeEventListener('abort', onAbort);
            reject(error);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#waiters.push(waiter);
      });
    } else {
      this.#busy = true;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiters.shift();
      if (next === undefined) this.#busy = false;
      else next.start();
    }
  }

  /**
   * Opens a connection and runs the opening dialogue; the caller owns the session. A failure is
   * published on `smtp:client:error` unless `publishError` is false: `send()` publishes its own
   * `SendError` instead, so that one failure is one event.
   */
  async #connect(
    signal: AbortSignal | undefined,
    stopAfter: SessionStage,
    publishError = true,
  ): Promise<{ session: Session; timings: SessionTimings }> {
    const target = this.#options.target;
    publishClient('connect', {
      target,
      security: this.#options.security,
      clientName: this.#options.clientName,
    });
    const connection = await this.#options.connector(
      connectOptionsFor(this.#options),
      signal === undefined ? {} : { signal },
    );
    this.#connections++;
    const session = new Session(connection, {
      options: this.#options,
      log: this.#log,
      secrets: this.#secrets,
      credentials: this.#credentials,
    });
    session.dialogue.signal = signal;
    try {
      const timings = await session.open(stopAfter);
      return { session, timings };
    } catch (error) {
      this.#retire(session);
      if (publishError)
        publishClient('error', { connectionId: connection.id, error: error as Error });
      throw error;
    }
  }

  /** Whether the RSET before a later transaction can ride in its pipelined envelope batch. */
  #resetInBatch(session: Session): boolean {
    return session.capabilities.pipelining && this.#options.pipelining;
  }

  /** Opens the kept session. */
  async #openSession(
    signal: AbortSignal | undefined,
    publishError = true,
  ): Promise<SessionTimings> {
    this.#credentialsChanged = false;
    const { session, timings } = await this.#connect(signal, 'auth', publishError);
    this.#session = session;
    this.#idle = false;
    const target = this.#options.target;
    this.#log.info('connected', {
      ...(target.kind === 'unix'
        ? { path: target.path }
        : { host: target.host, port: target.port }),
      secure: session.connection.secure,
      authenticated: session.authenticatedAs !== undefined,
      ms: Math.round(timings.total),
    });
    return timings;
  }

  /** QUITs and forgets the kept session. */
  async #dropSession(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    if (session === undefined) return;
    if (session.usable) await session.quit();
    else session.connection.destroy();
    this.#retire(session);
  }

  /** Adds a finished connection's usage to the totals. */
  #retire(session: Session): void {
    if ((session as { retired?: boolean }).retired === true) return;
    Object.defineProperty(session, 'retired', { value: true });
    this.#retiredUsage = addUsage(this.#retiredUsage, session.connection.usage);
  }

  async #sendNow(
    message: ReturnType<typeof normalizeInput>,
    options: SendOptions,
    started: number,
  ): Promise<SendResult> {
    const { signal } = options;
    let connectMs: number | undefined;
    let envelopeExtraMs = 0;
    for (let attempt = 0; ; attempt++) {
      if (this.#session !== undefined && (!this.#session.usable || this.#credentialsChanged)) {
        await this.#dropSession();
      }
      let session = this.#session;
      let mayBeStale = false;
      if (session === undefined) {
        connectMs = (await this.#openSession(signal, false)).total;
        session = this.#session as unknown as Session;
      } else {
        session.dialogue.signal = signal;
        if (session.transactions > 0 && this.#resetInBatch(session)) {
          // The RSET opens the pipelined batch; a dropped idle connection shows there.
          mayBeStale = true;
        } else if (session.transactions > 0) {
          const resetStarted = performance.now();
          try {
            await session.reset();
          } catch (error) {
            if (error instanceof StaleConnectionError && attempt === 0) {
              this.#log.info('the server closed the idle connection; reconnecting');
              await this.#dropSession();
              continue;
            }
            await this.#dropSession();
            throw error instanceof StaleConnectionError ? error.cause : error;
          }
          envelopeExtraMs = performance.now() - resetStarted;
        } else {
          mayBeStale = this.#idle;
        }
      }

      // Checked and encoded for this server before any byte of the transaction.
      const plan: TransactionPlan = planTransaction(
        message,
        session.capabilities,
        session.connection.secure,
        this.#options,
        options,
        this.#log,
      );
      let outcome: TransactionResult;
      try {
        outcome = await runTransaction(
          {
            dialogue: session.dialogue,
            capabilities: session.capabilities,
            secure: session.connection.secure,
            options: this.#options,
            log: this.#log,
            secrets: this.#secrets,
            mayBeStale: mayBeStale && attempt === 0,
            resetFirst: session.transactions > 0 && this.#resetInBatch(session),
          },
          plan,
        );
      } catch (error) {
        session.transactions++;
        if (error instanceof StaleConnectionError) {
          await this.#dropSession();
          if (attempt === 0) {
            this.#log.info('the server closed the idle connection; reconnecting');
            continue;
          }
          throw error.cause;
        }
        if (error instanceof SendError && error.outcome === 'unknown') session.broken = true;
        if (!session.usable || !this.#options.keepAlive) await this.#dropSession();
        else this.#idle = true;
        throw error;
      }
      session.transactions++;
      this.#messages++;
      const result = this.#result(plan, outcome, session, {
        ...(connectMs === undefined ? {} : { connectMs }),
        envelopeMs: outcome.envelopeMs + envelopeExtraMs,
        dataMs: outcome.dataMs,
        totalMs: performance.now() - started,
      });
      this.#log.info('message accepted', {
        size: result.size,
        accepted: result.accepted.length,
        rejected: result.rejected.length,
        queueId: result.queueId,
      });
      if (!this.#options.keepAlive) await this.#dropSession();
      else this.#idle = true;
      return result;
    }
  }

  async #dryRun(
    message: ReturnType<typeof normalizeInput>,
    options: SendOptions,
    started: number,
  ): Promise<SendResult> {
    try {
      if (options.signal?.aborted) throw abortedBeforeStart(options.signal);
      const connection = new DryRunConnection();
      const dialogue = new Dialogue(connection, this.#log, this.#secrets);
      const capabilities = dryRunCapabilities();
      const plan = planTransaction(message, capabilities, true, this.#options, options, this.#log);
      const outcome = await runTransaction(
        {
          dialogue,
          capabilities,
          secure: true,
          options: this.#options,
          log: this.#log,
          secrets: this.#secrets,
          mayBeStale: false,
        },
        plan,
      );
      const ehlo = toReplyInfo(
        { code: 250, lines: ['dry-run.invalid'], text: 'dry-run.invalid' },
        'EHLO',
      );
      return {
        ...this.#result(plan, outcome, undefined, {
          envelopeMs: outcome.envelopeMs,
          dataMs: outcome.dataMs,
          totalMs: performance.now() - started,
        }),
        ehlo,
        bytes: connection.bytes(),
      };
    } catch (error) {
      throw failure(this.#secrets, error, 'not-sent');
    }
  }

  #result(
    plan: TransactionPlan,
    outcome: TransactionResult,
    session: Session | undefined,
    timings: SendResult['timings'],
  ): SendResult {
    const queueId = parseQueueId(outcome.reply.text);
    const messageId = plan.prepared.messageId;
    return {
      outcome: outcome.rejected.length === 0 ? 'accepted' : 'partial',
      accepted: outcome.accepted,
      rejected: outcome.rejected,
      reply: outcome.reply,
      ...(queueId === undefined ? {} : { queueId }),
      ...(messageId === undefined ? {} : { messageId }),
      ehlo: session?.ehloInfo ?? toReplyInfo({ code: 250, lines: [], text: '' }, 'EHLO'),
      envelope: { from: plan.prepared.from, to: plan.prepared.to },
      size: outcome.size,
      timings,
    };
  }
}

function summarizeTls(tls: {
  readonly protocol: string | undefined;
  readonly cipher: { readonly name: string };
  readonly authorized: boolean;
  readonly authorizationError: string | undefined;
}): TlsSummary {
  return {
    protocol: tls.protocol,
    cipher: tls.cipher.name,
    authorized: tls.authorized,
    ...(tls.authorizationError === undefined ? {} : { authorizationError: tls.authorizationError }),
  };
}
