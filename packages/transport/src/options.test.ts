import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS, resolveOptions, resolveTls } from './options.ts';

describe('resolveOptions', () => {
  it('applies the defaults', () => {
    const settings = resolveOptions({ host: 'mail.example.com', port: 25 });
    expect(settings).toMatchObject({
      target: { host: 'mail.example.com', port: 25, kind: 'dns' },
      implicitTls: false,
      includeData: false,
      autoSelectFamily: true,
      connectionAttemptDelayMs: 250,
      lookup: undefined,
      ...DEFAULT_TIMEOUTS,
    });
    expect(settings.tls).toEqual({
      verifyName: 'mail.example.com',
      sni: 'mail.example.com',
      tlsOptions: {},
    });
  });

  it.each([
    ['127.0.0.1', 'ipv4'],
    ['::1', 'ipv6'],
    ['2001:db8::25', 'ipv6'],
    ['localhost', 'dns'],
  ])('detects that %s is %s', (host, kind) => {
    expect(resolveOptions({ host, port: 25 }).target).toEqual({ host, port: 25, kind });
  });

  it('accepts a UNIX socket path', () => {
    const settings = resolveOptions({ path: '/run/smtp.sock' });
    expect(settings.target).toEqual({ path: '/run/smtp.sock' });
    expect(settings.tls.verifyName).toBeUndefined();
  });

  it.each([
    [{}, 'host (with port) or path is required'],
    [{ host: '', port: 25 }, 'host (with port) or path is required'],
    [{ host: 'a.example' }, 'port must be an integer'],
    [{ host: 'a.example', port: 0 }, 'port must be an integer'],
    [{ host: 'a.example', port: 65536 }, 'port must be an integer'],
    [{ host: 'a.example', port: 2.5 }, 'port must be an integer'],
    [{ host: '[::1]', port: 25 }, 'without brackets'],
    [{ host: '::1', port: 25, kind: 'dns' }, 'kind says dns but host is ipv6'],
    [{ path: '/s', host: 'a.example' }, 'not both'],
    [{ path: '' }, 'path must be a non-empty string'],
    [{ host: 'a.example', port: 25, tls: 'starttls' }, "tls must be 'none' or 'implicit'"],
    [{ host: 'a.example', port: 25, family: 5 }, 'family must be'],
    [{ host: 'a.example', port: 25, autoSelectFamily: 'yes' }, 'autoSelectFamily must be'],
    [{ host: 'a.example', port: 25, connectionAttemptDelayMs: 9 }, 'from 10 to'],
    [{ host: 'a.example', port: 25, connectionAttemptDelayMs: 12.5 }, 'whole number'],
    [{ host: 'a.example', port: 25, connectionAttemptDelayMs: Infinity }, 'whole number'],
    [{ host: 'a.example', port: 25, lookup: 'dns' }, 'lookup must be a function'],
    [{ host: 'a.example', port: 25, servername: '' }, 'servername must be a non-empty string'],
    [{ host: 'a.example', port: 25, connectTimeoutMs: 0 }, 'connectTimeoutMs must be'],
    [{ host: 'a.example', port: 25, readTimeoutMs: -1 }, 'readTimeoutMs must be'],
    [{ host: 'a.example', port: 25, slowOperationMs: 0 }, 'slowOperationMs must be'],
    [{ host: 'a.example', port: 25, minThroughput: Number.NaN }, 'minThroughput must be'],
    [{ host: 'a.example', port: 25, onEvent: 'log' }, 'onEvent must be a function'],
    [{ host: 'a.example', port: 25, replyParser: { maxLines: 0 } }, 'replyParser bounds'],
    [{ path: '/s', tls: 'implicit' }, 'needs a servername'],
  ])('refuses %j before any I/O', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(
      expect.objectContaining({
        code: 'SMTP_TRANSPORT_INVALID_OPTIONS',
        message: expect.stringContaining(message),
      }),
    );
  });

  it('refuses something that is not an object', () => {
    expect(() => resolveOptions(null as never)).toThrow('options must be an object');
  });

  it('allows TLS over a UNIX socket with a servername, or with verification explicitly off', () => {
    expect(
      resolveOptions({ path: '/s', tls: 'implicit', servername: 'mail.example.com' }).tls.sni,
    ).toBe('mail.example.com');
    expect(
      resolveOptions({ path: '/s', tls: 'implicit', tlsOptions: { rejectUnauthorized: false } })
        .implicitTls,
    ).toBe(true);
  });

  it('keeps an infinite deadline', () => {
    expect(
      resolveOptions({ host: 'a.example', port: 25, readTimeoutMs: Number.POSITIVE_INFINITY })
        .readTimeoutMs,
    ).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('resolveTls', () => {
  it('sends SNI and verifies the DNS name', () => {
    expect(resolveTls('mail.example.com', undefined, {})).toMatchObject({
      verifyName: 'mail.example.com',
      sni: 'mail.example.com',
    });
  });

  it.each(['127.0.0.1', '::1'])(
    'verifies the IP literal %s without SNI (RFC 6066 section 3)',
    (host) => {
      expect(resolveTls(host, undefined, {})).toMatchObject({ verifyName: host, sni: undefined });
    },
  );

  it('prefers the servername for both', () => {
    expect(resolveTls('127.0.0.1', 'localhost', {})).toMatchObject({
      verifyName: 'localhost',
      sni: 'localhost',
    });
  });

  it('never sends an IP servername as SNI', () => {
    expect(resolveTls('localhost', '192.0.2.1', {})).toMatchObject({
      verifyName: '192.0.2.1',
      sni: undefined,
    });
  });
});
