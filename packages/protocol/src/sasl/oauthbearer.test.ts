import { describe, expect, it } from 'vitest';
import type { SaslErrorCode } from '../errors.ts';
import { createOauthBearer } from './oauthbearer.ts';

const saslError = (code: SaslErrorCode) => expect.objectContaining({ name: 'SaslError', code });
const decoded = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

const rfc = {
  user: 'user@example.com',
  accessToken: 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==',
  host: 'server.example.com',
  port: 143,
};

/** RFC 7628 section 4.3, the server's error challenge. */
const RFC_ERROR =
  'eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=';

describe('createOauthBearer', () => {
  it('reproduces the initial response of RFC 7628 section 4.1', () => {
    const bearer = createOauthBearer(rfc);
    expect(bearer.name).toBe('OAUTHBEARER');
    expect(bearer.start()).toBe(
      'bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB',
    );
    bearer.finish();
  });

  it('answers the RFC 7628 section 4.3 error challenge with \\x01 and exposes the error', () => {
    const bearer = createOauthBearer(rfc);
    bearer.start();
    expect(bearer.step(RFC_ERROR)).toBe('AQ==');
    expect(bearer.serverError).toEqual({
      text: '{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/.well-known/openid-configuration"}',
      status: 'invalid_token',
      scope: 'example_scope',
      openidConfiguration: 'https://example.com/.well-known/openid-configuration',
    });
    expect(() => bearer.step(RFC_ERROR)).toThrow(saslError('SMTP_SASL_TOO_MANY_ROUNDS'));
  });

  it('reproduces the SMTP failed exchange of RFC 7628 section 4.4 (port 587)', () => {
    const bearer = createOauthBearer({ ...rfc, port: 587 });
    expect(bearer.start()).toBe(
      'bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9NTg3AWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB',
    );
    expect(
      bearer.step(
        'eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJlciBtYWMiLCJzY29wZSI6Imh0dHBzOi8vbWFpbC5leGFtcGxlLmNvbS8ifQ==',
      ),
    ).toBe('AQ==');
    expect(bearer.serverError).toMatchObject({
      status: 'invalid_token',
      schemes: 'bearer mac',
      scope: 'https://mail.example.com/',
    });
  });

  it('omits host and port when not given', () => {
    const bearer = createOauthBearer({ user: 'u@example.com', accessToken: 'tok' });
    expect(decoded(bearer.start() as string)).toBe(
      'n,a=u@example.com,\u0001auth=Bearer tok\u0001\u0001',
    );
  });

  it('sends port 0 and a host without a port', () => {
    expect(decoded(createOauthBearer({ ...rfc, port: 0 }).start() as string)).toContain(
      '\u0001port=0\u0001',
    );
    const { port: _port, ...withoutPort } = rfc;
    expect(decoded(createOauthBearer(withoutPort).start() as string)).toBe(
      `n,a=user@example.com,\u0001host=server.example.com\u0001auth=Bearer ${rfc.accessToken}\u0001\u0001`,
    );
  });

  it('escapes "," and "=" in the user name (RFC 5801 saslname)', () => {
    const bearer = createOauthBearer({ user: 'a,b=c@example.com', accessToken: 't' });
    expect(decoded(bearer.start() as string)).toMatch(/^n,a=a=2Cb=3Dc@example\.com,\u0001/);
  });

  it.each([
    ['an empty user', { user: '', accessToken: 't' }],
    ['an empty token', { user: 'u', accessToken: '' }],
    ['an empty host', { user: 'u', accessToken: 't', host: '' }],
    ['a \\x01 in the host', { user: 'u', accessToken: 't', host: 'h\u0001auth=Bearer x' }],
    ['a \\x01 in the token', { user: 'u', accessToken: 't\u0001' }],
    ['a negative port', { user: 'u', accessToken: 't', port: -1 }],
    ['a port above 65535', { user: 'u', accessToken: 't', port: 65536 }],
    ['a fractional port', { user: 'u', accessToken: 't', port: 25.5 }],
    ['a NaN port', { user: 'u', accessToken: 't', port: Number.NaN }],
  ])('refuses %s', (_title, invalid) => {
    expect(() => createOauthBearer(invalid)).toThrow(saslError('SMTP_SASL_INVALID_CREDENTIALS'));
  });
});
