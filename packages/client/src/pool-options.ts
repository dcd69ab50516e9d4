/**
 * The options `SmtpPool` adds to the client's: how many connections, how long they live, the
 * rate limits, the queue bound and the retries. They are given in the same object as the
 * client's options (`new SmtpPool({ url, maxConnections: 8 })`), so switching between
 * `SmtpClient` and `SmtpPool` changes the class name and nothing else; {@link splitPoolOptions}
 * takes them out before the rest is resolved as client options (option-table.ts).
 */

import {
  checkBoolean,
  checkInteger,
  checkKeys,
  checkObject,
  invalidOption,
  OPTION_HINTS,
  OPTION_NAMES,
} from './option-table.ts';
import type { ClientOptions } from './options.ts';

/** What `send()` does when the queue is full. */
export type WhenFull = 'reject' | 'wait';

/** The pool's own settings; every one is optional. */
export interface PoolSettings {
  /** Connections open at once, at most (default 5). */
  readonly maxConnections?: number;
  /** Messages on one connection before it is closed and a fresh one opened (default 1000). */
  readonly maxMessages?: number;
  /** A connection idle this long (ms) is closed with QUIT (default 15000). */
  readonly idleTimeout?: number;
  /** An idle pool does not keep the process alive (its idle sockets and timers are unref'd). */
  readonly unref?: boolean;
  /** At most this many messages started in any window of `rateInterval` ms, over the pool. */
  readonly rateLimit?: number;
  /** The rate limits' window, in ms (default 1000). */
  readonly rateInterval?: number;
  /** At most this many messages started per connection in any window of `rateInterval` ms. */
  readonly rateLimitPerConnection?: number;
  /**
   * New messages waiting for a connection, at most (default 1000). A message coming back for a
   * retry is let in without room (it was admitted once), so the queue may briefly hold up to
   * `maxQueued + maxConnections`.
   */
  readonly maxQueued?: number;
  /** A full queue fails `send()` at once (`'reject'`, the default) or makes it wait for room. */
  readonly whenFull?: WhenFull;
  /** Further attempts after a temporary failure (default 2; 0 turns retries off). See retry.ts. */
  readonly retries?: number;
  /** The delay before the first retry, in ms (default 1000), doubled for each next one. */
  readonly retryDelay?: number;
  /** The longest delay between attempts, in ms (default 30000). */
  readonly maxRetryDelay?: number;
}

/** The options of `new SmtpPool(options)`: a client's and the pool's. */
export interface PoolOptions extends ClientOptions, PoolSettings {}

/** The pool's settings with every default applied. */
export interface ResolvedPoolSettings {
  readonly maxConnections: number;
  readonly maxMessages: number;
  readonly idleTimeout: number;
  readonly unref: boolean;
  readonly rateLimit: number | undefined;
  readonly rateInterval: number;
  readonly rateLimitPerConnection: number | undefined;
  readonly maxQueued: number;
  readonly whenFull: WhenFull;
  readonly retries: number;
  readonly retryDelay: number;
  readonly maxRetryDelay: number;
}

const DAY_MS = 86_400_000;
const MILLION = 1_000_000;

/** Each setting's check, in one place; `undefined` means the default. */
const CHECKS: { readonly [K in keyof PoolSettings]-?: (value: unknown, path: string) => unknown } =
  {
    maxConnections: (value, path) => checkInteger(value, path, 1, 1000),
    maxMessages: (value, path) => checkInteger(value, path, 1, Number.MAX_SAFE_INTEGER),
    idleTimeout: (value, path) => checkInteger(value, path, 1, DAY_MS),
    unref: checkBoolean,
    rateLimit: (value, path) => checkInteger(value, path, 1, MILLION),
    rateInterval: (value, path) => checkInteger(value, path, 1, DAY_MS),
    rateLimitPerConnection: (value, path) => checkInteger(value, path, 1, MILLION),
    maxQueued: (value, path) => checkInteger(value, path, 1, 10 * MILLION),
    whenFull: checkWhenFull,
    retries: (value, path) => checkInteger(value, path, 0, 100),
    retryDelay: (value, path) => checkInteger(value, path, 0, DAY_MS),
    maxRetryDelay: (value, path) => checkInteger(value, path, 0, DAY_MS),
  };

/** The names of the pool's settings. */
export const POOL_SETTING_NAMES: readonly (keyof PoolSettings)[] = Object.freeze(
  Object.keys(CHECKS) as (keyof PoolSettings)[],
);

/** What Nodemailer calls its pool settings, and what to write for `SmtpPool` instead. */
const POOL_HINTS: Readonly<Record<string, string>> = Object.freeze({
  pool: 'SmtpPool is the pool: leave pool out',
  rateDelta: 'use rateInterval (ms)',
  maxRequeues: 'use retries',
});

/** For `SmtpClient`: each pool setting, and the names other libraries use for them. */
export const POOL_SETTING_HINTS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    ['pool', 'rateDelta', 'maxRequeues', ...Object.keys(CHECKS)].map((name) => [
      name,
      'a setting of SmtpPool: new SmtpPool({ ...options, maxConnections, rateLimit, ... })',
    ]),
  ),
);

function checkWhenFull(value: unknown, path: string): WhenFull {
  if (value !== 'reject' && value !== 'wait')
    throw invalidOption(`${path} must be 'reject' or 'wait'`);
  return value;
}

/**
 * Splits the pool's settings from the client's options and checks them.
 *
 * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS` naming the setting.
 */
export function splitPoolOptions(target: string | PoolOptions): {
  readonly client: string | ClientOptions;
  readonly settings: ResolvedPoolSettings;
} {
  if (typeof target === 'string') return { client: target, settings: resolvePoolSettings({}) };
  const options = checkObject(target, 'options');
  checkKeys(options, [...OPTION_NAMES, ...POOL_SETTING_NAMES], '', {
    ...OPTION_HINTS,
    ...POOL_HINTS,
  });
  const client: Record<string, unknown> = {};
  const pool: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if ((POOL_SETTING_NAMES as readonly string[]).includes(key)) pool[key] = value;
    else client[key] = value;
  }
  return { client: client as ClientOptions, settings: resolvePoolSettings(pool) };
}

/** Checks the settings and applies the defaults. */
export function resolvePoolSettings(settings: Record<string, unknown>): ResolvedPoolSettings {
  const checked: Record<string, unknown> = {};
  for (const name of POOL_SETTING_NAMES) {
    const value = settings[name];
    if (value !== undefined) checked[name] = CHECKS[name](value, name);
  }
  const get = <T>(name: keyof PoolSettings, fallback: T): T =>
    (checked[name] as T | undefined) ?? fallback;
  return Object.freeze({
    maxConnections: get('maxConnections', 5),
    maxMessages: get('maxMessages', 1000),
    idleTimeout: get('idleTimeout', 15_000),
    unref: get('unref', false),
    rateLimit: get<number | undefined>('rateLimit', undefined),
    rateInterval: get('rateInterval', 1000),
    rateLimitPerConnection: get<number | undefined>('rateLimitPerConnection', undefined),
    maxQueued: get('maxQueued', 1000),
    whenFull: get<WhenFull>('whenFull', 'reject'),
    retries: get('retries', 2),
    retryDelay: get('retryDelay', 1000),
    maxRetryDelay: get('maxRetryDelay', 30_000),
  });
}
