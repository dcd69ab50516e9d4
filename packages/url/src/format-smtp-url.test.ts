import { describe, expect, it } from 'vitest';
import { createSmtpCredentials } from './credentials.ts';
import type { UrlErrorCode } from './errors.ts';
import { formatSmtpUrl } from './format-smtp-url.ts';
import { parseSmtpUrl, type SmtpUrl } from './parse-smtp-url.ts';

describe('formatSmtpUrl', () => {
  it.each([
    ['smtp://mail.example.com', 'smtp://mail.example.com'],
    ['smtp://mail.example.com:25/', 'smtp://mail.example.com'],
    ['SMTPS://Mail.Example.com:465', 'smtps://mail.example.com'],
    ['smtps://mail.example.com:587', 'smtps://mail.example.com:587'],
    ['esmtp://mail.example.com:587', 'esmtp://mail.example.com'],
    ['esmtptls://mail.example.com:25', 'esmtptls://mail.example.com:25'],
    ['estmps://mail.example.com', 'esmtps://mail.example.com'],
    ['smtptls://192.0.2.1:2525', 'smtptls://192.0.2.1:2525'],
    ['smtp://[2001:DB8::1]:25', 'smtp://[2001:db8::1]'],
    ['smtp://[::1]:2525', 'smtp://[::1]:2525'],
    ['smtp://bücher.example', 'smtp://xn--bcher-kva.example'],
    ['localhost:2525', 'smtp://localhost:2525'],
    ['smtp://%2fvar%2frun%2fsmtp.sock/', 'smtp://%2Fvar%2Frun%2Fsmtp.sock'],
    ['smtp://%2Ftmp%2Fa+b%20c', 'smtp://%2Ftmp%2Fa%2Bb%20c'],
    ['LMTP://127.0.0.1:24', 'lmtp://127.0.0.1'],
    ['lmtp://[::1]:2424', 'lmtp://[::1]:2424'],
    ['lmtp://%2Fvar%2Frun%2Fdovecot%2Flmtp', 'lmtp://%2Fvar%2Frun%2Fdovecot%2Flmtp'],
  ])('formats the parse of %s as %s', (input, output) => {
    expect(formatSmtpUrl(parseSmtpUrl(input))).toBe(output);
  });

  it('redacts the password as *** by default and with password: false', () => {
    const url = parseSmtpUrl('smtps://alice%40example.com:s3cret@mail.example.com');
    expect(formatSmtpUrl(url)).toBe('smtps://alice%40example.com:***@mail.example.com');
    expect(formatSmtpUrl(url, { password: false })).toBe(
      'smtps://alice%40example.com:***@mail.example.com',
    );
  });

  it('writes the password, percent-encoded, only with password: true', () => {
    const url = parseSmtpUrl("smtp://user:p%40ss:w*rd!'()@h");
    expect(formatSmtpUrl(url, { password: true })).toBe(
      'smtp://user:p%40ss%3Aw%2Ard%21%27%28%29@h',
    );
  });

  it('keeps a real password of *** distinct from the redaction marker', () => {
    const url = parseSmtpUrl('smtp://user:***@h');
    expect(url.credentials?.password).toBe('***');
    expect(formatSmtpUrl(url, { password: true })).toBe('smtp://user:%2A%2A%2A@h');
    expect(formatSmtpUrl(url)).toBe('smtp://user:***@h');
  });

  it('redacts the password of a socket URL too', () => {
    const url = parseSmtpUrl('smtp://user:secret@%2Fvar%2Frun%2Fsmtp.sock');
    expect(formatSmtpUrl(url)).toBe('smtp://user:***@%2Fvar%2Frun%2Fsmtp.sock');
  });

  it('accepts plain credential objects built by hand', () => {
    const url: SmtpUrl = {
      scheme: 'esmtptls',
      security: 'starttls',
      protocol: 'smtp',
      kind: 'dns',
      host: 'mail.example.com',
      port: 587,
      credentials: { username: 'jörg', password: 'p/w' },
    };
    expect(formatSmtpUrl(url, { password: true })).toBe(
      'esmtptls://j%C3%B6rg:p%2Fw@mail.example.com',
    );
  });

  const host = {
    scheme: 'smtp',
    security: 'opportunistic',
    protocol: 'smtp',
    kind: 'dns',
    host: 'mail.example.com',
    port: 25,
  } as const satisfies SmtpUrl;
  const socket = {
    scheme: 'smtp',
    security: 'opportunistic',
    protocol: 'smtp',
    kind: 'unix',
    path: '/run/smtp.sock',
  } as const satisfies SmtpUrl;

  it.each<[UrlErrorCode, string, unknown]>([
    ['SMTP_URL_UNKNOWN_SCHEME', 'an unknown scheme', { ...host, scheme: 'http' }],
    ['SMTP_URL_UNKNOWN_SCHEME', 'a scheme that is not a string', { ...host, scheme: 25 }],
    ['SMTP_URL_MALFORMED', 'a security that does not match', { ...host, security: 'implicit' }],
    ['SMTP_URL_MALFORMED', 'a protocol that does not match', { ...host, protocol: 'lmtp' }],
    ['SMTP_URL_MALFORMED', 'no protocol', { ...host, protocol: undefined }],
    [
      'SMTP_URL_MALFORMED',
      'an lmtp scheme speaking smtp',
      { ...socket, scheme: 'lmtp', protocol: 'smtp' },
    ],
    ['SMTP_URL_INVALID_PORT', 'LMTP on port 25', { ...host, scheme: 'lmtp', protocol: 'lmtp' }],
    ['SMTP_URL_INVALID_HOST', 'an unknown host kind', { ...host, kind: 'tcp' }],
    ['SMTP_URL_INVALID_HOST', 'an upper-case DNS name', { ...host, host: 'Mail.example.com' }],
    ['SMTP_URL_INVALID_HOST', 'a U-label', { ...host, host: 'bücher.example' }],
    ['SMTP_URL_INVALID_HOST', 'a DNS name with a space', { ...host, host: 'a b' }],
    ['SMTP_URL_INVALID_HOST', 'an IPv4 address as dns', { ...host, host: '192.0.2.1' }],
    ['SMTP_URL_INVALID_HOST', 'a DNS name as ipv4', { ...host, kind: 'ipv4' }],
    ['SMTP_URL_INVALID_HOST', 'IPv6 in brackets', { ...host, kind: 'ipv6', host: '[::1]' }],
    ['SMTP_URL_INVALID_HOST', 'upper-case IPv6', { ...host, kind: 'ipv6', host: 'FE80::1' }],
    ['SMTP_URL_INVALID_HOST', 'a relative socket path', { ...socket, path: 'smtp.sock' }],
    ['SMTP_URL_INVALID_HOST', 'a socket path with NUL', { ...socket, path: '/run/\0' }],
    ['SMTP_URL_MALFORMED', 'a socket path with a lone surrogate', { ...socket, path: '/\ud800' }],
    ['SMTP_URL_INVALID_PORT', 'port 0', { ...host, port: 0 }],
    ['SMTP_URL_INVALID_PORT', 'port 65536', { ...host, port: 65536 }],
    ['SMTP_URL_INVALID_PORT', 'a fractional port', { ...host, port: 25.5 }],
    ['SMTP_URL_INVALID_PORT', 'a port that is not a number', { ...host, port: '25' }],
    [
      'SMTP_URL_MISSING_USER',
      'an empty user name',
      { ...host, credentials: { username: '', password: 'secret' } },
    ],
    [
      'SMTP_URL_MISSING_PASSWORD',
      'an empty password',
      { ...host, credentials: createSmtpCredentials('user', '') },
    ],
    [
      'SMTP_URL_MALFORMED',
      'a lone surrogate in a redacted password',
      { ...host, credentials: createSmtpCredentials('user', 'SECRET\udc00') },
    ],
  ])('refuses with %s a value with %s', (code, _label, value) => {
    expect(() => formatSmtpUrl(value as SmtpUrl)).toThrow(
      expect.objectContaining({ code, name: 'UrlError' }),
    );
  });

  it('never quotes the password in its errors', () => {
    const url = { ...host, credentials: createSmtpCredentials('user', 'SECRET\udc00') };
    try {
      formatSmtpUrl(url, { password: true });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('SECRET');
    }
  });
});
