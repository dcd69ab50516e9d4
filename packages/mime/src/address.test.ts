import { describe, expect, it } from 'vitest';
import {
  ADDRESS_LIST_MEMO_MAX_LENGTH,
  ADDRESS_LIST_MEMO_SIZE,
  addressNeedsSmtpUtf8,
  formatAddressSpec,
  type Group,
  isGroup,
  MAX_ADDRESS_LENGTH,
  MAX_DOMAIN_LENGTH,
  MAX_LOCAL_PART_LENGTH,
  type Mailbox,
  normalizeAddresses,
  parseAddressList,
  parseMailbox,
  toAsciiAddress,
} from './address.ts';
import { ADDR_SPEC_MEMO_SIZE, parseAddrSpecText } from './address-parser.ts';
import { DOMAIN_MEMO_SIZE } from './domain.ts';
import { InvalidAddressError, type InvalidAddressErrorCode, isSmtpError } from './errors.ts';
import { PunycodeError } from './punycode.ts';

/** Runs `action` and returns the `InvalidAddressError` it throws (fails if it throws another). */
function thrown(action: () => unknown): InvalidAddressError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidAddressError);
    return error as InvalidAddressError;
  }
  throw new Error('expected an InvalidAddressError, but nothing was thrown');
}

/** `count` distinct CJK characters, so that their Punycode form is long. */
function cjk(count: number, from = 0x4e00): string {
  return Array.from({ length: count }, (_, i) => String.fromCodePoint(from + i * 7)).join('');
}

