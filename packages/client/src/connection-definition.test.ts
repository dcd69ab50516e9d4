import { Buffer } from 'node:buffer';
import { inspect } from 'node:util';
import { connect } from '@smtp/transport';
import { parseSmtpUrl, SMTP_SCHEMES } from '@smtp/url';
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultClientName } from './client-name.ts';
import {
  type ConnectionDefinition,
  parseConnectionDefinition,
  toConnectionDefinition,
} from './connection-definition.ts';
import { ClientStateError } from './errors.ts';
import type { ClientOptions, ResolvedClientOptions } from './options.ts';
import { resolveClientOptions } from './resolve-options.ts';

// parseSmtpUrl as it is, counted: the URL of a definition is parsed once.
vi.mock('@smtp/url', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@smtp/url')>();
  return { ...actual, parseSmtpUrl: vi.fn(actual.parseSmtpUrl) };
});

const params = propertyRuns(500);
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function failure(input: unknown): string {
  try {
    parseConnectionDefinition(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ClientStateError);
    expect((error as ClientStateError).code).toBe('SMTP_CLIENT_INVALID_OPTIONS');
    return (error as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(input)}`);
}

describe('parseConnectionDefinition', () => {
  it('turns a URL alone into client options', () => {
    expect(parseConnectionDefinition({ url: 'smtp://localhost:2525' })).toEqual({
      url: 'smtp://localhost:2525',
    });
  });

  it('reads JSON text as well as a parsed value', () => {
    const options = parseConnectionDefinition(
      '{"url":"smtp://localhost:2525","options":{"security":"none","timeouts":{"connect":1000}}}',
    );
    expect(options).toEqual({
      url: 'smtp://localhost:2525',
      security: 'none',
      timeouts: { connect: 1000 },
    });
    expect(resolveClientOptions(options).timeouts.connect).toBe(1000);
  });

  it('carries every JSON option through to the client', () => {
    const options = parseConnectionDefinition({
      url: 'esmtp://mail.example.com',
      options: {
        port: 2587,
        security: 'starttls',
        auth: { user: 'alice', pass: 's3cret' },
        mechanism: 'PLAIN',
        allowInsecureAuth: false,
        name: 'client.example.com',
        tls: {
          servername: 'mx.example.com',
          ca: [PEM],
          cert: PEM,
          key: PEM,
          passphrase: 'x',
          minVersion: 'TLSv1.2',
          maxVersion: 'TLSv1.3',
          rejectUnauthorized: true,
          ciphers: 'HIGH',
        },
        timeouts: {
          connect: 1,
          greeting: 2,
          command: 3,
          tls: 4,
          dataInit: 5,
          dataBlock: 6,
          dataFinal: 7,
          quit: 8,
        },
        keepAlive: false,
        pipelining: false,
        chunking: 'auto',
        chunkSize: 4096,
        requireAllRecipients: true,
        dryRun: true,
        replyLimits: { maxLineLength: 100, maxReplySize: 1000, maxLines: 10 },
        slowOperation: { slowOperationMs: 10, minThroughput: 100 },
      },
    });
    const resolved = resolveClientOptions(options);
    expect(resolved.target).toEqual({ kind: 'dns', host: 'mail.example.com', port: 2587 });
    expect(resolved.credentials?.user).toBe('alice');
    expect(resolved.tls.servername).toBe('mx.example.com');
    expect(resolved.chunkSize).toBe(4096);
  });

  it('moves URL credentials out of the URL and hides them', () => {
    const options = parseConnectionDefinition({ url: 'smtps://alice:s3cret-pw@mail.example.com' });
    expect(options.url).toBe('smtps://mail.example.com');
    expect(options.auth?.user).toBe('alice');
    expect((options.auth as { pass: string }).pass).toBe('s3cret-pw');
    expect(JSON.stringify(options)).not.toContain('s3cret-pw');
    expect(inspect(options, { depth: 10, showHidden: true })).not.toContain('s3cret-pw');
    expect(resolveClientOptions(options).security).toBe('implicit');
  });

  it('lets options.auth win over URL credentials, hidden too', () => {
    const options = parseConnectionDefinition({
      url: 'smtp://alice:url-pass@h',
      options: { auth: { user: 'bob', accessToken: 'tok-123456' } },
    });
    expect(options.auth?.user).toBe('bob');
    expect(JSON.stringify(options)).not.toMatch(/url-pass|tok-123456/);
  });

  it.each([
    [null, /definition must be an object/],
    [[], /definition must be an object/],
    ['', /the text is not valid JSON/],
    ['{"url": "smtp://a:hunter2@h", ', /the text is not valid JSON$/],
    [{}, /definition\.url is required/],
    [{ url: 1 }, /definition\.url must be a non-empty string/],
    [{ url: 'smtp://h', extra: 1 }, /definition\.extra is not a known field/],
    [{ url: 'nope://h' }, /url: .*scheme/],
    [{ url: 'smtp://h', options: 5 }, /definition\.options must be an object/],
    [
      { url: 'smtp://h', options: { url: 'smtp://x' } },
      /definition\.options\.url is not a known field/,
    ],
    [
      { url: 'smtp://h', options: { connector: 'x' } },
      /definition\.options\.connector is not a known field/,
    ],
    [{ url: 'smtp://h', options: { port: '25' } }, /definition\.options\.port must be a number/],
    [{ url: 'smtp://h', options: { port: 0 } }, /options: port must be an integer/],
    [
      { url: 'smtp://h', options: { security: 'tls' } },
      /definition\.options\.security must be one of/,
    ],
    [
      { url: 'smtp://h', options: { keepAlive: 'yes' } },
      /definition\.options\.keepAlive must be true or false/,
    ],
    [
      { url: 'smtp://h', options: { chunking: 'sometimes' } },
      /definition\.options\.chunking must be one of true, false, "auto"/,
    ],
    [
      { url: 'smtp://h', options: { timeouts: { connect: '10s' } } },
      /definition\.options\.timeouts\.connect must be a number/,
    ],
    [
      { url: 'smtp://h', options: { timeouts: { connect: -5 } } },
      /options: timeouts\.connect must be/,
    ],
    [
      { url: 'smtp://h', options: { timeouts: { conect: 5 } } },
      /definition\.options\.timeouts\.conect is not a known field/,
    ],
    [
      { url: 'smtp://h', options: { auth: { user: 'u' } } },
      /options\.auth\.pass must be a non-empty string/,
    ],
    [
      { url: 'smtp://h', options: { auth: { user: 'u', pass: 1 } } },
      /definition\.options\.auth\.pass must be a non-empty string/,
    ],
    [
      { url: 'smtp://h', options: { tls: { ca: 'not a pem' } } },
      /definition\.options\.tls\.ca must be PEM text/,
    ],
    [
      { url: 'smtp://h', options: { tls: { ca: [PEM, 5] } } },
      /definition\.options\.tls\.ca\[1\] must be PEM text/,
    ],
    [
      { url: 'smtp://h', options: { tls: { cert: [] } } },
      /definition\.options\.tls\.cert must not be an empty list/,
    ],
    [
      { url: 'smtp://h', options: { tls: { pfx: 'x' } } },
      /definition\.options\.tls\.pfx is not a known field/,
    ],
    [
      { url: 'smtp://h', options: { tls: { minVersion: 'TLSv1' } } },
      /tls\.minVersion must be one of "TLSv1\.2", "TLSv1\.3"/,
    ],
    [
      { url: 'smtp://h', options: { name: 'bad name' } },
      /options: name "bad name" is not a domain/,
    ],
    [
      { url: 'smtp://%2Fs.sock', options: { security: 'implicit' } },
      /options: tls\.servername is required/,
    ],
  ])('refuses %j with the path of the bad field', (input, message) => {
    expect(failure(input)).toMatch(message);
  });

  it('treats an undefined field of a hand-built object as absent', () => {
    expect(parseConnectionDefinition({ url: 'smtp://h', options: { port: undefined } })).toEqual({
      url: 'smtp://h',
    });
  });

  it('leaves out undefined fields inside options too', () => {
    const options = parseConnectionDefinition({
      url: 'smtp://h',
      options: { timeouts: { connect: undefined, quit: 5 } },
    });
    expect(options).toEqual({ url: 'smtp://h', timeouts: { quit: 5 } });
    expect(Object.keys(options.timeouts ?? {})).toEqual(['quit']);
  });

  it('never quotes a password from invalid JSON text', () => {
    expect(failure('{"url":"smtp://a:hunter2@h"')).not.toContain('hunter2');
  });

  it('throws nothing but ClientStateError for arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          parseConnectionDefinition(value);
        } catch (error) {
          expect(error).toBeInstanceOf(ClientStateError);
        }
      }),
      params,
    );
  });

  it('throws nothing but ClientStateError for definitions of roughly the right shape', () => {
    const field = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(true, 'auto', 'smtp://h', PEM, 25, -1, 0.5),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(
          'smtp://h',
          'smtps://u:p@h:465',
          'smtp://%2Fs.sock',
          'bad url',
          'esmtptls://[::1]',
        ),
        fc.dictionary(
          fc.constantFrom(
            'host',
            'port',
            'path',
            'security',
            'auth',
            'mechanism',
            'name',
            'tls',
            'timeouts',
            'chunking',
            'chunkSize',
            'replyLimits',
            'slowOperation',
            '__proto__',
          ),
          field,
        ),
        (url, options) => {
          try {
            parseConnectionDefinition({ url, options });
          } catch (error) {
            expect(error).toBeInstanceOf(ClientStateError);
          }
        },
      ),
      params,
    );
  });

  it('throws nothing but ClientStateError for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseConnectionDefinition(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ClientStateError);
        }
      }),
      params,
    );
  });
});

describe('parseConnectionDefinition: the new options', () => {
  it('carries localAddress, family and allowFileAccess', () => {
    const options = parseConnectionDefinition({
      url: 'smtp://mail.example.com',
      options: { localAddress: '192.0.2.1', family: 4, allowFileAccess: false },
    });
    expect(options).toEqual({
      url: 'smtp://mail.example.com',
      localAddress: '192.0.2.1',
      family: 4,
      allowFileAccess: false,
    });
    expect(resolveClientOptions(options)).toMatchObject({
      localAddress: '192.0.2.1',
      family: 4,
      allowFileAccess: false,
    });
  });

  it.each([
    [{ family: 5 }, /definition\.options\.family must be one of 0, 4, 6/],
    [{ family: '4' }, /definition\.options\.family must be one of 0, 4, 6/],
    [{ localAddress: 1 }, /definition\.options\.localAddress must be a non-empty string/],
    [{ localAddress: 'nope' }, /options: localAddress must be an IPv4 or IPv6 address/],
    [{ allowFileAccess: 'no' }, /definition\.options\.allowFileAccess must be true or false/],
    [{ localAddress: '192.0.2.1', family: 6 }, /options: localAddress is an IPv4 address/],
  ])('refuses %j', (options, message) => {
    expect(failure({ url: 'smtp://h', options })).toMatch(message);
  });
});

describe('parseConnectionDefinition: the URL is parsed once', () => {
  const parse = vi.mocked(parseSmtpUrl);
  beforeEach(() => {
    parse.mockClear();
  });

  it('parses the URL once, and the client resolving the result parses nothing', () => {
    const options = parseConnectionDefinition({
      url: 'smtps://alice:s3cret@mail.example.com',
      options: { timeouts: { connect: 1000 } },
    });
    expect(parse).toHaveBeenCalledTimes(1);
    const resolved = resolveClientOptions(options);
    expect(parse).toHaveBeenCalledTimes(1);
    expect(resolveClientOptions(options)).toBe(resolved);
    expect(resolved).toMatchObject({
      target: { kind: 'dns', host: 'mail.example.com', port: 465 },
      security: 'implicit',
      timeouts: { connect: 1000 },
    });
    expect((resolved.credentials as { pass: string }).pass).toBe('s3cret');
  });

  it('parses the URL once from JSON text too, without credentials', () => {
    resolveClientOptions(parseConnectionDefinition('{"url":"smtp://localhost:2525"}'));
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('resolves a copy of the result afresh, to the same options', () => {
    const options = parseConnectionDefinition({ url: 'smtp://a:b@mx.example', options: {} });
    const copy = { ...options, keepAlive: false };
    parse.mockClear();
    const resolved = resolveClientOptions(copy);
    expect(parse).toHaveBeenCalledTimes(1);
    expect(resolved).toMatchObject({ keepAlive: false, security: 'starttls' });
    expect(resolved.credentials?.user).toBe('a');
  });

  it('returns options frozen at every level, so what was resolved cannot go stale', () => {
    const input = {
      url: 'smtp://mx.example',
      options: { timeouts: { connect: 1000 }, tls: { ca: [PEM] }, replyLimits: { maxLines: 5 } },
    };
    const options = parseConnectionDefinition(input);
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(options.timeouts)).toBe(true);
    expect(Object.isFrozen(options.tls)).toBe(true);
    expect(Object.isFrozen(options.tls?.ca)).toBe(true);
    // The caller's objects are copied, not kept: changing them changes nothing.
    input.options.timeouts.connect = 5;
    expect(resolveClientOptions(options).timeouts.connect).toBe(1000);
    expect(options.timeouts).not.toBe(input.options.timeouts);
  });
});

describe('parseConnectionDefinition: messages', () => {
  it('starts every message with "connection definition:", credentials included', () => {
    expect(failure({ url: 'smtp://h', options: { auth: { user: 'u' } } })).toMatch(
      /^connection definition: options\.auth\.pass must be a non-empty string/,
    );
    expect(
      failure({ url: 'smtp://h', options: { auth: { user: 'u', pass: 'p', accessToken: 't' } } }),
    ).toMatch(/^connection definition: options\.auth takes pass or accessToken, not both/);
  });
});

describe('parseConnectionDefinition: omitted', () => {
  it('accepts an empty omitted list', () => {
    expect(parseConnectionDefinition({ url: 'smtp://h', omitted: [] })).toEqual({
      url: 'smtp://h',
    });
  });

  it.each([
    [{ url: 'smtp://h', omitted: ['connector'] }, /definition\.omitted lists .*\(connector\)/],
    [
      { url: 'smtp://h', omitted: ['a', 'b', 'c', 'd', 'e', 'f'] },
      /\(a, b, c, d, e, \.\.\.\): supply it and remove omitted/,
    ],
    [{ url: 'smtp://h', omitted: ['\u001b[2J'] }, /\(\\x1b\[2J\)/],
    [{ url: 'smtp://h', omitted: 'auth.pass' }, /definition\.omitted must be a list/],
    [{ url: 'smtp://h', omitted: [1] }, /definition\.omitted\[0\] must be a non-empty string/],
  ])('refuses %j', (input, message) => {
    expect(failure(input)).toMatch(message);
  });
});

/** A plain view of resolved options with the secrets read out, to compare two of them. */
function view(resolved: ResolvedClientOptions): Record<string, unknown> {
  const { credentials } = resolved;
  return {
    ...resolved,
    credentials:
      credentials === undefined
        ? undefined
        : {
            user: credentials.user,
            secret: 'accessToken' in credentials ? credentials.accessToken : credentials.pass,
          },
    tls: { ...resolved.tls },
  };
}

/** Resolves `options`, or `undefined` when the client refuses them. */
function tryResolve(options: ClientOptions): ResolvedClientOptions | undefined {
  try {
    return resolveClientOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ClientStateError);
    return undefined;
  }
}

describe('toConnectionDefinition', () => {
  const write = (options: string | ClientOptions, includeSecrets?: boolean): ConnectionDefinition =>
    toConnectionDefinition(
      resolveClientOptions(options),
      includeSecrets === undefined ? undefined : { includeSecrets },
    );

  it('writes only the URL when everything else is a default', () => {
    expect(write({ host: 'mail.example.com' })).toEqual({ url: 'smtp://mail.example.com' });
    expect(write('smtps://mail.example.com')).toEqual({ url: 'smtps://mail.example.com' });
  });

  it.each<[ClientOptions, string, Record<string, unknown> | undefined]>([
    [{ host: 'h', security: 'implicit' }, 'smtps://h', undefined],
    [{ host: 'h', security: 'implicit', port: 587 }, 'smtps://h:587', undefined],
    [{ host: 'h', security: 'starttls' }, 'esmtptls://h', undefined],
    [{ host: 'h', security: 'starttls', port: 25 }, 'smtptls://h', undefined],
    [{ url: 'esmtp://h' }, 'esmtp://h', undefined],
    [{ url: 'estmps://h' }, 'smtps://h', undefined],
    [{ host: 'h', port: 2525 }, 'smtp://h:2525', undefined],
    [{ host: 'h', security: 'none' }, 'smtp://h', { security: 'none' }],
    [{ host: 'h', security: 'none', port: 587 }, 'esmtp://h', { security: 'none' }],
    [{ host: '::1', port: 2525 }, 'smtp://[::1]:2525', undefined],
    [{ host: '192.0.2.1' }, 'smtp://192.0.2.1', undefined],
    [{ host: 'bücher.example' }, 'smtp://xn--bcher-kva.example', undefined],
    [{ path: '/var/run/smtp.sock' }, 'smtp://%2Fvar%2Frun%2Fsmtp.sock', undefined],
    [{ path: 'relative.sock' }, 'smtp://localhost', { path: 'relative.sock' }],
    [
      { path: 'relative.sock', security: 'implicit', tls: { servername: 'mx.example' } },
      'smtps://localhost',
      { path: 'relative.sock', tls: { servername: 'mx.example' } },
    ],
    [{ host: 'fe80::1%eth0' }, 'smtp://localhost', { host: 'fe80::1%eth0', port: 25 }],
    [{ url: 'lmtp://h' }, 'lmtp://h', undefined],
    [{ host: 'h', protocol: 'lmtp', port: 2424 }, 'lmtp://h:2424', undefined],
    [{ path: '/run/dovecot/lmtp', protocol: 'lmtp' }, 'lmtp://%2Frun%2Fdovecot%2Flmtp', undefined],
    [{ url: 'lmtp://h', security: 'none' }, 'lmtp://h', { security: 'none' }],
    [{ url: 'lmtp://h', security: 'implicit' }, 'smtps://h:24', { protocol: 'lmtp' }],
    [{ url: 'lmtp://h:587', security: 'starttls' }, 'esmtptls://h', { protocol: 'lmtp' }],
    [{ url: 'lmtp://h', protocol: 'smtp' }, 'smtp://h:24', undefined],
    [{ path: 'relative.sock', protocol: 'lmtp' }, 'lmtp://localhost', { path: 'relative.sock' }],
  ])('writes %j as %s', (options, url, written) => {
    const definition = write(options);
    expect(definition).toEqual(written === undefined ? { url } : { url, options: written });
    const again = resolveClientOptions(parseConnectionDefinition(definition));
    expect(view(again)).toEqual(view(resolveClientOptions(options)));
  });

  it('takes the security credentials raise it to, and keeps opportunistic under allowInsecureAuth', () => {
    expect(write({ host: 'h', auth: { user: 'a', pass: 'b' } }, true)).toEqual({
      url: 'smtptls://h',
      options: { auth: { user: 'a', pass: 'b' } },
    });
    expect(
      write({ host: 'h', auth: { user: 'a', pass: 'b' }, allowInsecureAuth: true }, true),
    ).toEqual({
      url: 'smtp://h',
      options: { auth: { user: 'a', pass: 'b' }, allowInsecureAuth: true },
    });
  });

  it('never writes credentials in the URL, and leaves secrets out unless asked', () => {
    const definition = write('smtps://alice:s3cret-pw@mail.example.com');
    expect(definition).toEqual({
      url: 'smtps://mail.example.com',
      options: { auth: { user: 'alice' } },
      omitted: ['auth.pass'],
    });
    expect(JSON.stringify(definition)).not.toContain('s3cret');
    expect(write('smtps://alice:s3cret-pw@mail.example.com', true)).toEqual({
      url: 'smtps://mail.example.com',
      options: { auth: { user: 'alice', pass: 's3cret-pw' } },
    });
    expect(write({ host: 'h', auth: { user: 'u', accessToken: 'tok-1' } })).toMatchObject({
      options: { auth: { user: 'u' } },
      omitted: ['auth.accessToken'],
    });
    expect(write({ host: 'h', auth: { user: 'u', accessToken: 'tok-1' } }, true)).toMatchObject({
      options: { auth: { user: 'u', accessToken: 'tok-1' } },
    });
  });

  it('lists the functions it cannot write, in table order', () => {
    const definition = write(
      {
        host: 'h',
        auth: { user: 'u', accessToken: async () => 'tok' },
        connector: (options, context) => connect(options, context),
        onEvent: () => {},
      },
      true,
    );
    expect(definition).toEqual({
      url: 'smtptls://h',
      options: { auth: { user: 'u' } },
      omitted: ['auth.accessToken', 'connector', 'onEvent'],
    });
    expect(failure(definition)).toMatch(/\(auth\.accessToken, connector, onEvent\)/);
  });

  it('writes TLS PEM text, from Buffers too, and lists what is not', () => {
    const definition = write(
      {
        host: 'mx.example',
        tls: {
          servername: 'mx.example',
          ca: [Buffer.from(PEM), PEM],
          cert: Buffer.from(PEM),
          key: PEM,
          passphrase: 'pw',
          pfx: Buffer.from([1, 2, 3]),
          crl: PEM,
          checkServerIdentity: () => undefined,
          minVersion: 'TLSv1.3',
          maxVersion: 'TLSv1.1' as never,
          rejectUnauthorized: false,
        },
      },
      false,
    );
    expect(definition).toEqual({
      url: 'smtp://mx.example',
      options: {
        tls: { ca: [PEM, PEM], cert: PEM, minVersion: 'TLSv1.3', rejectUnauthorized: false },
      },
      omitted: [
        'tls.key',
        'tls.passphrase',
        'tls.pfx',
        'tls.crl',
        'tls.checkServerIdentity',
        'tls.maxVersion',
      ],
    });
  });

  it.each([
    [{ ca: Buffer.from([0x30, 0x82]) }, ['tls.ca']],
    [{ ca: [] }, ['tls.ca']],
    [{ ca: [PEM, Buffer.from([0x30])] }, ['tls.ca']],
    [{ cert: 'not pem' }, ['tls.cert']],
  ])('lists TLS material that is not PEM text: %j', (tls, omitted) => {
    expect(write({ host: '192.0.2.1', tls }).omitted).toEqual(omitted);
  });

  it('writes TLS secrets with includeSecrets', () => {
    expect(write({ host: '192.0.2.1', tls: { key: PEM, passphrase: 'pw' } }, true)).toEqual({
      url: 'smtp://192.0.2.1',
      options: { tls: { key: PEM, passphrase: 'pw' } },
    });
  });

  it('writes only what differs from the defaults', () => {
    expect(
      write({
        host: 'mx.example',
        name: defaultClientName(),
        timeouts: { connect: 30_000, quit: 1_000 },
        keepAlive: true,
        pipelining: false,
        chunking: 'auto',
        chunkSize: 1024,
        replyLimits: {},
        slowOperation: { slowOperationMs: 500 },
        connector: connect,
        localAddress: '192.0.2.1',
        family: 4,
        allowFileAccess: false,
        mechanism: 'plain' as never,
      }),
    ).toEqual({
      url: 'smtp://mx.example',
      options: {
        localAddress: '192.0.2.1',
        mechanism: 'PLAIN',
        timeouts: { quit: 1_000 },
        pipelining: false,
        chunkSize: 1024,
        allowFileAccess: false,
        slowOperation: { slowOperationMs: 500 },
      },
    });
    expect(write({ host: 'mx.example', name: '192.0.2.9' }).options).toEqual({
      name: '[192.0.2.9]',
    });
    expect(write({ host: 'mx.example', localAddress: '192.0.2.1', family: 0 }).options).toEqual({
      localAddress: '192.0.2.1',
      family: 0,
    });
    expect(write({ host: 'mx.example', family: 6 }).options).toEqual({ family: 6 });
  });

  it('returns plain JSON that parses back', () => {
    const definition = write({ url: 'esmtp://u:p@h', timeouts: { connect: 5 } }, true);
    expect(JSON.parse(JSON.stringify(definition))).toEqual(definition);
    expect(parseConnectionDefinition(JSON.stringify(definition))).toMatchObject({
      url: 'esmtptls://h',
      timeouts: { connect: 5 },
    });
  });
});

const SECRET = fc.stringMatching(/^[A-Za-z0-9]{4,12}$/).map((text) => `SECRET-${text}`);
const USER = fc.constantFrom('alice', 'bob@example.com', 'u');
const DNS_HOST = fc.constantFrom(
  'mail.example.com',
  'mx1.example.org',
  'localhost',
  'bücher.example',
);
const PORT = fc.integer({ min: 1, max: 65_535 });
const URL_HOST = fc.oneof(
  DNS_HOST,
  fc.ipV4(),
  fc.ipV6().map((ip) => `[${ip}]`),
  fc.constant('%2Fvar%2Frun%2Fsmtp.sock'),
);
const URL_TEXT = fc
  .record(
    {
      scheme: fc.constantFrom(...Object.keys(SMTP_SCHEMES)),
      host: URL_HOST,
      port: PORT,
      credentials: fc.tuple(USER, SECRET),
    },
    { requiredKeys: ['scheme', 'host'] },
  )
  .map(({ scheme, host, port, credentials }) => {
    const userinfo =
      credentials === undefined
        ? ''
        : `${encodeURIComponent(credentials[0])}:${encodeURIComponent(credentials[1])}@`;
    const suffix = port === undefined || host.startsWith('%2F') ? '' : `:${port}`;
    return `${scheme}://${userinfo}${host}${suffix}`;
  });
