import { describe, expect, it } from 'vitest';
import {
  BODY_TYPES,
  canSendInitialResponse,
  DSN_NOTIFY_CONDITIONS,
  DSN_RETURN_TYPES,
  type DsnNotify,
  encodeAuth,
  encodeBdat,
  encodeData,
  encodeEhlo,
  encodeHelo,
  encodeLhlo,
  encodeMailFrom,
  encodeNoop,
  encodeQuit,
  encodeRcptTo,
  encodeRset,
  encodeSaslCancel,
  encodeSaslResponse,
  encodeStarttls,
  encodeVrfy,
  MAX_COMMAND_LINE_LENGTH,
  MAX_SASL_LINE_LENGTH,
  type MailFromParameters,
} from './commands.ts';
import { InvalidInputError } from './errors.ts';

const text = (data: Uint8Array): string => new TextDecoder().decode(data);

const encoded: ReadonlyArray<readonly [title: string, encode: () => Uint8Array, line: string]> = [
  ['EHLO with a domain', () => encodeEhlo('mail.example.com'), 'EHLO mail.example.com\r\n'],
  ['EHLO with an IPv4 literal', () => encodeEhlo('[192.0.2.1]'), 'EHLO [192.0.2.1]\r\n'],
  [
    'EHLO with an IPv6 literal',
    () => encodeEhlo('[IPv6:2001:db8::1]'),
    'EHLO [IPv6:2001:db8::1]\r\n',
  ],
  ['HELO with a domain', () => encodeHelo('mail.example.com'), 'HELO mail.example.com\r\n'],
  ['HELO with an address literal', () => encodeHelo('[192.0.2.1]'), 'HELO [192.0.2.1]\r\n'],
  ['LHLO with a domain', () => encodeLhlo('mail.example.com'), 'LHLO mail.example.com\r\n'],
  ['LHLO with an IPv4 literal', () => encodeLhlo('[192.0.2.1]'), 'LHLO [192.0.2.1]\r\n'],
  [
    'LHLO with an IPv6 literal',
    () => encodeLhlo('[IPv6:2001:db8::1]'),
    'LHLO [IPv6:2001:db8::1]\r\n',
  ],
  [
    'MAIL FROM with a mailbox',
    () => encodeMailFrom('sender@example.com'),
    'MAIL FROM:<sender@example.com>\r\n',
  ],
  ['MAIL FROM with the null path', () => encodeMailFrom(''), 'MAIL FROM:<>\r\n'],
  [
    'MAIL FROM with a quoted local part',
    () => encodeMailFrom('"a..b"@example.com'),
    'MAIL FROM:<"a..b"@example.com>\r\n',
  ],
  ['MAIL FROM SIZE=0', () => encodeMailFrom('a@b.c', { size: 0 }), 'MAIL FROM:<a@b.c> SIZE=0\r\n'],
  [
    'MAIL FROM SIZE at the largest safe integer',
    () => encodeMailFrom('a@b.c', { size: Number.MAX_SAFE_INTEGER }),
    'MAIL FROM:<a@b.c> SIZE=9007199254740991\r\n',
  ],
  [
    'MAIL FROM BODY=7BIT',
    () => encodeMailFrom('a@b.c', { body: '7BIT' }),
    'MAIL FROM:<a@b.c> BODY=7BIT\r\n',
  ],
  [
    'MAIL FROM BODY=8BITMIME',
    () => encodeMailFrom('a@b.c', { body: '8BITMIME' }),
    'MAIL FROM:<a@b.c> BODY=8BITMIME\r\n',
  ],
  [
    'MAIL FROM BODY=BINARYMIME',
    () => encodeMailFrom('a@b.c', { body: 'BINARYMIME' }),
    'MAIL FROM:<a@b.c> BODY=BINARYMIME\r\n',
  ],
  [
    'MAIL FROM SMTPUTF8',
    () => encodeMailFrom('a@b.c', { smtpUtf8: true }),
    'MAIL FROM:<a@b.c> SMTPUTF8\r\n',
  ],
  [
    'MAIL FROM with a UTF-8 path and SMTPUTF8',
    () => encodeMailFrom('jörg@bücher.example', { smtpUtf8: true }),
    'MAIL FROM:<jörg@bücher.example> SMTPUTF8\r\n',
  ],
  [
    'MAIL FROM without SMTPUTF8 when false',
    () => encodeMailFrom('a@b.c', { smtpUtf8: false }),
    'MAIL FROM:<a@b.c>\r\n',
  ],
  [
    'MAIL FROM RET=FULL',
    () => encodeMailFrom('a@b.c', { ret: 'FULL' }),
    'MAIL FROM:<a@b.c> RET=FULL\r\n',
  ],
  [
    'MAIL FROM RET=HDRS',
    () => encodeMailFrom('a@b.c', { ret: 'HDRS' }),
    'MAIL FROM:<a@b.c> RET=HDRS\r\n',
  ],
  [
    'MAIL FROM ENVID, xtext-encoded',
    () => encodeMailFrom('a@b.c', { envid: 'QQ314159 a+b=c' }),
    'MAIL FROM:<a@b.c> ENVID=QQ314159+20a+2Bb+3Dc\r\n',
  ],
  [
    'MAIL FROM ENVID of exactly 100 octets as xtext',
    () => encodeMailFrom('a@b.c', { envid: 'e'.repeat(100) }),
    `MAIL FROM:<a@b.c> ENVID=${'e'.repeat(100)}\r\n`,
  ],
  [
    'MAIL FROM REQUIRETLS',
    () => encodeMailFrom('a@b.c', { requireTls: true }),
    'MAIL FROM:<a@b.c> REQUIRETLS\r\n',
  ],
  [
    'MAIL FROM without REQUIRETLS when false',
    () => encodeMailFrom('a@b.c', { requireTls: false }),
    'MAIL FROM:<a@b.c>\r\n',
  ],
  [
    'MAIL FROM MT-PRIORITY=-9',
    () => encodeMailFrom('a@b.c', { mtPriority: -9 }),
    'MAIL FROM:<a@b.c> MT-PRIORITY=-9\r\n',
  ],
  [
    'MAIL FROM MT-PRIORITY=0',
    () => encodeMailFrom('a@b.c', { mtPriority: 0 }),
    'MAIL FROM:<a@b.c> MT-PRIORITY=0\r\n',
  ],
  [
    'MAIL FROM MT-PRIORITY=9',
    () => encodeMailFrom('a@b.c', { mtPriority: 9 }),
    'MAIL FROM:<a@b.c> MT-PRIORITY=9\r\n',
  ],
  [
    'MAIL FROM MT-PRIORITY=1, without a plus sign (RFC 6710 priority-value)',
    () => encodeMailFrom('a@b.c', { mtPriority: 1 }),
    'MAIL FROM:<a@b.c> MT-PRIORITY=1\r\n',
  ],
  [
    'MAIL FROM MT-PRIORITY=0 for -0, never "-0"',
    () => encodeMailFrom('a@b.c', { mtPriority: -0 }),
    'MAIL FROM:<a@b.c> MT-PRIORITY=0\r\n',
  ],
  [
    'MAIL FROM with every parameter, in a fixed order',
    () =>
      encodeMailFrom('a@b.c', {
        extra: { AUTH: '<>', 'X-FLAG': true },
        mtPriority: 3,
        requireTls: true,
        envid: 'id',
        ret: 'HDRS',
        smtpUtf8: true,
        body: '8BITMIME',
        size: 1234,
      }),
    'MAIL FROM:<a@b.c> SIZE=1234 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id REQUIRETLS MT-PRIORITY=3 AUTH=<> X-FLAG\r\n',
  ],
  [
    'MAIL FROM extra values may be UTF-8 with SMTPUTF8',
    () => encodeMailFrom('a@b.c', { smtpUtf8: true, extra: { X: 'ü' } }),
    'MAIL FROM:<a@b.c> SMTPUTF8 X=ü\r\n',
  ],
  [
    'MAIL FROM at 512 octets without parameters',
    () => encodeMailFrom('a@b.c', { extra: { X: 'v'.repeat(490) } }),
    `MAIL FROM:<a@b.c> X=${'v'.repeat(490)}\r\n`,
  ],
  [
    'MAIL FROM at 512 + 26 octets with SIZE',
    () => encodeMailFrom('a@b.c', { size: 1, extra: { X: 'v'.repeat(509) } }),
    `MAIL FROM:<a@b.c> SIZE=1 X=${'v'.repeat(509)}\r\n`,
  ],
  [
    'RCPT TO with a mailbox',
    () => encodeRcptTo('rcpt@example.com'),
    'RCPT TO:<rcpt@example.com>\r\n',
  ],
  ['RCPT TO postmaster', () => encodeRcptTo('postmaster'), 'RCPT TO:<postmaster>\r\n'],
  ['RCPT TO Postmaster in any case', () => encodeRcptTo('PostMaster'), 'RCPT TO:<PostMaster>\r\n'],
  [
    'RCPT TO with a UTF-8 path in an SMTPUTF8 transaction',
    () => encodeRcptTo('用户@例子.广告', { smtpUtf8: true }),
    'RCPT TO:<用户@例子.广告>\r\n',
  ],
  [
    'RCPT TO NOTIFY=NEVER',
    () => encodeRcptTo('a@b.c', { notify: ['NEVER'] }),
    'RCPT TO:<a@b.c> NOTIFY=NEVER\r\n',
  ],
  [
    'RCPT TO NOTIFY with every condition',
    () => encodeRcptTo('a@b.c', { notify: ['SUCCESS', 'FAILURE', 'DELAY'] }),
    'RCPT TO:<a@b.c> NOTIFY=SUCCESS,FAILURE,DELAY\r\n',
  ],
  [
    'RCPT TO NOTIFY=DELAY',
    () => encodeRcptTo('a@b.c', { notify: ['DELAY'] }),
    'RCPT TO:<a@b.c> NOTIFY=DELAY\r\n',
  ],
  [
    'RCPT TO ORCPT rfc822, xtext-encoded',
    () => encodeRcptTo('a@b.c', { orcpt: 'Orig+tag=1 x@example.com' }),
    'RCPT TO:<a@b.c> ORCPT=rfc822;Orig+2Btag+3D1+20x@example.com\r\n',
  ],
  [
    'RCPT TO ORCPT utf-8 in the 7-bit xtext form without SMTPUTF8',
    () => encodeRcptTo('a@b.c', { orcpt: 'jörg@bücher.example' }),
    'RCPT TO:<a@b.c> ORCPT=utf-8;j\\x{F6}rg@b\\x{FC}cher.example\r\n',
  ],
  [
    'RCPT TO ORCPT utf-8 in the unitext form with SMTPUTF8',
    () => encodeRcptTo('jörg@bücher.example', { smtpUtf8: true, orcpt: 'jörg+x@bücher.example' }),
    'RCPT TO:<jörg@bücher.example> ORCPT=utf-8;jörg\\x{2B}x@bücher.example\r\n',
  ],
  [
    'RCPT TO NOTIFY, ORCPT and extra',
    () => encodeRcptTo('a@b.c', { extra: { 'X-Y': '1' }, orcpt: 'a@b.c', notify: ['FAILURE'] }),
    'RCPT TO:<a@b.c> NOTIFY=FAILURE ORCPT=rfc822;a@b.c X-Y=1\r\n',
  ],
  ['DATA', () => encodeData(), 'DATA\r\n'],
  ['RSET', () => encodeRset(), 'RSET\r\n'],
  ['NOOP', () => encodeNoop(), 'NOOP\r\n'],
  ['QUIT', () => encodeQuit(), 'QUIT\r\n'],
  ['STARTTLS', () => encodeStarttls(), 'STARTTLS\r\n'],
  ['BDAT', () => encodeBdat(65536), 'BDAT 65536\r\n'],
  ['BDAT 0 LAST', () => encodeBdat(0, true), 'BDAT 0 LAST\r\n'],
  ['VRFY a user name', () => encodeVrfy('smith'), 'VRFY smith\r\n'],
  ['VRFY a dotted user name', () => encodeVrfy('john.smith'), 'VRFY john.smith\r\n'],
  ['VRFY a quoted user name holding @', () => encodeVrfy('"a@b"'), 'VRFY "a@b"\r\n'],
  ['VRFY a mailbox', () => encodeVrfy('smith@example.com'), 'VRFY smith@example.com\r\n'],
  ['VRFY a quoted mailbox', () => encodeVrfy('"a@b"@example.com'), 'VRFY "a@b"@example.com\r\n'],
  ['VRFY with SMTPUTF8', () => encodeVrfy('jörg', { smtpUtf8: true }), 'VRFY jörg SMTPUTF8\r\n'],
  ['AUTH without initial response', () => encodeAuth('LOGIN'), 'AUTH LOGIN\r\n'],
  [
    'AUTH with an initial response',
    () => encodeAuth('PLAIN', 'AHVzZXIAcGFzcw=='),
    'AUTH PLAIN AHVzZXIAcGFzcw==\r\n',
  ],
  ['AUTH with an empty initial response', () => encodeAuth('EXTERNAL', ''), 'AUTH EXTERNAL =\r\n'],
  ['AUTH with "=" as initial response', () => encodeAuth('EXTERNAL', '='), 'AUTH EXTERNAL =\r\n'],
  [
    'AUTH with digits, "-" and "_" in the name',
    () => encodeAuth('SCRAM-SHA-256_X'),
    'AUTH SCRAM-SHA-256_X\r\n',
  ],
  ['AUTH with a 20-character name', () => encodeAuth('A'.repeat(20)), `AUTH ${'A'.repeat(20)}\r\n`],
  [
    'AUTH at 512 octets',
    () => encodeAuth('PLAIN', 'A'.repeat(496)),
    `AUTH PLAIN ${'A'.repeat(496)}\r\n`,
  ],
  ['a SASL response', () => encodeSaslResponse('dGVzdA=='), 'dGVzdA==\r\n'],
  ['a SASL response with one "="', () => encodeSaslResponse('dGVzdDE='), 'dGVzdDE=\r\n'],
  ['an empty SASL response', () => encodeSaslResponse(''), '\r\n'],
  [
    'a SASL response of 12288 octets',
    () => encodeSaslResponse('A'.repeat(12284)),
    `${'A'.repeat(12284)}\r\n`,
  ],
  ['a SASL cancel', () => encodeSaslCancel(), '*\r\n'],
];