const valid: readonly [title: string, input: string, expected: (Mailbox | Group)[]][] = [
  [
    'a quoted display name with a comma',
    '"Doe, John" <john@example.com>',
    [{ name: 'Doe, John', address: 'john@example.com' }],
  ],
  ['a bare addr-spec', 'john@example.com', [{ address: 'john@example.com' }]],
  ['an angle address without a name', '<john@example.com>', [{ address: 'john@example.com' }]],
  [
    'white space inside the angle brackets',
    '  < john@example.com >  ',
    [{ address: 'john@example.com' }],
  ],
  ['an empty quoted display name', '"" <a@example.com>', [{ address: 'a@example.com' }]],
  [
    'a base64 encoded word in the display name',
    '=?UTF-8?B?Sm9zw6k=?= <jose@example.com>',
    [{ name: 'José', address: 'jose@example.com' }],
  ],
  [
    'a Q encoded word with underscores',
    '=?utf-8?q?Jos=c3=a9_Garc=C3=ADa?= <j@example.com>',
    [{ name: 'José García', address: 'j@example.com' }],
  ],
  [
    'two adjacent encoded words, the space between them dropped',
    '=?UTF-8?Q?Jo?= =?UTF-8?B?c8Op?= <x@example.com>',
    [{ name: 'José', address: 'x@example.com' }],
  ],
  [
    'encoded words mixed with plain words',
    '=?UTF-8?Q?a?= b =?UTF-8?Q?c?= <x@example.com>',
    [{ name: 'a b c', address: 'x@example.com' }],
  ],
  [
    'an encoded word with an RFC 2231 language and a legacy charset',
    '=?ISO-8859-1*fr?Q?Fran=E7ois?= <f@example.com>',
    [{ name: 'François', address: 'f@example.com' }],
  ],
  [
    'base64 with every padding length',
    '=?UTF-8?B?YQ==?= =?UTF-8?B?YWI=?= =?UTF-8?B?YWJj?= <x@example.com>',
    [{ name: 'aababc', address: 'x@example.com' }],
  ],
  [
    'an encoded word inside quotes, left literal (RFC 2047 section 5)',
    '"=?UTF-8?B?Sm9zw6k=?=" <a@example.com>',
    [{ name: '=?UTF-8?B?Sm9zw6k=?=', address: 'a@example.com' }],
  ],
  [
    'an atom that only contains "=?" is not an encoded word',
    'a=?b?= <a@example.com>',
    [{ name: 'a=?b?=', address: 'a@example.com' }],
  ],
  [
    'UTF-8 in the name and an IDN domain',
    'José <jose@exämple.com>',
    [{ name: 'José', address: 'jose@exämple.com' }],
  ],
  ['a UTF-8 local part and domain', '用户@例子.广告', [{ address: '用户@例子.广告' }]],
  [
    'the RFC 3696 unusual quoted local part',
    '"very.(),:;<>[]\\".VERY.\\"very@\\\\ \\"very\\".unusual"@strange.example.com',
    [{ address: '"very.(),:;<>[]\\".VERY.\\"very@\\\\ \\"very\\".unusual"@strange.example.com' }],
  ],
  [
    'an empty group',
    'Undisclosed recipients:;',
    [{ group: 'Undisclosed recipients', members: [] }],
  ],
  [
    'a group followed by a mailbox',
    'team: a@x.example, Bee <b@y.example>;, c@z.example',
    [
      {
        group: 'team',
        members: [{ address: 'a@x.example' }, { name: 'Bee', address: 'b@y.example' }],
      },
      { address: 'c@z.example' },
    ],
  ],
  [
    'the RFC 5322 A.1.3 group',
    'A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;',
    [
      {
        group: 'A Group',
        members: [
          { name: 'Ed Jones', address: 'c@a.test' },
          { address: 'joe@where.test' },
          { name: 'John', address: 'jdoe@one.test' },
        ],
      },
    ],
  ],
  [
    'empty list and group elements (obs-addr-list, obs-group-list)',
    ' , a@x.example,, b@y.example , g: ,a@z.example,,;,',
    [
      { address: 'a@x.example' },
      { address: 'b@y.example' },
      { group: 'g', members: [{ address: 'a@z.example' }] },
    ],
  ],
  [
    'a list with a quoted name holding a comma',
    'a@b.example, "c, d" <e@f.example>',
    [{ address: 'a@b.example' }, { name: 'c, d', address: 'e@f.example' }],
  ],
  [
    'the RFC 5322 A.1.2 list',
    '"Joe Q. Public" <john.q.public@example.com>, Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>, <boss@nil.test>, "Giant; \\"Big\\" Box" <sysservices@example.net>',
    [
      { name: 'Joe Q. Public', address: 'john.q.public@example.com' },
      { name: 'Mary Smith', address: 'mary@x.test' },
      { address: 'jdoe@example.org' },
      { name: 'Who?', address: 'one@y.test' },
      { address: 'boss@nil.test' },
      { name: 'Giant; "Big" Box', address: 'sysservices@example.net' },
    ],
  ],
  [
    'an obsolete phrase with a dot',
    'John Q. Public <jqp@example.com>',
    [{ name: 'John Q. Public', address: 'jqp@example.com' }],
  ],
  [
    'comments in a display name and around a mailbox, ignored',
    '(lead) Alice (middle)Smith(x) <alice@example.com> (trailing)',
    [{ name: 'Alice Smith', address: 'alice@example.com' }],
  ],
  [
    'runs of white space and tabs collapsed to one space',
    'Mary \t  Smith\t<m@x.test>',
    [{ name: 'Mary Smith', address: 'm@x.test' }],
  ],
  [
    'adjacent words without white space joined as written',
    'John"Doe" "Q"R <j@x.test>',
    [{ name: 'JohnDoe QR', address: 'j@x.test' }],
  ],
  [
    'white space inside a quoted name kept',
    '" Alice  B " <a@x.test>',
    [{ name: ' Alice  B ', address: 'a@x.test' }],
  ],
  [
    'the legacy name in a comment after a bare address',
    'alice@example.com (Alice  Smith), b@example.com(Bee)',
    [
      { name: 'Alice Smith', address: 'alice@example.com' },
      { name: 'Bee', address: 'b@example.com' },
    ],
  ],
  [
    'a legacy comment with nested comments and quoted pairs',
    'alice@example.com (Alice ((nested)) \\) Smith)',
    [{ name: 'Alice ((nested)) ) Smith', address: 'alice@example.com' }],
  ],
  [
    'a legacy comment with encoded words',
    'a@example.com (=?UTF-8?Q?Jos=C3=A9?= =?UTF-8?Q?_G?= Jr)',
    [{ name: 'José G Jr', address: 'a@example.com' }],
  ],
  [
    'two trailing comments: no name',
    'alice@example.com (one) (two)',
    [{ address: 'alice@example.com' }],
  ],
  [
    'an empty trailing comment: no name',
    'alice@example.com ( )',
    [{ address: 'alice@example.com' }],
  ],
  [
    'a comment before a bare address: no name',
    '(Alice) alice@example.com',
    [{ address: 'alice@example.com' }],
  ],
  [
    'a legacy name inside a group',
    'g: alice@example.com (Alice);',
    [{ group: 'g', members: [{ name: 'Alice', address: 'alice@example.com' }] }],
  ],
  ['an IPv4 address literal', 'jdoe@[192.0.2.1]', [{ address: 'jdoe@[192.0.2.1]' }]],
  [
    'IPv6 address literals in every RFC 5321 form',
    '<a@[IPv6:2001:db8::1]>, b@[IPv6:2001:db8:0:0:0:0:0:1], c@[ipv6:::1], d@[IPv6:::ffff:192.0.2.1], e@[IPv6:1:2:3:4:5:6:192.0.2.1], f@[IPv6:1::], g@[IPv6:::192.0.2.1]',
    [
      { address: 'a@[IPv6:2001:db8::1]' },
      { address: 'b@[IPv6:2001:db8:0:0:0:0:0:1]' },
      { address: 'c@[ipv6:::1]' },
      { address: 'd@[IPv6:::ffff:192.0.2.1]' },
      { address: 'e@[IPv6:1:2:3:4:5:6:192.0.2.1]' },
      { address: 'f@[IPv6:1::]' },
      { address: 'g@[IPv6:::192.0.2.1]' },
    ],
  ],
  [
    'a quoted local part that needs no quotes, unquoted',
    '"john.doe"@example.com, "a\\b"@example.com',
    [{ address: 'john.doe@example.com' }, { address: 'ab@example.com' }],
  ],
  [
    'a quoted local part that needs its quotes, kept with the least escaping',
    '"john doe"@example.com, "a..b"@example.com, "\\\\"@example.com',
    [
      { address: '"john doe"@example.com' },
      { address: '"a..b"@example.com' },
      { address: '"\\\\"@example.com' },
    ],
  ],
  [
    'UTF-8 local parts, quoted or not, astral characters included',
    '"üser name"@example.com, "😀"@example.com',
    [{ address: '"üser name"@example.com' }, { address: '😀@example.com' }],
  ],
  [
    'case and A-labels kept as written',
    'A.B@EXAMPLE.Com, x@xn--bcher-kva.example, y@BÜCHER.example',
    [
      { address: 'A.B@EXAMPLE.Com' },
      { address: 'x@xn--bcher-kva.example' },
      { address: 'y@BÜCHER.example' },
    ],
  ],
  [
    'internationalised domains, as U-labels or as the A-labels IDNA writes for them',
    'a@münchen.de, b@xn--mnchen-3ya.de, c@пример.рф, d@xn--e1afmkfd.xn--p1ai, e@日本語.jp, f@xn--wgv71a119e.jp, g@XN--BCHER-KVA.example, h@ᏣᎳᎩ.example, i@xn--f9dt7l.example',
    [
      { address: 'a@münchen.de' },
      { address: 'b@xn--mnchen-3ya.de' },
      { address: 'c@пример.рф' },
      { address: 'd@xn--e1afmkfd.xn--p1ai' },
      { address: 'e@日本語.jp' },
      { address: 'f@xn--wgv71a119e.jp' },
      { address: 'g@XN--BCHER-KVA.example' },
      { address: 'h@ᏣᎳᎩ.example' },
      { address: 'i@xn--f9dt7l.example' },
    ],
  ],
  [
    'a single-label domain and atext in the local part',
    "root@localhost, !#$%&'*+-/=?^_`{|}~@example.com",
    [{ address: 'root@localhost' }, { address: "!#$%&'*+-/=?^_`{|}~@example.com" }],
  ],
];

