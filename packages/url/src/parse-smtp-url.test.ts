import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isSmtpError, UrlError, type UrlErrorCode } from './errors.ts';
import { parseSmtpUrl } from './parse-smtp-url.ts';

/** Runs parseSmtpUrl and returns the error it throws (failing the test if it does not throw). */
function parseError(input: unknown): UrlError {
  try {
    parseSmtpUrl(input as string);
  } catch (error) {
    expect(error).toBeInstanceOf(UrlError);
    return error as UrlError;
  }
  return expect.unreachable('parseSmtpUrl should have thrown');
}

describe('parseSmtpUrl: schemes', () => {
  it.each([
    ['smtp', 'smtp', 25, 'opportunistic'],
    ['smtps', 'smtps', 465, 'implicit'],
    ['smtptls', 'smtptls', 25, 'starttls'],
    ['esmtp', 'esmtp', 587, 'opportunistic'],
    ['esmtps', 'esmtps', 465, 'implicit'],
    ['esmtptls', 'esmtptls', 587, 'starttls'],
    ['lmtp', 'lmtp', 24, 'opportunistic'],
    ['estmps', 'esmtps', 465, 'implicit'],
  ])('reads %s:// as scheme %s on port %i with %s security', (name, scheme, port, security) => {
    for (const written of [name, name.toUpperCase(), name[0]?.toUpperCase() + name.slice(1)]) {
      expect(parseSmtpUrl(`${written}://mail.example.com`)).toEqual({
        scheme,
        security,
        protocol: scheme === 'lmtp' ? 'lmtp' : 'smtp',
        kind: 'dns',
        host: 'mail.example.com',
        port,
      });
    }
  });

  it('lets an explicit port override the scheme default', () => {
    expect(parseSmtpUrl('smtps://mail.example.com:2465')).toMatchObject({ port: 2465 });
    expect(parseSmtpUrl('esmtp://mail.example.com:25')).toMatchObject({ port: 25 });
  });

  it('accepts leading zeros in a port', () => {
    expect(parseSmtpUrl('smtp://mail.example.com:0025')).toMatchObject({ port: 25 });
  });

  it('accepts an empty path or "/" after the host', () => {
    expect(parseSmtpUrl('smtp://mail.example.com/')).toMatchObject({ host: 'mail.example.com' });
    expect(parseSmtpUrl('smtp://mail.example.com:587/')).toMatchObject({ port: 587 });
  });

  it('returns a frozen value without a credentials key when there are none', () => {
    const url = parseSmtpUrl('smtp://mail.example.com');
    expect(Object.isFrozen(url)).toBe(true);
    expect('credentials' in url).toBe(false);
  });
});

describe('parseSmtpUrl: hosts', () => {
  it.each([
    ['smtp://192.0.2.1', 'ipv4', '192.0.2.1', 25],
    ['smtp://192.0.2.1:2525', 'ipv4', '192.0.2.1', 2525],
    ['smtp://[::1]', 'ipv6', '::1', 25],
    ['smtp://[::1]:2525', 'ipv6', '::1', 2525],
    ['smtp://[2001:DB8::1]/', 'ipv6', '2001:db8::1', 25],
    ['smtp://[::ffff:192.0.2.1]:587', 'ipv6', '::ffff:192.0.2.1', 587],
    ['smtp://MAIL.Example.com', 'dns', 'mail.example.com', 25],
    ['smtp://mail_relay:2525', 'dns', 'mail_relay', 2525],
    ['smtp://bücher.example', 'dns', 'xn--bcher-kva.example', 25],
    ['smtp://user:pass@Bücher.example:587', 'dns', 'xn--bcher-kva.example', 587],
    ['smtp://例え.テスト', 'dns', 'xn--r8jz45g.xn--zckzah', 25],
    ['smtp://xn--bcher-kva.example', 'dns', 'xn--bcher-kva.example', 25],
    ['smtp://münchen.de:587', 'dns', 'xn--mnchen-3ya.de', 587],
    ['smtp://пример.рф', 'dns', 'xn--e1afmkfd.xn--p1ai', 25],
  ])('reads %s as a %s host %j on port %i', (input, kind, host, port) => {
    expect(parseSmtpUrl(input)).toMatchObject({ kind, host, port });
  });

  it.each([
    ['localhost', 'dns', 'localhost', 25],
    ['localhost:2525', 'dns', 'localhost', 2525],
    ['Mail.Example.com:587', 'dns', 'mail.example.com', 587],
    ['192.0.2.1:25', 'ipv4', '192.0.2.1', 25],
    ['[::1]', 'ipv6', '::1', 25],
    ['[::1]:2525', 'ipv6', '::1', 2525],
    ['bücher.example', 'dns', 'xn--bcher-kva.example', 25],
    ['smtp:25', 'dns', 'smtp', 25],
    ['smtps:465', 'dns', 'smtps', 465],
  ])('takes the bare host %j as smtp, %s host %j on port %i', (input, kind, host, port) => {
    expect(parseSmtpUrl(input)).toEqual({
      scheme: 'smtp',
      security: 'opportunistic',
      protocol: 'smtp',
      kind,
      host,
      port,
    });
  });
});

