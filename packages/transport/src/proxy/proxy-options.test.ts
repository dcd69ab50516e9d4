import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type ConnectOptions, resolveOptions } from '../options.ts';
import { PROXY_PROTOCOLS, type ProxyOptions, resolveProxy } from './proxy-options.ts';

const PASSWORD = 'pr0xy-S3CRET-pw';
const target = { host: 'mail.example.com', port: 25 };

function withProxy(proxy: Partial<ProxyOptions> | unknown, rest: Partial<ConnectOptions> = {}) {
  return () =>
    resolveOptions({
      ...target,
      ...rest,
      proxy: { protocol: 'socks5h', host: 'proxy.example', port: 1080, ...(proxy as object) },
    } as ConnectOptions);
}

describe('the proxy option', () => {
  it('is kept in the settings, checked, its password hidden from JSON and inspect', () => {
    const settings = resolveOptions({
      ...target,
      proxy: {
        protocol: 'http',
        host: 'proxy.example',
        port: 3128,
        username: 'ann',
        password: PASSWORD,
      },
    });
    expect(settings.proxy).toEqual({
      protocol: 'http',
      host: 'proxy.example',
      port: 3128,
      username: 'ann',
      tlsOptions: {},
    });
    expect(settings.proxy?.password).toBe(PASSWORD);
    expect(Object.isFrozen(settings.proxy)).toBe(true);
    expect(JSON.stringify(settings)).not.toContain(PASSWORD);
    expect(inspect(settings, { depth: 10 })).not.toContain(PASSWORD);
    expect({ ...settings.proxy }).not.toHaveProperty('password');
  });

  it('is absent without the option', () => {
    expect(resolveOptions(target).proxy).toBeUndefined();
  });

  it.each(PROXY_PROTOCOLS)('accepts %s, with an IP address or a name for the proxy', (protocol) => {
    for (const host of ['192.0.2.1', '2001:db8::1', 'proxy.example']) {
      expect(resolveOptions({ ...target, proxy: { protocol, host, port: 1 } }).proxy).toMatchObject(
        { protocol, host, port: 1, username: undefined, password: undefined },
      );
    }
  });

  it('keeps an https proxy its own TLS options', () => {
    const tlsOptions = { ca: 'proxy CA', minVersion: 'TLSv1.3' } as const;
    const settings = resolveOptions({
      ...target,
      tlsOptions: { ca: 'smtp CA' },
      proxy: { protocol: 'https', host: 'proxy.example', port: 443, tlsOptions },
    });
    expect(settings.proxy?.tlsOptions).toBe(tlsOptions);
    expect(settings.tls.tlsOptions).toEqual({ ca: 'smtp CA' });
    expect(settings.tls.verifyName).toBe('mail.example.com');
  });

  it('takes a SOCKS4a user id without a password', () => {
    expect(
      resolveProxy(
        { protocol: 'socks4a', host: 'proxy.example', port: 1080, username: 'ann' },
        { host: 'mail.example.com', kind: 'dns' },
      ),
    ).toMatchObject({ username: 'ann', password: undefined });
  });

  it('takes an empty HTTP password (RFC 7617 allows one)', () => {
    expect(
      resolveProxy(
        { protocol: 'http', host: 'proxy.example', port: 80, username: 'token', password: '' },
        { host: '192.0.2.25', kind: 'ipv4' },
      )?.password,
    ).toBe('');
  });

  it.each([
    [{ protocol: 'socks4' }, 'proxy.protocol must be one of socks4a, socks5, socks5h, http, https'],
    [{ protocol: 'SOCKS5' }, 'proxy.protocol must be one of'],
    [{ host: '' }, 'proxy.host must be a non-empty string'],
    [{ host: 42 }, 'proxy.host must be a non-empty string'],
    [{ host: '[::1]' }, 'without brackets'],
    [{ host: 'proxy.example\r\nX: y' }, 'proxy.host must be an IP address or a DNS name'],
    [{ host: 'a'.repeat(256) }, 'proxy.host must be an IP address or a DNS name'],
    [{ port: 0 }, 'proxy.port must be an integer from 1 to 65535'],
    [{ port: 65536 }, 'proxy.port must be an integer'],
    [{ port: 1.5 }, 'proxy.port must be an integer'],
    [{ port: '1080' }, 'proxy.port must be an integer'],
    [{ tlsOptions: { ca: 'x' } }, 'proxy.tlsOptions are for an https proxy only'],
    [{ protocol: 'https', tlsOptions: 'x' }, 'proxy.tlsOptions must be an object'],
    [{ username: 'ann' }, 'proxy.username needs a proxy.password'],
    [{ password: PASSWORD }, 'proxy.password needs a proxy.username'],
    [{ username: 7, password: PASSWORD }, 'proxy.username must be a string'],
    [{ username: 'ann', password: 7 }, 'proxy.password must be a string'],
    [{ username: '', password: PASSWORD }, 'proxy.username must be 1 to 255 bytes for SOCKS5'],
    [{ username: 'ann', password: '' }, 'proxy.password must be 1 to 255 bytes for SOCKS5'],
    [{ username: 'é'.repeat(128), password: PASSWORD }, 'proxy.username must be 1 to 255 bytes'],
    [{ username: 'ann', password: '\ud800' }, 'proxy.password must be well-formed Unicode'],
    [{ username: 'a\udc00', password: PASSWORD }, 'proxy.username must be well-formed Unicode'],
    [{ protocol: 'socks4a', username: 'ann', password: PASSWORD }, 'socks4a takes a user id'],
    [{ protocol: 'socks4a', username: '' }, 'the SOCKS4a user id) must be non-empty, without NUL'],
    [{ protocol: 'socks4a', username: 'a\0b' }, 'must be non-empty, without NUL'],
    [{ protocol: 'socks4a', username: 'a'.repeat(256) }, 'must be at most 255 bytes'],
    [{ protocol: 'http', username: 'a:b', password: PASSWORD }, 'without ":" for HTTP Basic'],
    [{ protocol: 'https', username: '', password: PASSWORD }, 'non-empty and without ":"'],
  ])('refuses %j: %s', (proxy, message) => {
    expect(withProxy(proxy)).toThrow(
      expect.objectContaining({
        code: 'SMTP_TRANSPORT_INVALID_OPTIONS',
        message: expect.stringContaining(message),
      }),
    );
  });

  it.each([null, 'socks5://proxy.example'])('refuses %j: proxy must be an object', (proxy) => {
    expect(() => resolveOptions({ ...target, proxy } as unknown as ConnectOptions)).toThrow(
      'proxy must be an object',
    );
  });

  it('never quotes a credential in its messages', () => {
    for (const proxy of [
      { username: 'ann', password: `${PASSWORD}\ud800` },
      { protocol: 'socks4a', username: `${PASSWORD}\0`, password: undefined },
      { protocol: 'http', username: `${PASSWORD}:`, password: 'x' },
    ]) {
      try {
        withProxy(proxy)();
        expect.unreachable();
      } catch (error) {
        expect(inspect(error)).not.toContain(PASSWORD);
      }
    }
  });

  it.each([
    [
      { path: '/run/smtp.sock', host: undefined, port: undefined },
      'a proxy cannot reach a UNIX socket path',
    ],
    [
      { host: 'mail.example.com\r\nX-Injected: 1' },
      'through a proxy, host must be an IP address or a DNS name',
    ],
    [{ host: 'fe80::1%eth0' }, 'a scoped IPv6 address'],
  ])('refuses the target %j: %s', (rest, message) => {
    expect(withProxy({}, rest as Partial<ConnectOptions>)).toThrow(message);
  });

  it('refuses an IPv6 target through socks4a, and takes it through socks5', () => {
    expect(withProxy({ protocol: 'socks4a' }, { host: '2001:db8::25' })).toThrow(
      'socks4a cannot reach an IPv6 address',
    );
    expect(withProxy({ protocol: 'socks5' }, { host: '2001:db8::25' })).not.toThrow();
  });
});
