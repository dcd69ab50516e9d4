/**
 * One SMTP session on one connection, in the order RFC 5321 and SECURITY.md fix: greeting, EHLO
 * (HELO only when EHLO is refused with 500, 502, 504 or 550, never by sniffing the banner),
 * STARTTLS, EHLO again with every earlier capability forgotten, AUTH; then transactions
 * (transaction.ts), RSET between them, QUIT.
 *
 * The TLS rules (INV-1, INV-2, INV-4, decisions 2 and 6):
 * - `starttls`: STARTTLS is sent after the first EHLO whether advertised or not; a refusal is
 *   `SecurityError` `SMTP_TLS_REQUIRED`, and a failed handshake a `TlsError`. Nothing but
 *   EHLO/HELO and STARTTLS is written before TLS, and there is never a retry in plaintext.
 * - `opportunistic`: STARTTLS when the server offers it; once tried, a refusal or a failure
 *   fails the session just the same (decision 2).
 * - Credentials are sent only once `mayAuthenticate` (auth.ts) agrees: over TLS with a verified
 *   certificate, unless `allowInsecureAuth`. So with credentials on a plaintext link nothing
 *   after EHLO is written: the session fails before AUTH, and no MAIL follows.
 * - Credentials configured and no AUTH offered (after TLS): `SecurityError`
 *   `SMTP_AUTH_UNAVAILABLE`; the mechanism is chosen in the client's order and there is no
 *   second try with another after a failure.
 *
 * Every wait has a deadline from `timeouts` and honours the caller's `AbortSignal`; the transport
 * destroys the connection when one fires.
 */
import {
  type Capabilities,
  canSendInitialResponse,
  encodeAuth,
  encodeEhlo,
  encodeHelo,
  encodeQuit,
  encodeRset,
  encodeSaslCancel,
  encodeSaslResponse,
  encodeStarttls,
  parseEhlo,
  type Reply,
  SaslError,
  type SaslMechanism,
} from '@smtp/protocol';
import type { Connection, ConnectOptions, TlsInfo } from '@smtp/transport';
import { ConnectionError } from '@smtp/transport';
import { createMechanism, mayAuthenticate, selectMechanism } from './auth.ts';
import { hasClientSubscribers, publishClient } from './diagnostics.ts';
import {
  AuthError,
  type ReplyInfo,
  SecurityError,
  type SmtpCommandName,
  SmtpReplyError,
} from './errors.ts';
import type { ClientLog } from './logging.ts';
import type { Credentials, ResolvedClientOptions } from './options.ts';
import type { Secrets } from './redact.ts';
import { describeReply, toReplyInfo } from './reply-info.ts';

/** EHLO replies that mean "I do not speak ESMTP": the only ones that trigger HELO (RFC 5321 section 4.1.4). */
export const HELO_FALLBACK_CODES: readonly number[] = [500, 502, 504, 550];

/** The most SASL challenges answered in one AUTH exchange (SECURITY.md INV-8). */
export const MAX_AUTH_ROUNDS = 5;

/** Where `ping()` (and `openSession`) may stop. */
export type SessionStage = 'greeting' | 'ehlo' | 'tls' | 'auth';

const decoder = new TextDecoder();

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
    extensions: new Map(),
  };
}

/** What every part of a session needs besides the connection. */
export interface SessionContext {
  readonly options: ResolvedClientOptions;
  readonly log: ClientLog;
  readonly secrets: Secrets;
  /** The credentials in force now (`setCredentials` may change them between sessions). */
  readonly credentials: Credentials | undefined;
}

/**
 * The command channel of one connection: writes lines (logging each, redacted), reads replies
 * (logging them, sanitised) with the deadline of the phase and the caller's signal.
 */
export class Dialogue {
  /** The signal of the call being served; set by the client for each call. */
  signal: AbortSignal | undefined;
  readonly connection: Connection;
  readonly #log: ClientLog;
  readonly #secrets: Secrets;

  constructor(connection: Connection, log: ClientLog, secrets: Secrets) {
    this.connection = connection;
    this.#log = log;
    this.#secrets = secrets;
  }

