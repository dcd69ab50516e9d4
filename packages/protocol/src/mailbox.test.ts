import { describe, expect, it } from 'vitest';
import {
  formatAddressLiteral,
  MAX_DOMAIN_LENGTH,
  MAX_LOCAL_PART_LENGTH,
  MAX_PATH_LENGTH,
  validateDomain,
  validateLocalPart,
  validateMailbox,
} from './mailbox.ts';

const label63 = 'd'.repeat(63);
/** A domain of exactly `length` octets made of 63-octet labels. */
function domainOf(length: number): string {
  const labels: string[] = [];
  let left = length;
  while (left > 64) {
    labels.push(label63);
    left -= 64;
  }
  labels.push('e'.repeat(left));
  return labels.join('.');
}

describe('validateMailbox', () => {
  const valid: readonly string[] = [
    'user@example.com',
    'a@b',
    'first.last@sub.example.co.uk',
    "!#$%&'*+-/=?^_`{|}~@example.com",
    'user+tag@example.com',
    '"quoted"@example.com',
    '"a..b"@example.com',
    '"a@b"@example.com',
    '"a\\"b"@example.com',
    '"a\\\\b"@example.com',
    '""@example.com',
    'user@localhost',
    'user@123.example',
    'user@a-b--c.example',
    'user@xn--bcher-kva.example',
    'user@[192.0.2.1]',
    'user@[0.0.0.0]',
    'user@[255.255.255.255]',
    'user@[IPv6:2001:db8::1]',
    'user@[ipv6:::1]',
    'user@[IPv6:::]',
    'user@[IPv6:1:2:3:4:5:6:7:8]',
    'user@[IPv6:1:2:3::6:7:8]',
    'user@[IPv6:1:2:3:4:5:6::]',
    'user@[IPv6:::ffff:192.0.2.1]',
    'user@[IPv6:::192.0.2.1]',
    'user@[IPv6:1:2:3:4:5:6:192.0.2.1]',
    'user@[IPv6:1:2::3:4:192.0.2.1]',
    'user@[IPv6:1::192.0.2.1]',
    `${'l'.repeat(MAX_LOCAL_PART_LENGTH)}@example.com`,
    `user@${label63}.example`,
    `${'l'.repeat(64)}@${domainOf(MAX_PATH_LENGTH - 2 - 65)}`,
  ];
  for (const mailbox of valid) {
    it(`accepts ${JSON.stringify(mailbox.length > 60 ? `${mailbox.slice(0, 60)}...` : mailbox)}`, () => {
      expect(() => validateMailbox(mailbox)).not.toThrow();
      expect(() => validateMailbox(mailbox, { smtpUtf8: true })).not.toThrow();
    });
  }

  const validUtf8: readonly string[] = [
    'jörg@bücher.example',
    'δοκιμή@παράδειγμα.δοκιμή',
    '用户@例子.广告',
    '"ü ber"@example.com'.replace(' ', ''),
    'user@xn--bcher-kva.bücher',
    `${'é'.repeat(32)}@example.com`,
  ];
  for (const mailbox of validUtf8) {
    it(`accepts ${JSON.stringify(mailbox)} with SMTPUTF8 only`, () => {
      expect(() => validateMailbox(mailbox, { smtpUtf8: true })).not.toThrow();
      expect(() => validateMailbox(mailbox)).toThrow(
        expect.objectContaining({ code: 'SMTP_INVALID_NON_ASCII' }),
      );
    });
  }

  const invalid: ReadonlyArray<readonly [title: string, mailbox: string, code: string]> = [
    ['CR', 'a\r@example.com', 'SMTP_INVALID_CHARACTER'],
    ['LF', 'a@example.com\n', 'SMTP_INVALID_CHARACTER'],
    ['CRLF and a command', 'a@b\r\nRCPT TO:<x@y>', 'SMTP_INVALID_CHARACTER'],
    ['NUL', 'a\u0000@example.com', 'SMTP_INVALID_CHARACTER'],
    ['TAB', 'a\t@example.com', 'SMTP_INVALID_CHARACTER'],
    ['DEL', '\u007f@example.com', 'SMTP_INVALID_CHARACTER'],
    ['a C1 control (NEL)', 'a@example.com\u0085', 'SMTP_INVALID_CHARACTER'],
    ['a line separator', 'a\u2028@example.com', 'SMTP_INVALID_CHARACTER'],
    ['a lone surrogate', 'a\ud800@example.com', 'SMTP_INVALID_CHARACTER'],
    ['an empty string', '', 'SMTP_INVALID_MAILBOX'],
    ['no @', 'user', 'SMTP_INVALID_MAILBOX'],
    ['angle brackets', '<user@example.com>', 'SMTP_INVALID_MAILBOX'],
    ['a closing bracket', 'user@example.com>', 'SMTP_INVALID_MAILBOX'],
    ['a space', 'a b@example.com', 'SMTP_INVALID_MAILBOX'],
    ['a space inside quotes', '"a b"@example.com', 'SMTP_INVALID_MAILBOX'],
    ['a leading dot', '.a@example.com', 'SMTP_INVALID_MAILBOX'],
    ['a trailing dot', 'a.@example.com', 'SMTP_INVALID_MAILBOX'],
    ['two dots', 'a..b@example.com', 'SMTP_INVALID_MAILBOX'],
    ['a character outside atext', 'a(b)@example.com', 'SMTP_INVALID_MAILBOX'],
    ['a source route', '@relay.example:user@example.com', 'SMTP_INVALID_MAILBOX'],
    ['an unterminated quoted string', '"abc@example.com', 'SMTP_INVALID_MAILBOX'],
    ['text after the closing quote', '"a"b@example.com', 'SMTP_INVALID_MAILBOX'],
    ['a raw backslash in quotes', '"a\\"@example.com', 'SMTP_INVALID_MAILBOX'],
    ['a local part of 65 octets', `${'l'.repeat(65)}@example.com`, 'SMTP_INVALID_MAILBOX'],
    [
      'a path of 257 octets',
      `${'l'.repeat(64)}@${domainOf(MAX_PATH_LENGTH - 2 - 64)}`,
      'SMTP_INVALID_MAILBOX',
    ],
    ['an empty domain', 'user@', 'SMTP_INVALID_DOMAIN'],
    ['a second @', 'a@b@example.com', 'SMTP_INVALID_DOMAIN'],
    ['a leading hyphen', 'user@-example.com', 'SMTP_INVALID_DOMAIN'],
    ['a trailing hyphen', 'user@example-.com', 'SMTP_INVALID_DOMAIN'],
    ['an empty label', 'user@example..com', 'SMTP_INVALID_DOMAIN'],
    ['a leading dot in the domain', 'user@.example.com', 'SMTP_INVALID_DOMAIN'],
    ['a trailing dot in the domain', 'user@example.com.', 'SMTP_INVALID_DOMAIN'],
    ['an underscore', 'user@ex_ample.com', 'SMTP_INVALID_DOMAIN'],
    ['a label of 64 octets', `user@${'d'.repeat(64)}.example`, 'SMTP_INVALID_DOMAIN'],
    ['a domain of 256 octets', `u@${domainOf(MAX_DOMAIN_LENGTH + 1)}`, 'SMTP_INVALID_DOMAIN'],
    ['an IPv4 literal with three parts', 'user@[192.0.2]', 'SMTP_INVALID_DOMAIN'],
    ['an IPv4 part above 255', 'user@[256.0.2.1]', 'SMTP_INVALID_DOMAIN'],
    ['an unclosed literal', 'user@[192.0.2.1', 'SMTP_INVALID_DOMAIN'],
    ['a general address literal', 'user@[x400:c=us]', 'SMTP_INVALID_DOMAIN'],
    ['two "::"', 'user@[IPv6:1::2::3]', 'SMTP_INVALID_DOMAIN'],
    ['seven IPv6 groups', 'user@[IPv6:1:2:3:4:5:6:7]', 'SMTP_INVALID_DOMAIN'],
    ['seven groups and "::"', 'user@[IPv6:1:2:3:4:5:6:7::]', 'SMTP_INVALID_DOMAIN'],
    ['a five-digit group', 'user@[IPv6:12345::]', 'SMTP_INVALID_DOMAIN'],
    ['a single leading colon', 'user@[IPv6::1:2:3:4:5:6:7]', 'SMTP_INVALID_DOMAIN'],
    ['":::"', 'user@[IPv6:::1.2.3.4]'.replace('::', ':::'), 'SMTP_INVALID_DOMAIN'],
    ['five groups before IPv4', 'user@[IPv6:1:2:3:4:5:192.0.2.1]', 'SMTP_INVALID_DOMAIN'],
    ['five groups and "::" before IPv4', 'user@[IPv6:1:2:3:4::5:192.0.2.1]', 'SMTP_INVALID_DOMAIN'],
    ['a bare IPv4 after IPv6:', 'user@[IPv6:192.0.2.1]', 'SMTP_INVALID_DOMAIN'],
    ['a bad IPv4 part in IPv6', 'user@[IPv6:::1.2.3]', 'SMTP_INVALID_DOMAIN'],
    ['a U-label in an address literal', 'user@[IPv6:ü::1]', 'SMTP_INVALID_NON_ASCII'],
  ];
  for (const [title, mailbox, code] of invalid) {
    it(`rejects ${title} with ${code}`, () => {
      expect(() => validateMailbox(mailbox)).toThrow(
        expect.objectContaining({ name: 'InvalidInputError', code }),
      );
    });
  }

  it('rejects a U-label with a leading hyphen even with SMTPUTF8', () => {
    expect(() => validateMailbox('a@-ü.example', { smtpUtf8: true })).toThrow(
      expect.objectContaining({ code: 'SMTP_INVALID_DOMAIN' }),
    );
  });

  it('rejects a non-ASCII quoted pair even with SMTPUTF8', () => {
    expect(() => validateMailbox('"a\\ü"@example.com', { smtpUtf8: true })).toThrow(
      expect.objectContaining({ code: 'SMTP_INVALID_MAILBOX' }),
    );
  });

  it('counts the local part in UTF-8 octets', () => {
    expect(() => validateMailbox(`${'é'.repeat(33)}@example.com`, { smtpUtf8: true })).toThrow(
      expect.objectContaining({ code: 'SMTP_INVALID_MAILBOX' }),
    );
  });

  it('quotes the input with controls escaped and huge values cut', () => {
    expect(() => validateMailbox('a\r\nb@example.com')).toThrow('"a\\u000D\\u000Ab@example.com"');
    const huge = `${'x'.repeat(100_000)}\u0000`;
    try {
      validateMailbox(huge);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(300);
      expect((error as Error).message).toContain('(100001 characters)');
    }
  });

  it('explains source routes', () => {
    expect(() => validateMailbox('@a:b@c')).toThrow(/source routes/);
  });
});

