/**
 * Where Redis is for `smtp queue`: `--redis` (or `SMTP_REDIS_URL`), a
 * `redis://[[user]:password@]host[:port][/db]` or `rediss://` URL. It is parsed here, not by
 * ioredis, for two reasons: the URL shown to the user must hide the password (`redis://:***@...`,
 * as the SMTP URL does, INV-10), and the CLI decides how a failing connection ends. A command
 * that does one thing (`add`, `stats`...) gives up at the first failure, so a wrong host or
 * password is an error in a moment rather than a hang; a worker does the same until it has
 * started, then reconnects for as long as it runs, since Redis restarting is no reason to stop.
 */
import { isIP } from 'node:net';
import { isSmtpError } from '@smtp/client';
import { CliInputError, CliRedisError } from './cli-error.ts';

/** The ioredis connection options the CLI gives `@smtp/queue` (a subset of ioredis's). */
export interface RedisConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  readonly tls?: { readonly servername?: string };
  readonly connectTimeout: number;
  readonly disconnectTimeout: number;
  /** ms before the next reconnection, or `null` to give up and fail what waits. */
  readonly retryStrategy: (times: number) => number | null;
}

/** A Redis to use: how to connect, and how to name it to the user. */
export interface RedisTarget {
  readonly options: RedisConnectionOptions;
  /** The URL with the password as `***`, for output. */
  readonly display: string;
  /** From now on, reconnect after a lost connection instead of failing (a started worker). */
  keepReconnecting(): void;
}

const CONNECT_TIMEOUT_MS = 5_000;
/**
 * ioredis waits this long for a socket it ends to close: one that never connected never does,
 * and its default (2 s) would hold a failed command's exit up for nothing.
 */
const DISCONNECT_TIMEOUT_MS = 100;
/** Reconnection delays of a started worker: growing, capped, so a long outage costs little. */
const RECONNECT_STEP_MS = 250;
const RECONNECT_MAX_MS = 5_000;
const DEFAULT_PORT = 6379;

const URL_SHAPE =
  '--redis must be a redis:// or rediss:// URL: redis://[[user]:password@]host[:port][/db]';

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new CliInputError(
      'SMTP_CLI_REDIS_URL',
      `${URL_SHAPE} (a bad %-escape in the user or password)`,
    );
  }
}

/**
 * Parses `--redis`. The error messages never repeat the URL: it may hold a password.
 *
 * @throws {CliInputError} `SMTP_CLI_USAGE` when there is none; `SMTP_CLI_REDIS_URL` for a URL
 *   that is not a Redis URL, or has a query or fragment (ioredis's query options are not taken).
 */
export function parseRedisUrl(input: string | undefined): RedisTarget {
  if (input === undefined || input === '') {
    throw new CliInputError(
      'SMTP_CLI_USAGE',
      'missing --redis (or the SMTP_REDIS_URL environment variable)',
    );
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new CliInputError('SMTP_CLI_REDIS_URL', URL_SHAPE);
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    throw new CliInputError('SMTP_CLI_REDIS_URL', URL_SHAPE);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new CliInputError('SMTP_CLI_REDIS_URL', `${URL_SHAPE}, without a query or fragment`);
  }
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,5}$/.test(path)) {
    throw new CliInputError(
      'SMTP_CLI_REDIS_URL',
      `${URL_SHAPE}: the path is a database number, like /0`,
    );
  }
  // `[::1]` in a URL is `::1` to the socket.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? DEFAULT_PORT : Number(url.port);
  const username = decoded(url.username);
  const password = decoded(url.password);
  let reconnect = false;
  const options: RedisConnectionOptions = {
    host,
    port,
    ...(username !== '' ? { username } : {}),
    ...(password !== '' ? { password } : {}),
    ...(path !== '' ? { db: Number(path) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: isIP(host) === 0 ? { servername: host } : {} } : {}),
    connectTimeout: CONNECT_TIMEOUT_MS,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    retryStrategy: (times) =>
      reconnect ? Math.min(times * RECONNECT_STEP_MS, RECONNECT_MAX_MS) : null,
  };
  const user = username === '' ? '' : encodeURIComponent(username);
  const credentials = password !== '' ? `${user}:***@` : user !== '' ? `${user}@` : '';
  return {
    options,
    display: `${url.protocol}//${credentials}${url.hostname}:${port}${path === '' ? '' : `/${path}`}`,
    keepReconnecting: () => {
      reconnect = true;
    },
  };
}

/**
 * Whether an error came from Redis or the connection to it (a refused connection, a reply
 * error such as `WRONGPASS`, a connection closed under a command), rather than from the queue's
 * own checks or a bug.
 */
export function isRedisFailure(error: unknown): boolean {
  if (!(error instanceof Error) || isSmtpError(error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === 'ReplyError' ||
    error.message === 'Connection is closed.' ||
    // A system error of the socket: ECONNREFUSED, ETIMEDOUT, ENOTFOUND...
    (typeof code === 'string' && /^E[A-Z]+$/.test(code))
  );
}

/** `error` as the CLI reports it: a Redis failure becomes a {@link CliRedisError}. */
export function redisError(error: unknown, target: RedisTarget): unknown {
  if (!isRedisFailure(error)) return error;
  return new CliRedisError(`Redis at ${target.display}: ${(error as Error).message}`, {
    cause: error,
  });
}
