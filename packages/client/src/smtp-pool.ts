/**
 * `SmtpPool`: many `SmtpConnection`s (smtp-connection.ts) to one server behind one bounded queue,
 * with rate limits and retries. It takes what `SmtpClient` takes, and its `send()` takes, returns
 * and throws the same shapes, so code moves from one to the other by changing the class.
 *
 * How a message goes:
 * 1. `send()` checks the input, then queues it. A full queue (`maxQueued`) fails the send at once
 *    with `SMTP_POOL_QUEUE_FULL`, or makes it wait for room when `whenFull: 'wait'`.
 * 2. The scheduler ({@link SmtpPool.#pump}) starts the oldest ready message when the rate limits
 *    allow it (rate-limiter.ts; they are asked before the start, never after), on an idle
 *    connection, or on a new one while fewer than `maxConnections` are open.
 * 3. A connection is reused only after a clean transaction: after a timeout, a protocol error, an
 *    `unknown` outcome or a `421` it is unusable and dropped (policy.ts `mustDiscard`), and only
 *    it. A kept connection that went stale while idle is replaced and the message tried again,
 *    as `SmtpClient` does (nothing of it was sent).
 * 4. A temporary failure that left the server untouched is retried on another connection after
 *    an exponential, jittered delay, at most `retries` times; never an `unknown` outcome or a
 *    5xx (retry.ts, decision 8 in docs/security.md). The result or error says how many attempts.
 *
 * Every `send()` promise settles exactly once: each queued message is a job that settles
 * through one function, and `destroy()` settles every job it takes away.
 */
import { EventEmitter } from 'node:events';
import { AbortError } from '@smtp/transport';
import { type ConnectionDefinition, toConnectionDefinition } from './connection-definition.ts';
import { deliveryResult, openConnection } from './delivery.ts';
import { dryRun } from './dry-run.ts';
import { ClientStateError, type FailedOutcome, SendError } from './errors.ts';
import { type ClientLog, createClientLog, type Logger, type LoggingOptions } from './logging.ts';
import { normalizeInput, type SendableMessage, type SendInput } from './message-source.ts';
import type { Credentials, ResolvedClientOptions } from './options.ts';
import { failure, withAttempts } from './outcome.ts';
import {
  type ConnectionCloseReason,
  hasPoolSubscribers,
  type PoolEventMap,
  publishPool,
} from './pool-events.ts';
import {
  type PoolOptions,
  type ResolvedPoolSettings,
  splitPoolOptions,
  type WhenFull,
} from './pool-options.ts';
import { RateLimiter } from './rate-limiter.ts';
import { createSecrets, registerCredentials, registerDkimKeys, type Secrets } from './redact.ts';
import { resolveClientOptions } from './resolve-options.ts';
import { isRetryable, retryDelay, type TrackedMessage, trackReads } from './retry.ts';
import type { SendResult } from './send-result.ts';
import { SmtpConnection } from './smtp-connection.ts';
import { StaleConnectionError } from './stale.ts';
import type { SendOptions } from './transaction-plan.ts';

/** `send()` options of a pool: a client's, and what to do when the queue is full. */
export interface PoolSendOptions extends SendOptions {
  /** Overrides the pool's `whenFull` for this message. */
  readonly whenFull?: WhenFull;
}

/** The pool's counters; `queued`, `inFlight`, `connections` and `idle` are the state now. */
export interface PoolStats {
  /** Messages waiting for a connection or for their retry delay. */
  readonly queued: number;
  /** Sends waiting for room in a full queue (`whenFull: 'wait'`). */
  readonly waitingForRoom: number;
  /** Messages being sent now. */
  readonly inFlight: number;
  /** Connections open or opening. */
  readonly connections: number;
  /** Open connections waiting for a message. */
  readonly idle: number;
  /** Messages accepted for at least one recipient (`partial` ones included). */
  readonly accepted: number;
  /** Of `accepted`, those some recipients refused. */
  readonly partial: number;
  /** Messages that failed for good, by outcome. */
  readonly failed: { readonly [K in FailedOutcome]: number };
  /** Retries started (a message retried twice counts twice). */
  readonly retried: number;
  readonly connectionsOpened: number;
  readonly connectionsClosed: number;
  /** Connections that failed to open (refused, greeting refused, TLS or AUTH failed...). */
  readonly connectionsFailed: number;
}

