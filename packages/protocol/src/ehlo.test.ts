import { bytes } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { type ReplyTranscriptName, replyTranscripts } from './__fixtures__/replies.ts';
import { type Capabilities, hasExtension, parseEhlo } from './ehlo.ts';
import { ProtocolError } from './errors.ts';
import { createReply, type Reply } from './reply.ts';
import { createReplyParser } from './reply-parser.ts';

/** The last reply of a golden transcript, parsed by the real parser. */
function lastReply(name: ReplyTranscriptName): Reply {
  const replies = createReplyParser().push(bytes(replyTranscripts[name].wire));
  const reply = replies.at(-1);
  if (reply === undefined) return expect.fail(`${name} holds no reply`);
  return reply;
}

/** Capabilities of a 250 reply made of `lines` (first line: domain and greeting). */
function caps(...lines: string[]): Capabilities {
  return parseEhlo(createReply(250, lines));
}

function protocolError(action: () => unknown): ProtocolError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  return expect.fail('expected a ProtocolError');
}

const none = {
  pipelining: false,
  startTls: false,
  auth: [],
  eightBitMime: false,
  smtpUtf8: false,
  chunking: false,
  binaryMime: false,
  dsn: false,
  enhancedStatusCodes: false,
  requireTls: false,
  mtPriority: false,
} as const;

describe('parseEhlo on golden transcripts', () => {
  it('reads smtp-server before STARTTLS', () => {
    expect(parseEhlo(lastReply('smtpServerEhloPlain'))).toEqual({
      ...none,
      domain: 'localhost',
      greeting: 'Nice to meet you, [127.0.0.1]',
      pipelining: true,
      startTls: true,
      auth: ['LOGIN', 'PLAIN'],
      eightBitMime: true,
      smtpUtf8: true,
      extensions: new Map([
        ['PIPELINING', []],
        ['8BITMIME', []],
        ['SMTPUTF8', []],
        ['AUTH', ['LOGIN', 'PLAIN']],
        ['STARTTLS', []],
      ]),
    });
  });

  it('reads smtp-server after TLS, with SIZE and without STARTTLS', () => {
    const result = parseEhlo(lastReply('smtpServerEhloSecureWithSize'));
    expect(result.size).toBe(10485760);
    expect(result.startTls).toBe(false);
    expect(result.auth).toEqual(['LOGIN', 'PLAIN']);
  });

  it('reads Postfix, merging AUTH and the legacy AUTH= line', () => {
    const result = parseEhlo(lastReply('postfixEhlo'));
    expect(result).toMatchObject({
      domain: 'mail.example.org',
      greeting: '',
      size: 10240000,
      pipelining: true,
      startTls: true,
      auth: ['PLAIN', 'LOGIN'],
      eightBitMime: true,
      smtpUtf8: true,
      chunking: true,
      binaryMime: false,
      dsn: true,
      enhancedStatusCodes: true,
      requireTls: false,
    });
    expect(result.extensions.get('AUTH')).toEqual(['PLAIN', 'LOGIN', 'PLAIN', 'LOGIN']);
    expect(hasExtension(result, 'VRFY')).toBe(true);
    expect(hasExtension(result, 'ETRN')).toBe(true);
  });

  it('reads Exchange, keeping its X- keywords', () => {
    const result = parseEhlo(lastReply('exchangeEhlo'));
    expect(result).toMatchObject({
      domain: 'EXCH01.corp.example.com',
      greeting: 'Hello [192.0.2.10]',
      size: 37748736,
      startTls: true,
      auth: ['NTLM', 'LOGIN'],
      binaryMime: true,
      chunking: true,
      dsn: true,
    });
    expect(result.extensions.get('X-EXPS')).toEqual(['GSSAPI', 'NTLM']);
    expect(hasExtension(result, 'x-anonymoustls')).toBe(true);
    expect(hasExtension(result, 'XRDST')).toBe(true);
  });

  it('reads Office 365 after TLS', () => {
    const result = parseEhlo(lastReply('office365EhloSecure'));
    expect(result.auth).toEqual(['LOGIN', 'XOAUTH2']);
    expect(result.size).toBe(157286400);
    expect(result.startTls).toBe(false);
  });

  it('reads Gmail before and after TLS', () => {
    const plain = parseEhlo(lastReply('gmailEhloPlain'));
    expect(plain).toMatchObject({
      domain: 'smtp.gmail.com',
      greeting: 'at your service, [203.0.113.7]',
      size: 35882577,
      startTls: true,
      auth: [],
    });
    const secure = parseEhlo(lastReply('gmailEhloSecure'));
    expect(secure.startTls).toBe(false);
    expect(secure.auth).toEqual([
      'LOGIN',
      'PLAIN',
      'XOAUTH2',
      'PLAIN-CLIENTTOKEN',
      'OAUTHBEARER',
      'XOAUTH',
    ]);
  });

  it('reads a reply ended by bare LFs', () => {
    expect(parseEhlo(lastReply('syntheticBareLf'))).toMatchObject({
      domain: 'printer.example.com',
      greeting: '',
      eightBitMime: true,
    });
  });

  it('reads a reply to LHLO as it reads one to EHLO (RFC 2033 section 4.1)', () => {
    expect(parseEhlo(lastReply('syntheticLhlo'))).toEqual({
      ...none,
      domain: 'mail.example.org',
      greeting: '',
      pipelining: true,
      startTls: true,
      eightBitMime: true,
      smtpUtf8: true,
      chunking: true,
      enhancedStatusCodes: true,
      extensions: new Map([
        ['8BITMIME', []],
        ['CHUNKING', []],
        ['ENHANCEDSTATUSCODES', []],
        ['PIPELINING', []],
        ['STARTTLS', []],
        ['SMTPUTF8', []],
      ]),
    });
  });

  it('reads every typed extension, case-insensitively', () => {
    const result = parseEhlo(lastReply('syntheticRichEhlo'));
    expect(result).toEqual({
      domain: 'relay.example.net',
      greeting: 'greets client.example.com',
      size: 0,
      pipelining: true,
      startTls: false,
      auth: ['CRAM-MD5', 'PLAIN'],
      eightBitMime: true,
      smtpUtf8: false,
      chunking: true,
      binaryMime: true,
      dsn: true,
      enhancedStatusCodes: false,
      requireTls: true,
      mtPriority: true,
      mtPriorityPolicy: 'MIXER',
      extensions: new Map([
        ['SIZE', []],
        ['PIPELINING', []],
        ['8BITMIME', []],
        ['BINARYMIME', []],
        ['CHUNKING', []],
        ['DSN', []],
        ['REQUIRETLS', []],
        ['MT-PRIORITY', ['MIXER']],
        ['DELIVERBY', ['300']],
        ['XCLIENT', ['NAME', 'ADDR', 'PORT', 'PROTO', 'HELO', 'LOGIN']],
        ['X-LINK2STATE', []],
        ['AUTH', ['cram-md5', 'plain']],
        ['HELP', []],
      ]),
    });
  });
});

