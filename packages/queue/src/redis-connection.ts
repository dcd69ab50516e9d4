/**
 * One way to say where Redis is, for the outbox and the workers: a `redis://` URL, ioredis
 * options, or an ioredis client the caller owns. The queue opens its own client from a URL or
 * options (and closes it), and never closes one it was given.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { QueueError } from './errors.ts';

/** Where Redis is: `redis://[:password@]host:port[/db]`, ioredis options, or a client. */
export type RedisTarget = string | RedisOptions | Redis;

/** A client to use, and whether the queue must close it. */
export interface RedisHandle {
  readonly client: Redis;
  readonly owned: boolean;
}

/**
 * A client for `target`. BullMQ's workers block on Redis, so a client the queue opens has no
 * retry limit per request (`maxRetriesPerRequest: null`, as BullMQ asks).
 *
 * @throws {QueueError} `SMTP_QUEUE_INVALID_OPTIONS` when `target` is none of the three.
 */
export function openRedis(target: RedisTarget | undefined, path = 'redis'): RedisHandle {
  if (target instanceof Redis) return { client: target, owned: false };
  if (typeof target === 'string' && /^rediss?:\/\//.test(target)) {
    return { client: new Redis(target, { maxRetriesPerRequest: null }), owned: true };
  }
  if (typeof target === 'object' && target !== null) {
    // BullMQ reads replies in ioredis's legacy (RESP2-shaped) mapping.
    const client = new Redis({ ...target, maxRetriesPerRequest: null, replyMapping: 'legacy' });
    return { client, owned: true };
  }
  throw new QueueError(
    'SMTP_QUEUE_INVALID_OPTIONS',
    `${path} must be a redis:// or rediss:// URL, ioredis options, or an ioredis client`,
  );
}

/** Closes a client the queue opened; leaves the caller's alone. */
export async function closeRedis(handle: RedisHandle): Promise<void> {
  if (!handle.owned) return;
  try {
    await handle.client.quit();
  } catch {
    // Already closed, or the server went away: nothing is left to release but the socket.
    handle.client.disconnect();
  }
}