describe('parseSmtpUrl: UNIX sockets', () => {
  it.each([
    ['smtp://%2Fvar%2Frun%2Fsmtp.sock', '/var/run/smtp.sock'],
    ['smtp://%2fvar%2frun%2fsmtp.sock/', '/var/run/smtp.sock'],
    ['%2Fvar%2Frun%2Fsmtp.sock', '/var/run/smtp.sock'],
    ['smtp://%2Ftmp%2Fmy%20socket', '/tmp/my socket'],
    ['smtp://%2Ftmp%2Fa+b,c;d=e~f', '/tmp/a+b,c;d=e~f'],
    ['smtp://%2Ftmp%2FSöcket', '/tmp/Söcket'],
    ['smtp://%2Ftmp%2Fa%3Ab%40c', '/tmp/a:b@c'],
    ['smtp://%2F', '/'],
  ])('reads %s as the socket path %j, case preserved', (input, path) => {
    expect(parseSmtpUrl(input)).toEqual({
      scheme: 'smtp',
      security: 'opportunistic',
      protocol: 'smtp',
      kind: 'unix',
      path,
    });
  });

  it("reads an LMTP socket, such as Dovecot's, as protocol lmtp", () => {
    expect(parseSmtpUrl('lmtp://%2Fvar%2Frun%2Fdovecot%2Flmtp')).toEqual({
      scheme: 'lmtp',
      security: 'opportunistic',
      protocol: 'lmtp',
      kind: 'unix',
      path: '/var/run/dovecot/lmtp',
    });
  });

  it('keeps the scheme security and credentials with a socket path', () => {
    const url = parseSmtpUrl('smtps://user:pa%3Ass@%2Fvar%2Frun%2Fsmtp.sock');
    expect(url).toMatchObject({ scheme: 'smtps', security: 'implicit', kind: 'unix' });
    expect(url.credentials?.username).toBe('user');
    expect(url.credentials?.password).toBe('pa:ss');
  });
});

describe('parseSmtpUrl: credentials', () => {
  it.each([
    ['smtp://alice:secret@h', 'alice', 'secret'],
    ['smtp://alice%40example.com:secret@h', 'alice@example.com', 'secret'],
    ['smtp://a%3Ab:c%3Ad@h', 'a:b', 'c:d'],
    ['smtp://user:a:b:c@h', 'user', 'a:b:c'],
    ['smtp://user:p%2F%3F%23%25%40@h', 'user', 'p/?#%@'],
    ["smtp://user:!$&'()*+,;=~@h", 'user', "!$&'()*+,;=~"],
    ['smtp://j%C3%B6rg:p%C3%A4ss@h', 'jörg', 'päss'],
    ['smtp://jörg:pässwörd😀@h', 'jörg', 'pässwörd😀'],
    ['smtp://user:%20%0D%0A@h', 'user', ' \r\n'],
  ])('decodes %s to user %j and password %j', (input, username, password) => {
    const { credentials } = parseSmtpUrl(input);
    expect(credentials?.username).toBe(username);
    expect(credentials?.password).toBe(password);
  });

  it('keeps the password out of JSON.stringify', () => {
    const url = parseSmtpUrl('smtps://alice:s3cret-PASSWORD@mail.example.com');
    const json = JSON.stringify(url);
    expect(json).not.toContain('s3cret-PASSWORD');
    expect(JSON.parse(json)).toEqual({
      scheme: 'smtps',
      security: 'implicit',
      protocol: 'smtp',
      kind: 'dns',
      host: 'mail.example.com',
      port: 465,
      credentials: { username: 'alice', password: '[REDACTED]' },
    });
  });

  it('keeps the password out of util.inspect, with or without showHidden', () => {
    const url = parseSmtpUrl('smtps://alice:s3cret-PASSWORD@mail.example.com');
    expect(inspect(url, { depth: null })).not.toContain('s3cret-PASSWORD');
    expect(inspect(url, { depth: null, showHidden: true })).not.toContain('s3cret-PASSWORD');
    expect(inspect(url, { depth: null })).toContain("password: '[REDACTED]'");
  });
});

