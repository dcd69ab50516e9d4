import { inspect } from 'node:util';
import { connect } from '@smtp/transport';
import { describe, expect, it } from 'vitest';
import { defaultClientName } from './client-name.ts';
import { ClientStateError } from './errors.ts';
import type { ClientOptions, Credentials } from './options.ts';
import { securityFor } from './policy.ts';
import {
  createCredentials,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_CLIENT_TIMEOUTS,
  hideCredentials,
  resolveClientOptions,
} from './resolve-options.ts';

/** The ClientStateError message for `options`, or a failure when none is thrown. */
function failure(options: unknown): string {
  try {
    resolveClientOptions(options as ClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ClientStateError);
    expect((error as ClientStateError).code).toBe('SMTP_CLIENT_INVALID_OPTIONS');
    return (error as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(options)}`);
}

describe('resolveClientOptions: targets and URLs', () => {
  it('reads a URL string: host, port, security and credentials', () => {
    const resolved = resolveClientOptions('smtps://alice:s3cret@Mail.Example.com');
    expect(resolved.target).toEqual({ kind: 'dns', host: 'mail.example.com', port: 465 });
    expect(resolved.security).toBe('implicit');
    expect(resolved.credentials?.user).toBe('alice');
    expect((resolved.credentials as { pass: string }).pass).toBe('s3cret');
  });

  it.each([
    ['smtp://h', 'opportunistic', 25],
    ['esmtp://h', 'opportunistic', 587],
    ['smtps://h', 'implicit', 465],
    ['esmtps://h', 'implicit', 465],
    ['estmps://h', 'implicit', 465],
    ['smtptls://h', 'starttls', 25],
    ['esmtptls://h', 'starttls', 587],
  ])('takes the security and port of %s from its scheme', (url, security, port) => {
    const resolved = resolveClientOptions(url);
    expect(resolved.security).toBe(security);
    expect(resolved.target).toEqual({ kind: 'dns', host: 'h', port });
  });

  it.each([
    [{ host: 'h' }, 'opportunistic', 25],
    [{ host: 'h', security: 'none' }, 'none', 25],
    [{ host: 'h', security: 'implicit' }, 'implicit', 465],
    [{ host: 'h', security: 'starttls' }, 'starttls', 587],
  ] as const)('defaults the port by security without a URL: %j', (options, security, port) => {
    const resolved = resolveClientOptions(options);
    expect(resolved.security).toBe(security);
    expect(resolved.target).toMatchObject({ port });
  });

  it('lets explicit fields win over the URL', () => {
    const resolved = resolveClientOptions({
      url: 'smtps://alice:s3cret@mail.example.com:2465',
      host: 'other.example.com',
      port: 2525,
      security: 'starttls',
      auth: { user: 'bob', pass: 'b0b-pass' },
    });
    expect(resolved.target).toEqual({ kind: 'dns', host: 'other.example.com', port: 2525 });
    expect(resolved.security).toBe('starttls');
    expect(resolved.credentials?.user).toBe('bob');
  });

  it('keeps the URL port when only the host is overridden, and the host when only the port is', () => {
    expect(
      resolveClientOptions({ url: 'smtp://a.example:2525', host: 'b.example' }).target,
    ).toEqual({
      kind: 'dns',
      host: 'b.example',
      port: 2525,
    });
    expect(resolveClientOptions({ url: 'smtp://a.example:2525', port: 26 }).target).toEqual({
      kind: 'dns',
      host: 'a.example',
      port: 26,
    });
  });

  it('reads IPv4 and IPv6 hosts, with or without brackets', () => {
    expect(resolveClientOptions({ host: '127.0.0.1' }).target).toEqual({
      kind: 'ipv4',
      host: '127.0.0.1',
      port: 25,
    });
    expect(resolveClientOptions({ host: '::1', port: 2525 }).target).toEqual({
      kind: 'ipv6',
      host: '::1',
      port: 2525,
    });
    expect(resolveClientOptions({ host: '[2001:DB8::1]' }).target).toMatchObject({
      kind: 'ipv6',
      host: '2001:db8::1',
    });
    expect(resolveClientOptions('smtp://[::1]:2525').target).toEqual({
      kind: 'ipv6',
      host: '::1',
      port: 2525,
    });
  });

  it('converts an internationalised host name to A-labels', () => {
    expect(resolveClientOptions({ host: 'bücher.example' }).target).toMatchObject({
      host: 'xn--bcher-kva.example',
    });
  });

  it('reads UNIX socket targets from a URL or from path', () => {
    expect(resolveClientOptions('smtp://%2Fvar%2Frun%2Fsmtp.sock').target).toEqual({
      kind: 'unix',
      path: '/var/run/smtp.sock',
    });
    expect(resolveClientOptions({ path: '/tmp/s.sock' }).target).toEqual({
      kind: 'unix',
      path: '/tmp/s.sock',
    });
    expect(
      resolveClientOptions({ url: 'smtp://%2Fa.sock', host: 'h.example' }).target,
    ).toMatchObject({ host: 'h.example', port: 25 });
    expect(resolveClientOptions({ url: 'smtp://h.example', path: '/b.sock' }).target).toEqual({
      kind: 'unix',
      path: '/b.sock',
    });
  });

  it('requires a servername for TLS over a UNIX socket, unless verification is off', () => {
    expect(failure({ path: '/s.sock', security: 'implicit' })).toMatch(
      /tls\.servername is required/,
    );
    expect(failure({ path: '/s.sock', security: 'starttls' })).toMatch(/tls\.servername/);
    expect(
      resolveClientOptions({
        path: '/s.sock',
        security: 'implicit',
        tls: { servername: 'mx.example' },
      }).tls.servername,
    ).toBe('mx.example');
    expect(
      resolveClientOptions({
        path: '/s.sock',
        security: 'starttls',
        tls: { rejectUnauthorized: false },
      }).security,
    ).toBe('starttls');
  });

  it('wraps URL errors, keeping the UrlError as cause and the password out of the message', () => {
    try {
      resolveClientOptions('smtp://alice:hunter2@bad host');
      throw new Error('unreachable');
    } catch (error) {
      expect(error).toBeInstanceOf(ClientStateError);
      expect((error as Error).message).toMatch(/^url: /);
      expect((error as Error).message).not.toContain('hunter2');
      expect(((error as Error).cause as { code: string }).code).toBe('SMTP_URL_MALFORMED');
    }
  });

  it.each([
    [{}, /give url, host or path/],
    [{ port: 25 }, /give url, host or path/],
    [{ url: 42 }, /url must be a string/],
    [{ url: 'ftp://h' }, /^url: /],
    [{ host: '' }, /host must be a non-empty string/],
    [{ host: 7 }, /host must be a non-empty string/],
    [{ host: 'h:25' }, /host must be a host name or an IP address alone/],
    [{ host: 'user@h' }, /host must be a host name/],
    [{ host: 'bad host' }, /host is not a valid host name/],
    [{ host: '%2Fsock' }, /use the path option/],
    [{ host: 'h', port: 0 }, /port must be an integer from 1 to 65535/],
    [{ host: 'h', port: 65_536 }, /port must be an integer/],
    [{ host: 'h', port: 25.5 }, /port must be an integer/],
    [{ host: 'h', port: '25' }, /port must be an integer/],
    [{ path: '' }, /path must be a non-empty string/],
    [{ path: 'a\u0000b' }, /path must be a non-empty string without NUL/],
    [{ path: '/s', host: 'h' }, /give path, or host and port, not both/],
    [{ path: '/s', port: 25 }, /give path, or host and port, not both/],
    [{ url: 'smtp://%2Fs.sock', port: 25 }, /port cannot be used with a socket path URL/],
  ])('refuses %j', (options, message) => {
    expect(failure(options)).toMatch(message);
  });

  it('refuses something that is not an options object', () => {
    expect(failure(null)).toMatch(/options must be an object/);
    expect(failure([])).toMatch(/options must be an object/);
    expect(failure(42)).toMatch(/options must be an object/);
  });
});

describe('resolveClientOptions: security and credentials', () => {
  it('requires TLS when credentials are configured (INV-1)', () => {
    expect(resolveClientOptions('smtp://a:b@h').security).toBe('starttls');
    expect(resolveClientOptions({ host: 'h', auth: { user: 'a', pass: 'b' } }).security).toBe(
      'starttls',
    );
    expect(
      resolveClientOptions({ host: 'h', security: 'opportunistic', auth: { user: 'a', pass: 'b' } })
        .security,
    ).toBe('starttls');
  });

  it('keeps the port of the level asked for when credentials raise it', () => {
    expect(
      resolveClientOptions({ host: 'h', auth: { user: 'a', pass: 'b' } }).target,
    ).toMatchObject({
      port: 25,
    });
  });

  it('keeps opportunistic with credentials only under allowInsecureAuth, and never touches none', () => {
    const auth = { user: 'a', pass: 'b' };
    expect(resolveClientOptions({ host: 'h', auth, allowInsecureAuth: true }).security).toBe(
      'opportunistic',
    );
    expect(resolveClientOptions({ host: 'h', auth, security: 'none' }).security).toBe('none');
    expect(resolveClientOptions({ host: 'h', auth, security: 'implicit' }).security).toBe(
      'implicit',
    );
  });

  it('applies the same rule through securityFor', () => {
    expect(securityFor('opportunistic', true, false)).toBe('starttls');
    expect(securityFor('opportunistic', false, false)).toBe('opportunistic');
    expect(securityFor('opportunistic', true, true)).toBe('opportunistic');
    expect(securityFor('none', true, false)).toBe('none');
  });

  it('has no credentials by default', () => {
    expect(resolveClientOptions({ host: 'h' }).credentials).toBeUndefined();
  });

  it('takes token credentials with a string or a provider', () => {
    const provider = async (): Promise<string> => 'tok';
    const resolved = resolveClientOptions({
      host: 'h',
      auth: { user: 'a', accessToken: provider },
    });
    expect((resolved.credentials as { accessToken: unknown }).accessToken).toBe(provider);
    expect(
      resolveClientOptions({ host: 'h', auth: { user: 'a', accessToken: 'tok' } }).credentials,
    ).toBeDefined();
  });

  it('normalises and checks the forced mechanism against the credentials', () => {
    expect(resolveClientOptions({ host: 'h', mechanism: 'PLAIN' }).mechanism).toBe('PLAIN');
    expect(
      resolveClientOptions({
        host: 'h',
        mechanism: 'cram-md5' as never,
        auth: { user: 'a', pass: 'b' },
      }).mechanism,
    ).toBe('CRAM-MD5');
    expect(failure({ host: 'h', mechanism: 'GSSAPI' })).toMatch(/mechanism must be one of/);
    expect(failure({ host: 'h', mechanism: 1 })).toMatch(/mechanism must be one of/);
    expect(failure({ host: 'h', mechanism: 'XOAUTH2', auth: { user: 'a', pass: 'b' } })).toMatch(
      /mechanism XOAUTH2 does not fit the credentials/,
    );
  });

  it.each([
    [{ auth: 'user:pass' }, /auth must be an object/],
    [{ auth: { pass: 'p' } }, /auth\.user must be a non-empty string/],
    [{ auth: { user: 'u' } }, /auth\.pass must be a non-empty string/],
    [{ auth: { user: 'u', pass: '' } }, /auth\.pass must be a non-empty string/],
    [{ auth: { user: 'u', pass: 'p', accessToken: 't' } }, /pass or accessToken, not both/],
    [{ auth: { user: 'u', accessToken: '' } }, /auth\.accessToken must be/],
    [{ auth: { user: 'u', accessToken: 5 } }, /auth\.accessToken must be/],
    [{ auth: { user: 'u', password: 'p' } }, /unknown option "auth\.password": use pass/],
    [{ auth: { user: 'u', pass: 'p', method: 'x' } }, /unknown option "auth\.method"/],
  ])('refuses bad credentials %j without quoting them', (options, message) => {
    const text = failure({ host: 'h', ...options });
    expect(text).toMatch(message);
    expect(text).not.toMatch(/"p"|user:pass/);
  });
});

describe('resolveClientOptions: secrets stay hidden (INV-10)', () => {
  const secret = 'Very$ecretPassw0rd';

  it.each<[string, string | ClientOptions]>([
    ['a URL', `smtps://alice:${encodeURIComponent(secret)}@mail.example.com`],
    ['auth', { host: 'mail.example.com', auth: { user: 'alice', pass: secret } }],
    ['a token', { host: 'mail.example.com', auth: { user: 'alice', accessToken: secret } }],
    [
      'TLS key material',
      {
        host: 'mail.example.com',
        tls: { key: `-----BEGIN PRIVATE KEY-----${secret}`, passphrase: secret, pfx: secret },
      },
    ],
  ])('shows no secret from %s in JSON.stringify or util.inspect', (_, target) => {
    const resolved = resolveClientOptions(target);
    const json = JSON.stringify(resolved);
    expect(json).not.toContain(secret);
    expect(json).not.toContain(encodeURIComponent(secret));
    for (const text of [
      inspect(resolved, { depth: 10 }),
      inspect(resolved, { depth: 10, showHidden: true }),
      String(resolved.credentials),
      `${JSON.stringify({ ...resolved.credentials })}`,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(json).toContain('[REDACTED]');
  });

  it('keeps the secret readable where the client needs it', () => {
    const resolved = resolveClientOptions({ host: 'h', auth: { user: 'alice', pass: secret } });
    expect((resolved.credentials as { pass: string }).pass).toBe(secret);
    expect(JSON.parse(JSON.stringify(resolved.credentials))).toEqual({
      user: 'alice',
      pass: '[REDACTED]',
    });
  });

  it('keeps TLS fields enumerable so the transport can spread them', () => {
    const tls = { key: 'KEY', cert: 'CERT', ca: 'CA', passphrase: 'pw', rejectUnauthorized: true };
    const resolved = resolveClientOptions({ host: 'mx.example', tls });
    expect({ ...resolved.tls }).toEqual({ ...tls, servername: 'mx.example' });
    expect(JSON.parse(JSON.stringify(resolved.tls))).toEqual({
      ...tls,
      key: '[REDACTED]',
      passphrase: '[REDACTED]',
      servername: 'mx.example',
    });
  });

  it('hides credentials built with hideCredentials and createCredentials', () => {
    for (const credentials of [
      hideCredentials({ user: 'u', pass: secret }),
      createCredentials({ user: 'u', pass: secret }),
      createCredentials({ user: 'u', accessToken: secret }),
    ] satisfies Credentials[]) {
      expect(JSON.stringify(credentials)).not.toContain(secret);
      expect(inspect(credentials, { showHidden: true })).not.toContain(secret);
      expect(Object.isFrozen(credentials)).toBe(true);
    }
  });
});

