/**
 * `SmtpClient`: one `SmtpConnection` (smtp-connection.ts) kept between messages, or opened for
 * each, behind a FIFO (fifo.ts) so that calls never interleave, plus what a caller asks of a
 * client: `info`, `stats`, `ping()`, `close()`, `destroy()`, `definition()`.
 *
 * - Reuse: a kept connection that went stale while idle (the server closed it or said anything
 *   at all, decision 9) is replaced by a new one before the message; one that the server drops
 *   just as the message starts gets one more try on a new connection. Both are safe: nothing of
 *   the message was sent. After a timeout, a protocol error, an abort or an `unknown` outcome
 *   the connection is dropped (policy.ts) and the message is never sent again (decision 8).
 * - `send()` always fails with a `SendError` whose `code` is the underlying error's and whose
 *   `outcome` says whether the message may have been delivered; `connect()` and `ping()` throw
 *   the underlying error itself.
 * - `destroy()` is final at any moment, also while a connection is still opening: the socket is
 *   closed, nothing more is written, the pending call fails and the queued ones with it.
 */
import type { TransportUsage } from '@smtp/transport';
import {
  type ClientInfo,
  type ClientStats,
  describeClient,
  type PingOptions,
  type PingResult,
  pingResult,
} from './client-info.ts';
import { type ConnectionDefinition, toConnectionDefinition } from './connection-definition.ts';
import { deliveryResult, openConnection } from './delivery.ts';
import { publishClient } from './diagnostics.ts';
import { dryRun } from './dry-run.ts';
import { ClientStateError, type ReplyInfo, type SendError } from './errors.ts';
import { Fifo } from './fifo.ts';
import { type ClientLog, createClientLog, type Logger, type LoggingOptions } from './logging.ts';
import { normalizeInput, type SendableMessage, type SendInput } from './message-source.ts';
import type { ClientOptions, Credentials, ResolvedClientOptions } from './options.ts';
import { failure } from './outcome.ts';
import { securityFor } from './policy.ts';
import { createSecrets, registerCredentials, registerDkimKeys, type Secrets } from './redact.ts';
import { createCredentials, resolveClientOptions } from './resolve-options.ts';
import type { SendResult } from './send-result.ts';
import { SmtpConnection } from './smtp-connection.ts';
import { StaleConnectionError } from './stale.ts';
import type { SendOptions } from './transaction-plan.ts';
import { addUsage, usageSince, ZERO_USAGE } from './usage.ts';

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
  /** The kept connection, from the moment it starts opening. */
  #connection: SmtpConnection | undefined;
  /** Every connection this client has open or opening (the kept one, a ping's). */
  readonly #live = new Set<SmtpConnection>();
  readonly #queue = new Fifo();
  #closed = false;
  #closing: Promise<ReplyInfo | undefined> | undefined;
  #retiredUsage: TransportUsage = ZERO_USAGE;
  /** What the kept connection had used when `resetStats()` was called. */
  #usageBaseline: TransportUsage | undefined;
  #connections = 0;
  #messages = 0;

  /**
   * @param target An SMTP URL (`smtps://user:pass@mail.example.com`) or {@link ClientOptions}.
   * @param logging `{ log, debugLog }` (functions or logger objects), or a logger with
   *   `info`/`debug` methods (`console`, pino). Secrets never reach them (INV-10).
   * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS`, the message naming the option.
   */
  constructor(target: string | ClientOptions, logging?: LoggingOptions | Logger) {
    this.#secrets = createSecrets();
    this.#options = resolveClientOptions(target);
    this.#credentials = this.#options.credentials;
    registerCredentials(this.#secrets, this.#credentials);
    registerDkimKeys(this.#secrets, this.#options.dkim);
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
    this.#options = Object.freeze({ ...this.#options, security, credentials: this.#credentials });
    registerCredentials(this.#secrets, this.#credentials);
    this.#credentialsChanged = true;
  }

  /** What the client is connected to and how; never a secret. Server text is sanitised. */
  get info(): ClientInfo {
    const connection = this.#connection?.usable === true ? this.#connection : undefined;
    return describeClient(this.#options, this.#credentials, connection);
  }

  /** Transport usage summed over every connection this client opened, and counts. */
  get stats(): ClientStats {
    const current = this.#connection?.usage ?? ZERO_USAGE;
    const since =
      this.#usageBaseline === undefined ? current : usageSince(current, this.#usageBaseline);
    return {
      ...addUsage(this.#retiredUsage, since),
      connections: this.#connections,
      messages: this.#messages,
    };
  }

  /** Starts the figures of `stats` again from zero (the open connection counts from now). */
  resetStats(): void {
    this.#retiredUsage = ZERO_USAGE;
    this.#usageBaseline = this.#connection?.usage;
    this.#connections = 0;
    this.#messages = 0;
  }

  /**
   * The client's configuration as a JSON connection definition. The password or token is left
   * out unless `includeSecrets` is set; functions (a connector, `onEvent`, a token provider)
   * cannot be JSON. Whatever was left out is named in `omitted`; a definition without `omitted`
   * is one `createClient()` turns back into an equivalent client, and one with it is refused
   * there, so that a client never quietly loses its password or its connector.
   */
  definition(options: { readonly includeSecrets?: boolean } = {}): ConnectionDefinition {
    return toConnectionDefinition(this.#options, options);
  }

  /**
   * Opens the connection now (greeting, EHLO, STARTTLS, EHLO, AUTH) instead of at the first
   * `send()`. Does nothing when it is open.
   *
   * @throws the underlying error: `SmtpReplyError`, `SecurityError`, `AuthError`, `SaslError`,
   *   `ConnectionError`, `TimeoutError`, `TlsError`, `ProtocolError`, `AbortError`,
   *   `ClientStateError` (`SMTP_CLIENT_CLOSED` when the client is destroyed meanwhile).
   */
  async connect(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    if (this.#options.dryRun) return;
    this.#checkOpen();
    await this.#queue.run(options.signal, async () => {
      try {
        const { connection } = await this.#ready(options.signal);
        connection.markIdle();
      } catch (error) {
        publishClient('error', { error: error as Error });
        throw error;
      }
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
    let sendError: SendError;
    try {
      this.#checkOpen();
      const message = normalizeInput(input, this.#options);
      if (this.#options.dryRun) return await this.#dryRun(message, options, started);
      return await this.#queue.run(options.signal, () => this.#deliver(message, options, started));
    } catch (error) {
      sendError = failure(this.#secrets, error, 'not-sent');
    }
    if (this.#log.enabled) {
      this.#log.info('send failed', { code: sendError.code, outcome: sendError.outcome });
    }
    publishClient('error', {
      ...(this.#connection === undefined ? {} : { connectionId: this.#connection.id }),
      error: sendError,
    });
    throw sendError;
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
    this.#checkOpen();
    const { signal } = options;
    return this.#queue.run(signal, async () => {
      const started = performance.now();
      const connection = this.#newConnection();
      try {
        const timings = await connection.open({ signal, stopAfter: options.stopAfter ?? 'auth' });
        return pingResult(connection, { ...timings, total: performance.now() - started });
      } catch (error) {
        publishClient('error', { connectionId: connection.id, error: error as Error });
        throw error;
      } finally {
        await connection.quit();
        this.#retire(connection);
      }
    });
  }

  /**
   * QUIT (with the `quit` deadline) once the queued calls are done, then close. Resolves with
   * the server's reply to QUIT, or `undefined` when no connection was open or none came.
   * Idempotent; later calls fail with `SMTP_CLIENT_CLOSED`.
   */
  close(): Promise<ReplyInfo | undefined> {
    this.#closed = true;
    this.#closing ??= this.#queue.run(undefined, () => this.#dropKept()).catch(() => undefined);
    return this.#closing;
  }

  /**
   * Drops every connection at once, also one still opening; the running call fails and queued
   * calls fail with `SMTP_CLIENT_CLOSED`. Not one more byte is written. Idempotent.
   */
  destroy(): void {
    this.#closed = true;
    for (const connection of this.#live) {
      connection.destroy();
      this.#retire(connection);
    }
    this.#connection = undefined;
    this.#queue.failAll(new ClientStateError('SMTP_CLIENT_CLOSED', 'The client was destroyed'));
  }

  // --- internals ---

  #checkOpen(): void {
    if (this.#closed) throw new ClientStateError('SMTP_CLIENT_CLOSED', 'The client is closed');
  }

  #newConnection(credentials = this.#credentials): SmtpConnection {
    const connection = new SmtpConnection({
      options: this.#options,
      log: this.#log,
      secrets: this.#secrets,
      credentials,
    });
    this.#live.add(connection);
    return connection;
  }

  /** The kept connection, opened now if there is none usable; `connectMs` when it was opened. */
  async #ready(
    signal: AbortSignal | undefined,
  ): Promise<{ connection: SmtpConnection; connectMs?: number }> {
    const kept = this.#connection;
    if (kept?.usable === true && !this.#credentialsChanged) return { connection: kept };
    if (kept !== undefined) await this.#dropKept();
    this.#credentialsChanged = false;
    const connection = this.#newConnection();
    this.#connection = connection;
    this.#connections++;
    try {
      const connectMs = await openConnection(connection, this.#options, this.#log, signal);
      return { connection, connectMs };
    } catch (error) {
      if (this.#connection === connection) this.#connection = undefined;
      this.#retire(connection);
      throw error;
    }
  }

  /** QUITs and forgets the kept connection; resolves with the QUIT reply, if any. */
  async #dropKept(): Promise<ReplyInfo | undefined> {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection === undefined) return undefined;
    const reply = await connection.quit();
    this.#retire(connection);
    return reply;
  }

  /** Adds a finished connection's usage to the totals, once. */
  #retire(connection: SmtpConnection): void {
    if (!this.#live.delete(connection)) return;
    const usage = connection.usage;
    if (usage === undefined) return;
    const baseline = this.#connection === connection ? this.#usageBaseline : undefined;
    if (this.#usageBaseline !== undefined && baseline === undefined)
      this.#usageBaseline = undefined;
    this.#retiredUsage = addUsage(
      this.#retiredUsage,
      baseline === undefined ? usage : usageSince(usage, baseline),
    );
  }

  async #deliver(
    message: SendableMessage,
    options: SendOptions,
    started: number,
  ): Promise<SendResult> {
    for (let attempt = 0; ; attempt++) {
      // The kept connection when it is usable, without a turn of the event loop; else a new one.
      const kept = this.#connection;
      const { connection, connectMs } =
        kept?.usable === true && !this.#credentialsChanged
          ? { connection: kept, connectMs: undefined }
          : await this.#ready(options.signal);
      try {
        const sent = await connection.send(message, options);
        const timing = { started, connectMs, attempts: 1 };
        const result = deliveryResult(connection, sent, timing, this.#log);
        this.#messages++;
        if (!this.#options.keepAlive) await this.#dropKept();
        return result;
      } catch (error) {
        if (error instanceof StaleConnectionError) {
          if (this.#connection === connection) this.#connection = undefined;
          this.#retire(connection);
          if (attempt === 0) continue;
          throw error.cause ?? error;
        }
        if (!connection.usable || !this.#options.keepAlive) await this.#dropKept();
        throw error;
      }
    }
  }

  #dryRun(message: SendableMessage, options: SendOptions, started: number): Promise<SendResult> {
    return dryRun(
      { options: this.#options, log: this.#log, secrets: this.#secrets, credentials: undefined },
      message,
      options,
      started,
    );
  }
}
