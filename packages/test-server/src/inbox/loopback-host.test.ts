import { describe, expect, it } from 'vitest';
import { isLoopbackHost, isOwnOrigin } from './loopback-host.ts';

describe('isLoopbackHost', () => {
  it.each([
    'localhost',
    'localhost:8025',
    'LocalHost:1',
    '127.0.0.1',
    '127.0.0.1:80',
    '[::1]',
    '[::1]:8025',
  ])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    undefined,
    '',
    'evil.example',
    'localhost.evil.example',
    'evil.localhost',
    '127.0.0.2',
    '127.0.0.1.nip.io',
    '0.0.0.0',
    '::1',
    '[::1',
    '[::2]:8025',
    'localhost:',
    'localhost:8025:1',
    'user@localhost',
  ])('refuses %j', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('isOwnOrigin', () => {
  it('accepts no Origin, or exactly the one the Host names', () => {
    expect(isOwnOrigin(undefined, '127.0.0.1:8025')).toBe(true);
    expect(isOwnOrigin('http://127.0.0.1:8025', '127.0.0.1:8025')).toBe(true);
    expect(isOwnOrigin('http://LOCALHOST:8025', 'localhost:8025')).toBe(true);
  });

  it('refuses every other origin: another port, scheme or host, and a sandboxed frame’s null', () => {
    for (const origin of [
      'http://127.0.0.1:3000',
      'https://127.0.0.1:8025',
      'http://evil.example',
      'null',
    ]) {
      expect(isOwnOrigin(origin, '127.0.0.1:8025')).toBe(false);
    }
  });
});
