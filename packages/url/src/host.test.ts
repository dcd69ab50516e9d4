import { describe, expect, it } from 'vitest';
import { parseHostName, parseIpv6 } from './host.ts';

describe('parseHostName', () => {
  it.each([
    ['mail.example.com', 'mail.example.com'],
    ['Mail.Example.COM', 'mail.example.com'],
    ['localhost', 'localhost'],
    ['mail_relay', 'mail_relay'],
    ['_smtp._tcp.example', '_smtp._tcp.example'],
    ['1.example', '1.example'],
    ['a.0xg', 'a.0xg'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['BÜCHER.Example', 'xn--bcher-kva.example'],
    ['ß.example', 'xn--zca.example'],
    ['例え.テスト', 'xn--r8jz45g.xn--zckzah'],
    ['-ü.example', 'xn----eha.example'],
    ['XN--BCHER-KVA.Example', 'xn--bcher-kva.example'],
    ['münchen.de', 'xn--mnchen-3ya.de'],
    ['xn--mnchen-3ya.de', 'xn--mnchen-3ya.de'],
    ['пример.рф', 'xn--e1afmkfd.xn--p1ai'],
    ['xn--e1afmkfd.xn--p1ai', 'xn--e1afmkfd.xn--p1ai'],
    ['日本語.jp', 'xn--wgv71a119e.jp'],
    ['xn--wgv71a119e.jp', 'xn--wgv71a119e.jp'],
    ['ᏣᎳᎩ.example', 'xn--f9dt7l.example'],
    ['bücher.xn--r8jz45g', 'xn--bcher-kva.xn--r8jz45g'],
    [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
    [
      Array.from({ length: 4 }, () => 'a'.repeat(62)).join('.'),
      Array.from({ length: 4 }, () => 'a'.repeat(62)).join('.'),
    ],
  ])('reads %j as the DNS name %j', (text, host) => {
    expect(parseHostName(text)).toEqual({ kind: 'dns', host });
  });

  it.each(['192.0.2.1', '0.0.0.0', '255.255.255.255', '10.0.0.10'])(
    'reads %j as an IPv4 address',
    (text) => {
      expect(parseHostName(text)).toEqual({ kind: 'ipv4', host: text });
    },
  );

  it.each([
    ['127.1', 'a short IPv4 form that getaddrinfo would accept'],
    ['2130706433', 'a single-number IPv4 form'],
    ['0x7f.0.0.1', 'a hexadecimal IPv4 part'],
    ['mail.0x7f', 'a hexadecimal last label'],
    ['mail.0x', 'a bare 0x last label'],
    ['010.0.0.1', 'a leading zero (octal to inet_aton)'],
    ['256.0.0.1', 'an octet above 255'],
    ['1.2.3.4.5', 'five numeric parts'],
    ['example.123', 'a numeric top-level label'],
    ['１２７.0.0.1', 'full-width digits that map to an IPv4 address'],
    ['', 'nothing'],
    ['a..b', 'an empty label'],
    ['.example', 'a leading dot'],
    ['example.', 'a trailing dot'],
    ['-mail.example', 'a label starting with a hyphen'],
    ['mail-.example', 'a label ending with a hyphen'],
    [`${'a'.repeat(64)}.example`, 'a label of 64 characters'],
    [Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.'), 'a name of 255 characters'],
    ['a%41.example', 'percent-encoding'],
    ['a!b.example', 'a sub-delimiter'],
    ['a\\b.ü', 'a backslash the WHATWG parser would read as a path'],
    ['ａ！.example', 'a full-width character that maps to "!"'],
    ['\u00ad', 'a name that maps to nothing'],
    ['ü.1', 'an internationalised name ending in a number'],
    ['xn--abc.example', 'an A-label that decodes to C1 controls'],
    ['XN--ABC.example', 'the same in capitals'],
    ['mail.xn--abc', 'the same as the last label'],
    ['bücher.xn--abc', 'the same beside a U-label'],
    ['xn--abc-9.example', 'an A-label that is not Punycode'],
    ['xn--a-ecp.example', 'an A-label of a label IDNA refuses ("a⒈")'],
    ['xn--wca.example', 'an A-label of a capital Ü'],
    ['xn--tz9ata7l.example', 'an A-label of small Cherokee letters'],
    ['xn--a_b-joa.example', 'an A-label with "_"'],
    ['a_bü.example', 'a U-label with "_", whose A-label would hold it'],
  ])('refuses %j (%s)', (text) => {
    expect(() => parseHostName(text)).toThrow(
      expect.objectContaining({ code: 'SMTP_URL_INVALID_HOST' }),
    );
  });

  it.each([
    ['xn--abc.example', 'not a valid U-label'],
    ['xn--abc-9.example', 'not Punycode'],
    ['xn--wca.example', 'maps it to another label'],
    ['xn--a_b-joa.example', 'other than letters, digits and hyphens'],
  ])('says why %j is not a valid A-label (%s), without quoting it', (text, reason) => {
    try {
      parseHostName(text);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('not a valid A-label');
      expect((error as Error).message).toContain(reason);
      expect((error as Error).message).not.toContain(text.split('.')[0]);
    }
  });

  it('keeps the IDNA failure as the cause', () => {
    try {
      parseHostName('\u00ad');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).cause).toBeInstanceOf(TypeError);
    }
  });
});

describe('parseIpv6', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:DB8::A', '2001:db8::a'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7::'],
    ['::2:3:4:5:6:7:8', '::2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:192.0.2.1', '1:2:3:4:5:6:192.0.2.1'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::192.0.2.1', '::192.0.2.1'],
    ['1::2:3:4:5:6:7', '1::2:3:4:5:6:7'],
    ['0000:0000::0001', '0000:0000::0001'],
  ])('accepts %j as %j', (text, host) => {
    expect(parseIpv6(text)).toBe(host);
  });

  it.each([
    ['', 'nothing'],
    [':', 'a single colon'],
    [':::', 'three colons'],
    ['1::2::3', 'two gaps'],
    ['1:2:3:4:5:6:7', 'seven groups without a gap'],
    ['1:2:3:4:5:6:7:8:9', 'nine groups'],
    ['1:2:3:4:5:6:7:8::', 'eight groups and a gap'],
    ['::1:2:3:4:5:6:7:8', 'a gap and eight groups'],
    [':1:2:3:4:5:6:7', 'a leading single colon'],
    ['1:2:3:4:5:6:7:', 'a trailing single colon'],
    ['12345::', 'a group of five digits'],
    ['g::', 'a non-hex digit'],
    ['192.0.2.1', 'a bare IPv4 address'],
    ['192.0.2.1::', 'an IPv4 address before the gap'],
    ['1:2:3:4:5:6:7:192.0.2.1', 'an IPv4 address after seven groups'],
    ['::192.0.2.1:1', 'an IPv4 address that is not last'],
    ['::256.0.0.1', 'an invalid embedded IPv4 address'],
    ['fe80::1%eth0', 'a zone identifier'],
    ['fe80::1%25eth0', 'an encoded zone identifier'],
    ['v1.future', 'an IPvFuture literal'],
  ])('refuses %j (%s)', (text) => {
    expect(() => parseIpv6(text)).toThrow(
      expect.objectContaining({ code: 'SMTP_URL_INVALID_HOST' }),
    );
  });
});