describe('resolveClientOptions: defaults and the other options', () => {
  it('fills every default', () => {
    const resolved = resolveClientOptions({ host: 'mx.example' });
    expect(resolved).toMatchObject({
      security: 'opportunistic',
      credentials: undefined,
      mechanism: undefined,
      allowInsecureAuth: false,
      clientName: defaultClientName(),
      tls: { servername: 'mx.example' },
      timeouts: DEFAULT_CLIENT_TIMEOUTS,
      keepAlive: true,
      pipelining: true,
      chunking: 'auto',
      chunkSize: DEFAULT_CHUNK_SIZE,
      requireAllRecipients: false,
      dryRun: false,
      allowFileAccess: true,
      connector: connect,
      replyLimits: {},
      onEvent: undefined,
      slowOperation: undefined,
      localAddress: undefined,
      family: 0,
    });
    expect(DEFAULT_CLIENT_TIMEOUTS).toEqual({
      connect: 30_000,
      greeting: 30_000,
      command: 15_000,
      tls: 30_000,
      dataInit: 120_000,
      dataBlock: 180_000,
      dataFinal: 600_000,
      quit: 5_000,
    });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.target)).toBe(true);
  });

  it('sets no default servername for an IP host or a socket', () => {
    expect(resolveClientOptions({ host: '192.0.2.1' }).tls.servername).toBeUndefined();
    expect(resolveClientOptions({ path: '/s' }).tls.servername).toBeUndefined();
    expect(
      resolveClientOptions({ host: 'a.example', tls: { servername: 'b.example' } }).tls.servername,
    ).toBe('b.example');
  });

  it('merges timeouts with the defaults', () => {
    // An undefined field (from a spread of partial settings) counts as absent.
    const timeouts = { connect: 1_000, dataFinal: 2_000, quit: undefined };
    const resolved = resolveClientOptions({ host: 'h', timeouts } as unknown as ClientOptions);
    expect(resolved.timeouts).toEqual({
      ...DEFAULT_CLIENT_TIMEOUTS,
      connect: 1_000,
      dataFinal: 2_000,
    });
  });

  it('takes every other option as given', () => {
    const connector = connect;
    const onEvent = (): void => {};
    const resolved = resolveClientOptions({
      host: 'h',
      name: '192.0.2.9',
      allowInsecureAuth: true,
      keepAlive: false,
      pipelining: false,
      chunking: true,
      chunkSize: 1024,
      requireAllRecipients: true,
      dryRun: true,
      connector,
      onEvent,
      replyLimits: { maxLines: 10, maxLineLength: 100, maxReplySize: 1000 },
      slowOperation: { slowOperationMs: 500, minThroughput: 1000 },
      tls: { rejectUnauthorized: false, minVersion: 'TLSv1.3' },
    });
    expect(resolved).toMatchObject({
      clientName: '[192.0.2.9]',
      allowInsecureAuth: true,
      keepAlive: false,
      pipelining: false,
      chunking: true,
      chunkSize: 1024,
      requireAllRecipients: true,
      dryRun: true,
      connector,
      onEvent,
      replyLimits: { maxLines: 10, maxLineLength: 100, maxReplySize: 1000 },
      slowOperation: { slowOperationMs: 500, minThroughput: 1000 },
      tls: { rejectUnauthorized: false, minVersion: 'TLSv1.3', servername: 'h' },
    });
    expect(resolveClientOptions({ host: 'h', chunking: false }).chunking).toBe(false);
  });

  it.each([
    [{ name: 'bad name' }, /^name "bad name" is not a domain/],
    [{ name: 3 }, /^name must be a non-empty string/],
    [
      { security: 'tls' },
      /security must be one of 'implicit', 'starttls', 'opportunistic', 'none'/,
    ],
    [{ security: true }, /security must be one of/],
    [{ allowInsecureAuth: 'yes' }, /allowInsecureAuth must be true or false/],
    [{ keepAlive: 1 }, /keepAlive must be true or false/],
    [{ pipelining: 'auto' }, /pipelining must be true or false/],
    [{ requireAllRecipients: null }, /requireAllRecipients must be true or false/],
    [{ dryRun: 'false' }, /dryRun must be true or false/],
    [{ chunking: 'yes' }, /chunking must be true, false or 'auto'/],
    [{ chunkSize: 0 }, /chunkSize must be an integer from 1/],
    [{ chunkSize: 1.5 }, /chunkSize must be an integer/],
    [{ connector: {} }, /connector must be a function/],
    [{ onEvent: 'log' }, /onEvent must be a function/],
    [{ timeouts: 5 }, /timeouts must be an object/],
    [{ timeouts: { connect: 0 } }, /timeouts\.connect must be a number of milliseconds above 0/],
    [{ timeouts: { command: -1 } }, /timeouts\.command must be/],
    [{ timeouts: { quit: Number.POSITIVE_INFINITY } }, /timeouts\.quit must be/],
    [{ timeouts: { greeting: 2 ** 31 } }, /timeouts\.greeting must be .* at most 2147483647/],
    [{ timeouts: { tls: '1000' } }, /timeouts\.tls must be/],
    [{ timeouts: { socket: 1 } }, /unknown option "timeouts\.socket": use command/],
    [{ timeouts: { conect: 1 } }, /unknown option "timeouts\.conect": did you mean connect\?/],
    [{ tls: 'on' }, /tls must be an object/],
    [{ tls: { servername: '' } }, /tls\.servername must be a non-empty string/],
    [{ tls: { rejectUnauthorized: 'false' } }, /tls\.rejectUnauthorized must be true or false/],
    [{ tls: { minVersion: 1.2 } }, /tls\.minVersion must be a string/],
    [{ tls: { host: 'x' } }, /tls\.host is not accepted: use the host option/],
    [{ tls: { socket: {} } }, /tls\.socket is not accepted/],
    [{ tls: { timeout: 1 } }, /tls\.timeout is not accepted: use timeouts\.tls/],
    [{ replyLimits: [] }, /replyLimits must be an object/],
    [{ replyLimits: { maxLines: 0 } }, /replyLimits\.maxLines must be an integer/],
    [{ replyLimits: { lines: 1 } }, /unknown option "replyLimits\.lines"/],
    [{ slowOperation: 1 }, /slowOperation must be an object/],
    [
      { slowOperation: { slowOperationMs: -1 } },
      /slowOperation\.slowOperationMs must be a positive number/,
    ],
    [{ slowOperation: { minThroughput: Number.NaN } }, /slowOperation\.minThroughput must be/],
    [{ slowOperation: { ms: 1 } }, /unknown option "slowOperation\.ms"/],
  ])('refuses %j, naming the option', (options, message) => {
    expect(failure({ host: 'h', ...options })).toMatch(message);
  });

  it.each([
    ['secure', true, /unknown option "secure": use security: 'implicit'/],
    ['requireTLS', true, /use security: 'starttls'/],
    ['ignoreTLS', true, /use security: 'none'/],
    ['user', 'a', /put credentials in auth: \{ user, pass \}/],
    ['password', 'a', /put credentials in auth/],
    ['hostname', 'a', /use host/],
    ['clientName', 'a', /use name/],
    ['connectionTimeout', 1, /use timeouts: \{ connect \}/],
    ['logger', console, /pass logging as the second argument/],
    ['disableFileAccess', true, /use allowFileAccess: false/],
    ['localaddress', '192.0.2.1', /did you mean localAddress\?/],
    ['keepalive', true, /did you mean keepAlive\?/],
    ['pipelinig', true, /did you mean pipelining\?/],
    ['timeout', 5, /did you mean timeouts\?/],
    ['zzzzzzzz', true, /unknown option "zzzzzzzz" \(known: url, host/],
  ])('refuses the unknown option %s with a hint', (key, value, message) => {
    expect(failure({ host: 'h', [key]: value })).toMatch(message);
  });

  it('sanitises an unknown option name before quoting it', () => {
    expect(failure({ host: 'h', '\u001b[2J': 1 })).toMatch(/unknown option "\\\\x1b\[2J"/);
  });
});