const invalid: readonly [
  title: string,
  input: string,
  code: InvalidAddressErrorCode,
  fragment: string,
][] = [
  // Ambiguous or malformed mailboxes (docs/security.md decision 7).
  [
    'an unquoted "@" in a display name',
    'alice@example.com <bob@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'at offset 18, expected "," or the end after the address, found "<"; a display name that contains "@" must be quoted',
  ],
  [
    'two angle addresses in one mailbox',
    'A <a@example.com> <b@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'a mailbox has one address in angle brackets',
  ],
  [
    'an unclosed quoted string',
    '"unclosed <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'at offset 0, the quoted string is not closed',
  ],
  [
    'a quoted string ending in a backslash',
    '"abc\\',
    'SMTP_MIME_INVALID_ADDRESS',
    'the quoted string is not closed',
  ],
  [
    'an unclosed comment',
    'a@example.com (unclosed (nested)',
    'SMTP_MIME_INVALID_ADDRESS',
    'at offset 14, the comment "(" is not closed',
  ],
  [
    'a comment ending in a backslash',
    'a@example.com (abc\\',
    'SMTP_MIME_INVALID_ADDRESS',
    'the comment "(" is not closed',
  ],
  [
    'an unbalanced ")"',
    'a@example.com )',
    'SMTP_MIME_INVALID_ADDRESS',
    'at offset 14, found ")" without a matching "("',
  ],
  ['an unbalanced "]"', 'a]@example.com', 'SMTP_MIME_INVALID_ADDRESS', 'found "]" without'],
  [
    'an unclosed "<"',
    'Name <a@example.com',
    'SMTP_MIME_INVALID_ADDRESS',
    'the "<" at offset 5 is not closed with ">"',
  ],
  [
    'an unbalanced ">"',
    'a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'found ">" without a matching "<"',
  ],
  [
    'trailing garbage',
    'a@example.com x',
    'SMTP_MIME_INVALID_ADDRESS',
    'expected "," or the end after the address, found the word "x"',
  ],
  [
    'trailing garbage after an angle address',
    'A <a@example.com> "x"',
    'SMTP_MIME_INVALID_ADDRESS',
    'found a quoted string',
  ],
  [
    'a word without "@"',
    'john',
    'SMTP_MIME_INVALID_ADDRESS',
    'expected "@" or "<" after "john", found the end of the input',
  ],
  [
    'a name without an address',
    'John Doe, a@example.com',
    'SMTP_MIME_INVALID_ADDRESS',
    'expected "@" or "<" after "John Doe", found ","',
  ],
  [
    'an empty local part',
    '@example.com',
    'SMTP_MIME_INVALID_ADDRESS',
    'the local part before "@" is empty',
  ],
  [
    'an empty quoted local part',
    '""@example.com',
    'SMTP_MIME_INVALID_ADDRESS',
    'the local part is empty',
  ],
  [
    'a missing domain',
    'a@',
    'SMTP_MIME_INVALID_DOMAIN',
    'expected a domain after "@", found the end of the input',
  ],
  ['two "@"', 'a@b@c.example', 'SMTP_MIME_INVALID_ADDRESS', 'an address has exactly one "@"'],
  [
    'two "@" in angle brackets',
    '<a@b@c.example>',
    'SMTP_MIME_INVALID_ADDRESS',
    'expected ">" to close the "<" at offset 0, found "@"; an address has exactly one "@"',
  ],
  [
    'a space inside an unquoted local part',
    'john doe@example.com',
    'SMTP_MIME_INVALID_ADDRESS',
    'at offset 5, white space or a comment inside an unquoted local part',
  ],
  [
    'a comment inside a local part',
    'john.(c)doe@example.com',
    'SMTP_MIME_INVALID_ADDRESS',
    'inside an unquoted local part',
  ],
  ['white space before "@"', 'john @example.com', 'SMTP_MIME_INVALID_ADDRESS', 'before "@"'],
  ['white space after "@"', 'john@ example.com', 'SMTP_MIME_INVALID_ADDRESS', 'after "@"'],
  [
    'a trailing dot in a local part',
    'a.@example.com',
    'SMTP_MIME_INVALID_ADDRESS',
    'ends with "."',
  ],
  ['a leading dot in a local part', '.a@example.com', 'SMTP_MIME_INVALID_ADDRESS', 'empty part'],
  ['two dots in a local part', 'a..b@example.com', 'SMTP_MIME_INVALID_ADDRESS', 'empty part'],
  [
    'an obsolete mixed local part',
    '"a".b@example.com',
    'SMTP_MIME_INVALID_ADDRESS',
    'obsolete mixes',
  ],
  ['a quoted word after a dot', 'a."b"@example.com', 'SMTP_MIME_INVALID_ADDRESS', 'obsolete mixes'],
  [
    'a backslash outside quotes',
    'a\\b@example.com',
    'SMTP_MIME_INVALID_ADDRESS',
    'found "\\\\" outside a quoted string',
  ],
  ['a source route', '<@relay.example:a@example.com>', 'SMTP_MIME_INVALID_ADDRESS', 'source route'],
  [
    'empty angle brackets',
    'Name <>',
    'SMTP_MIME_INVALID_ADDRESS',
    'expected an address after the "<"',
  ],
  [
    'angle brackets without "@"',
    '<john>',
    'SMTP_MIME_INVALID_ADDRESS',
    'expected "@" in the address after the "<" at offset 0, found ">"',
  ],
  [
    'a space inside angle brackets',
    'Name <a@example.com x>',
    'SMTP_MIME_INVALID_ADDRESS',
    'expected ">" to close the "<" at offset 5, found the word "x"',
  ],
  [
    'a display name starting with a dot',
    '.John <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'a display name cannot start with "."',
  ],
  [
    'a domain literal where a name goes',
    '[x] <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'expected an address, found the domain literal "[x]"',
  ],
  ['an empty input', '', 'SMTP_MIME_INVALID_ADDRESS', 'expected at least one address'],
  ['only commas and spaces', ' , ,', 'SMTP_MIME_INVALID_ADDRESS', 'expected at least one address'],
  ['a ";" outside a group', 'a@example.com;', 'SMTP_MIME_INVALID_ADDRESS', '";" ends a group'],
  // Groups.
  [
    'a group without a name',
    ': a@example.com;',
    'SMTP_MIME_INVALID_ADDRESS',
    'a group needs a name',
  ],
  [
    'a group with an empty name',
    '"": a@example.com;',
    'SMTP_MIME_INVALID_ADDRESS',
    'a group needs a name',
  ],
  [
    'an unclosed group',
    'g: a@example.com',
    'SMTP_MIME_INVALID_ADDRESS',
    'at offset 16, the group whose ":" is at offset 1 is not closed with ";"',
  ],
  [
    'an unclosed empty group',
    'g:',
    'SMTP_MIME_INVALID_ADDRESS',
    'the group whose ":" is at offset 1 is not closed',
  ],
  [
    'a nested group',
    'g: h: a@example.com;;',
    'SMTP_MIME_INVALID_ADDRESS',
    'groups cannot be nested',
  ],
  ['garbage after a group', 'g:;x', 'SMTP_MIME_INVALID_ADDRESS', 'found the word "x"'],
  [
    'a group member without "@"',
    'g: john;',
    'SMTP_MIME_INVALID_ADDRESS',
    'expected "@" or "<" after "john", found ";"',
  ],
  [
    'two group members without a comma',
    'g: a@example.com b@example.com;',
    'SMTP_MIME_INVALID_ADDRESS',
    'expected "," or ";" after the address, found the word "b"',
  ],
  // Domains.
  ['two dots in a domain', 'a@example..com', 'SMTP_MIME_INVALID_DOMAIN', 'empty label'],
  ['a trailing dot in a domain', 'a@example.com.', 'SMTP_MIME_INVALID_DOMAIN', 'empty label'],
  ['a space after a dot in a domain', 'a@example. com', 'SMTP_MIME_INVALID_DOMAIN', 'empty label'],
  ['a leading dot in a domain', 'a@.example.com', 'SMTP_MIME_INVALID_DOMAIN', 'found "."'],
  [
    'an underscore in a domain',
    'a@exa_mple.com',
    'SMTP_MIME_INVALID_DOMAIN',
    'invalid label "exa_mple"',
  ],
  ['a leading hyphen in a label', 'a@-example.com', 'SMTP_MIME_INVALID_DOMAIN', 'invalid label'],
  ['a trailing hyphen in a label', 'a@example-.com', 'SMTP_MIME_INVALID_DOMAIN', 'invalid label'],
  ['atext that is not LDH', 'a@b!c.example', 'SMTP_MIME_INVALID_DOMAIN', 'invalid label'],
  [
    'a label longer than 63',
    `a@${'b'.repeat(64)}.example`,
    'SMTP_MIME_INVALID_DOMAIN',
    'a label longer than 63 octets',
  ],
  [
    'a domain longer than 255 octets',
    `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.f`,
    'SMTP_MIME_INVALID_DOMAIN',
    'longer than 255 octets',
  ],
  [
    'a domain longer than 253 characters',
    `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}`,
    'SMTP_MIME_INVALID_DOMAIN',
    'longer than 253 characters',
  ],
  ['a dotted-quad without brackets', 'a@192.0.2.1', 'SMTP_MIME_INVALID_DOMAIN', 'ends in a number'],
  ['a hexadecimal last label', 'a@example.0x1F', 'SMTP_MIME_INVALID_DOMAIN', 'ends in a number'],
  [
    'an IPv4 literal out of range',
    'a@[192.0.2.256]',
    'SMTP_MIME_INVALID_DOMAIN',
    'is not an IPv4 or IPv6 address literal',
  ],
  [
    'an IPv4 literal with a leading zero',
    'a@[192.0.2.01]',
    'SMTP_MIME_INVALID_DOMAIN',
    'address literal',
  ],
  ['a general address literal', 'a@[tag:content]', 'SMTP_MIME_INVALID_DOMAIN', 'address literal'],
  [
    'an IPv6 literal with three groups',
    'a@[IPv6:1:2:3]',
    'SMTP_MIME_INVALID_DOMAIN',
    'address literal',
  ],
  [
    'an IPv6 literal with two "::"',
    'a@[IPv6:1::2::3]',
    'SMTP_MIME_INVALID_DOMAIN',
    'address literal',
  ],
  [
    'an IPv6 literal with nine groups',
    'a@[IPv6:1:2:3:4:5:6:7:8:9]',
    'SMTP_MIME_INVALID_DOMAIN',
    'address literal',
  ],
  [
    'an IPv6 "::" standing for one group',
    'a@[IPv6:1:2:3:4:5:6:7::]',
    'SMTP_MIME_INVALID_DOMAIN',
    'address literal',
  ],
  [
    'an IPv6 literal that is only IPv4',
    'a@[IPv6:192.0.2.1]',
    'SMTP_MIME_INVALID_DOMAIN',
    'address literal',
  ],
  [
    'an IPv6 literal with a bad IPv4 tail',
    'a@[IPv6:::1.2.3]',
    'SMTP_MIME_INVALID_DOMAIN',
    'address literal',
  ],
  [
    'an IPv6 literal with a bad group',
    'a@[IPv6:gggg::1]',
    'SMTP_MIME_INVALID_DOMAIN',
    'address literal',
  ],
  [
    'an unclosed domain literal',
    'a@[192.0.2.1',
    'SMTP_MIME_INVALID_ADDRESS',
    'the domain literal "[" is not closed',
  ],
  [
    'a space in a domain literal',
    'a@[192.0.2 .1]',
    'SMTP_MIME_INVALID_ADDRESS',
    'inside the domain literal',
  ],
  [
    'a "[" in a domain literal',
    'a@[[192.0.2.1]',
    'SMTP_MIME_INVALID_ADDRESS',
    'inside the domain literal',
  ],
  [
    'a domain literal followed by a label',
    'a@[192.0.2.1].com',
    'SMTP_MIME_INVALID_ADDRESS',
    'found "."',
  ],
  ['a label that maps to two', 'a@例子。广告', 'SMTP_MIME_INVALID_DOMAIN', 'not one valid A-label'],
  [
    'a label that maps to ASCII',
    'a@ｅｘａｍｐｌｅ.com',
    'SMTP_MIME_INVALID_DOMAIN',
    'maps to "example"',
  ],
  [
    'a U-label whose A-label is longer than 63',
    `a@${cjk(40)}.example`,
    'SMTP_MIME_INVALID_DOMAIN',
    'not one valid A-label',
  ],
  [
    'an A-label that decodes to C1 controls (accepted by the URL parser of Node 24)',
    'a@xn--abc.example',
    'SMTP_MIME_INVALID_DOMAIN',
    'has a label "xn--abc" that is not a valid A-label: what it decodes to is not a valid U-label',
  ],
  [
    'the same A-label in capitals, as the last label',
    'a@mail.XN--ABC',
    'SMTP_MIME_INVALID_DOMAIN',
    'has a label "XN--ABC" that is not a valid A-label',
  ],
  [
    'the same A-label beside a U-label',
    'a@bücher.xn--abc',
    'SMTP_MIME_INVALID_DOMAIN',
    'not a valid A-label',
  ],
  [
    'an A-label that is not Punycode',
    'a@xn--abc-9.example',
    'SMTP_MIME_INVALID_DOMAIN',
    'not a valid A-label: what follows "xn--" is not Punycode',
  ],
  [
    'an A-label of a label IDNA refuses ("a⒈")',
    'a@xn--a-ecp.example',
    'SMTP_MIME_INVALID_DOMAIN',
    'not a valid U-label',
  ],
  [
    'an A-label of a capital letter',
    'a@xn--wca.example',
    'SMTP_MIME_INVALID_DOMAIN',
    'IDNA maps it to another label',
  ],
  [
    'an A-label of a label not in NFC',
    'a@xn--u-ccb.example',
    'SMTP_MIME_INVALID_DOMAIN',
    'IDNA maps it to another label',
  ],
  [
    'an A-label of small Cherokee letters, which IDNA maps to capitals',
    'a@xn--tz9ata7l.example',
    'SMTP_MIME_INVALID_DOMAIN',
    'IDNA maps it to another label',
  ],
  [
    'a U-label that IDNA refuses',
    'a@b\u00a0c.example',
    'SMTP_MIME_INVALID_DOMAIN',
    'not a valid internationalised',
  ],
  [
    'a U-label with an underscore',
    'a@bü_cher.example',
    'SMTP_MIME_INVALID_DOMAIN',
    'invalid label',
  ],
  [
    'a U-label with a trailing hyphen',
    'a@bü-.example',
    'SMTP_MIME_INVALID_DOMAIN',
    'invalid label',
  ],
  ['a U-label with a leading hyphen', 'a@-bü.example', 'SMTP_MIME_INVALID_DOMAIN', 'invalid label'],
  // Lengths.
  [
    'a local part longer than 64 octets',
    `${'a'.repeat(65)}@example.com`,
    'SMTP_MIME_INVALID_ADDRESS',
    'longer than 64 octets',
  ],
  [
    'a UTF-8 local part longer than 64 octets',
    `${'ü'.repeat(33)}@example.com`,
    'SMTP_MIME_INVALID_ADDRESS',
    'longer than 64 octets',
  ],
  [
    'an address longer than 254 octets',
    `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`,
    'SMTP_MIME_INVALID_ADDRESS',
    'longer than 254 octets',
  ],
  // Controls (INV-5).
  [
    'a CR LF',
    'a@example.com\r\nBcc: x@evil.example',
    'SMTP_MIME_INVALID_ADDRESS',
    'at offset 13, found the control or unpaired character U+000D',
  ],
  ['a NUL', 'a\u0000@example.com', 'SMTP_MIME_INVALID_ADDRESS', 'U+0000'],
  ['a bare LF in a quoted name', '"a\nb" <a@example.com>', 'SMTP_MIME_INVALID_ADDRESS', 'U+000A'],
  ['a DEL', 'a\u007f@example.com', 'SMTP_MIME_INVALID_ADDRESS', 'U+007F'],
  ['a C1 control', 'Name\u0085 <a@example.com>', 'SMTP_MIME_INVALID_ADDRESS', 'U+0085'],
  ['a line separator', 'Name\u2028 <a@example.com>', 'SMTP_MIME_INVALID_ADDRESS', 'U+2028'],
  ['a lone high surrogate', 'a\ud800@example.com', 'SMTP_MIME_INVALID_ADDRESS', 'U+D800'],
  ['a lone low surrogate', 'a\udc00@example.com', 'SMTP_MIME_INVALID_ADDRESS', 'U+DC00'],
  [
    'a tab in a quoted string',
    '"a\tb"@example.com',
    'SMTP_MIME_INVALID_ADDRESS',
    'at offset 2, a quoted string holds a tab',
  ],
  [
    'an escaped tab in a quoted string',
    '"a\\\tb" <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'at offset 3, a quoted string holds a tab',
  ],
  [
    'a tab in a domain literal',
    'a@[\t1.2.3.4]',
    'SMTP_MIME_INVALID_ADDRESS',
    'inside the domain literal',
  ],
  // Encoded words.
  [
    'an encoded word with an unknown encoding',
    '=?UTF-8?X?abc?= <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'the encoding "X" is neither "B" nor "Q"',
  ],
  [
    'an encoded word with unpadded base64',
    '=?UTF-8?B?abc?= <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'not padded base64',
  ],
  [
    'an encoded word in an unknown charset',
    '=?x-unknown?Q?a?= <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'unknown charset',
  ],
  [
    'an encoded word with invalid UTF-8',
    '=?UTF-8?B?/w==?= <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'not valid "UTF-8"',
  ],
  [
    'an encoded word hiding a CR LF',
    '=?UTF-8?Q?a=0D=0Ab?= <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'U+000D',
  ],
  [
    'an encoded word hiding a tab',
    '=?UTF-8?B?CQ==?= <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'U+0009',
  ],
  [
    'an encoded word with a broken =XX',
    '=?UTF-8?Q?a=ZZ?= <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    '"=" at offset 1 of the text is not "=XX"',
  ],
  [
    'an encoded word with a truncated =X',
    '=?UTF-8?Q?a=A?= <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'is not "=XX"',
  ],
  [
    'an encoded word without a charset',
    '=??Q?a?= <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'the charset is missing',
  ],
  [
    'an encoded word with empty text',
    '=?UTF-8?Q??= <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'the encoded text is empty',
  ],
  [
    'an encoded word with too many parts',
    '=?UTF-8?Q?a?b?= <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'expected "=?charset?B?text?="',
  ],
  [
    'two encoded words without white space',
    '=?UTF-8?Q?a?==?UTF-8?Q?b?= <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'malformed RFC 2047 encoded word',
  ],
  [
    'an encoded word with non-ASCII in Q',
    '=?UTF-8?Q?é?= <a@example.com>',
    'SMTP_MIME_INVALID_ADDRESS',
    'which Q cannot carry',
  ],
  [
    'a malformed encoded word in a group name',
    '=?UTF-8?Q?=?=:;',
    'SMTP_MIME_INVALID_ADDRESS',
    'the group name at offset 0',
  ],
  [
    'a malformed encoded word in a legacy comment',
    'a@example.com (=?UTF-8?B?*?=)',
    'SMTP_MIME_INVALID_ADDRESS',
    'the comment that ends at offset 29',
  ],
];