describe('command encoders', () => {
  for (const [title, encode, line] of encoded) {
    it(`encodes ${title}`, () => {
      expect(text(encode())).toBe(line);
    });
  }

  it('returns a fresh array from every call', () => {
    const first = encodeQuit();
    first.fill(0);
    expect(text(encodeQuit())).toBe('QUIT\r\n');
  });

  it('exports the line limits and value tables', () => {
    expect(MAX_COMMAND_LINE_LENGTH).toBe(512);
    expect(MAX_SASL_LINE_LENGTH).toBe(12288);
    expect(BODY_TYPES).toEqual(['7BIT', '8BITMIME', 'BINARYMIME']);
    expect(DSN_RETURN_TYPES).toEqual(['FULL', 'HDRS']);
    expect(DSN_NOTIFY_CONDITIONS).toEqual(['NEVER', 'SUCCESS', 'FAILURE', 'DELAY']);
  });
});

/** Every argument slot of every encoder, with `inject` placed inside an otherwise valid value. */
const slots: ReadonlyArray<readonly [slot: string, encode: (inject: string) => Uint8Array]> = [
  ['the EHLO domain', (s) => encodeEhlo(`mail${s}.example.com`)],
  ['the HELO domain', (s) => encodeHelo(`mail${s}.example.com`)],
  ['the LHLO domain', (s) => encodeLhlo(`mail${s}.example.com`)],
  ['the MAIL FROM path', (s) => encodeMailFrom(`a${s}@example.com`)],
  [
    'the MAIL FROM path with SMTPUTF8',
    (s) => encodeMailFrom(`a${s}@example.com`, { smtpUtf8: true }),
  ],
  ['the MAIL FROM domain', (s) => encodeMailFrom(`a@exam${s}ple.com`)],
  ['ENVID', (s) => encodeMailFrom('a@b.c', { envid: `id${s}` })],
  ['a MAIL FROM extra value', (s) => encodeMailFrom('a@b.c', { extra: { X: `v${s}` } })],
  ['a MAIL FROM extra keyword', (s) => encodeMailFrom('a@b.c', { extra: { [`X${s}`]: true } })],
  ['the RCPT TO path', (s) => encodeRcptTo(`a${s}@example.com`)],
  ['the RCPT TO path with SMTPUTF8', (s) => encodeRcptTo(`a${s}@example.com`, { smtpUtf8: true })],
  ['ORCPT', (s) => encodeRcptTo('a@b.c', { orcpt: `o${s}@b.c` })],
  ['a RCPT TO extra value', (s) => encodeRcptTo('a@b.c', { extra: { X: `v${s}` } })],
  ['the VRFY argument', (s) => encodeVrfy(`user${s}`)],
  ['the AUTH mechanism', (s) => encodeAuth(`PLAIN${s}`)],
  ['the AUTH initial response', (s) => encodeAuth('PLAIN', `AAAA${s}`)],
  ['a SASL response', (s) => encodeSaslResponse(`AAAA${s}`)],
];
const injections: ReadonlyArray<readonly [name: string, value: string]> = [
  ['CR', '\r'],
  ['LF', '\n'],
  ['CRLF and a command', '\r\nRSET\r\n'],
  ['NUL', '\u0000'],
  ['BEL', '\u0007'],
  ['TAB', '\t'],
  ['ESC', '\u001b'],
  ['DEL', '\u007f'],
  ['NEL (U+0085)', '\u0085'],
  ['U+2028', '\u2028'],
  ['a lone surrogate', '\ud800'],
];

