import {
  bytes,
  concat,
  describeFeedMode,
  type FeedMode,
  feed,
  feedModes,
} from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { type ReplyTranscriptName, replyTranscripts } from './__fixtures__/replies.ts';
import { InvalidInputError, ProtocolError, type ProtocolErrorCode } from './errors.ts';
import type { Reply } from './reply.ts';
import {
  createReplyParser,
  REPLY_PARSER_DEFAULTS,
  type ReplyParser,
  type ReplyParserOptions,
} from './reply-parser.ts';

function run(input: Uint8Array, mode: FeedMode, options?: ReplyParserOptions) {
  const parser = createReplyParser(options);
  const replies = feed((chunk) => parser.push(chunk), input, mode);
  return { parser, replies };
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

function pushText(parser: ReplyParser, text: string): readonly Reply[] {
  return parser.push(bytes(text));
}

const input = (value: string | Uint8Array): Uint8Array =>
  typeof value === 'string' ? bytes(value) : value;

interface ParseCase {
  readonly name: string;
  readonly input: string | Uint8Array;
  readonly expected: readonly Reply[];
  readonly options?: ReplyParserOptions;
}

const parseCases: readonly ParseCase[] = [
  {
    name: 'a single-line reply',
    input: '250 OK\r\n',
    expected: [{ code: 250, lines: ['OK'], text: 'OK' }],
  },
  {
    name: 'a multi-line reply',
    input: '250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n',
    expected: [
      {
        code: 250,
        lines: ['mx.example.com', 'PIPELINING', 'SIZE 1000'],
        text: 'mx.example.com\nPIPELINING\nSIZE 1000',
      },
    ],
  },
  {
    name: 'a bare code with nothing after it',
    input: '250\r\n',
    expected: [{ code: 250, lines: [''], text: '' }],
  },
  {
    name: 'a code followed by a single space (empty AUTH challenge)',
    input: '334 \r\n',
    expected: [{ code: 334, lines: [''], text: '' }],
  },
  {
    name: 'an empty continuation line',
    input: '250-\r\n250 done\r\n',
    expected: [{ code: 250, lines: ['', 'done'], text: '\ndone' }],
  },
  {
    name: 'a bare LF as the line end',
    input: '220 ready\n',
    expected: [{ code: 220, lines: ['ready'], text: 'ready' }],
  },
  {
    name: 'CRLF and bare LF mixed in one reply',
    input: '250-a\n250-b\r\n250 c\n',
    expected: [{ code: 250, lines: ['a', 'b', 'c'], text: 'a\nb\nc' }],
  },
  {
    name: 'several replies in one chunk',
    input: '250 first\r\n251 second\r\n354 third\r\n',
    expected: [
      { code: 250, lines: ['first'], text: 'first' },
      { code: 251, lines: ['second'], text: 'second' },
      { code: 354, lines: ['third'], text: 'third' },
    ],
  },
  {
    name: 'the lowest and the highest code',
    input: '200 low\r\n599 high\r\n',
    expected: [
      { code: 200, lines: ['low'], text: 'low' },
      { code: 599, lines: ['high'], text: 'high' },
    ],
  },
  {
    name: 'UTF-8 text, including sequences split across chunks',
    input: '250 Grüße, 世界 📮\r\n',
    expected: [{ code: 250, lines: ['Grüße, 世界 📮'], text: 'Grüße, 世界 📮' }],
  },
  {
    name: 'invalid UTF-8 replaced by U+FFFD instead of failing',
    input: concat([bytes('250 a'), Uint8Array.of(0xff, 0xc3), bytes(' b\r\n')]),
    expected: [{ code: 250, lines: ['a\uFFFD\uFFFD b'], text: 'a\uFFFD\uFFFD b' }],
  },
  {
    name: 'a UTF-8 sequence cut short by the line end',
    input: concat([bytes('250 x'), Uint8Array.of(0xe2, 0x82), bytes('\r\n')]),
    expected: [{ code: 250, lines: ['x\uFFFD'], text: 'x\uFFFD' }],
  },
  {
    name: 'a U+FEFF at the start of the text, kept rather than taken for a BOM',
    input: '250 \uFEFFtext\r\n',
    expected: [{ code: 250, lines: ['\uFEFFtext'], text: '\uFEFFtext' }],
  },
  {
    name: 'tabs and escape characters kept (the client sanitises before logging)',
    input: '250 a\tb\u001bc\r\n',
    expected: [{ code: 250, lines: ['a\tb\u001bc'], text: 'a\tb\u001bc' }],
  },
  {
    name: 'an enhanced status code',
    input: '250 2.1.0 Sender ok\r\n',
    expected: [
      {
        code: 250,
        enhanced: { class: 2, subject: 1, detail: 0, code: '2.1.0' },
        lines: ['2.1.0 Sender ok'],
        text: 'Sender ok',
      },
    ],
  },
  {
    name: 'an enhanced status code alone on the line',
    input: '250 2.0.0\r\n',
    expected: [
      {
        code: 250,
        enhanced: { class: 2, subject: 0, detail: 0, code: '2.0.0' },
        lines: ['2.0.0'],
        text: '',
      },
    ],
  },
  {
    name: 'a status code whose class differs from the reply code, kept as text',
    input: '250 5.1.1 odd\r\n',
    expected: [{ code: 250, lines: ['5.1.1 odd'], text: '5.1.1 odd' }],
  },
  {
    name: 'a status code with a leading zero, kept as text',
    input: '550 5.01.1 odd\r\n',
    expected: [{ code: 550, lines: ['5.01.1 odd'], text: '5.01.1 odd' }],
  },
  {
    name: 'an enhanced status code repeated on every line',
    input: '550-5.1.1 No such\r\n550 5.1.1 user\r\n',
    expected: [
      {
        code: 550,
        enhanced: { class: 5, subject: 1, detail: 1, code: '5.1.1' },
        lines: ['5.1.1 No such', '5.1.1 user'],
        text: 'No such\nuser',
      },
    ],
  },
  {
    name: 'a line exactly maxLineLength octets long',
    options: { maxLineLength: 10 },
    input: '250 123456\r\n',
    expected: [{ code: 250, lines: ['123456'], text: '123456' }],
  },
  {
    name: 'a line exactly maxLineLength octets long, ended by a bare LF',
    options: { maxLineLength: 10 },
    input: '250 123456\n',
    expected: [{ code: 250, lines: ['123456'], text: '123456' }],
  },
  {
    name: 'a line exactly at the default maxLineLength',
    input: `250 ${'x'.repeat(REPLY_PARSER_DEFAULTS.maxLineLength - 4)}\r\n`,
    expected: [
      {
        code: 250,
        lines: ['x'.repeat(REPLY_PARSER_DEFAULTS.maxLineLength - 4)],
        text: 'x'.repeat(REPLY_PARSER_DEFAULTS.maxLineLength - 4),
      },
    ],
  },
  {
    name: 'a reply exactly maxReplySize octets long, line ends included',
    options: { maxReplySize: 14 },
    input: '250-a\r\n250 b\r\n',
    expected: [{ code: 250, lines: ['a', 'b'], text: 'a\nb' }],
  },
  {
    name: 'a reply of exactly maxLines lines',
    options: { maxLines: 3 },
    input: '250-a\r\n250-b\r\n250 c\r\n',
    expected: [{ code: 250, lines: ['a', 'b', 'c'], text: 'a\nb\nc' }],
  },
  {
    name: 'bounds counted per reply, not per push',
    options: { maxLines: 2, maxReplySize: 14 },
    input: '250-a\r\n250 b\r\n251-c\r\n251 d\r\n',
    expected: [
      { code: 250, lines: ['a', 'b'], text: 'a\nb' },
      { code: 251, lines: ['c', 'd'], text: 'c\nd' },
    ],
  },
];

interface ErrorCase {
  readonly name: string;
  readonly input: string | Uint8Array;
  readonly code: ProtocolErrorCode;
  readonly options?: ReplyParserOptions;
}

const errorCases: readonly ErrorCase[] = [
  {
    name: 'lines of one reply with different codes',
    input: '250-first\r\n251 second\r\n',
    code: 'SMTP_PROTOCOL_INCONSISTENT_CODE',
  },
  { name: 'a letter in the code', input: '2x0 Ok\r\n', code: 'SMTP_PROTOCOL_MALFORMED_REPLY' },
  { name: 'no code at all', input: 'hello\r\n', code: 'SMTP_PROTOCOL_MALFORMED_REPLY' },
  { name: 'a byte just above "9"', input: '25: Ok\r\n', code: 'SMTP_PROTOCOL_MALFORMED_REPLY' },
  { name: 'a byte just below "0"', input: '25/ Ok\r\n', code: 'SMTP_PROTOCOL_MALFORMED_REPLY' },
  { name: 'a leading space', input: ' 250 Ok\r\n', code: 'SMTP_PROTOCOL_MALFORMED_REPLY' },
  { name: 'code 199', input: '199 Too low\r\n', code: 'SMTP_PROTOCOL_MALFORMED_REPLY' },
  { name: 'code 100', input: '100 Continue\r\n', code: 'SMTP_PROTOCOL_MALFORMED_REPLY' },
  { name: 'code 099', input: '099 Zero\r\n', code: 'SMTP_PROTOCOL_MALFORMED_REPLY' },
  { name: 'code 600', input: '600 Too high\r\n', code: 'SMTP_PROTOCOL_MALFORMED_REPLY' },
  { name: 'a two-character line', input: '25\r\n', code: 'SMTP_PROTOCOL_MALFORMED_REPLY' },
  { name: 'an empty line', input: '\r\n', code: 'SMTP_PROTOCOL_MALFORMED_REPLY' },
  { name: 'an empty line ended by LF', input: '\n', code: 'SMTP_PROTOCOL_MALFORMED_REPLY' },
  {
    name: 'an underscore after the code',
    input: '250_Ok\r\n',
    code: 'SMTP_PROTOCOL_MALFORMED_REPLY',
  },
  { name: 'a tab after the code', input: '250\tOk\r\n', code: 'SMTP_PROTOCOL_MALFORMED_REPLY' },
  {
    name: 'garbage after a good reply',
    input: '250 Ok\r\n2x0\r\n',
    code: 'SMTP_PROTOCOL_MALFORMED_REPLY',
  },
  { name: 'a lone CR in the text', input: '250 a\rb\r\n', code: 'SMTP_PROTOCOL_INVALID_BYTE' },
  { name: 'CR CR LF', input: '250 a\r\r\n', code: 'SMTP_PROTOCOL_INVALID_BYTE' },
  { name: 'a lone CR in the code', input: '25\r0 a\r\n', code: 'SMTP_PROTOCOL_INVALID_BYTE' },
  {
    name: 'a lone CR at the start of the next line',
    input: '250-a\r\n\r250 b\r\n',
    code: 'SMTP_PROTOCOL_INVALID_BYTE',
  },
  { name: 'a NUL in the text', input: '250 a\u0000b\r\n', code: 'SMTP_PROTOCOL_INVALID_BYTE' },
  {
    name: 'a NUL before the code',
    input: '\u0000250 Ok\r\n',
    code: 'SMTP_PROTOCOL_INVALID_BYTE',
  },
  {
    name: 'a NUL before the CRLF',
    input: '250 Ok\u0000\r\n',
    code: 'SMTP_PROTOCOL_INVALID_BYTE',
  },
  {
    name: 'a NUL in a later line',
    input: '250 Ok\r\n250 a\u0000\r\n',
    code: 'SMTP_PROTOCOL_INVALID_BYTE',
  },
  {
    name: 'a line one octet over maxLineLength',
    options: { maxLineLength: 10 },
    input: '250 1234567\r\n',
    code: 'SMTP_PROTOCOL_LINE_TOO_LONG',
  },
  {
    name: 'a line one octet over maxLineLength, ended by a bare LF',
    options: { maxLineLength: 10 },
    input: '250 1234567\n',
    code: 'SMTP_PROTOCOL_LINE_TOO_LONG',
  },
  {
    name: 'a line at maxLineLength followed by a lone CR and more text',
    options: { maxLineLength: 10 },
    input: '250 123456\rx\r\n',
    code: 'SMTP_PROTOCOL_LINE_TOO_LONG',
  },
  {
    name: 'a line one octet over the default maxLineLength',
    input: `250 ${'x'.repeat(REPLY_PARSER_DEFAULTS.maxLineLength - 3)}\r\n`,
    code: 'SMTP_PROTOCOL_LINE_TOO_LONG',
  },
  {
    name: 'a too-long line that is also malformed (length is checked first)',
    options: { maxLineLength: 10 },
    input: 'xxxxxxxxxxxxxxx\r\n',
    code: 'SMTP_PROTOCOL_LINE_TOO_LONG',
  },
  {
    name: 'a reply one octet over maxReplySize',
    options: { maxReplySize: 13 },
    input: '250-a\r\n250 b\r\n',
    code: 'SMTP_PROTOCOL_REPLY_TOO_LARGE',
  },
  {
    name: 'a reply one line over maxLines',
    options: { maxLines: 2 },
    input: '250-a\r\n250-b\r\n250 c\r\n',
    code: 'SMTP_PROTOCOL_REPLY_TOO_LARGE',
  },
];

describe.each(feedModes.map((mode) => ({ mode, label: describeFeedMode(mode) })))(
  'createReplyParser, fed $label',
  ({ mode }) => {
    it.each(parseCases)('parses $name', (testCase) => {
      const { parser, replies } = run(input(testCase.input), mode, testCase.options);
      expect(replies).toEqual(testCase.expected);
      expect(parser.bufferedBytes).toBe(0);
    });

    it.each(errorCases)('rejects $name with $code', (testCase) => {
      const parser = createReplyParser(testCase.options);
      const error = protocolError(() =>
        feed((chunk) => parser.push(chunk), input(testCase.input), mode),
      );
      expect(error.code).toBe(testCase.code);
    });
  },
);

/** What each golden transcript must parse to: the code and lines of every reply, in order. */
const goldens: Record<ReplyTranscriptName, readonly (readonly [number, readonly string[]])[]> = {
  smtpServerGreeting: [[220, ['localhost ESMTP']]],
  smtpServerEhloPlain: [
    [
      250,
      [
        'localhost Nice to meet you, [127.0.0.1]',
        'PIPELINING',
        '8BITMIME',
        'SMTPUTF8',
        'AUTH LOGIN PLAIN',
        'STARTTLS',
      ],
    ],
  ],
  smtpServerStartTls: [[220, ['Ready to start TLS']]],
  smtpServerEhloSecureWithSize: [
    [
      250,
      [
        'localhost Nice to meet you, [127.0.0.1]',
        'PIPELINING',
        '8BITMIME',
        'SMTPUTF8',
        'AUTH LOGIN PLAIN',
        'SIZE 10485760',
      ],
    ],
  ],
  smtpServerAuthLogin: [
    [334, ['VXNlcm5hbWU6']],
    [334, ['UGFzc3dvcmQ6']],
    [235, ['Authentication successful']],
  ],
  smtpServerAuthPlainFailed: [
    [334, ['']],
    [535, ['Error: Authentication credentials invalid']],
  ],
  smtpServerPipelinedTransaction: [
    [250, ['Accepted']],
    [250, ['Accepted']],
    [354, ['End data with <CR><LF>.<CR><LF>']],
    [250, ['OK: message queued']],
    [221, ['Bye']],
  ],
  postfixGreeting: [[220, ['mail.example.org ESMTP Postfix (Debian/GNU)']]],
  postfixEhlo: [
    [
      250,
      [
        'mail.example.org',
        'PIPELINING',
        'SIZE 10240000',
        'VRFY',
        'ETRN',
        'STARTTLS',
        'AUTH PLAIN LOGIN',
        'AUTH=PLAIN LOGIN',
        'ENHANCEDSTATUSCODES',
        '8BITMIME',
        'DSN',
        'SMTPUTF8',
        'CHUNKING',
      ],
    ],
  ],
  postfixTransaction: [
    [250, ['2.1.0 Ok']],
    [250, ['2.1.5 Ok']],
    [450, ['4.2.0 <grey@example.org>: Recipient address rejected: Greylisted']],
    [554, ['5.7.1 <relay@example.net>: Relay access denied']],
    [354, ['End data with <CR><LF>.<CR><LF>']],
    [250, ['2.0.0 Ok: queued as 4X4SL70wfGzHB60w']],
    [221, ['2.0.0 Bye']],
  ],
  exchangeGreeting: [
    [
      220,
      [
        'EXCH01.corp.example.com Microsoft ESMTP MAIL Service ready at Mon, 3 Mar 2025 10:00:00 +0000',
      ],
    ],
  ],
  exchangeEhlo: [
    [
      250,
      [
        'EXCH01.corp.example.com Hello [192.0.2.10]',
        'SIZE 37748736',
        'PIPELINING',
        'DSN',
        'ENHANCEDSTATUSCODES',
        'STARTTLS',
        'X-ANONYMOUSTLS',
        'AUTH NTLM LOGIN',
        'X-EXPS GSSAPI NTLM',
        '8BITMIME',
        'BINARYMIME',
        'CHUNKING',
        'SMTPUTF8',
        'XRDST',
      ],
    ],
  ],
  office365EhloSecure: [
    [
      250,
      [
        'AM0PR01CA0001.outlook.office365.com Hello [203.0.113.7]',
        'SIZE 157286400',
        'PIPELINING',
        'DSN',
        'ENHANCEDSTATUSCODES',
        'AUTH LOGIN XOAUTH2',
        '8BITMIME',
        'BINARYMIME',
        'CHUNKING',
        'SMTPUTF8',
      ],
    ],
  ],
  office365NotAuthenticated: [
    [
      530,
      [
        '5.7.57 Client not authenticated to send mail. Error: 535 5.7.139 Authentication ' +
          'unsuccessful [AM0PR01CA0001.eurprd01.prod.exchangelabs.com]',
      ],
    ],
  ],
  gmailGreeting: [
    [220, ['smtp.gmail.com ESMTP a1b2c3d4e5f6-0123456789abcsm1234567abc.12 - gsmtp']],
  ],
  gmailEhloPlain: [
    [
      250,
      [
        'smtp.gmail.com at your service, [203.0.113.7]',
        'SIZE 35882577',
        '8BITMIME',
        'STARTTLS',
        'ENHANCEDSTATUSCODES',
        'PIPELINING',
        'CHUNKING',
        'SMTPUTF8',
      ],
    ],
  ],
  gmailEhloSecure: [
    [
      250,
      [
        'smtp.gmail.com at your service, [203.0.113.7]',
        'SIZE 35882577',
        '8BITMIME',
        'AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH',
        'ENHANCEDSTATUSCODES',
        'PIPELINING',
        'CHUNKING',
        'SMTPUTF8',
      ],
    ],
  ],
  gmailNoSuchUser: [
    [
      550,
      [
        '5.1.1 The email account that you tried to reach does not exist. Please try',
        "5.1.1 double-checking the recipient's email address for typos or",
        '5.1.1 unnecessary spaces. For more information, go to',
        '5.1.1  https://support.google.com/mail/?p=NoSuchUser a1b2c3d4e5f6.12 - gsmtp',
      ],
    ],
  ],
  gmailXoauth2Failed: [
    [
      334,
      [
        'eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==',
      ],
    ],
    [
      535,
      [
        '5.7.8 Username and Password not accepted. For more information, go to',
        '5.7.8  https://support.google.com/mail/?p=BadCredentials a1b2c3d4e5f6.12 - gsmtp',
      ],
    ],
  ],
  syntheticBareLf: [
    [220, ['printer.example.com ESMTP']],
    [250, ['printer.example.com', '8BITMIME']],
  ],
  syntheticLhlo: [
    [
      250,
      [
        'mail.example.org',
        '8BITMIME',
        'CHUNKING',
        'ENHANCEDSTATUSCODES',
        'PIPELINING',
        'STARTTLS',
        'SMTPUTF8',
      ],
    ],
  ],
  syntheticUtf8: [
    [250, ['2.0.0 Nachricht angenommen, schöne Grüße']],
    [553, ['5.1.7 Адрес отправителя', '5.1.7 отклонён 📮']],
  ],
  syntheticRichEhlo: [
    [
      250,
      [
        'relay.example.net greets client.example.com',
        'SIZE',
        'pipelining',
        '8BITMIME',
        'BINARYMIME',
        'CHUNKING',
        'DSN',
        'REQUIRETLS',
        'MT-PRIORITY MIXER',
        'DELIVERBY 300',
        'XCLIENT NAME ADDR PORT PROTO HELO LOGIN',
        'X-LINK2STATE',
        'auth cram-md5 plain',
        'HELP',
      ],
    ],
  ],
};

describe.each(feedModes.map((mode) => ({ mode, label: describeFeedMode(mode) })))(
  'golden transcripts, fed $label',
  ({ mode }) => {
    it.each(Object.keys(goldens) as ReplyTranscriptName[])('parses %s', (name) => {
      const { parser, replies } = run(bytes(replyTranscripts[name].wire), mode);
      expect(replies.map((reply) => [reply.code, reply.lines])).toEqual(goldens[name]);
      expect(parser.bufferedBytes).toBe(0);
    });
  },
);

describe('golden transcripts, reply text', () => {
  const parse = (name: ReplyTranscriptName) =>
    createReplyParser().push(bytes(replyTranscripts[name].wire));

  it('reads the enhanced code of a Gmail rejection and strips it from every line', () => {
    const [reply] = parse('gmailNoSuchUser');
    expect(reply?.enhanced).toEqual({ class: 5, subject: 1, detail: 1, code: '5.1.1' });
    expect(reply?.text).toBe(
      'The email account that you tried to reach does not exist. Please try\n' +
        "double-checking the recipient's email address for typos or\n" +
        'unnecessary spaces. For more information, go to\n' +
        ' https://support.google.com/mail/?p=NoSuchUser a1b2c3d4e5f6.12 - gsmtp',
    );
  });

  it('reads the enhanced codes of a Postfix transaction', () => {
    expect(parse('postfixTransaction').map((reply) => reply.enhanced?.code)).toEqual([
      '2.1.0',
      '2.1.5',
      '4.2.0',
      '5.7.1',
      undefined,
      '2.0.0',
      '2.0.0',
    ]);
  });

  it('reads the first enhanced code of an Office 365 reply and leaves the nested one in the text', () => {
    const [reply] = parse('office365NotAuthenticated');
    expect(reply?.enhanced?.code).toBe('5.7.57');
    expect(reply?.text).toMatch(/^Client not authenticated .* 535 5\.7\.139 /);
  });

  it('gives smtp-server replies, which carry no enhanced codes by default, none', () => {
    expect(parse('smtpServerPipelinedTransaction').every((r) => r.enhanced === undefined)).toBe(
      true,
    );
  });

  it('decodes UTF-8 text and strips the enhanced code from it', () => {
    expect(parse('syntheticUtf8').map((reply) => reply.text)).toEqual([
      'Nachricht angenommen, schöne Grüße',
      'Адрес отправителя\nотклонён 📮',
    ]);
  });
});

describe('createReplyParser, chunk boundaries', () => {
  it('holds a CR that ends a chunk until the next byte shows an LF', () => {
    const parser = createReplyParser();
    expect(pushText(parser, '250 ok\r')).toEqual([]);
    expect(parser.bufferedBytes).toBe(7);
    expect(pushText(parser, '\n')).toEqual([{ code: 250, lines: ['ok'], text: 'ok' }]);
    expect(parser.bufferedBytes).toBe(0);
  });

  it('rejects a CR that ends a chunk when the next chunk does not start with LF', () => {
    const parser = createReplyParser();
    pushText(parser, '250 ok\r');
    expect(protocolError(() => pushText(parser, 'x\r\n')).code).toBe('SMTP_PROTOCOL_INVALID_BYTE');
  });

  it('does not count a held CR against maxLineLength, even across empty chunks', () => {
    const parser = createReplyParser({ maxLineLength: 6 });
    expect(pushText(parser, '250 ok\r')).toEqual([]);
    expect(parser.push(new Uint8Array(0))).toEqual([]);
    expect(pushText(parser, '\n')).toEqual([{ code: 250, lines: ['ok'], text: 'ok' }]);
  });

  it('counts a held CR once another byte follows it', () => {
    const parser = createReplyParser({ maxLineLength: 6 });
    pushText(parser, '250 ok\r');
    expect(protocolError(() => pushText(parser, 'x')).code).toBe('SMTP_PROTOCOL_LINE_TOO_LONG');
  });

  it('completes a held line with a chunk that starts with LF', () => {
    const parser = createReplyParser();
    pushText(parser, '250 o');
    pushText(parser, 'k');
    expect(pushText(parser, '\n251 next\r\n')).toEqual([
      { code: 250, lines: ['ok'], text: 'ok' },
      { code: 251, lines: ['next'], text: 'next' },
    ]);
  });

  it('copies held bytes, so the caller may reuse its chunk', () => {
    const parser = createReplyParser();
    const chunk = bytes('250-ab');
    parser.push(chunk);
    chunk.fill(0x58);
    expect(pushText(parser, 'c\r\n250 d\r\n')).toEqual([
      { code: 250, lines: ['abc', 'd'], text: 'abc\nd' },
    ]);
  });

  it('reads a chunk that is a view into a larger buffer', () => {
    const buffer = bytes('XXXX250 ok\r\nYYYY');
    const parser = createReplyParser();
    expect(parser.push(buffer.subarray(4, 12))).toEqual([{ code: 250, lines: ['ok'], text: 'ok' }]);
  });

  it('returns nothing for an empty chunk', () => {
    const parser = createReplyParser();
    expect(parser.push(new Uint8Array(0))).toEqual([]);
    expect(parser.bufferedBytes).toBe(0);
  });

  it('returns replies completed by one push in order, and only those', () => {
    const parser = createReplyParser();
    expect(pushText(parser, '250 a\r\n251 b\r\n252 c')).toHaveLength(2);
    expect(pushText(parser, '\r\n')).toEqual([{ code: 252, lines: ['c'], text: 'c' }]);
  });
});

describe('createReplyParser, line length bound', () => {
  it('fails as soon as a line without LF grows past maxLineLength', () => {
    const parser = createReplyParser({ maxLineLength: 100 });
    pushText(parser, '250 ');
    const trickle = bytes('x');
    for (let i = 0; i < 96; i++) parser.push(trickle);
    expect(parser.bufferedBytes).toBe(100);
    expect(protocolError(() => parser.push(trickle)).code).toBe('SMTP_PROTOCOL_LINE_TOO_LONG');
  });

  it('never holds more than the bound plus a CR while waiting for LF', () => {
    const parser = createReplyParser({ maxLineLength: 1000 });
    let highest = 0;
    const chunk = bytes('x'.repeat(37));
    try {
      pushText(parser, '250 ');
      for (;;) {
        parser.push(chunk);
        highest = Math.max(highest, parser.bufferedBytes);
      }
    } catch (error) {
      expect((error as ProtocolError).code).toBe('SMTP_PROTOCOL_LINE_TOO_LONG');
    }
    expect(highest).toBeLessThanOrEqual(1001);
  });

  it('fails on a long line in a single chunk before decoding it', () => {
    const parser = createReplyParser({ maxLineLength: 8 });
    const error = protocolError(() => pushText(parser, `250 ${'y'.repeat(100)}`));
    expect(error.code).toBe('SMTP_PROTOCOL_LINE_TOO_LONG');
  });
});

describe('createReplyParser, bufferedBytes', () => {
  it('is 0 for a new parser', () => {
    expect(createReplyParser().bufferedBytes).toBe(0);
  });

  it('counts the lines of an incomplete multi-line reply and a partial line', () => {
    const parser = createReplyParser();
    pushText(parser, '250-a\r\n');
    expect(parser.bufferedBytes).toBe(7);
    pushText(parser, '250 b');
    expect(parser.bufferedBytes).toBe(12);
    pushText(parser, '\r\n');
    expect(parser.bufferedBytes).toBe(0);
  });

  it('is 0 after a STARTTLS 220 that nothing follows', () => {
    const parser = createReplyParser();
    expect(pushText(parser, '220 Ready to start TLS\r\n')).toHaveLength(1);
    expect(parser.bufferedBytes).toBe(0);
  });

  it('is not 0 when bytes were injected after the STARTTLS 220 (INV-2)', () => {
    const parser = createReplyParser();
    expect(pushText(parser, '220 Ready to start TLS\r\n250-inj')).toHaveLength(1);
    expect(parser.bufferedBytes).toBe(7);
  });
});

describe('createReplyParser, failure', () => {
  it('is poisoned after an error: every later push fails with the first error as cause', () => {
    const parser = createReplyParser();
    const first = protocolError(() => pushText(parser, '250 a\u0000\r\n'));
    expect(first.code).toBe('SMTP_PROTOCOL_INVALID_BYTE');
    for (const text of ['250 ok\r\n', '', 'x']) {
      const later = protocolError(() => pushText(parser, text));
      expect(later.code).toBe('SMTP_PROTOCOL_PARSER_FAILED');
      expect(later.cause).toBe(first);
    }
  });

  it('fails the whole push when a bad line follows a good reply in the same chunk', () => {
    const parser = createReplyParser();
    protocolError(() => pushText(parser, '250 ok\r\n2x0\r\n'));
    expect(protocolError(() => pushText(parser, '250 ok\r\n')).code).toBe(
      'SMTP_PROTOCOL_PARSER_FAILED',
    );
  });

  it('works again after reset(), with nothing held from before', () => {
    const parser = createReplyParser();
    pushText(parser, '250-partial\r\n250-hel');
    protocolError(() => pushText(parser, 'lo\r\n251 x\r\n'));
    parser.reset();
    expect(parser.bufferedBytes).toBe(0);
    expect(pushText(parser, '220 fresh\r\n')).toEqual([
      { code: 220, lines: ['fresh'], text: 'fresh' },
    ]);
  });

  it('forgets a partial line on reset() without an error', () => {
    const parser = createReplyParser();
    pushText(parser, '250-a\r\n250 b');
    parser.reset();
    expect(parser.bufferedBytes).toBe(0);
    expect(pushText(parser, '251 c\r\n')).toEqual([{ code: 251, lines: ['c'], text: 'c' }]);
  });

  it('builds error messages without the server bytes', () => {
    const parser = createReplyParser();
    const error = protocolError(() => pushText(parser, '2\u001b[31m0 secret\r\n'));
    expect(error.message).not.toContain('secret');
    expect(error.message).not.toContain('\u001b');
  });
});

describe('createReplyParser, options', () => {
  it('uses the documented defaults', () => {
    expect(REPLY_PARSER_DEFAULTS).toEqual({
      maxLineLength: 8192,
      maxReplySize: 65536,
      maxLines: 1000,
    });
  });

  it.each([
    ['maxLineLength', 0],
    ['maxLineLength', -1],
    ['maxReplySize', 1.5],
    ['maxReplySize', Number.NaN],
    ['maxLines', Number.POSITIVE_INFINITY],
  ] as const)('rejects %s = %d', (name, value) => {
    try {
      createReplyParser({ [name]: value });
      expect.fail('expected an InvalidInputError');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).code).toBe('SMTP_INVALID_NUMBER');
      expect((error as Error).message).toContain(name);
    }
  });
});