const errorCases: ReadonlyArray<readonly [UrlErrorCode, string, unknown]> = [
  ['SMTP_URL_MALFORMED', 'a number instead of a string', 25],
  ['SMTP_URL_MALFORMED', 'undefined (an unset variable)', undefined],
  ['SMTP_URL_MALFORMED', 'null', null],
  ['SMTP_URL_MALFORMED', 'a leading space', ' smtp://h'],
  ['SMTP_URL_MALFORMED', 'a trailing newline', 'smtp://h\n'],
  ['SMTP_URL_MALFORMED', 'a tab', 'smtp://u:p\tx@h'],
  ['SMTP_URL_MALFORMED', 'DEL', 'smtp://h\x7f'],
  ['SMTP_URL_MALFORMED', 'a C1 control', 'smtp://h\u0085'],
  ['SMTP_URL_MALFORMED', 'a lone high surrogate at the end', 'smtp://h\ud800'],
  ['SMTP_URL_MALFORMED', 'a high surrogate before a non-surrogate', 'smtp://u:\ud800x@h'],
  ['SMTP_URL_MALFORMED', 'a lone low surrogate', 'smtp://u:\udc00@h'],
  ['SMTP_URL_MALFORMED', 'a scheme starting with a digit', '1smtp://h'],
  ['SMTP_URL_MALFORMED', 'nothing before "://"', '://h'],
  ['SMTP_URL_MALFORMED', 'a known scheme without "//"', 'smtp:mail.example.com'],
  ['SMTP_URL_MALFORMED', 'a known scheme with one "/"', 'SMTPS:/mail.example.com'],
  ['SMTP_URL_MALFORMED', 'a known scheme and nothing else', 'smtp:'],
  ['SMTP_URL_MALFORMED', 'credentials on a bare host', 'user:pass@mail.example.com'],
  ['SMTP_URL_MALFORMED', 'a path on a bare host', 'mail.example.com/'],
  ['SMTP_URL_MALFORMED', 'a raw socket path as a bare host', '/var/run/smtp.sock'],
  ['SMTP_URL_MALFORMED', 'two "@"', 'smtp://alice@example.com:secret@h'],
  ['SMTP_URL_MALFORMED', 'a raw "/" in a password', 'smtp://user:se/cret@h'],
  ['SMTP_URL_MALFORMED', 'a raw "#" in a password', 'smtp://user:se#cret@h'],
  ['SMTP_URL_MALFORMED', 'a raw "?" in a password', 'smtp://user:se?cret@h'],
  ['SMTP_URL_MALFORMED', 'a raw "[" in a user name', 'smtp://us[er:secret@h'],
  ['SMTP_URL_MALFORMED', 'a raw "<" in a password', 'smtp://user:se<cret@h'],
  ['SMTP_URL_UNKNOWN_SCHEME', 'http', 'http://mail.example.com'],
  ['SMTP_URL_UNKNOWN_SCHEME', 'a scheme named like an Object.prototype key', 'constructor://h'],
  ['SMTP_URL_UNKNOWN_SCHEME', 'smtp+tls', 'smtp+tls://h'],
  ['SMTP_URL_EMPTY_HOST', 'an empty string', ''],
  ['SMTP_URL_EMPTY_HOST', 'a scheme only', 'smtp://'],
  ['SMTP_URL_EMPTY_HOST', 'a scheme and "/"', 'smtp:///'],
  ['SMTP_URL_EMPTY_HOST', 'credentials and no host', 'smtp://user:secret@'],
  ['SMTP_URL_EMPTY_HOST', 'a port and no host', 'smtp://:25'],
  ['SMTP_URL_EMPTY_HOST', 'a bare port', ':25'],
  ['SMTP_URL_INVALID_HOST', 'an unclosed IPv6 bracket', 'smtp://[::1'],
  ['SMTP_URL_INVALID_HOST', 'text after the IPv6 bracket', 'smtp://[::1]x'],
  ['SMTP_URL_INVALID_HOST', 'an IPv4 address in brackets', 'smtp://[192.0.2.1]'],
  ['SMTP_URL_INVALID_HOST', 'empty brackets', 'smtp://[]'],
  ['SMTP_URL_INVALID_HOST', 'an IPv6 zone identifier', 'smtp://[fe80::1%25eth0]'],
  ['SMTP_URL_INVALID_HOST', 'an IPvFuture literal', 'smtp://[v1.x]'],
  ['SMTP_URL_INVALID_HOST', 'IPv6 without brackets', 'smtp://::1'],
  ['SMTP_URL_INVALID_HOST', 'IPv6 without brackets, bare', 'fe80::1'],
  ['SMTP_URL_INVALID_HOST', 'a short IPv4 form', 'smtp://127.1'],
  ['SMTP_URL_INVALID_HOST', 'a trailing dot', 'smtp://mail.example.com.'],
  ['SMTP_URL_INVALID_HOST', 'an empty label', 'smtp://mail..example.com'],
  ['SMTP_URL_INVALID_HOST', 'percent-encoding in a host name', 'smtp://b%C3%BCcher.example'],
  ['SMTP_URL_INVALID_HOST', 'a sub-delimiter in a host name', 'smtp://mail$.example.com'],
  ['SMTP_URL_INVALID_HOST', 'a "]" in a host name', 'smtp://mail].example.com'],
  ['SMTP_URL_INVALID_HOST', 'an IDN that maps to punctuation', 'smtp://ａ！.example'],
  ['SMTP_URL_INVALID_HOST', 'an A-label that is not valid', 'smtp://xn--abc.example'],
  ['SMTP_URL_INVALID_HOST', 'an invalid A-label, with a port', 'smtps://xn--abc.example:465'],
  ['SMTP_URL_INVALID_HOST', 'a socket path with a raw "<"', 'smtp://%2Ftmp%2F<s'],
  ['SMTP_URL_INVALID_HOST', 'a socket path with NUL', 'smtp://%2Ftmp%2Fs%00'],
  ['SMTP_URL_INVALID_PORT', 'an empty port', 'smtp://h:'],
  ['SMTP_URL_INVALID_PORT', 'port 0', 'smtp://h:0'],
  ['SMTP_URL_INVALID_PORT', 'port 65536', 'smtp://h:65536'],
  ['SMTP_URL_INVALID_PORT', 'a huge port', 'h:99999999999999999999999'],
  ['SMTP_URL_INVALID_PORT', 'a non-numeric port', 'smtp://h:smtp'],
  ['SMTP_URL_INVALID_PORT', 'a signed port', 'smtp://h:+25'],
  ['SMTP_URL_INVALID_PORT', 'a negative port', 'smtp://h:-1'],
  ['SMTP_URL_INVALID_PORT', 'an empty port after IPv6', 'smtp://[::1]:'],
  ['SMTP_URL_INVALID_PORT', 'a port with a socket path', 'smtp://%2Ftmp%2Fs:25'],
  ['SMTP_URL_INVALID_PORT', 'LMTP on port 25 (RFC 2033 section 5)', 'lmtp://mail.example.com:25'],
  ['SMTP_URL_INVALID_PORT', 'LMTP on port 25 of an IPv6 address', 'LMTP://[::1]:025'],
  ['SMTP_URL_MISSING_USER', 'an "@" with nothing before it', 'smtp://@h'],
  ['SMTP_URL_MISSING_USER', 'a password without a user', 'smtp://:secret@h'],
  ['SMTP_URL_MISSING_USER', 'a lone ":" before "@"', 'smtp://:@h'],
  ['SMTP_URL_MISSING_PASSWORD', 'a user without ":"', 'smtp://user@h'],
  ['SMTP_URL_MISSING_PASSWORD', 'a user with an empty password', 'smtp://user:@h'],
  ['SMTP_URL_INVALID_PERCENT_ENCODING', 'a bad escape in a user name', 'smtp://u%zz:p@h'],
  ['SMTP_URL_INVALID_PERCENT_ENCODING', 'a lone "%" in a password', 'smtp://user:100%@h'],
  ['SMTP_URL_INVALID_PERCENT_ENCODING', 'a truncated UTF-8 sequence', 'smtp://user:%C3@h'],
  ['SMTP_URL_INVALID_PERCENT_ENCODING', 'a byte that is never UTF-8', 'smtp://user:%FF@h'],
  ['SMTP_URL_INVALID_PERCENT_ENCODING', 'a bad escape in a socket path', 'smtp://%2Ftmp%2'],
  ['SMTP_URL_UNSUPPORTED_PART', 'a path', 'smtp://h/inbox'],
  ['SMTP_URL_UNSUPPORTED_PART', 'a path of "//"', 'smtp://h//'],
  ['SMTP_URL_UNSUPPORTED_PART', 'an empty query', 'smtp://h?'],
  ['SMTP_URL_UNSUPPORTED_PART', 'a query', 'smtp://h:587?pool=true'],
  ['SMTP_URL_UNSUPPORTED_PART', 'a query after "/"', 'smtp://h/?secure=false'],
  ['SMTP_URL_UNSUPPORTED_PART', 'an empty fragment', 'smtp://h#'],
  ['SMTP_URL_UNSUPPORTED_PART', 'a fragment after "/"', 'smtp://h/#top'],
];