describe('injection', () => {
  for (const [slot, encode] of slots) {
    for (const [name, value] of injections) {
      it(`rejects ${name} in ${slot}`, () => {
        expect(() => encode(value)).toThrow(
          expect.objectContaining({ name: 'InvalidInputError', code: 'SMTP_INVALID_CHARACTER' }),
        );
      });
    }
  }
});

const rejected: ReadonlyArray<readonly [title: string, encode: () => unknown, code: string]> = [
  ['a U-label in EHLO', () => encodeEhlo('bücher.example'), 'SMTP_INVALID_NON_ASCII'],
  ['an empty EHLO domain', () => encodeEhlo(''), 'SMTP_INVALID_DOMAIN'],
  ['a space in the EHLO domain', () => encodeEhlo('mail example.com'), 'SMTP_INVALID_DOMAIN'],
  ['a bad HELO domain', () => encodeHelo('-mail.example.com'), 'SMTP_INVALID_DOMAIN'],
  ['a general address literal in EHLO', () => encodeEhlo('[tag:x]'), 'SMTP_INVALID_DOMAIN'],
  ['a U-label in LHLO', () => encodeLhlo('bücher.example'), 'SMTP_INVALID_NON_ASCII'],
  ['an empty LHLO domain', () => encodeLhlo(''), 'SMTP_INVALID_DOMAIN'],
  ['a space in the LHLO domain', () => encodeLhlo('mail example.com'), 'SMTP_INVALID_DOMAIN'],
  ['a general address literal in LHLO', () => encodeLhlo('[tag:x]'), 'SMTP_INVALID_DOMAIN'],
  ['"<>" as the reverse path (pass "")', () => encodeMailFrom('<>'), 'SMTP_INVALID_MAILBOX'],
  [
    'angle brackets around the reverse path',
    () => encodeMailFrom('<a@b.c>'),
    'SMTP_INVALID_MAILBOX',
  ],
  ['">" inside the reverse path', () => encodeMailFrom('a>@b.c'), 'SMTP_INVALID_MAILBOX'],
  ['a space in the reverse path', () => encodeMailFrom('a@b.c SIZE=1'), 'SMTP_INVALID_MAILBOX'],
  ['a bad reverse path domain', () => encodeMailFrom('a@b..c'), 'SMTP_INVALID_DOMAIN'],
  ['a too long local part', () => encodeMailFrom(`${'l'.repeat(65)}@b.c`), 'SMTP_INVALID_MAILBOX'],
  ['a too long domain', () => encodeMailFrom(`a@${'d.'.repeat(128)}c`), 'SMTP_INVALID_DOMAIN'],
  [
    'UTF-8 in the reverse path without SMTPUTF8',
    () => encodeMailFrom('jörg@b.c'),
    'SMTP_INVALID_NON_ASCII',
  ],
  ['SIZE=-1', () => encodeMailFrom('a@b.c', { size: -1 }), 'SMTP_INVALID_NUMBER'],
  ['SIZE=1.5', () => encodeMailFrom('a@b.c', { size: 1.5 }), 'SMTP_INVALID_NUMBER'],
  ['SIZE=NaN', () => encodeMailFrom('a@b.c', { size: Number.NaN }), 'SMTP_INVALID_NUMBER'],
  [
    'SIZE=Infinity',
    () => encodeMailFrom('a@b.c', { size: Number.POSITIVE_INFINITY }),
    'SMTP_INVALID_NUMBER',
  ],
  [
    'SIZE beyond safe integers',
    () => encodeMailFrom('a@b.c', { size: 2 ** 53 }),
    'SMTP_INVALID_NUMBER',
  ],
  [
    'SIZE as a string',
    () => encodeMailFrom('a@b.c', { size: '10' as unknown as number }),
    'SMTP_INVALID_NUMBER',
  ],
  [
    'a lower-case BODY',
    () => encodeMailFrom('a@b.c', { body: '8bitmime' as '8BITMIME' }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'an unknown BODY',
    () => encodeMailFrom('a@b.c', { body: 'BINARY' as '8BITMIME' }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'an unknown RET',
    () => encodeMailFrom('a@b.c', { ret: 'NONE' as 'FULL' }),
    'SMTP_INVALID_PARAMETER',
  ],
  ['an empty ENVID', () => encodeMailFrom('a@b.c', { envid: '' }), 'SMTP_INVALID_PARAMETER'],
  [
    'an ENVID of 101 octets as xtext',
    () => encodeMailFrom('a@b.c', { envid: `${'e'.repeat(98)}+` }),
    'SMTP_INVALID_PARAMETER',
  ],
  ['a non-ASCII ENVID', () => encodeMailFrom('a@b.c', { envid: 'é' }), 'SMTP_INVALID_NON_ASCII'],
  [
    'a non-ASCII ENVID even with SMTPUTF8',
    () => encodeMailFrom('a@b.c', { envid: 'é', smtpUtf8: true }),
    'SMTP_INVALID_NON_ASCII',
  ],
  ['MT-PRIORITY=-10', () => encodeMailFrom('a@b.c', { mtPriority: -10 }), 'SMTP_INVALID_NUMBER'],
  ['MT-PRIORITY=10', () => encodeMailFrom('a@b.c', { mtPriority: 10 }), 'SMTP_INVALID_NUMBER'],
  ['MT-PRIORITY=0.5', () => encodeMailFrom('a@b.c', { mtPriority: 0.5 }), 'SMTP_INVALID_NUMBER'],
  [
    'MT-PRIORITY=NaN',
    () => encodeMailFrom('a@b.c', { mtPriority: Number.NaN }),
    'SMTP_INVALID_NUMBER',
  ],
  [
    'MT-PRIORITY=Infinity',
    () => encodeMailFrom('a@b.c', { mtPriority: Number.NEGATIVE_INFINITY }),
    'SMTP_INVALID_NUMBER',
  ],
  [
    'MT-PRIORITY given as a string',
    () => encodeMailFrom('a@b.c', { mtPriority: '+5' as unknown as number }),
    'SMTP_INVALID_NUMBER',
  ],
  [
    'MT-PRIORITY through extra (the typed option owns it)',
    () => encodeMailFrom('a@b.c', { extra: { 'MT-PRIORITY': '+5' } }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'an extra keyword a typed option owns',
    () => encodeMailFrom('a@b.c', { extra: { size: '1' } }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'the same extra keyword twice',
    () => encodeMailFrom('a@b.c', { extra: { X: '1', x: '2' } }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'an extra keyword starting with "-"',
    () => encodeMailFrom('a@b.c', { extra: { '-X': true } }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'an empty extra keyword',
    () => encodeMailFrom('a@b.c', { extra: { '': true } }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'an extra keyword with "="',
    () => encodeMailFrom('a@b.c', { extra: { 'X=Y': true } }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'an extra value with a space',
    () => encodeMailFrom('a@b.c', { extra: { X: 'a b' } }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'an extra value with "="',
    () => encodeMailFrom('a@b.c', { extra: { X: 'a=b' } }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'an empty extra value',
    () => encodeMailFrom('a@b.c', { extra: { X: '' } }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'an extra value that is not a string',
    () => encodeMailFrom('a@b.c', { extra: { X: 1 as unknown as string } }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'an extra value of false',
    () => encodeMailFrom('a@b.c', { extra: { X: false as unknown as true } }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'a UTF-8 extra value without SMTPUTF8',
    () => encodeMailFrom('a@b.c', { extra: { X: 'ü' } }),
    'SMTP_INVALID_NON_ASCII',
  ],
  [
    'a MAIL FROM of 513 octets',
    () => encodeMailFrom('a@b.c', { extra: { X: 'v'.repeat(491) } }),
    'SMTP_INVALID_LINE_TOO_LONG',
  ],
  [
    'a MAIL FROM with SIZE of 539 octets',
    () => encodeMailFrom('a@b.c', { size: 1, extra: { X: 'v'.repeat(510) } }),
    'SMTP_INVALID_LINE_TOO_LONG',
  ],
  ['an empty forward path', () => encodeRcptTo(''), 'SMTP_INVALID_MAILBOX'],
  ['angle brackets around the forward path', () => encodeRcptTo('<a@b.c>'), 'SMTP_INVALID_MAILBOX'],
  ['a space in the forward path', () => encodeRcptTo('a b@c.d'), 'SMTP_INVALID_MAILBOX'],
  ['a source route', () => encodeRcptTo('@relay:a@b.c'), 'SMTP_INVALID_MAILBOX'],
  ['postmaster with a suffix', () => encodeRcptTo('postmaster2'), 'SMTP_INVALID_MAILBOX'],
  [
    'UTF-8 in the forward path without SMTPUTF8',
    () => encodeRcptTo('a@bücher.example'),
    'SMTP_INVALID_NON_ASCII',
  ],
  ['an empty NOTIFY', () => encodeRcptTo('a@b.c', { notify: [] }), 'SMTP_INVALID_PARAMETER'],
  [
    'NOTIFY=NEVER with SUCCESS',
    () => encodeRcptTo('a@b.c', { notify: ['NEVER', 'SUCCESS'] }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'NOTIFY=DELAY with NEVER',
    () => encodeRcptTo('a@b.c', { notify: ['DELAY', 'NEVER'] }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'a NOTIFY condition twice',
    () => encodeRcptTo('a@b.c', { notify: ['SUCCESS', 'SUCCESS'] }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'a lower-case NOTIFY condition',
    () => encodeRcptTo('a@b.c', { notify: ['success' as DsnNotify] }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'NOTIFY given as a string',
    () => encodeRcptTo('a@b.c', { notify: 'NEVER' as unknown as DsnNotify[] }),
    'SMTP_INVALID_PARAMETER',
  ],
  ['an empty ORCPT', () => encodeRcptTo('a@b.c', { orcpt: '' }), 'SMTP_INVALID_PARAMETER'],
  [
    'a UTF-8 ORCPT that is not a mailbox',
    () => encodeRcptTo('a@b.c', { orcpt: 'jörg' }),
    'SMTP_INVALID_MAILBOX',
  ],
  [
    'an ORCPT over 500 octets',
    () => encodeRcptTo('a@b.c', { orcpt: `${'o'.repeat(490)}@b.c` }),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'a RCPT TO extra keyword NOTIFY',
    () => encodeRcptTo('a@b.c', { extra: { notify: 'NEVER' } }),
    'SMTP_INVALID_PARAMETER',
  ],
  ['BDAT -1', () => encodeBdat(-1), 'SMTP_INVALID_NUMBER'],
  ['BDAT 1.5', () => encodeBdat(1.5), 'SMTP_INVALID_NUMBER'],
  ['a VRFY argument with a space', () => encodeVrfy('John Smith'), 'SMTP_INVALID_MAILBOX'],
  ['a VRFY argument with two dots', () => encodeVrfy('a..b'), 'SMTP_INVALID_MAILBOX'],
  ['a VRFY mailbox with an empty domain', () => encodeVrfy('a@'), 'SMTP_INVALID_DOMAIN'],
  ['a UTF-8 VRFY argument without SMTPUTF8', () => encodeVrfy('jörg'), 'SMTP_INVALID_NON_ASCII'],
  ['an empty AUTH mechanism', () => encodeAuth(''), 'SMTP_INVALID_PARAMETER'],
  ['a lower-case AUTH mechanism', () => encodeAuth('plain'), 'SMTP_INVALID_PARAMETER'],
  [
    'an AUTH mechanism of 21 characters',
    () => encodeAuth('A'.repeat(21)),
    'SMTP_INVALID_PARAMETER',
  ],
  ['a space in the AUTH mechanism', () => encodeAuth('PLAIN X'), 'SMTP_INVALID_PARAMETER'],
  ['an unpadded initial response', () => encodeAuth('PLAIN', 'abc'), 'SMTP_INVALID_PARAMETER'],
  [
    'padding inside the initial response',
    () => encodeAuth('PLAIN', 'ab=c'),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'a space in the initial response',
    () => encodeAuth('PLAIN', 'AAAA AAAA'),
    'SMTP_INVALID_PARAMETER',
  ],
  [
    'non-ASCII in the initial response',
    () => encodeAuth('PLAIN', 'AAAé'),
    'SMTP_INVALID_NON_ASCII',
  ],
  [
    'an AUTH line of 516 octets',
    () => encodeAuth('PLAIN', 'A'.repeat(500)),
    'SMTP_INVALID_LINE_TOO_LONG',
  ],
  [
    '"*" as a SASL response (use encodeSaslCancel)',
    () => encodeSaslResponse('*'),
    'SMTP_INVALID_PARAMETER',
  ],
  ['"=" as a SASL response', () => encodeSaslResponse('='), 'SMTP_INVALID_PARAMETER'],
  [
    'a SASL response over 12288 octets',
    () => encodeSaslResponse('A'.repeat(12288)),
    'SMTP_INVALID_LINE_TOO_LONG',
  ],
];

describe('rejections', () => {
  for (const [title, encode, code] of rejected) {
    it(`rejects ${title} with ${code}`, () => {
      expect(encode).toThrow(expect.objectContaining({ name: 'InvalidInputError', code }));
    });
  }

  it('never quotes an AUTH initial response or SASL response in the error', () => {
    for (const encode of [
      () => encodeAuth('PLAIN', 'c2VjcmV0cGFzcw!'),
      () => encodeAuth('PLAIN', 'c2VjcmV0cGFzcw\r\n'),
      () => encodeAuth('PLAIN', 'c2VjcmV0cGFzcw==ü'),
      () => encodeSaslResponse('c2VjcmV0cGFzcw!'),
      () => encodeAuth('PLAIN', `c2VjcmV0cGFzcw==${'A'.repeat(500)}`),
    ]) {
      try {
        encode();
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidInputError);
        expect((error as Error).message).not.toContain('c2VjcmV0');
      }
    }
  });

  it('quotes other input with controls escaped', () => {
    expect(() => encodeMailFrom('a@b.c\r\nRCPT TO:<x@y.z>')).toThrow(
      'MAIL FROM reverse path contains a forbidden character (U+000D) at index 5: "a@b.c\\u000D\\u000ARCPT TO:<x@y.z>"',
    );
  });

  it('rejects a MAIL FROM object whose extra is not an object of strings', () => {
    const params = { extra: { X: null } } as unknown as MailFromParameters;
    expect(() => encodeMailFrom('a@b.c', params)).toThrow(
      expect.objectContaining({ code: 'SMTP_INVALID_PARAMETER' }),
    );
  });
});

describe('canSendInitialResponse', () => {
  it('says whether AUTH with the response fits in 512 octets', () => {
    expect(canSendInitialResponse('PLAIN', 'A'.repeat(496))).toBe(true);
    expect(canSendInitialResponse('PLAIN', 'A'.repeat(500))).toBe(false);
    expect(canSendInitialResponse('PLAIN', '')).toBe(true);
  });

  it('agrees with encodeAuth', () => {
    for (const length of [0, 4, 492, 496, 500, 504]) {
      const response = 'A'.repeat(length);
      const fits = canSendInitialResponse('XOAUTH2', response);
      if (fits) expect(() => encodeAuth('XOAUTH2', response)).not.toThrow();
      else
        expect(() => encodeAuth('XOAUTH2', response)).toThrow(
          expect.objectContaining({ code: 'SMTP_INVALID_LINE_TOO_LONG' }),
        );
    }
  });
});
