import type { LookupFunction } from 'node:net';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConnectionDefinition, toConnectionDefinition } from './connection-definition.ts';
import { ClientStateError } from './errors.ts';
import type { ClientOptions } from './options.ts';
import { describeProxy, transportProxy } from './proxy-option.ts';
import { resolveClientOptions } from './resolve-options.ts';
import { connectOptionsFor } from './smtp-connection.ts';

const SERVER = 'smtp://mail.example.com';

function failure(options: ClientOptions): string {
  try {
    resolveClientOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ClientStateError);
    expect((error as ClientStateError).code).toBe('SMTP_CLIENT_INVALID_OPTIONS');
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('the proxy option', () => {
  it('reads a proxy URL with its credentials and hides the password', () => {
    const { proxy } = resolveClientOptions({
      url: SERVER,
      proxy: 'socks5h://alice:pr0xy-s3cret@127.0.0.1:1080',
    });
    expect(proxy).toMatchObject({
      protocol: 'socks5h',
      host: '127.0.0.1',
      port: 1080,
      username: 'alice',
      password: 'pr0xy-s3cret',
      allowInsecureAuth: false,
    });
    expect(JSON.stringify(proxy)).not.toContain('pr0xy-s3cret');
    expect(inspect(proxy, { depth: 5 })).not.toContain('pr0xy-s3cret');
    expect(JSON.stringify(proxy)).toContain('[REDACTED]');
  });

  it('takes auth beside the URL, over the URL credentials', () => {
    const { proxy } = resolveClientOptions({
      url: SERVER,
      proxy: { url: 'https://u:old@proxy.example:3128', auth: { user: 'bob', pass: 'new' } },
    });
    expect(proxy).toMatchObject({ protocol: 'https', username: 'bob', password: 'new' });
  });

  it('takes a SOCKS4 user id alone', () => {
    const { proxy } = resolveClientOptions({
      url: SERVER,
      proxy: { url: 'socks4a://proxy.example', auth: { user: 'mailer' } },
    });
    expect(proxy).toMatchObject({ protocol: 'socks4a', username: 'mailer', password: undefined });
  });

  it('refuses credentials on a plain link to a proxy elsewhere, unless allowed', () => {
    expect(failure({ url: SERVER, proxy: 'socks5://u:p@proxy.example' })).toContain(
      'would receive its password in the clear',
    );
    expect(failure({ url: SERVER, proxy: 'http://u:p@10.0.0.1:3128' })).toContain(
      'proxy.allowInsecureAuth',
    );
    const allowed = resolveClientOptions({
      url: SERVER,
      proxy: { url: 'socks5://u:p@proxy.example', allowInsecureAuth: true },
    });
    expect(allowed.proxy?.allowInsecureAuth).toBe(true);
    for (const url of [
      'http://u:p@localhost:3128',
      'socks5://u:p@[::1]',
      'https://u:p@p.example',
    ]) {
      expect(resolveClientOptions({ url: SERVER, proxy: url }).proxy?.password).toBe('p');
    }
  });

  it.each<[string, unknown, string]>([
    ['an unknown scheme', 'ftp://proxy', 'Unknown proxy URL scheme'],
    ['a number', 1080, 'proxy must be an object'],
    ['no url', { auth: { user: 'u', pass: 'p' } }, 'proxy.url must be a proxy URL'],
    ['an unknown field', { url: 'http://p', secure: true }, 'unknown option "proxy.secure"'],
    ['auth without a user', { url: 'http://p', auth: { pass: 'p' } }, 'proxy.auth.user'],
    ['an empty password', { url: 'http://p', auth: { user: 'u', pass: '' } }, 'proxy.auth.pass'],
    ['a missing password', { url: 'http://p', auth: { user: 'u' } }, 'proxy.auth.pass is required'],
    ['a socks4a password', { url: 'socks4a://p', auth: { user: 'u', pass: 'x' } }, 'no password'],
    ['a ":" in an HTTP user', { url: 'http://p', auth: { user: 'a:b', pass: 'x' } }, 'proxy.auth:'],
    ['tls for a plain proxy', { url: 'http://p', tls: {} }, 'proxy.tls is for an https proxy'],
    ['a bad tls field', { url: 'https://p', tls: { key: 'x' } }, 'unknown option "proxy.tls.key"'],
    ['a bad minVersion', { url: 'https://p', tls: { minVersion: 'TLSv1' } }, 'minVersion'],
    ['a bad ca', { url: 'https://p', tls: { ca: 42 } }, 'proxy.tls.ca'],
    ['a bad flag', { url: 'http://p', allowInsecureAuth: 'yes' }, 'allowInsecureAuth'],
  ])('refuses %s', (_label, proxy, message) => {
    expect(failure({ url: SERVER, proxy } as ClientOptions)).toContain(message);
  });

  it('never quotes the password of a bad proxy URL', () => {
    expect(failure({ url: SERVER, proxy: 'socks5://u:hunter2@p/x' })).not.toContain('hunter2');
  });

  it('refuses a proxy with a UNIX socket', () => {
    expect(failure({ path: '/run/smtp.sock', proxy: 'socks5://127.0.0.1' })).toBe(
      'proxy cannot be used with a UNIX socket',
    );
  });

  it('hands the transport the proxy, its credentials and its TLS', () => {
    const options = resolveClientOptions({
      url: 'smtps://mail.example.com',
      proxy: {
        url: 'https://u:p@proxy.example:8443',
        tls: { ca: 'PEM', minVersion: 'TLSv1.3' },
      },
    });
    const proxy = options.proxy;
    if (proxy === undefined) throw new Error('no proxy');
    expect(transportProxy(proxy)).toEqual({
      protocol: 'https',
      host: 'proxy.example',
      port: 8443,
      username: 'u',
      password: 'p',
      tlsOptions: { ca: 'PEM', minVersion: 'TLSv1.3' },
    });
    expect(connectOptionsFor(options)).toMatchObject({
      host: 'mail.example.com',
      servername: 'mail.example.com',
      proxy: { protocol: 'https', host: 'proxy.example' },
    });
    expect(describeProxy(proxy)).toBe('https://proxy.example:8443');
  });

  it('leaves the transport without a proxy when none is set', () => {
    expect(connectOptionsFor(resolveClientOptions(SERVER))).not.toHaveProperty('proxy');
  });
});

describe('the proxy in a connection definition', () => {
  it('accepts a URL string and moves its password out of view', () => {
    const options = parseConnectionDefinition({
      url: SERVER,
      options: { proxy: 'https://alice:pr0xy-s3cret@proxy.example' },
    });
    expect(JSON.stringify(options)).not.toContain('pr0xy-s3cret');
    expect(inspect(options, { depth: 6 })).not.toContain('pr0xy-s3cret');
    expect(resolveClientOptions(options).proxy?.password).toBe('pr0xy-s3cret');
  });

  it('writes the URL without credentials, and the password only when asked', () => {
    const resolved = resolveClientOptions({
      url: SERVER,
      proxy: { url: 'https://alice:pr0xy-s3cret@proxy.example:8443', tls: { ca: '-----BEGIN X' } },
    });
    const safe = toConnectionDefinition(resolved);
    expect(safe.options?.proxy).toEqual({
      url: 'https://proxy.example:8443',
      auth: { user: 'alice' },
      tls: { ca: '-----BEGIN X' },
    });
    expect(safe.omitted).toEqual(['proxy.auth.pass']);
    expect(JSON.stringify(safe)).not.toContain('pr0xy-s3cret');

    const full = toConnectionDefinition(resolved, { includeSecrets: true });
    expect(full.options?.proxy).toMatchObject({ auth: { user: 'alice', pass: 'pr0xy-s3cret' } });
    expect(JSON.parse(JSON.stringify(full)).options.proxy.auth.pass).toBe('pr0xy-s3cret');
    const again = resolveClientOptions(parseConnectionDefinition(JSON.stringify(full)));
    expect(again.proxy).toEqual(resolved.proxy);
  });

  it('writes allowInsecureAuth and a user id', () => {
    const resolved = resolveClientOptions({
      url: SERVER,
      proxy: { url: 'socks4a://mailer@proxy.example', allowInsecureAuth: true },
    });
    expect(toConnectionDefinition(resolved).options?.proxy).toEqual({
      url: 'socks4a://proxy.example',
      auth: { user: 'mailer' },
      allowInsecureAuth: true,
    });
  });

  it('names a proxy it cannot use', () => {
    expect(() =>
      parseConnectionDefinition({ url: SERVER, options: { proxy: 'gopher://p' } }),
    ).toThrow(/options\.proxy: Unknown proxy URL scheme/);
  });
});

describe('dual-stack options', () => {
  it('races by default, with the RFC 8305 delay', () => {
    const options = resolveClientOptions(SERVER);
    expect(options).toMatchObject({ autoSelectFamily: true, connectionAttemptDelay: 250 });
    expect(connectOptionsFor(options)).toMatchObject({
      autoSelectFamily: true,
      connectionAttemptDelayMs: 250,
    });
  });

  it('passes the caller’s choices to the transport', () => {
    const lookup: LookupFunction = (_host, _options, callback) =>
      (callback as (error: Error | null, address: string, family: number) => void)(
        null,
        '127.0.0.1',
        4,
      );
    const options = resolveClientOptions({
      url: SERVER,
      autoSelectFamily: false,
      connectionAttemptDelay: 100,
      lookup,
    });
    expect(connectOptionsFor(options)).toMatchObject({
      autoSelectFamily: false,
      connectionAttemptDelayMs: 100,
      lookup,
    });
    expect(toConnectionDefinition(options)).toMatchObject({
      options: { autoSelectFamily: false, connectionAttemptDelay: 100 },
      omitted: ['lookup'],
    });
  });

  it.each<[ClientOptions, string]>([
    [{ url: SERVER, autoSelectFamily: 1 as never }, 'autoSelectFamily must be true or false'],
    [{ url: SERVER, connectionAttemptDelay: 5 }, 'connectionAttemptDelay must be an integer'],
    [{ url: SERVER, lookup: 'dns' as never }, 'lookup must be a function'],
  ])('refuses %j', (options, message) => {
    expect(failure(options)).toContain(message);
  });
});
