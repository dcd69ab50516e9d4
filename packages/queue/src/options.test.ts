/**
 * The options of the outbox and the worker, refused before anything connects (ioredis connects
 * lazily on first use, so no server is needed here).
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import * as api from './index.ts';
import { createOutbox, heldKey, locationOf } from './outbox.ts';
import { closeRedis, openRedis } from './redis-connection.ts';
import { createWorker } from './worker.ts';

const REDIS = 'redis://127.0.0.1:1';

describe('createOutbox', () => {
  it.each<[string, unknown]>([
    ['no options', undefined],
    ['no redis', {}],
    ['a redis that is not a URL', { redis: 'localhost:6379' }],
    ['an empty name', { redis: REDIS, name: '' }],
    ['a name with ":"', { redis: REDIS, name: 'a:b' }],
    ['a maxMessageSize of 0', { redis: REDIS, maxMessageSize: 0 }],
    ['attempts of 0', { redis: REDIS, attempts: 0 }],
    ['a negative backoff', { redis: REDIS, backoff: -1 }],
    ['a fractional keepCompleted', { redis: REDIS, keepCompleted: 1.5 }],
  ])('refuses %s', (_label, options) => {
    expect(() => createOutbox(options as never)).toThrow(
      expect.objectContaining({ code: 'SMTP_QUEUE_INVALID_OPTIONS' }),
    );
  });
});

describe('createWorker', () => {
  it.each<[string, unknown]>([
    ['no options', null],
    ['a concurrency of 0', { redis: REDIS, smtp: 'smtp://h', concurrency: 0 }],
    ['a rate limit without duration', { redis: REDIS, smtp: 'smtp://h', rateLimit: { max: 5 } }],
    ['a rate limit of 0', { redis: REDIS, smtp: 'smtp://h', rateLimit: { max: 0, duration: 1 } }],
    ['a bad prefix', { redis: REDIS, smtp: 'smtp://h', prefix: '' }],
  ])('refuses %s', (_label, options) => {
    expect(() => createWorker(options as never)).toThrow(
      expect.objectContaining({ code: 'SMTP_QUEUE_INVALID_OPTIONS' }),
    );
  });

  it('refuses SMTP options the client refuses', () => {
    expect(() => createWorker({ redis: REDIS, smtp: 'ftp://h' })).toThrow(
      expect.objectContaining({ code: 'SMTP_CLIENT_INVALID_OPTIONS' }),
    );
  });
});

describe('Redis connections', () => {
  it('opens its own client from a URL or options, and leaves a given one open', async () => {
    const fromUrl = openRedis('redis://127.0.0.1:1');
    const fromOptions = openRedis({ host: '127.0.0.1', port: 1, lazyConnect: true });
    const given = new Redis({ lazyConnect: true, host: '127.0.0.1', port: 1 });
    const borrowed = openRedis(given);
    expect([fromUrl.owned, fromOptions.owned, borrowed.owned]).toEqual([true, true, false]);
    expect(borrowed.client).toBe(given);
    fromUrl.client.disconnect();
    await closeRedis(fromUrl);
    await closeRedis(fromOptions);
    await closeRedis(borrowed);
    expect(given.status).toBe('wait');
    given.disconnect();
  });

  it('names the held set beside the queue keys', () => {
    expect(heldKey(locationOf({}))).toBe('bull:smtp:smtp-held');
    expect(heldKey(locationOf({ name: 'mail', prefix: 'app' }))).toBe('app:mail:smtp-held');
  });
});

describe('@smtp/queue public entry', () => {
  it('exports exactly the documented runtime values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'OUTBOX_DEFAULTS',
      'Outbox',
      'QueueError',
      'QueueWorker',
      'createOutbox',
      'createWorker',
    ]);
  });
});