describe('validateDomain', () => {
  for (const domain of [
    'example.com',
    'localhost',
    '[192.0.2.1]',
    '[IPv6:2001:db8::1]',
    'xn--bcher-kva.example',
  ]) {
    it(`accepts ${domain}`, () => {
      expect(() => validateDomain(domain)).not.toThrow();
    });
  }

  it('accepts a U-label only with SMTPUTF8', () => {
    expect(() => validateDomain('bücher.example', { smtpUtf8: true })).not.toThrow();
    expect(() => validateDomain('bücher.example')).toThrow(
      expect.objectContaining({ code: 'SMTP_INVALID_NON_ASCII' }),
    );
  });

  it('does not apply the 63-octet label limit to U-labels (it belongs to their A-label)', () => {
    expect(() => validateDomain(`${'ü'.repeat(40)}.example`, { smtpUtf8: true })).not.toThrow();
  });

  const invalid: ReadonlyArray<readonly [string, string]> = [
    ['', 'SMTP_INVALID_DOMAIN'],
    ['-x.example', 'SMTP_INVALID_DOMAIN'],
    ['a b.example', 'SMTP_INVALID_DOMAIN'],
    ['example.com\r\nMAIL FROM:<x@y>', 'SMTP_INVALID_CHARACTER'],
    ['[1.2.3.4]x', 'SMTP_INVALID_DOMAIN'],
    ['user@example.com', 'SMTP_INVALID_DOMAIN'],
  ];
  for (const [domain, code] of invalid) {
    it(`rejects ${JSON.stringify(domain)} with ${code}`, () => {
      expect(() => validateDomain(domain)).toThrow(expect.objectContaining({ code }));
    });
  }
});

