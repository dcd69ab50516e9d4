import { describe, expect, it } from 'vitest';
import { POOL_SETTING_NAMES, resolvePoolSettings, splitPoolOptions } from './pool-options.ts';

describe('splitPoolOptions', () => {
  it('takes the pool settings out and leaves the client options', () => {
    const { client, settings } = splitPoolOptions({
      host: 'mail.example.com',
      maxConnections: 8,
      rateLimit: 10,
      whenFull: 'wait',
    });
    expect(client).toEqual({ host: 'mail.example.com' });
    expect(settings).toMatchObject({ maxConnections: 8, rateLimit: 10, whenFull: 'wait' });
  });
  it('a URL gets the defaults', () => {
    expect(splitPoolOptions('smtp://mail.example.com').settings).toEqual({
      maxConnections: 5,
      maxMessages: 1000,
      idleTimeout: 15_000,
      unref: false,
      rateLimit: undefined,
      rateInterval: 1000,
      rateLimitPerConnection: undefined,
      maxQueued: 1000,
      whenFull: 'reject',
      retries: 2,
      retryDelay: 1000,
      maxRetryDelay: 30_000,
    });
  });
  it('an unknown name is refused with the pool settings among the known ones, and hints', () => {
    expect(() => splitPoolOptions({ host: 'h', maxConection: 2 } as never)).toThrow(
      /unknown option "maxConection": did you mean maxConnections\?.*maxConnections/,
    );
    expect(() => splitPoolOptions({ host: 'h', rateDelta: 1000 } as never)).toThrow(
      'unknown option "rateDelta": use rateInterval (ms)',
    );
    expect(() => splitPoolOptions({ host: 'h', pool: true } as never)).toThrow(
      'SmtpPool is the pool',
    );
  });
  it('refuses what is not an object', () => {
    expect(() => splitPoolOptions(42 as never)).toThrow('options must be an object');
  });
});

describe('resolvePoolSettings', () => {
  it.each([
    ['maxConnections', 0, 'maxConnections must be an integer from 1 to 1000'],
    ['maxMessages', 1.5, 'maxMessages must be an integer'],
    ['retries', -1, 'retries must be an integer from 0 to 100'],
    ['unref', 'yes', 'unref must be true or false'],
    ['whenFull', 'later', "whenFull must be 'reject' or 'wait'"],
    ['rateInterval', 0, 'rateInterval must be an integer'],
  ])('%s: %j is refused', (name, value, message) => {
    expect(() => resolvePoolSettings({ [name]: value })).toThrow(message);
  });
  it('every setting has a check', () => {
    expect(POOL_SETTING_NAMES).toHaveLength(12);
  });
});