describe('parseAddressList', () => {
  it.each(valid)('parses %s', (_title, input, expected) => {
    expect(parseAddressList(input)).toStrictEqual(expected);
  });

  it.each(invalid)('refuses %s', (_title, input, code, fragment) => {
    const error = thrown(() => parseAddressList(input));
    expect(error.code).toBe(code);
    expect(error.message).toContain(fragment);
    expect(isSmtpError(error)).toBe(true);
  });

  it('quotes the input in messages escaped and truncated', () => {
    const error = thrown(() => parseAddressList(`a\r\n${'b'.repeat(200)}`));
    expect(error.message).toMatch(
      /^Invalid address list "a\\u000d\\u000ab{61}"\.\.\. \(203 characters\): at offset 1, /,
    );
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it('escapes quotes, backslashes and lone surrogates when quoting the input', () => {
    const error = thrown(() => parseAddressList('"a\\" \ud800'));
    expect(error.message).toContain('"\\"a\\\\\\" \\ud800"');
  });

  it('refuses a value that is not a string, naming its type', () => {
    expect(thrown(() => parseAddressList(42 as unknown as string)).message).toBe(
      'Invalid address list: expected a string, got number',
    );
    expect(thrown(() => parseAddressList(null as unknown as string)).message).toContain('got null');
  });
});

describe('parseMailbox', () => {
  it('parses one mailbox in each form', () => {
    expect(parseMailbox('José <jose@exämple.com>')).toStrictEqual({
      name: 'José',
      address: 'jose@exämple.com',
    });
    expect(parseMailbox('jose@example.com (José)')).toStrictEqual({
      name: 'José',
      address: 'jose@example.com',
    });
    expect(parseMailbox('<jose@example.com>')).toStrictEqual({ address: 'jose@example.com' });
  });

  it.each([
    [
      'a list',
      'a@example.com, b@example.com',
      'at offset 13, expected exactly one mailbox, found a list',
    ],
    ['a group', 'g: a@example.com;', 'at offset 1, expected a mailbox, found a group'],
    ['an empty input', '   ', 'at offset 0, expected a mailbox'],
    ['a leading comma', ',a@example.com', 'expected an address, found ","'],
    ['trailing garbage', 'a@example.com >', 'expected "," or the end after the mailbox'],
  ])('refuses %s', (_title, input, fragment) => {
    const error = thrown(() => parseMailbox(input));
    expect(error.code).toBe('SMTP_MIME_INVALID_ADDRESS');
    expect(error.message).toContain(`Invalid mailbox "${input}": ${fragment}`.slice(0, 30));
    expect(error.message).toContain(fragment);
  });
});

describe('isGroup', () => {
  it('tells groups from mailboxes', () => {
    const [group, mailbox] = parseAddressList('g:;, a@example.com') as [
      Group | Mailbox,
      Group | Mailbox,
    ];
    expect(isGroup(group)).toBe(true);
    expect(isGroup(mailbox)).toBe(false);
  });
});

describe('normalizeAddresses', () => {
  it('gives [] for undefined and for an empty array', () => {
    expect(normalizeAddresses(undefined)).toStrictEqual([]);
    expect(normalizeAddresses([])).toStrictEqual([]);
  });

  it('parses strings as address lists and flattens groups, keeping order and duplicates', () => {
    expect(
      normalizeAddresses([
        'A <a@example.com>, team: b@example.com, c@example.com;, Undisclosed:;',
        'a@example.com',
      ]),
    ).toStrictEqual([
      { name: 'A', address: 'a@example.com' },
      { address: 'b@example.com' },
      { address: 'c@example.com' },
      { address: 'a@example.com' },
    ]);
    expect(normalizeAddresses('a@example.com')).toStrictEqual([{ address: 'a@example.com' }]);
  });

  it('checks objects, canonicalises their address and keeps their name as plain text', () => {
    expect(
      normalizeAddresses([
        { name: '=?UTF-8?Q?not_decoded?= "quotes" (kept)', address: '"john"@example.com' },
        { address: '"john doe"@bücher.example' },
        { name: '', address: 'x@example.com' },
      ]),
    ).toStrictEqual([
      { name: '=?UTF-8?Q?not_decoded?= "quotes" (kept)', address: 'john@example.com' },
      { address: '"john doe"@bücher.example' },
      { address: 'x@example.com' },
    ]);
    expect(normalizeAddresses({ name: 'Z', address: 'z@example.com' })).toStrictEqual([
      { name: 'Z', address: 'z@example.com' },
    ]);
  });

  it.each<[string, unknown, InvalidAddressErrorCode, string]>([
    ['an empty string', '', 'SMTP_MIME_INVALID_ADDRESS', 'expected at least one address'],
    [
      'an address object with a name inside',
      { address: 'Alice <a@example.com>' },
      'SMTP_MIME_INVALID_ADDRESS',
      'give the name separately',
    ],
    [
      'an address object in angle brackets',
      { address: '<a@example.com>' },
      'SMTP_MIME_INVALID_ADDRESS',
      'found "<"; pass the address without a display name',
    ],
    [
      'an address object with leading white space',
      { address: ' a@example.com' },
      'SMTP_MIME_INVALID_ADDRESS',
      'white space or a comment before the address',
    ],
    [
      'an address object with trailing white space',
      { address: 'a@example.com ' },
      'SMTP_MIME_INVALID_ADDRESS',
      'expected the end of the address, found the end of the input',
    ],
    [
      'an address object with a comment',
      { address: 'a@example.com(x)' },
      'SMTP_MIME_INVALID_ADDRESS',
      'without white space or comments',
    ],
    [
      'an address object with a list',
      { address: 'a@example.com,b@example.com' },
      'SMTP_MIME_INVALID_ADDRESS',
      'expected the end of the address, found ","',
    ],
    [
      'an address object with an empty local part',
      { address: '@example.com' },
      'SMTP_MIME_INVALID_ADDRESS',
      'at offset 0, the local part before "@" is empty',
    ],
    [
      'an address object without "@"',
      { address: 'john' },
      'SMTP_MIME_INVALID_ADDRESS',
      'expected "@" in local@domain, found the end',
    ],
    [
      'an address object with a bad domain',
      { address: 'a@b_c' },
      'SMTP_MIME_INVALID_DOMAIN',
      'invalid label',
    ],
    [
      'a missing address',
      { name: 'A' },
      'SMTP_MIME_INVALID_ADDRESS',
      'Invalid the address: its "address" must be a string, got undefined',
    ],
    [
      'a null address',
      [{ address: null }],
      'SMTP_MIME_INVALID_ADDRESS',
      'Invalid the address at index 0: its "address" must be a string, got null',
    ],
    [
      'a name that is not a string',
      { name: 3, address: 'a@example.com' },
      'SMTP_MIME_INVALID_ADDRESS',
      'its "name" must be a string, got number',
    ],
    [
      'a null name',
      { name: null, address: 'a@example.com' },
      'SMTP_MIME_INVALID_ADDRESS',
      'got null',
    ],
    [
      'a name with CR LF',
      { name: 'A\r\nBcc: x@evil.example', address: 'a@example.com' },
      'SMTP_MIME_INVALID_ADDRESS',
      'The display name of the address "A\\u000d\\u000aBcc: x@evil.example" contains the control or unpaired character U+000D at offset 1',
    ],
    [
      'a name with a tab',
      { name: 'A\tB', address: 'a@example.com' },
      'SMTP_MIME_INVALID_ADDRESS',
      'U+0009',
    ],
    [
      'a null element',
      ['a@example.com', null],
      'SMTP_MIME_INVALID_ADDRESS',
      'Invalid the address at index 1: expected a string or an object { address, name? }, got null',
    ],
    ['a number', 5, 'SMTP_MIME_INVALID_ADDRESS', 'got number'],
    ['a nested array', [['a@example.com']], 'SMTP_MIME_INVALID_ADDRESS', 'got an array'],
  ])('refuses %s', (_title, input, code, fragment) => {
    const error = thrown(() => normalizeAddresses(input as never));
    expect(error.code).toBe(code);
    expect(error.message).toContain(fragment);
  });
});

describe('addressNeedsSmtpUtf8', () => {
  it.each([
    ['user@example.com', false],
    ['user@bücher.example', false],
    ['jörg@example.com', true],
    ['"jö rg"@example.com', true],
    ['用户@例子.广告', true],
  ])('%s -> %s', (address, expected) => {
    expect(addressNeedsSmtpUtf8(address)).toBe(expected);
  });

  it('refuses an invalid address', () => {
    expect(thrown(() => addressNeedsSmtpUtf8('a b@example.com')).code).toBe(
      'SMTP_MIME_INVALID_ADDRESS',
    );
  });
});

describe('toAsciiAddress', () => {
  it.each([
    ['jörg@bücher.example', 'jörg@xn--bcher-kva.example'],
    ['a@BÜCHER.Example', 'a@xn--bcher-kva.Example'],
    ['用户@例子.广告', '用户@xn--fsqu00a.xn--4rr70v'],
    ['a@münchen.de', 'a@xn--mnchen-3ya.de'],
    ['a@пример.рф', 'a@xn--e1afmkfd.xn--p1ai'],
    ['a@日本語.jp', 'a@xn--wgv71a119e.jp'],
    ['a@xn--bcher-kva.example', 'a@xn--bcher-kva.example'],
    ['a@XN--BCHER-KVA.example', 'a@XN--BCHER-KVA.example'],
    ['A@Example.COM', 'A@Example.COM'],
    ['"john"@[IPv6:2001:db8::1]', 'john@[IPv6:2001:db8::1]'],
  ])('%s -> %s', (address, expected) => {
    expect(toAsciiAddress(address)).toBe(expected);
  });

  it('refuses an address that is too long once its domain is A-labels', () => {
    // Mostly-ASCII U-labels grow when written as A-labels (CJK ones shrink).
    const label = `${'a'.repeat(55)}ü`;
    const domain = `${label}.${label}.${label}`;
    const address = `${'a'.repeat(MAX_LOCAL_PART_LENGTH)}@${domain}`;
    expect(parseMailbox(address).address).toBe(address);
    const error = thrown(() => toAsciiAddress(address));
    expect(error.code).toBe('SMTP_MIME_INVALID_ADDRESS');
    expect(error.message).toContain(
      'longer than 254 octets once its domain is written as A-labels',
    );
  });

  it('refuses an invalid domain with SMTP_MIME_INVALID_DOMAIN', () => {
    expect(thrown(() => toAsciiAddress('a@xn--abc')).code).toBe('SMTP_MIME_INVALID_DOMAIN');
  });

  it('keeps why an A-label is invalid as the cause', () => {
    expect(thrown(() => toAsciiAddress('a@xn--abc-9.example')).cause).toBeInstanceOf(PunycodeError);
    expect(thrown(() => toAsciiAddress('a@xn--abc.example')).cause).toBeInstanceOf(TypeError);
  });
});

describe('formatAddressSpec', () => {
  it('keeps the canonical address with SMTPUTF8', () => {
    expect(formatAddressSpec('"jörg"@bücher.example', { smtpUtf8: true })).toBe(
      'jörg@bücher.example',
    );
  });

  it('writes A-labels without SMTPUTF8', () => {
    expect(formatAddressSpec('"john doe"@bücher.example', { smtpUtf8: false })).toBe(
      '"john doe"@xn--bcher-kva.example',
    );
  });

  it('refuses a non-ASCII local part without SMTPUTF8, naming SMTPUTF8', () => {
    const error = thrown(() => formatAddressSpec('用户@例子.广告', { smtpUtf8: false }));
    expect(error.code).toBe('SMTP_MIME_INVALID_ADDRESS');
    expect(error.message).toBe(
      'The address "用户@例子.广告" has a non-ASCII local part, which can only be sent to a server that supports SMTPUTF8 (RFC 6531)',
    );
  });

  it('refuses what the parser refuses', () => {
    expect(thrown(() => formatAddressSpec('Name <a@example.com>', { smtpUtf8: true })).code).toBe(
      'SMTP_MIME_INVALID_ADDRESS',
    );
  });
});

describe('limits', () => {
  it('exports the RFC 5321 limits', () => {
    expect([MAX_LOCAL_PART_LENGTH, MAX_DOMAIN_LENGTH, MAX_ADDRESS_LENGTH]).toStrictEqual([
      64, 255, 254,
    ]);
  });

  it('accepts an address of exactly the limits', () => {
    const address = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(address).toHaveLength(254);
    expect(parseMailbox(address)).toStrictEqual({ address });
  });
});

// Megabyte inputs prove the parser is linear by finishing at all; the generous timeout is for
// shared CI machines running coverage, not a speed claim (timings belong in benchmarks).
describe('adversarial input', { timeout: 60_000 }, () => {
  // Linear time is shown by these finishing within the default test timeout: a quadratic
  // parser would need minutes for a megabyte. No timing is asserted (machines are noisy).
  const size = 1_000_000;

  it.each<[string, string, string]>([
    ['deeply nested open comments', '('.repeat(size), 'the comment "(" is not closed'],
    [
      'an unclosed quoted string of escaped quotes',
      `"${'\\"'.repeat(size / 2)}`,
      'the quoted string is not closed',
    ],
    ['a megabyte of backslashes', '\\'.repeat(size), 'found "\\\\" outside'],
    ['a megabyte of "<"', '<'.repeat(size), 'expected an address after the "<"'],
    ['a megabyte of one atom', 'a'.repeat(size), 'expected "@" or "<" after'],
    ['a megabyte of quoted strings', '"a"'.repeat(size / 3), 'expected "@" or "<" after'],
    [
      'a megabyte of dots before "@"',
      `${'a.'.repeat(size / 2)}a@example.com`,
      'longer than 64 octets',
    ],
    ['a megabyte of domain labels', `a@${'b.'.repeat(size / 2)}c`, 'longer than 255 octets'],
    ['an unclosed megabyte domain literal', `a@[${'1'.repeat(size)}`, 'not closed with "]"'],
    ['a megabyte domain literal', `a@[${'1'.repeat(size)}]`, 'longer than 255 octets'],
    ['a megabyte of colons', 'g:'.repeat(size / 2), 'groups cannot be nested'],
  ])('refuses %s quickly with a short message', (_title, input, fragment) => {
    const error = thrown(() => parseAddressList(input));
    expect(error.message).toContain(fragment);
    expect(error.message.length).toBeLessThan(600);
  });

  it('parses deeply nested closed comments', () => {
    const input = `${'('.repeat(size / 2)}${')'.repeat(size / 2)}a@example.com`;
    expect(parseAddressList(input)).toStrictEqual([{ address: 'a@example.com' }]);
  });

  it('parses a megabyte of commas and mailboxes', () => {
    expect(parseAddressList(`${','.repeat(size)}a@example.com`)).toHaveLength(1);
    expect(parseAddressList('a@example.com,'.repeat(70_000))).toHaveLength(70_000);
  });

  it('parses a display name of half a million words and encoded words', () => {
    expect(parseMailbox(`${'a '.repeat(size / 2)}<a@example.com>`).name).toHaveLength(size - 1);
    const encoded = `${'=?UTF-8?Q?a?= '.repeat(70_000)}<a@example.com>`;
    expect(parseMailbox(encoded).name).toBe('a'.repeat(70_000));
  });

  it('parses a legacy comment name of a megabyte', () => {
    expect(parseMailbox(`a@example.com (${'x '.repeat(size / 2)})`).name).toHaveLength(size - 1);
  });
});

describe('memoised parsing (parseAddrSpecText, checkDomain)', () => {
  it('gives the same answers on a repeat, and past the memo bound', () => {
    // More distinct addresses and domains than either memo keeps, twice over: every answer is
    // recomputed after the memo is cleared and must not change.
    const count = Math.max(ADDR_SPEC_MEMO_SIZE, DOMAIN_MEMO_SIZE) * 2 + 10;
    const inputs = Array.from({ length: count }, (_, i) => `user${i}@bücher${i}.example`);
    const first = inputs.map((address) => toAsciiAddress(address));
    const second = inputs.map((address) => toAsciiAddress(address));
    expect(second).toEqual(first);
    expect(first[7]).toBe('user7@xn--bcher7-3ya.example');
    expect(formatAddressSpec(inputs[7] as string, { smtpUtf8: true })).toBe(inputs[7]);
    expect(addressNeedsSmtpUtf8(inputs[7] as string)).toBe(false);
  });

  it('never remembers a failure', () => {
    for (let round = 0; round < 2; round++) {
      expect(thrown(() => toAsciiAddress('a@-bad.example')).code).toBe('SMTP_MIME_INVALID_DOMAIN');
      expect(thrown(() => toAsciiAddress('not an address')).code).toBe('SMTP_MIME_INVALID_ADDRESS');
    }
    // A domain refused in one address is refused in another that shares it.
    expect(thrown(() => parseMailbox('B <b@-bad.example>')).code).toBe('SMTP_MIME_INVALID_DOMAIN');
  });

  it('shares only frozen results', () => {
    expect(Object.isFrozen(parseAddrSpecText('frozen@example.com'))).toBe(true);
    expect(parseAddrSpecText('frozen@example.com')).toBe(parseAddrSpecText('frozen@example.com'));
  });
});

describe('memoised address lists (normalizeAddresses)', () => {
  it('shares frozen mailboxes for a repeated string, in a fresh array each time', () => {
    const input = 'Ana <ana@example.com>, team: b@example.org, c@example.org;';
    const first = normalizeAddresses(input);
    const second = normalizeAddresses(input);
    expect(second).toEqual([
      { name: 'Ana', address: 'ana@example.com' },
      { address: 'b@example.org' },
      { address: 'c@example.org' },
    ]);
    expect(second).not.toBe(first);
    expect(second[0]).toBe(first[0]);
    expect(second[2]).toBe(first[2]);
    for (const mailbox of second) expect(Object.isFrozen(mailbox)).toBe(true);
    second.push({ address: 'd@example.org' });
    expect(normalizeAddresses(input)).toHaveLength(3);
  });

  it('gives the same answers past its bound and for lists too long to remember', () => {
    const inputs = Array.from(
      { length: ADDRESS_LIST_MEMO_SIZE * 2 + 10 },
      (_, i) => `u${i}@example.com, v${i}@example.org`,
    );
    const first = inputs.map((input) => normalizeAddresses(input));
    expect(inputs.map((input) => normalizeAddresses(input))).toEqual(first);
    const long = Array.from({ length: 60 }, (_, i) => `recipient${i}@example.com`).join(', ');
    expect(long.length).toBeGreaterThan(ADDRESS_LIST_MEMO_MAX_LENGTH);
    expect(normalizeAddresses(long)).toEqual(normalizeAddresses(long));
    expect(normalizeAddresses(long)[0]).not.toBe(normalizeAddresses(long)[0]);
  });

  it('never remembers a failure', () => {
    for (let round = 0; round < 2; round++) {
      expect(thrown(() => normalizeAddresses('a@b@c')).code).toBe('SMTP_MIME_INVALID_ADDRESS');
    }
  });
});