/** `send()` without options: one shared object rather than a new `{}` per call. */
const NO_OPTIONS: PoolSendOptions = Object.freeze({});

/** A message in the pool, from `send()` until its promise settles. */
interface Job {
  readonly seq: number;
  readonly tracked: TrackedMessage;
  readonly options: SendOptions;
  readonly signal: AbortSignal | undefined;
  readonly started: number;
  readonly resolve: (result: SendResult) => void;
  readonly reject: (error: SendError) => void;
  attempts: number;
  /** A retry waits until then (`performance.now()` clock). */
  notBefore: number;
  /** The connection the last attempt failed on: a retry goes to another one. */
  avoid: PooledConnection | undefined;
  /** Already tried again once after finding its connection stale. */
  staleRetried: boolean;
  settled: boolean;
  onAbort: (() => void) | undefined;
}

/** A connection of the pool. */
interface PooledConnection {
  readonly connection: SmtpConnection;
  readonly limiter: RateLimiter | undefined;
  opened: boolean;
  /**
   * Retires the connection `idleTimeout` after it was last put back, if it is still idle then.
   * Made once and re-armed (`refresh()`) on every release: a timer and a closure per message
   * otherwise. It is left running while the connection is busy; firing then, it does nothing.
   */
  idleTimer: ReturnType<typeof setTimeout> | undefined;
}

/** A send waiting for room in the queue. */
interface RoomWaiter {
  readonly admit: () => void;
  readonly fail: (error: Error) => void;
}

/**
 * A pool of connections to one SMTP server. See the module docblock and the package README.
 *
 * @example
 * ```ts
 * const pool = new SmtpPool({ url: 'smtp://user:pass@mail.example.com:587', maxConnections: 4 });
 * const results = await Promise.allSettled(messages.map((message) => pool.send(message)));
 * await pool.close();
 * ```
 */