const TARGET = fc.oneof(
  fc.record(
    { host: fc.oneof(DNS_HOST, fc.ipV4(), fc.ipV6()), port: PORT },
    { requiredKeys: ['host'] },
  ),
  fc.record({ path: fc.constantFrom('/var/run/smtp.sock', 'relative.sock', '/tmp/a b.sock') }),
  fc.record({ url: URL_TEXT }),
);
const PEM_TEXT = fc.constantFrom(
  PEM,
  `-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n`,
);
const MS = fc.integer({ min: 1, max: 2_147_483_647 });
const COUNT = fc.integer({ min: 1, max: 1_000_000 });
const RATE = fc.integer({ min: 1, max: 10_000_000 }).map((n) => n / 7);
const JSON_OPTIONS = fc.record(
  {
    security: fc.constantFrom('implicit', 'starttls', 'opportunistic', 'none'),
    auth: fc.oneof(
      fc.record({ user: USER, pass: SECRET }),
      fc.record({ user: USER, accessToken: SECRET }),
    ),
    mechanism: fc.constantFrom('PLAIN', 'LOGIN', 'XOAUTH2', 'OAUTHBEARER', 'cram-md5'),
    allowInsecureAuth: fc.boolean(),
    name: fc.constantFrom('client.example.com', '192.0.2.9', '[IPv6:2001:db8::1]'),
    tls: fc.record(
      {
        servername: fc.constantFrom('mx.example.com', 'mail.example.com'),
        ca: fc.oneof(PEM_TEXT, fc.array(PEM_TEXT, { minLength: 1, maxLength: 2 })),
        cert: PEM_TEXT,
        key: SECRET.map(
          (text) => `-----BEGIN PRIVATE KEY-----\n${text}\n-----END PRIVATE KEY-----\n`,
        ),
        passphrase: SECRET,
        minVersion: fc.constantFrom('TLSv1.2', 'TLSv1.3'),
        maxVersion: fc.constantFrom('TLSv1.2', 'TLSv1.3'),
        rejectUnauthorized: fc.boolean(),
        ciphers: fc.constantFrom('HIGH', 'ECDHE-RSA-AES128-GCM-SHA256'),
      },
      { requiredKeys: [] },
    ),
    timeouts: fc.record(
      {
        connect: MS,
        greeting: MS,
        command: MS,
        tls: MS,
        dataInit: MS,
        dataBlock: MS,
        dataFinal: MS,
        quit: MS,
      },
      { requiredKeys: [] },
    ),
    keepAlive: fc.boolean(),
    pipelining: fc.boolean(),
    chunking: fc.constantFrom(true, false, 'auto' as const),
    chunkSize: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    requireAllRecipients: fc.boolean(),
    dryRun: fc.boolean(),
    allowFileAccess: fc.boolean(),
    replyLimits: fc.record(
      { maxLineLength: COUNT, maxReplySize: COUNT, maxLines: COUNT },
      { requiredKeys: [] },
    ),
    slowOperation: fc.record({ slowOperationMs: RATE, minThroughput: RATE }, { requiredKeys: [] }),
    localAddress: fc.oneof(fc.ipV4(), fc.ipV6()),
    family: fc.constantFrom(0 as const, 4 as const, 6 as const),
    protocol: fc.constantFrom('smtp' as const, 'lmtp' as const),
  },
  { requiredKeys: [] },
);
const CLIENT_OPTIONS = fc
  .tuple(TARGET, JSON_OPTIONS)
  .map(([target, options]) => ({ ...target, ...options }) as ClientOptions);