  /** Writes one or more command lines in one write. */
  async write(bytes: Uint8Array, timeoutMs: number, sensitive = false): Promise<void> {
    const published = hasClientSubscribers('command');
    if (this.#log.debugEnabled || published) {
      for (const line of decoder.decode(bytes).split('\r\n')) {
        if (line === '') continue;
        this.#log.sent(line, sensitive);
        if (published) {
          publishClient(
            'command',
            { connectionId: this.connection.id, line, sensitive },
            this.#secrets,
          );
        }
      }
    }
    await this.connection.write(bytes, this.#options(timeoutMs));
  }

  /** Writes raw bytes that are not command lines (a BDAT payload); logged by size. */
  async writeData(bytes: Uint8Array, timeoutMs: number): Promise<void> {
    this.#log.sentBody(bytes.byteLength);
    await this.connection.write(bytes, this.#options(timeoutMs));
  }

  /** Reads the next reply. */
  async read(command: SmtpCommandName, timeoutMs: number): Promise<Reply> {
    const reply = await this.connection.readReply({
      ...this.#options(timeoutMs),
      phase: command === 'message' ? 'data-final' : command.toLowerCase(),
    });
    this.#log.received(reply);
    if (hasClientSubscribers('reply')) {
      publishClient(
        'reply',
        { connectionId: this.connection.id, reply: toReplyInfo(reply, command) },
        this.#secrets,
      );
    }
    return reply;
  }

  /** Writes a command and reads its reply. */
  async command(
    bytes: Uint8Array,
    command: SmtpCommandName,
    timeoutMs: number,
    sensitive = false,
  ): Promise<Reply> {
    await this.write(bytes, timeoutMs, sensitive);
    return this.read(command, timeoutMs);
  }

  #options(timeoutMs: number): { timeoutMs: number; signal?: AbortSignal } {
    return this.signal === undefined ? { timeoutMs } : { timeoutMs, signal: this.signal };
  }
}

/**
 * The reply as errors and results carry it: sanitised (`toReplyInfo`) and scrubbed of every
 * registered secret, since a server may echo a credential back (INV-10).
 */
export function safeReplyInfo(reply: Reply, command: SmtpCommandName, secrets: Secrets): ReplyInfo {
  const info = toReplyInfo(reply, command);
  if (secrets.size === 0) return info;
  const lines = info.lines.map((line) => secrets.scrub(line));
  const text = secrets.scrub(info.text);
  if (text === info.text && lines.every((line, i) => line === info.lines[i])) return info;
  return Object.freeze({ ...info, lines: Object.freeze(lines), text });
}

/** An `SmtpReplyError` for a refused command, its message scrubbed. */
export function replyError(
  reply: Reply,
  command: SmtpCommandName,
  secrets: Secrets,
  what = `The server refused ${command}`,
): SmtpReplyError {
  const info = safeReplyInfo(reply, command, secrets);
  return new SmtpReplyError(info, secrets.scrub(`${what}: ${describeReply(info)}`));
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
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    ...(options.slowOperation?.slowOperationMs === undefined
      ? {}
      : { slowOperationMs: options.slowOperation.slowOperationMs }),
    ...(options.slowOperation?.minThroughput === undefined
      ? {}
      : { minThroughput: options.slowOperation.minThroughput }),
  };
}

/** How long each stage of opening a session took, in ms. */
export interface SessionTimings {
  readonly connect: number;
  readonly greeting: number;
  readonly ehlo: number;
  readonly tls?: number;
  readonly auth?: number;
  readonly total: number;
}

/** An open session. */
export class Session {
  readonly connection: Connection;
  readonly dialogue: Dialogue;
  readonly #context: SessionContext;
  /** What the server offers now (after TLS: only what it said after TLS). */
  capabilities: Capabilities = noCapabilities();
  greeting: Reply | undefined;
  /** The last EHLO (or HELO) reply. */
  ehlo: Reply | undefined;
  ehloCommand: 'EHLO' | 'HELO' = 'EHLO';
  tls: TlsInfo | undefined;
  /** The user name AUTH succeeded with. */
  authenticatedAs: string | undefined;
  /** The AUTH mechanism used. */
  mechanism: string | undefined;
  /** Transactions run on this connection (successful or not). */
  transactions = 0;
  /** The connection must not be reused (timeout, protocol error, unknown outcome...). */
  broken = false;

