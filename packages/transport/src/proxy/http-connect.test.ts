import { describe, expect, it } from 'vitest';
import { authority, connectRequest } from './http-connect.ts';
import type { ProxySettings } from './proxy-options.ts';

const proxy = (fields: Partial<ProxySettings> = {}): ProxySettings => ({
  protocol: 'http',
  host: 'proxy.example',
  port: 3128,
  username: undefined,
  password: undefined,
  tlsOptions: {},
  ...fields,
});

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

describe('connectRequest', () => {
  it('names the target in authority form, in the request line and Host', () => {
    expect(
      text(connectRequest({ host: 'mail.example.com', port: 587, kind: 'dns' }, proxy())),
    ).toBe('CONNECT mail.example.com:587 HTTP/1.1\r\nHost: mail.example.com:587\r\n\r\n');
    expect(authority({ host: '192.0.2.25', port: 25, kind: 'ipv4' })).toBe('192.0.2.25:25');
    expect(authority({ host: '2001:db8::25', port: 25, kind: 'ipv6' })).toBe('[2001:db8::25]:25');
  });

  it('sends Basic credentials as UTF-8 (RFC 7617), an absent password as empty', () => {
    const target = { host: 'mail.example.com', port: 25, kind: 'dns' } as const;
    expect(text(connectRequest(target, proxy({ username: 'änn', password: 'pw' })))).toContain(
      `\r\nProxy-Authorization: Basic ${Buffer.from('änn:pw', 'utf8').toString('base64')}\r\n\r\n`,
    );
    expect(text(connectRequest(target, proxy({ username: 'token' })))).toContain(
      `Basic ${Buffer.from('token:').toString('base64')}\r\n`,
    );
  });
});