describe('validateLocalPart', () => {
  for (const localPart of ['user', 'first.last', '"quoted"', '"a@b"']) {
    it(`accepts ${localPart}`, () => {
      expect(() => validateLocalPart(localPart)).not.toThrow();
    });
  }

  it('accepts UTF-8 only with SMTPUTF8', () => {
    expect(() => validateLocalPart('jörg', { smtpUtf8: true })).not.toThrow();
    expect(() => validateLocalPart('jörg')).toThrow(
      expect.objectContaining({ code: 'SMTP_INVALID_NON_ASCII' }),
    );
  });

  const invalid: ReadonlyArray<readonly [string, string]> = [
    ['', 'SMTP_INVALID_MAILBOX'],
    ['a@b', 'SMTP_INVALID_MAILBOX'],
    ['"a"b', 'SMTP_INVALID_MAILBOX'],
    ['"John Smith"', 'SMTP_INVALID_MAILBOX'],
    ['<user>', 'SMTP_INVALID_MAILBOX'],
    ['a..b', 'SMTP_INVALID_MAILBOX'],
    ['l'.repeat(65), 'SMTP_INVALID_MAILBOX'],
    ['a\nb', 'SMTP_INVALID_CHARACTER'],
  ];
  for (const [localPart, code] of invalid) {
    it(`rejects ${JSON.stringify(localPart)} with ${code}`, () => {
      expect(() => validateLocalPart(localPart)).toThrow(expect.objectContaining({ code }));
    });
  }
});