describe('parseEhlo', () => {
  it.each([220, 421, 502, 550])('rejects a %i reply as unexpected', (code) => {
    const error = protocolError(() => parseEhlo(createReply(code, ['secret text'])));
    expect(error.code).toBe('SMTP_PROTOCOL_UNEXPECTED_REPLY');
    expect(error.message).toContain(String(code));
    expect(error.message).not.toContain('secret');
  });

  it('accepts a bare 250 with an empty domain', () => {
    expect(caps('')).toEqual({ ...none, domain: '', greeting: '', extensions: new Map() });
  });

  it('accepts a hand-built reply without lines', () => {
    expect(parseEhlo({ code: 250, lines: [], text: '' }).domain).toBe('');
  });

  it('splits the first line on any whitespace', () => {
    expect(caps('  mx.example.com \t Hello  there  ')).toMatchObject({
      domain: 'mx.example.com',
      greeting: 'Hello  there',
    });
  });

  it('omits size and mtPriorityPolicy when they were not advertised', () => {
    const result = caps('mx', 'PIPELINING');
    expect(Object.hasOwn(result, 'size')).toBe(false);
    expect(result.mtPriority).toBe(false);
    expect(Object.hasOwn(result, 'mtPriorityPolicy')).toBe(false);
  });

  it.each([
    ['SIZE 35882577', 35882577],
    ['SIZE 0035882577', 35882577],
    ['SIZE 0', 0],
    ['SIZE', 0],
    ['SIZE=1000', 1000],
    ['size 1000', 1000],
    ['SIZE \t 1000 ', 1000],
    ['SIZE abc', 0],
    ['SIZE -1', 0],
    ['SIZE 1e6', 0],
    ['SIZE 0x10', 0],
    ['SIZE 1.5', 0],
    ['SIZE 99999999999999999999', 0],
    [`SIZE ${Number.MAX_SAFE_INTEGER}`, Number.MAX_SAFE_INTEGER],
    [`SIZE ${Number.MAX_SAFE_INTEGER + 1}`, 0],
  ])('reads %j as size %d', (line, size) => {
    expect(caps('mx', line).size).toBe(size);
  });

  it('takes the first SIZE when the server advertises two', () => {
    expect(caps('mx', 'SIZE 100', 'SIZE 200').size).toBe(100);
  });

  it.each([
    [['AUTH LOGIN PLAIN'], ['LOGIN', 'PLAIN']],
    [['AUTH=LOGIN'], ['LOGIN']],
    [['AUTH=LOGIN PLAIN'], ['LOGIN', 'PLAIN']],
    [
      ['Auth=login Plain', 'AUTH PLAIN xoauth2'],
      ['LOGIN', 'PLAIN', 'XOAUTH2'],
    ],
    [['AUTH'], []],
    [['AUTH='], []],
    [['AUTH  PLAIN\t\tLOGIN'], ['PLAIN', 'LOGIN']],
  ])('reads AUTH lines %j as mechanisms %j', (lines, mechanisms) => {
    const result = caps('mx', ...lines);
    expect(result.auth).toEqual(mechanisms);
    expect(hasExtension(result, 'AUTH')).toBe(true);
  });

  it('keeps parameters in the case the server sent them', () => {
    expect(caps('mx', 'XCLIENT name Addr').extensions.get('XCLIENT')).toEqual(['name', 'Addr']);
  });

  it('skips blank extension lines', () => {
    expect([...caps('mx', '', '   ', 'DSN').extensions.keys()]).toEqual(['DSN']);
  });

  it.each([
    ['MT-PRIORITY MIXER', 'MIXER'],
    ['mt-priority stanag4406', 'STANAG4406'],
    ['MT-PRIORITY NSEP', 'NSEP'],
    ['MT-PRIORITY x-site-policy extra', 'X-SITE-POLICY'],
  ])('reads %j as MT-PRIORITY with policy %j (RFC 6710 section 3)', (line, policy) => {
    const result = caps('mx', line);
    expect(result.mtPriority).toBe(true);
    expect(result.mtPriorityPolicy).toBe(policy);
  });

  it('reads a bare MT-PRIORITY as offered without a policy', () => {
    const result = caps('mx', 'MT-PRIORITY');
    expect(result.mtPriority).toBe(true);
    expect(Object.hasOwn(result, 'mtPriorityPolicy')).toBe(false);
  });

  it.each([
    'MT-PRIORITY \u001b[31mMIXER',
    'MT-PRIORITY -MIXER',
    'MT-PRIORITY MIX/ER',
    'MT-PRIORITY=',
  ])('offers MT-PRIORITY without a policy for %j, keeping the parameter in extensions', (line) => {
    const result = caps('mx', line);
    expect(result.mtPriority).toBe(true);
    expect(Object.hasOwn(result, 'mtPriorityPolicy')).toBe(false);
    expect(result.extensions.has('MT-PRIORITY')).toBe(true);
  });

  it('removes an enhanced status code repeated on every line', () => {
    const reply = createReply(250, [
      '2.0.0 mx.example.com Hello',
      '2.0.0 PIPELINING',
      '2.0.0 SIZE 100',
    ]);
    expect(reply.enhanced?.code).toBe('2.0.0');
    expect(parseEhlo(reply)).toMatchObject({
      domain: 'mx.example.com',
      greeting: 'Hello',
      pipelining: true,
      size: 100,
    });
  });
});

describe('hasExtension', () => {
  it('compares keywords case-insensitively', () => {
    const result = caps('mx', 'X-Custom-Thing 1');
    expect(hasExtension(result, 'x-custom-thing')).toBe(true);
    expect(hasExtension(result, 'X-CUSTOM-THING')).toBe(true);
  });

  it('is false for a keyword that was not advertised', () => {
    expect(hasExtension(caps('mx', 'PIPELINING'), 'CHUNKING')).toBe(false);
  });
});