describe('parseSmtpUrl: errors', () => {
  it.each(errorCases)('throws %s for %s', (code, _label, input) => {
    const error = parseError(input);
    expect(error.code).toBe(code);
    expect(error.name).toBe('UrlError');
    expect(isSmtpError(error)).toBe(true);
  });

  it('covers every UrlErrorCode in the table above', () => {
    const codes: Record<UrlErrorCode, true> = {
      SMTP_URL_MALFORMED: true,
      SMTP_URL_UNKNOWN_SCHEME: true,
      SMTP_URL_EMPTY_HOST: true,
      SMTP_URL_INVALID_HOST: true,
      SMTP_URL_INVALID_PORT: true,
      SMTP_URL_MISSING_USER: true,
      SMTP_URL_MISSING_PASSWORD: true,
      SMTP_URL_INVALID_PERCENT_ENCODING: true,
      SMTP_URL_UNSUPPORTED_PART: true,
      // Proxy URLs only: proxy-url.test.ts.
      SMTP_URL_INVALID_CREDENTIALS: true,
    };
    expect(new Set([...errorCases.map(([code]) => code), 'SMTP_URL_INVALID_CREDENTIALS'])).toEqual(
      new Set(Object.keys(codes)),
    );
  });

  it('lists the known schemes when the scheme is unknown', () => {
    expect(parseError('submission://h').message).toBe(
      'Unknown SMTP URL scheme "submission"; known schemes: smtp, smtps, smtptls, esmtp, esmtps, esmtptls, lmtp, estmps.',
    );
  });

  it('quotes at most 32 characters of an unknown scheme', () => {
    expect(parseError(`${'x'.repeat(100)}://h`).message).toContain(`"${'x'.repeat(32)}"`);
  });

  it('names the part a query or fragment was found in', () => {
    expect(parseError('smtp://h?a').message).toContain('no query');
    expect(parseError('smtp://h#a').message).toContain('no fragment');
    expect(parseError('smtp://h/a').message).toContain('no path');
  });

  it('gives the offset of a stray control character', () => {
    expect(parseError('smtp://h\r\n').message).toContain('offset 8');
  });

  it.each([
    'smtp://user:SECRETpw/x@h',
    'smtp://user:SECRETpw#x@h',
    'smtp://user:SECRETpw?x@h',
    'smtp://user:SECRETpw@a@h',
    'smtp://user:SECRETpw<@h',
    'smtp://user:SECRETpw%zz@h',
    'smtp://user:SECRETpw%@h',
    'smtp://user:SECRETpw\n@h',
    'smtp://user:SECRETpw@h:bad',
    'smtp://user:SECRETpw@h/path',
    'smtp://user:SECRETpw@h?q',
    'smtp://user:SECRETpw@[::1',
    'smtp://user:SECRETpw@bad!host',
    'smtp:user:SECRETpw@h',
    'user:SECRETpw@h',
    'smtp://user:se/SECRETpw@h',
    'user:SECRETpw',
  ])('never quotes the password in the error for %j', (input) => {
    const error = parseError(input);
    expect(error.message).not.toContain('SECRET');
    expect(String(error.stack)).not.toContain('SECRET');
    expect(inspect(error)).not.toContain('SECRET');
  });
});
