import { inspect } from 'node:util';
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { parseConnectionDefinition } from './connection-definition.ts';
import { ClientStateError } from './errors.ts';
import { resolveClientOptions } from './resolve-options.ts';

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