export class SmtpPool extends EventEmitter<PoolEventMap> {
  readonly #options: ResolvedClientOptions;
  readonly #settings: ResolvedPoolSettings;
  readonly #secrets: Secrets;
  readonly #log: ClientLog;
  readonly #credentials: Credentials | undefined;
  readonly #limiter: RateLimiter | undefined;
  /** Every connection open or opening. */
  readonly #live = new Set<PooledConnection>();
  /** Open connections waiting for a message, the most recently used last. */
  readonly #idle: PooledConnection[] = [];
  /** Messages ready to start, oldest first. */
  readonly #ready: Job[] = [];
  /** Messages waiting for their retry delay. */
  readonly #delayed: Job[] = [];
  readonly #roomWaiters: RoomWaiter[] = [];
  /** Room promised to admitted waiters that have not queued their message yet. */
  #reserved = 0;
  /** QUITs in progress, for `close()` to wait on. */
  readonly #quitting = new Set<Promise<unknown>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #pumping = false;
  #seq = 0;
  #inFlight = 0;
  #closing = false;
  #destroyed = false;
  #closed: Promise<void> | undefined;
  #onDrained: (() => void) | undefined;
  readonly #counts = {
    accepted: 0,
    partial: 0,
    failed: { rejected: 0, 'not-sent': 0, unknown: 0 },
    retried: 0,
    connectionsOpened: 0,
    connectionsClosed: 0,
    connectionsFailed: 0,
  };

  /**
   * @param target An SMTP URL, or {@link PoolOptions}: a client's options and the pool's
   *   (`maxConnections`, `rateLimit`, `retries`...).
   * @param logging As for `SmtpClient`; secrets never reach it (INV-10).
   * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS`, the message naming the option.
   */
  constructor(target: string | PoolOptions, logging?: LoggingOptions | Logger) {
    super();
    const { client, settings } = splitPoolOptions(target);
    this.#options = resolveClientOptions(client);
    this.#settings = settings;
    this.#secrets = createSecrets();
    this.#credentials = this.#options.credentials;
    registerCredentials(this.#secrets, this.#credentials);
    registerDkimKeys(this.#secrets, this.#options.dkim);
    this.#log = createClientLog(logging, this.#secrets);
    this.#limiter =
      settings.rateLimit === undefined
        ? undefined
        : new RateLimiter(settings.rateLimit, settings.rateInterval);
  }

  /** The pool's settings, defaults applied. */
  get settings(): ResolvedPoolSettings {
    return this.#settings;
  }

  /** Counters since the pool was made, and the state now. */
  get stats(): PoolStats {
    const counts = this.#counts;
    return {
      queued: this.#queued(),
      waitingForRoom: this.#roomWaiters.length,
      inFlight: this.#inFlight,
      connections: this.#live.size,
      idle: this.#idle.length,
      accepted: counts.accepted,
      partial: counts.partial,
      failed: { ...counts.failed },
      retried: counts.retried,
      connectionsOpened: counts.connectionsOpened,
      connectionsClosed: counts.connectionsClosed,
      connectionsFailed: counts.connectionsFailed,
    };
  }

  /** The client options as a JSON connection definition, as `SmtpClient.definition()`. */
  definition(options: { readonly includeSecrets?: boolean } = {}): ConnectionDefinition {
    return toConnectionDefinition(this.#options, options);
  }

  /**
   * Queues one message and resolves when the server accepted it for at least one recipient.
   *
   * @param input A `Message`, message options, or `{ envelope, raw }`, as for `SmtpClient`.
   * @throws {SendError} as `SmtpClient.send()`, with `attempts`; `SMTP_POOL_QUEUE_FULL`
   *   (`not-sent`, `temporary`) when the queue is full and the send may not wait.
   */
  send(input: SendInput, options: PoolSendOptions = NO_OPTIONS): Promise<SendResult> {
    // Not an async function: a message that can queue at once (the usual case) gets the job's
    // own promise, with no async wrapper around it; the rare waits have async helpers.
    const started = performance.now();
    // The options are copied without `whenFull`, as they were given at this call (a caller may
    // change its object afterwards); the shared default needs no copy.
    let whenFull: WhenFull = this.#settings.whenFull;
    let sendOptions: SendOptions = options;
    if (options !== NO_OPTIONS) {
      const { whenFull: given = whenFull, ...rest } = options;
      whenFull = given;
      sendOptions = rest;
    }
    const { signal } = sendOptions;
    let tracked: TrackedMessage;
    try {
      if (this.#closing) throw new ClientStateError('SMTP_CLIENT_CLOSED', 'The pool is closed');
      const message = normalizeInput(input, this.#options);
      if (this.#options.dryRun) return this.#dryRun(message, sendOptions, started);
      if (signal?.aborted === true) throw new AbortError('queue', { cause: signal.reason });
      if (this.#isFull()) {
        if (whenFull === 'reject') throw this.#queueFull();
        return this.#queueWhenRoom(message, sendOptions, started);
      }
      tracked = trackReads(message);
    } catch (error) {
      return Promise.reject(this.#beforeQueue(error));
    }
    return this.#queue(tracked, sendOptions, started);
  }

  /** `send()` with `dryRun`: the dialogue against a connection that goes nowhere. */
  async #dryRun(
    message: SendableMessage,
    options: SendOptions,
    started: number,
  ): Promise<SendResult> {
    try {
      const context = {
        options: this.#options,
        log: this.#log,
        secrets: this.#secrets,
        credentials: undefined,
      };
      return await dryRun(context, message, options, started);
    } catch (error) {
      throw this.#beforeQueue(error);
    }
  }

  /** `send()` on a full queue with `whenFull: 'wait'`: queues the message once there is room. */
  async #queueWhenRoom(
    message: SendableMessage,
    options: SendOptions,
    started: number,
  ): Promise<SendResult> {
    let tracked: TrackedMessage;
    try {
      await this.#waitForRoom(options.signal);
      this.#reserved--;
      tracked = trackReads(message);
    } catch (error) {
      throw this.#beforeQueue(error);
    }
    return this.#queue(tracked, options, started);
  }

  /** A send that failed before its message was queued: `not-sent`, no attempt. */
  #beforeQueue(error: unknown): SendError {
    return this.#failed(withAttempts(failure(this.#secrets, error, 'not-sent'), 0), true);
  }

  /** Queues a message as a job; the promise settles when the job does. */
  #queue(tracked: TrackedMessage, sendOptions: SendOptions, started: number): Promise<SendResult> {
    const { signal } = sendOptions;
    return new Promise<SendResult>((resolve, reject) => {
      const job: Job = {
        seq: this.#seq++,
        tracked,
        options: sendOptions,
        signal,
        started,
        resolve,
        reject,
        attempts: 0,
        notBefore: 0,
        avoid: undefined,
        staleRetried: false,
        settled: false,
        onAbort: undefined,
      };
      if (signal !== undefined) {
        job.onAbort = () => this.#abortQueued(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#ready.push(job);
      if (this.#heard('queued')) this.#announce('queued', { queued: this.#queued() });
      this.#pump();
    });
  }

  /**
   * Takes no more messages, lets the queued ones finish (or fail, in order), then closes every
   * connection with QUIT. Idempotent; `send()` fails with `SMTP_CLIENT_CLOSED` from now on.
   */
  close(): Promise<void> {
    this.#closing = true;
    this.#closed ??= this.#drain().then(() => this.#quitAll());
    return this.#closed;
  }

  /**
   * Fails every queued message at once (`SMTP_CLIENT_CLOSED`, `not-sent`) and drops every
   * connection without another byte; messages in flight fail with their outcome. Idempotent.
   */
  destroy(): void {
    this.#closing = true;
    this.#destroyed = true;
    this.#clearTimer();
    const error = new ClientStateError('SMTP_CLIENT_CLOSED', 'The pool was destroyed');
    for (const waiter of this.#roomWaiters.splice(0)) waiter.fail(error);
    for (const job of [...this.#ready.splice(0), ...this.#delayed.splice(0)]) {
      this.#settleFailure(job, failure(this.#secrets, error, 'not-sent'));
    }
    for (const pooled of [...this.#live]) this.#retire(pooled, 'closed');
    this.#checkDrained();
  }

  // --- the queue ---

  #queued(): number {
    return this.#ready.length + this.#delayed.length;
  }

  #isFull(): boolean {
    return (
      this.#roomWaiters.length > 0 || this.#queued() + this.#reserved >= this.#settings.maxQueued
    );
  }

  /** Temporary: the same send may find room a moment later. */
  #queueFull(): SendError {
    const why = `The pool's queue holds ${this.#settings.maxQueued} messages (maxQueued)`;
    return new SendError(
      { code: 'SMTP_POOL_QUEUE_FULL', outcome: 'not-sent', temporary: true, attempts: 0 },
      why,
      { cause: new ClientStateError('SMTP_POOL_QUEUE_FULL', why) },
    );
  }

  #waitForRoom(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.#roomWaiters.indexOf(waiter);
        if (at !== -1) this.#roomWaiters.splice(at, 1);
        reject(new AbortError('queue', { cause: signal?.reason }));
      };
      const waiter: RoomWaiter = {
        admit: () => {
          signal?.removeEventListener('abort', onAbort);
          // The room is held until the send queues its message (`send()` gives it back).
          this.#reserved++;
          resolve();
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#roomWaiters.push(waiter);
    });
  }

  #admitWaiters(): void {
    while (
      this.#roomWaiters.length > 0 &&
      this.#queued() + this.#reserved < this.#settings.maxQueued
    ) {
      (this.#roomWaiters.shift() as RoomWaiter).admit();
    }
  }

  #abortQueued(job: Job): void {
    const ready = this.#ready.indexOf(job);
    if (ready !== -1) this.#ready.splice(ready, 1);
    const delayed = this.#delayed.indexOf(job);
    if (delayed !== -1) this.#delayed.splice(delayed, 1);
    // A job in flight hears the abort through its connection; only a waiting one stops here.
    if (ready === -1 && delayed === -1) return;
    const error = new AbortError('queue', { cause: job.signal?.reason });
    this.#settleFailure(job, failure(this.#secrets, error, 'not-sent'));
    this.#pump();
  }

  // --- the scheduler ---

  /**
   * Starts every message that can start now, and sets a timer for the earliest moment another
   * one could (a retry delay or a rate limit ending). Re-entrant calls are folded into the
   * running one.
   */
  #pump(): void {
    if (this.#pumping) return;
    if (this.#destroyed) {
      this.#checkDrained();
      return;
    }
    this.#pumping = true;
    try {
      const now = performance.now();
      let wakeAt = this.#promoteDelayed(now);
      while (this.#ready.length > 0) {
        const job = this.#ready[0] as Job;
        const poolAllowedAt = this.#limiter?.allowedAt(now) ?? now;
        if (poolAllowedAt > now) {
          wakeAt = Math.min(wakeAt, poolAllowedAt);
          break;
        }
        const choice = this.#connectionFor(job, now);
        if (typeof choice === 'number') {
          wakeAt = Math.min(wakeAt, choice);
          break;
        }
        if (choice === undefined) break;
        this.#ready.shift();
        this.#start(job, choice);
      }
      this.#admitWaiters();
      this.#schedule(wakeAt);
    } finally {
      this.#pumping = false;
    }
    this.#checkDrained();
  }

  /** Moves retries whose delay is over to the front of the queue; the next one's time. */
  #promoteDelayed(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    if (this.#delayed.length === 0) return next;
    const due: Job[] = [];
    for (let index = this.#delayed.length - 1; index >= 0; index--) {
      const job = this.#delayed[index] as Job;
      if (job.notBefore <= now) {
        due.push(job);
        this.#delayed.splice(index, 1);
      } else {
        next = Math.min(next, job.notBefore);
      }
    }
    // Retries are older than anything queued after them: they go first, in send order.
    due.sort((a, b) => a.seq - b.seq);
    this.#ready.unshift(...due);
    return next;
  }

  /**
   * The connection `job` starts on: an idle one (the most recently used that its retry does not
   * avoid and its own limit allows), else a new one while there is room; a time when a
   * connection's rate limit lets one start; or `undefined` when it must wait for a connection.
   */
  #connectionFor(job: Job, now: number): PooledConnection | number | undefined {
    let limitedUntil = Number.POSITIVE_INFINITY;
    let avoided: PooledConnection | undefined;
    for (let index = this.#idle.length - 1; index >= 0; index--) {
      const pooled = this.#idle[index] as PooledConnection;
      if (!pooled.connection.usable) {
        this.#retire(pooled, 'failed');
        continue;
      }
      if (pooled === job.avoid) {
        avoided = pooled;
        continue;
      }
      const allowedAt = pooled.limiter?.allowedAt(now) ?? now;
      if (allowedAt > now) {
        limitedUntil = Math.min(limitedUntil, allowedAt);
        continue;
      }
      this.#idle.splice(index, 1);
      return pooled;
    }
    if (this.#live.size < this.#settings.maxConnections) return this.#newConnection();
    // The pool is full and the only idle connection is the one this retry must avoid: replace it.
    if (avoided !== undefined && limitedUntil === Number.POSITIVE_INFINITY) {
      this.#retire(avoided, 'replaced');
      return this.#newConnection();
    }
    return limitedUntil === Number.POSITIVE_INFINITY ? undefined : limitedUntil;
  }

  #newConnection(): PooledConnection {
    const { rateLimitPerConnection, rateInterval } = this.#settings;
    const pooled: PooledConnection = {
      connection: new SmtpConnection({
        options: this.#options,
        log: this.#log,
        secrets: this.#secrets,
        credentials: this.#credentials,
      }),
      limiter:
        rateLimitPerConnection === undefined
          ? undefined
          : new RateLimiter(rateLimitPerConnection, rateInterval),
      opened: false,
      idleTimer: undefined,
    };
    this.#live.add(pooled);
    return pooled;
  }

  #schedule(wakeAt: number): void {
    if (wakeAt === this.#timerAt) return;
    this.#clearTimer();
    if (wakeAt === Number.POSITIVE_INFINITY) return;
    this.#timerAt = wakeAt;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.#pump();
      },
      Math.max(0, Math.ceil(wakeAt - performance.now())),
    );
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  // --- one attempt ---

  #start(job: Job, pooled: PooledConnection): void {
    if (this.#settings.unref) pooled.connection.setRef(true);
    job.attempts++;
    this.#inFlight++;
    void this.#attempt(job, pooled);
  }

  async #attempt(job: Job, pooled: PooledConnection): Promise<void> {
    const { connection } = pooled;
    let connectMs: number | undefined;
    try {
      if (!pooled.opened) {
        connectMs = await this.#open(pooled, job.signal);
        // Opening took a while: the limits are asked again now that the message would start,
        // so that the server never sees more than the limit (a start is MAIL on the wire).
        if (!this.#mayStart(pooled, performance.now())) {
          this.#inFlight--;
          job.attempts--;
          this.#ready.unshift(job);
          this.#release(pooled);
          this.#pump();
          return;
        }
      }
      // Recorded in the same turn as the MAIL command is written.
      const now = performance.now();
      this.#limiter?.record(now);
      pooled.limiter?.record(now);
      const sent = await connection.send(job.tracked.message, job.options);
      const timing = { started: job.started, connectMs, attempts: job.attempts };
      const result = deliveryResult(connection, sent, timing, this.#log);
      this.#inFlight--;
      this.#release(pooled);
      this.#settleSuccess(job, result);
    } catch (error) {
      this.#inFlight--;
      this.#afterFailure(job, pooled, error);
    }
    this.#pump();
  }

  /** Opens a new connection of the pool; a failure retires it and is rethrown. */
  async #open(pooled: PooledConnection, signal: AbortSignal | undefined): Promise<number> {
    const { connection } = pooled;
    let connectMs: number;
    try {
      connectMs = await openConnection(connection, this.#options, this.#log, signal);
    } catch (error) {
      this.#counts.connectionsFailed++;
      this.#retire(pooled, 'failed');
      throw error;
    }
    pooled.opened = true;
    this.#counts.connectionsOpened++;
    this.#announce('connection-opened', { connectionId: connection.id });
    return connectMs;
  }

  /** Whether the pool's and the connection's rate limits let a message start at `now`. */
  #mayStart(pooled: PooledConnection, now: number): boolean {
    return (
      (this.#limiter?.allowedAt(now) ?? now) <= now &&
      (pooled.limiter?.allowedAt(now) ?? now) <= now
    );
  }

  #afterFailure(job: Job, pooled: PooledConnection, error: unknown): void {
    if (error instanceof StaleConnectionError) {
      // The server had closed the idle connection: nothing of the message was sent.
      this.#retire(pooled, 'replaced');
      if (!job.staleRetried && !this.#destroyed) {
        job.staleRetried = true;
        job.attempts--;
        this.#ready.unshift(job);
        return;
      }
    } else if (pooled.opened) {
      this.#release(pooled);
    }
    const sendError = failure(
      this.#secrets,
      error instanceof StaleConnectionError ? (error.cause ?? error) : error,
      'not-sent',
    );
    if (this.#mayRetry(job, sendError)) {
      const delayMs = retryDelay(job.attempts, {
        baseDelayMs: this.#settings.retryDelay,
        maxDelayMs: this.#settings.maxRetryDelay,
      });
      job.notBefore = performance.now() + delayMs;
      job.avoid = pooled;
      this.#delayed.push(job);
      this.#counts.retried++;
      const event = {
        attempt: job.attempts + 1,
        delayMs,
        error: withAttempts(sendError, job.attempts),
      };
      if (this.#log.enabled) {
        this.#log.info('send failed, will retry', {
          code: sendError.code,
          attempt: event.attempt,
          delayMs: Math.round(delayMs),
        });
      }
      this.#announce('retry', event);
      return;
    }
    this.#settleFailure(job, sendError);
  }

  #mayRetry(job: Job, error: SendError): boolean {
    return (
      !this.#destroyed &&
      job.attempts <= this.#settings.retries &&
      job.signal?.aborted !== true &&
      isRetryable(error) &&
      job.tracked.replayable()
    );
  }

  /** Puts a connection back after a transaction: idle when it is fit for another, else closed. */
  #release(pooled: PooledConnection): void {
    const { connection } = pooled;
    if (!connection.usable) {
      this.#retire(pooled, 'failed');
      return;
    }
    const maxMessages = this.#options.keepAlive ? this.#settings.maxMessages : 1;
    if (connection.transactions >= maxMessages) {
      this.#retire(pooled, 'max-messages');
      return;
    }
    connection.markIdle();
    if (this.#settings.unref) connection.setRef(false);
    this.#idle.push(pooled);
    if (pooled.idleTimer === undefined) {
      pooled.idleTimer = setTimeout(() => this.#idleTimeout(pooled), this.#settings.idleTimeout);
      pooled.idleTimer.unref();
    } else {
      pooled.idleTimer.refresh();
    }
  }

  /** The idle timer fired: see {@link PooledConnection.idleTimer}. */
  #idleTimeout(pooled: PooledConnection): void {
    if (this.#idle.includes(pooled)) this.#retire(pooled, 'idle');
  }

  /** Takes a connection out of the pool: QUIT when it can still speak, else dropped. */
  #retire(pooled: PooledConnection, reason: ConnectionCloseReason): void {
    if (!this.#live.delete(pooled)) return;
    const at = this.#idle.indexOf(pooled);
    if (at !== -1) this.#idle.splice(at, 1);
    if (pooled.idleTimer !== undefined) clearTimeout(pooled.idleTimer);
    pooled.idleTimer = undefined;
    const { connection } = pooled;
    // QUIT after a clean transaction or while idle; a connection that failed, fell out of step
    // or was found stale has nothing more to say and is dropped.
    const graceful =
      !this.#destroyed &&
      connection.usable &&
      (reason === 'idle' ||
        reason === 'max-messages' ||
        reason === 'closed' ||
        (reason === 'replaced' && at !== -1));
    if (graceful) {
      const quitting = connection.quit().catch(() => undefined);
      this.#quitting.add(quitting);
      void quitting.then(() => this.#quitting.delete(quitting));
    } else {
      connection.destroy();
    }
    if (!pooled.opened) return;
    this.#counts.connectionsClosed++;
    const event = { connectionId: connection.id, reason };
    this.#announce('connection-closed', event);
  }

  // --- events ---

  /** Whether anyone listens to `kind`, here or on its diagnostics channel. */
  #heard(kind: keyof PoolEventMap): boolean {
    return this.listenerCount(kind) > 0 || hasPoolSubscribers(kind);
  }

  /** Emits an event and publishes it on its channel. */
  #announce<K extends keyof PoolEventMap>(kind: K, payload: PoolEventMap[K][0]): void {
    // EventEmitter's typing cannot follow a generic event name to its arguments; it is `[payload]`.
    (this.emit as (kind: K, payload: PoolEventMap[K][0]) => boolean)(kind, payload);
    publishPool(kind, payload);
  }

  // --- settling ---

  #settleSuccess(job: Job, result: SendResult): void {
    if (!this.#finish(job)) return;
    this.#counts.accepted++;
    if (result.outcome === 'partial') this.#counts.partial++;
    // Asked first, as for `queued`: an emit with no listener still costs a call per message.
    if (this.#heard('accepted')) this.#announce('accepted', result);
    job.resolve(result);
  }

  #settleFailure(job: Job, error: SendError): void {
    if (!this.#finish(job)) return;
    job.reject(this.#failed(withAttempts(error, job.attempts), false));
  }

  /** Counts, logs and announces a failed send; returns the error. */
  #failed(error: SendError, beforeQueue: boolean): SendError {
    this.#counts.failed[error.outcome]++;
    if (this.#log.enabled) {
      this.#log.info('send failed', {
        code: error.code,
        outcome: error.outcome,
        attempts: error.attempts,
        ...(beforeQueue ? { queued: false } : {}),
      });
    }
    this.#announce('failed', error);
    return error;
  }

  /** Marks a job settled, once; false when it already was. */
  #finish(job: Job): boolean {
    if (job.settled) return false;
    job.settled = true;
    if (job.onAbort !== undefined) job.signal?.removeEventListener('abort', job.onAbort);
    return true;
  }

  // --- closing ---

  #drain(): Promise<void> {
    if (this.#isDrained()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#onDrained = resolve;
    });
  }

  #isDrained(): boolean {
    return (
      this.#queued() === 0 &&
      this.#inFlight === 0 &&
      this.#roomWaiters.length === 0 &&
      this.#reserved === 0
    );
  }

  #checkDrained(): void {
    if (this.#onDrained === undefined || !this.#isDrained()) return;
    const resolve = this.#onDrained;
    this.#onDrained = undefined;
    resolve();
  }

  async #quitAll(): Promise<void> {
    this.#clearTimer();
    for (const pooled of [...this.#live]) this.#retire(pooled, 'closed');
    await Promise.all(this.#quitting);
  }
}