  constructor(connection: Connection, context: SessionContext) {
    this.connection = connection;
    this.dialogue = new Dialogue(connection, context.log, context.secrets);
    this.#context = context;
  }

  /** True while the connection can take another transaction. */
  get usable(): boolean {
    return !this.broken && !this.connection.destroyed;
  }

  /** The EHLO/HELO reply as results carry it. */
  get ehloInfo(): ReplyInfo {
    return safeReplyInfo(
      this.ehlo ?? { code: 250, lines: [], text: '' },
      this.ehloCommand === 'HELO' ? 'HELO' : 'EHLO',
      this.#context.secrets,
    );
  }

  /**
   * Runs the opening dialogue up to `stopAfter`. On failure the connection is released (QUIT
   * when the dialogue is still in step, else destroyed) and the error is thrown.
   */
  async open(stopAfter: SessionStage = 'auth'): Promise<SessionTimings> {
    const started = performance.now();
    const timings: { -readonly [K in keyof SessionTimings]?: number } = {
      connect: this.connection.usage.connectMs + this.connection.usage.tlsMs,
    };
    let mark = performance.now();
    const lap = (): number => {
      const now = performance.now();
      const elapsed = now - mark;
      mark = now;
      return elapsed;
    };
    try {
      await this.#greeting();
      timings.greeting = lap();
      if (stopAfter !== 'greeting') {
        await this.#hello();
        timings.ehlo = lap();
        if (stopAfter !== 'ehlo') {
          if (await this.#startTls()) timings.tls = lap();
          if (stopAfter !== 'tls' && (await this.#authenticate())) timings.auth = lap();
        }
      }
    } catch (error) {
      await this.release(error);
      throw error;
    }
    return {
      connect: timings.connect ?? 0,
      greeting: timings.greeting ?? 0,
      ehlo: timings.ehlo ?? 0,
      ...(timings.tls === undefined ? {} : { tls: timings.tls }),
      ...(timings.auth === undefined ? {} : { auth: timings.auth }),
      total: (timings.connect ?? 0) + (performance.now() - started),
    };
  }

  async #greeting(): Promise<void> {
    const { timeouts } = this.#context.options;
    const reply = await this.dialogue.read('greeting', timeouts.greeting);
    this.greeting = reply;
    if (reply.code !== 220) {
      throw replyError(reply, 'greeting', this.#context.secrets, 'The server refused the session');
    }
  }

  /** EHLO, or HELO when EHLO is refused with 500, 502, 504 or 550. */
  async #hello(): Promise<void> {
    const { clientName, timeouts } = this.#context.options;
    const reply = await this.dialogue.command(encodeEhlo(clientName), 'EHLO', timeouts.command);
    if (reply.code === 250) {
      this.ehlo = reply;
      this.ehloCommand = 'EHLO';
      this.capabilities = parseEhlo(reply);
      return;
    }
    if (!HELO_FALLBACK_CODES.includes(reply.code)) {
      throw replyError(reply, 'EHLO', this.#context.secrets);
    }
    this.#context.log.info('EHLO refused, trying HELO', { code: reply.code });
    const helo = await this.dialogue.command(encodeHelo(clientName), 'HELO', timeouts.command);
    if (helo.code !== 250) throw replyError(helo, 'HELO', this.#context.secrets);
    this.ehlo = helo;
    this.ehloCommand = 'HELO';
    this.capabilities = noCapabilities(helo.lines[0]?.split(' ')[0] ?? '');
  }

  /** STARTTLS when the security level asks for it; returns whether TLS was started. */
  async #startTls(): Promise<boolean> {
    const { options, secrets, log } = this.#context;
    if (this.connection.secure) {
      this.tls = this.connection.tls;
      return false;
    }
    const wanted =
      options.security === 'starttls' ||
      (options.security === 'opportunistic' && this.capabilities.startTls);
    if (!wanted) return false;
    const reply = await this.dialogue.command(
      encodeStarttls(),
      'STARTTLS',
      options.timeouts.command,
    );
    if (reply.code !== 220) {
      const cause = replyError(reply, 'STARTTLS', secrets);
      throw new SecurityError(
        'SMTP_TLS_REQUIRED',
        secrets.scrub(
          `TLS is required and the server refused STARTTLS: ${describeReply(cause.reply)}`,
        ),
        { cause },
      );
    }
    // INV-2: the transport refuses any byte that came after the 220, then verifies the peer.
    const upgradeOptions =
      this.dialogue.signal === undefined
        ? { timeoutMs: options.timeouts.tls }
        : { timeoutMs: options.timeouts.tls, signal: this.dialogue.signal };
    this.tls = await this.connection.upgradeToTls(upgradeOptions);
    log.info('TLS established', {
      protocol: this.tls.protocol,
      cipher: this.tls.cipher.name,
      authorized: this.tls.authorized,
    });
    // INV-2: nothing learnt before TLS survives it.
    this.capabilities = noCapabilities();
    this.ehlo = undefined;
    await this.#hello();
    return true;
  }

  /** AUTH when credentials are configured; returns whether it ran. */
  async #authenticate(): Promise<boolean> {
    const { options, secrets, log, credentials } = this.#context;
    if (credentials === undefined) return false;
    // INV-4: over verified TLS only, unless the separate opt-in says otherwise.
    mayAuthenticate(
      { secure: this.connection.secure, authorized: this.connection.tls?.authorized ?? false },
      options.allowInsecureAuth,
    );
    // Throws SMTP_AUTH_UNAVAILABLE when nothing usable is offered (decision 6).
    const name = selectMechanism(this.capabilities.auth, credentials, options.mechanism);
    const target = options.target;
    const mechanism = await createMechanism(name, credentials, {
      host: target.kind === 'unix' ? 'localhost' : target.host,
      port: target.kind === 'unix' ? 0 : target.port,
      secrets,
    });
    await this.#sasl(mechanism);
    this.authenticatedAs = credentials.user;
    this.mechanism = mechanism.name;
    log.info('authenticated', { mechanism: mechanism.name, user: credentials.user });
    return true;
  }

  /** The SASL exchange (RFC 4954 section 4). */
  async #sasl(mechanism: SaslMechanism): Promise<void> {
    const { options, secrets } = this.#context;
    const timeout = options.timeouts.command;
    const name = mechanism.name;
    let initial: string | undefined;
    try {
      initial = mechanism.start();
    } catch (error) {
      throw authFailure(name, undefined, error, secrets);
    }
    if (initial !== undefined) secrets.addPayload(initial);
    let pendingInitial: string | undefined;
    if (initial !== undefined && canSendInitialResponse(name, initial)) {
      await this.dialogue.write(encodeAuth(name, initial), timeout, true);
    } else {
      await this.dialogue.write(encodeAuth(name), timeout, true);
      pendingInitial = initial;
    }
    let rounds = 0;
    for (;;) {
      const reply = await this.dialogue.read('AUTH', timeout);
      if (reply.code === 235) {
        try {
          mechanism.finish();
        } catch (error) {
          throw authFailure(name, safeReplyInfo(reply, 'AUTH', secrets), error, secrets);
        }
        return;
      }
      if (reply.code !== 334) {
        const info = safeReplyInfo(reply, 'AUTH', secrets);
        throw new AuthError(
          name,
          info,
          secrets.scrub(`Authentication with ${name} failed: ${describeReply(info)}`),
        );
      }
      let response: string;
      if (pendingInitial !== undefined) {
        // The initial response that did not fit on the AUTH line answers the empty 334.
        response = pendingInitial === '=' ? '' : pendingInitial;
        pendingInitial = undefined;
      } else {
        rounds++;
        try {
          if (rounds > MAX_AUTH_ROUNDS) {
            throw new SaslError(
              'SMTP_SASL_TOO_MANY_ROUNDS',
              `The server sent more than ${MAX_AUTH_ROUNDS} AUTH challenges`,
            );
          }
          response = mechanism.step(reply.lines[0] ?? '');
        } catch (error) {
          await this.#cancel(timeout);
          throw error instanceof SaslError ? error : authFailure(name, undefined, error, secrets);
        }
      }
      if (response !== '') secrets.addPayload(response);
      await this.dialogue.write(encodeSaslResponse(response), timeout, true);
    }
  }

  /**
   * `*`: abandons the exchange; the server's 501 is read so the dialogue stays in step. A
   * failure here drops the connection: the reason to report is the one that led to the cancel.
   */
  async #cancel(timeout: number): Promise<void> {
    try {
      await this.dialogue.write(encodeSaslCancel(), timeout, true);
      await this.dialogue.read('AUTH', timeout);
    } catch {
      this.connection.destroy();
    }
  }

