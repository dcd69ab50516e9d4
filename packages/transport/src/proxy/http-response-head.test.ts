import { bytes, describeFeedMode, feedModes, latin1, splitBytes } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors/proxy-error.ts';
import { ResponseHeadReader, type ResponseHeadResult } from './http-response-head.ts';

/** Feeds `input` in the chunks `mode` gives; returns the result (and checks nothing comes early). */
function read(input: string, mode: (typeof feedModes)[number] = 'whole', maxBytes?: number) {
  const reader = new ResponseHeadReader('http', maxBytes);
  const chunks = splitBytes(bytes(input), mode);
  let result: ResponseHeadResult | undefined;
  for (const [index, chunk] of chunks.entries()) {
    result = reader.push(chunk);
    if (result !== undefined) {
      // Whatever chunks remain belong after the head too.
      const rest = [result.rest, ...chunks.slice(index + 1)].map((part) => latin1(part)).join('');
      return { head: result.head, rest };
    }
  }
  return undefined;
}

function failure(input: string, maxBytes?: number): ProxyError {
  try {
    read(input, 'whole', maxBytes);
  } catch (error) {
    expect(error).toBeInstanceOf(ProxyError);
    return error as ProxyError;
  }
  throw new Error('expected a ProxyError');
}

describe('ResponseHeadReader', () => {
  describe.each(feedModes.map((mode) => [describeFeedMode(mode), mode] as const))(
    'fed %s',
    (_label, mode) => {
      it('reads the head and hands back exactly the bytes after it', () => {
        expect(
          read(
            'HTTP/1.1 200 Connection established\r\nVia: 1.1 proxy\r\nX-Empty:\r\n\r\n220 greeting\r\n',
            mode,
          ),
        ).toEqual({
          head: {
            status: 200,
            reason: 'Connection established',
            headers: [
              ['via', '1.1 proxy'],
              ['x-empty', ''],
            ],
          },
          rest: '220 greeting\r\n',
        });
      });

      it('accepts bare LF line ends', () => {
        expect(read('HTTP/1.0 200 OK\nA: b\n\nrest', mode)).toMatchObject({
          head: { status: 200, headers: [['a', 'b']] },
          rest: 'rest',
        });
      });

      it('skips interim 1xx heads', () => {
        expect(
          read(
            'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: 1\r\n\r\nHTTP/1.1 200 OK\r\n\r\n',
            mode,
          ),
        ).toEqual({ head: { status: 200, reason: 'OK', headers: [] }, rest: '' });
      });

      it('waits while the head is not complete', () => {
        expect(read('HTTP/1.1 200 OK\r\nA: b\r\n\r', mode)).toBeUndefined();
      });
    },
  );

  it('keeps a status line without a reason phrase', () => {
    expect(read('HTTP/1.1 407\r\n\r\n')?.head).toEqual({ status: 407, reason: '', headers: [] });
  });

  it('unfolds an obsolete line folding', () => {
    expect(read('HTTP/1.1 200 OK\r\nA: one\r\n  two\r\n\tthree\r\n\r\n')?.head.headers).toEqual([
      ['a', 'one two three'],
    ]);
  });

  it('sanitises the reason phrase', () => {
    expect(read('HTTP/1.1 403 No \x1b[31mentry\r\n\r\n')?.head.reason).toBe('No \\x1b[31mentry');
  });

  it.each([
    [
      'SSH-2.0-OpenSSH\r\n',
      /did not answer with an HTTP response \(it sent "SSH-2.0-OpenSSH\\x0d"\)/,
    ],
    ['\x05\x00', /did not answer with an HTTP response/],
    ['HTTP/2 200\r\n\r\n', /malformed HTTP status line: "HTTP\/2 200"/],
    ['HTTP/1.1 20 OK\r\n\r\n', /malformed HTTP status line/],
    ['HTTP/1.1 600 Odd\r\n\r\n', /malformed HTTP status line/],
    ['HTTP/1.1 099 Low\r\n\r\n', /malformed HTTP status line/],
    ['HTTP/1.1  200 OK\r\n\r\n', /malformed HTTP status line/],
    ['HTTP/1.1 200 OK\r\nno colon\r\n\r\n', /malformed header field: "no colon"/],
    ['HTTP/1.1 200 OK\r\n: empty name\r\n\r\n', /malformed header field/],
    ['HTTP/1.1 200 OK\r\n folded first\r\n\r\n', /malformed header field/],
    ['HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n', /a bare CR or a NUL: "A: b\\x0dc"/],
    ['HTTP/1.1 200 O\0K\r\n\r\n', /a bare CR or a NUL/],
    ['HTTP/1.1 101 Switching Protocols\r\n\r\n', /101 Switching Protocols/],
  ])('refuses %j', (input, message) => {
    const error = failure(input);
    expect(error).toMatchObject({
      code: 'SMTP_PROXY_PROTOCOL',
      protocol: 'http',
      step: 'handshake',
      replyCode: undefined,
    });
    expect(error.message).toMatch(message);
  });

  it('refuses a head that grows past the cap before it ends, interim heads included', () => {
    const reader = new ResponseHeadReader('https', 64);
    expect(reader.push(bytes('HTTP/1.1 100 Continue\r\n\r\n'))).toBeUndefined();
    expect(reader.push(bytes('HTTP/1.1 200 OK\r\nA: 1234567890\r\n'))).toBeUndefined();
    expect(() => reader.push(bytes('B: 1234567890\r\n'))).toThrow(
      expect.objectContaining({ code: 'SMTP_PROXY_PROTOCOL', protocol: 'https' }),
    );
  });

  it('refuses a head whose end comes after the cap, in one chunk', () => {
    expect(failure(`HTTP/1.1 200 OK\r\nA: ${'x'.repeat(100)}\r\n\r\n`, 64).message).toBe(
      "The proxy's response head is longer than 64 bytes",
    );
  });

  it('takes a head of exactly the cap, with more bytes after it', () => {
    const head = 'HTTP/1.1 200 OK\r\n\r\n';
    expect(read(`${head}220 hi\r\n`, 'whole', head.length)?.rest).toBe('220 hi\r\n');
  });
});