describe('resolveClientOptions: local address, family and file access', () => {
  it('takes a local address and follows its family for DNS lookups', () => {
    expect(resolveClientOptions({ host: 'mx.example', localAddress: '192.0.2.1' })).toMatchObject({
      localAddress: '192.0.2.1',
      family: 4,
    });
    expect(resolveClientOptions({ host: 'mx.example', localAddress: '2001:db8::7' })).toMatchObject(
      { localAddress: '2001:db8::7', family: 6 },
    );
    expect(
      resolveClientOptions({ host: '192.0.2.25', localAddress: '192.0.2.1', family: 4 }),
    ).toMatchObject({ localAddress: '192.0.2.1', family: 4 });
  });

  it('keeps an explicit family, 0 included', () => {
    expect(resolveClientOptions({ host: 'mx.example', family: 6 }).family).toBe(6);
    expect(resolveClientOptions({ host: 'mx.example', family: 4 }).family).toBe(4);
    expect(
      resolveClientOptions({ host: 'mx.example', family: 0, localAddress: '192.0.2.1' }).family,
    ).toBe(0);
    expect(resolveClientOptions({ path: '/s.sock', family: 0 }).family).toBe(0);
  });

  it('allows file access by default, and takes false (decision 13)', () => {
    expect(resolveClientOptions({ host: 'h' }).allowFileAccess).toBe(true);
    expect(resolveClientOptions({ host: 'h', allowFileAccess: false }).allowFileAccess).toBe(false);
  });

  it.each([
    [{ localAddress: 'nope' }, /^localAddress must be an IPv4 or IPv6 address/],
    [{ localAddress: '' }, /^localAddress must be an IPv4 or IPv6 address/],
    [{ localAddress: 7 }, /^localAddress must be an IPv4 or IPv6 address/],
    [{ localAddress: 'mx.example' }, /^localAddress must be an IPv4 or IPv6 address/],
    [{ family: 5 }, /^family must be 0, 4 or 6/],
    [{ family: '4' }, /^family must be 0, 4 or 6/],
    [{ allowFileAccess: 'no' }, /^allowFileAccess must be true or false/],
    [{ localAddress: '192.0.2.1', family: 6 }, /^localAddress is an IPv4 address but family is 6/],
    [
      { host: '::1', localAddress: '192.0.2.1' },
      /^localAddress is an IPv4 address but the server's address is IPv6/,
    ],
    [
      { host: '192.0.2.25', localAddress: '2001:db8::1' },
      /^localAddress is an IPv6 address but the server's address is IPv4/,
    ],
    [{ host: '192.0.2.25', family: 6 }, /^family is 6 but the server's address is IPv4/],
    [
      { url: 'smtp://[::1]', host: undefined, family: 4 },
      /^family is 4 but the server's address is IPv6/,
    ],
    [
      { path: '/s.sock', host: undefined, localAddress: '192.0.2.1' },
      /^localAddress cannot be used with a UNIX socket/,
    ],
    [{ path: '/s.sock', host: undefined, family: 4 }, /^family cannot be used with a UNIX socket/],
    [
      { url: 'smtp://%2Fs.sock', host: undefined, family: 6 },
      /^family cannot be used with a UNIX socket/,
    ],
  ])('refuses %j before any I/O', (options, message) => {
    expect(failure({ host: 'h', ...options })).toMatch(message);
  });
});

describe('resolveClientOptions: runs from the option table', () => {
  it('lists every known option, new ones included, for an unknown one', () => {
    const message = failure({ host: 'h', zzzzzzzz: 1 });
    for (const name of ['localAddress', 'family', 'allowFileAccess', 'slowOperation']) {
      expect(message).toContain(name);
    }
  });

  it('reports a conflict only once each option alone is valid', () => {
    expect(failure({ path: '/s', host: 7 })).toMatch(/^host must be a non-empty string/);
    expect(failure({ path: '/s', port: 0 })).toMatch(/^port must be an integer/);
  });

  it('resolves a URL string the same as { url }', () => {
    const url = 'esmtps://alice:pw@mail.example.com:2465';
    const fromString = resolveClientOptions(url);
    const fromObject = resolveClientOptions({ url });
    expect({ ...fromString, credentials: undefined, tls: { ...fromString.tls } }).toEqual({
      ...fromObject,
      credentials: undefined,
      tls: { ...fromObject.tls },
    });
  });
});

describe('resolveClientOptions: the protocol (LMTP, RFC 2033)', () => {
  it('speaks SMTP by default, and LMTP for an lmtp URL, on port 24', () => {
    expect(resolveClientOptions('smtp://h').protocol).toBe('smtp');
    const lmtp = resolveClientOptions('lmtp://h');
    expect(lmtp.protocol).toBe('lmtp');
    expect(lmtp.security).toBe('opportunistic');
    expect(lmtp.target).toEqual({ kind: 'dns', host: 'h', port: 24 });
    expect(resolveClientOptions('lmtp://%2Fvar%2Frun%2Fdovecot%2Flmtp')).toMatchObject({
      protocol: 'lmtp',
      target: { kind: 'unix', path: '/var/run/dovecot/lmtp' },
    });
  });

  it('lets the option win over the URL, and defaults an LMTP port to 24 without one', () => {
    expect(resolveClientOptions({ url: 'lmtp://h', protocol: 'smtp' }).protocol).toBe('smtp');
    expect(resolveClientOptions({ url: 'smtp://h:2424', protocol: 'lmtp' }).protocol).toBe('lmtp');
    expect(resolveClientOptions({ host: 'h', protocol: 'lmtp' }).target).toMatchObject({
      port: 24,
    });
    expect(resolveClientOptions({ path: '/run/lmtp', protocol: 'lmtp' }).protocol).toBe('lmtp');
  });

  it.each([
    [{ url: 'smtp://h', protocol: 'lmtp' }],
    [{ host: 'h', port: 25, protocol: 'lmtp' }],
    [{ url: 'lmtp://h', port: 25 }],
  ] as const)('refuses LMTP on port 25 (RFC 2033 section 5): %j', (options) => {
    expect(() => resolveClientOptions(options)).toThrow(/protocol 'lmtp' cannot use port 25/);
  });

  it('refuses a protocol it does not know', () => {
    expect(() =>
      resolveClientOptions({ host: 'h', protocol: 'esmtp' as unknown as 'smtp' }),
    ).toThrow(
      expect.objectContaining({
        code: 'SMTP_CLIENT_INVALID_OPTIONS',
        message: "protocol must be 'smtp' or 'lmtp'",
      }),
    );
  });
});