describe('formatAddressLiteral', () => {
  const pairs: ReadonlyArray<readonly [string, string]> = [
    ['192.0.2.1', '[192.0.2.1]'],
    ['2001:db8::1', '[IPv6:2001:db8::1]'],
    ['::1', '[IPv6:::1]'],
    ['fe80::1%eth0', '[IPv6:fe80::1]'],
    ['::ffff:192.0.2.1', '[IPv6:::ffff:192.0.2.1]'],
  ];
  for (const [ip, literal] of pairs) {
    it(`formats ${ip} as ${literal}`, () => {
      expect(formatAddressLiteral(ip)).toBe(literal);
      expect(() => validateDomain(literal)).not.toThrow();
    });
  }

  const invalid: ReadonlyArray<readonly [string, string]> = [
    ['example.com', 'SMTP_INVALID_DOMAIN'],
    ['192.0.2.256', 'SMTP_INVALID_DOMAIN'],
    ['192.0.2.1]', 'SMTP_INVALID_DOMAIN'],
    ['1:2', 'SMTP_INVALID_DOMAIN'],
    ['192.0.2.1\r\n', 'SMTP_INVALID_CHARACTER'],
    ['::ü', 'SMTP_INVALID_NON_ASCII'],
  ];
  for (const [ip, code] of invalid) {
    it(`rejects ${JSON.stringify(ip)} with ${code}`, () => {
      expect(() => formatAddressLiteral(ip)).toThrow(expect.objectContaining({ code }));
    });
  }
});