describe('toConnectionDefinition and parseConnectionDefinition: round trip', () => {
  it('gives back equivalent resolved options with includeSecrets', () => {
    let valid = 0;
    fc.assert(
      fc.property(CLIENT_OPTIONS, (options) => {
        const resolved = tryResolve(options);
        if (resolved === undefined) return;
        valid++;
        const definition = toConnectionDefinition(resolved, { includeSecrets: true });
        expect(definition.omitted).toBeUndefined();
        expect(definition.url).not.toContain('SECRET-');
        const text = JSON.stringify(definition);
        expect(view(resolveClientOptions(parseConnectionDefinition(text)))).toEqual(view(resolved));
        // Writing the result again gives the same definition: it is canonical.
        expect(
          toConnectionDefinition(resolveClientOptions(parseConnectionDefinition(definition)), {
            includeSecrets: true,
          }),
        ).toEqual(definition);
      }),
      params,
    );
    expect(valid).toBeGreaterThan(params.numRuns / 10);
  });

  it('shows no secret without includeSecrets, and such a definition does not parse', () => {
    fc.assert(
      fc.property(CLIENT_OPTIONS, (options) => {
        const resolved = tryResolve(options);
        if (resolved === undefined) return;
        const definition = toConnectionDefinition(resolved);
        for (const text of [
          JSON.stringify(definition),
          inspect(definition, { depth: 20, showHidden: true }),
        ]) {
          expect(text).not.toContain('SECRET-');
        }
        const hasSecret =
          resolved.credentials !== undefined ||
          resolved.tls.key !== undefined ||
          resolved.tls.passphrase !== undefined;
        expect(definition.omitted !== undefined).toBe(hasSecret);
        if (hasSecret) {
          expect(() => parseConnectionDefinition(definition)).toThrow(/definition\.omitted lists/);
        } else {
          expect(view(resolveClientOptions(parseConnectionDefinition(definition)))).toEqual(
            view(resolved),
          );
        }
      }),
      params,
    );
  });
});