  /**
   * RSET before a later transaction. Throws {@link StaleConnectionError} when the server has
   * closed the idle connection (421, or EOF or reset when writing or reading).
   */
  async reset(): Promise<void> {
    const { timeouts } = this.#context.options;
    let reply: Reply;
    try {
      reply = await this.dialogue.command(encodeRset(), 'RSET', timeouts.command);
    } catch (error) {
      if (isConnectionGone(error)) throw new StaleConnectionError(error);
      this.broken = true;
      throw error;
    }
    if (reply.code === 421) {
      this.connection.destroy();
      throw new StaleConnectionError(replyError(reply, 'RSET', this.#context.secrets));
    }
    if (reply.code !== 250) {
      this.broken = true;
      throw replyError(reply, 'RSET', this.#context.secrets);
    }
  }

  /**
   * QUIT, then a graceful close that waits (up to the `quit` deadline) for the server to close
   * its side, which it does after its `221` (RFC 5321 section 4.1.1.10); the `221` itself is
   * not awaited, so a server that never answers QUIT costs no more than a peer that lingers.
   * Never throws. In plaintext where TLS is required, the socket is dropped instead (INV-1).
   */
  async quit(): Promise<void> {
    const { timeouts } = this.#context.options;
    const connection = this.connection;
    if (connection.destroyed) return;
    if (!this.#mayWritePlain()) {
      connection.destroy();
      return;
    }
    try {
      this.dialogue.signal = undefined;
      await this.dialogue.write(encodeQuit(), timeouts.quit);
      await connection.close({ timeoutMs: timeouts.quit });
    } catch {
      connection.destroy();
    }
  }

  /**
   * Lets go of the connection after `error`: QUIT when the dialogue is still in step (a refusal,
   * a security stop before the offending bytes), destroy otherwise.
   */
  async release(error: unknown): Promise<void> {
    this.broken = true;
    if (!this.connection.destroyed && isInStep(error)) await this.quit();
    else this.connection.destroy();
  }

  /**
   * Whether a command other than EHLO/HELO/STARTTLS may be written now: always over TLS; in
   * plaintext only when TLS is not required (INV-1: not with `starttls` or `implicit`, nor with
   * credentials configured without `allowInsecureAuth`).
   */
  #mayWritePlain(): boolean {
    if (this.connection.secure) return true;
    const { options, credentials } = this.#context;
    if (options.security === 'starttls' || options.security === 'implicit') return false;
    return credentials === undefined || options.allowInsecureAuth;
  }
}

/** The server closed an idle kept connection: the client reconnects once (nothing was sent). */
export class StaleConnectionError extends Error {
  override readonly name = 'StaleConnectionError';
  constructor(cause: unknown) {
    super('The server closed the idle connection', { cause });
  }
}

/** The peer closed or reset the connection (as opposed to a timeout, an abort or a protocol error). */
export function isConnectionGone(error: unknown): boolean {
  return (
    error instanceof ConnectionError &&
    (error.code === 'SMTP_CONNECTION_CLOSED' || error.code === 'SMTP_CONNECTION_RESET')
  );
}

/** Errors after which the dialogue is still in step, so QUIT can be sent. */
function isInStep(error: unknown): boolean {
  return (
    error instanceof SmtpReplyError ||
    error instanceof AuthError ||
    error instanceof SaslError ||
    error instanceof SecurityError
  );
}

function authFailure(
  name: string,
  reply: ReplyInfo | undefined,
  error: unknown,
  secrets: Secrets,
): AuthError {
  const why = error instanceof Error ? error.message : 'the mechanism failed';
  return new AuthError(name, reply, secrets.scrub(`Authentication with ${name} failed: ${why}`), {
    cause: error,
  });
}
