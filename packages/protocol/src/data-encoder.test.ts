import {
  bytes,
  concat,
  describeFeedMode,
  type FeedMode,
  feedModes,
  latin1,
  splitBytes,
} from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { createDataEncoder, encodeDataBody, MAX_DATA_LINE_LENGTH } from './data-encoder.ts';
import { InvalidInputError } from './errors.ts';

/** Pushes `input` in the chunks `mode` gives, then ends; returns everything as one array. */
function encodeIn(mode: FeedMode, input: Uint8Array): Uint8Array {
  const encoder = createDataEncoder();
  const parts = splitBytes(input, mode).map((chunk) => encoder.push(chunk));
  parts.push(encoder.end());
  return concat(parts);
}

/** Latin-1 string to bytes, one byte per character, so test inputs can hold any octet. */
function octets(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

/** The wire carries CRLF only, and `\r\n.\r\n` exactly once, at the end (INV-6). */
function expectCanonical(wire: string): void {
  expect(wire).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
  if (wire === '.\r\n') return;
  expect(wire.indexOf('\r\n.\r\n')).toBe(wire.length - 5);
}

const cases: ReadonlyArray<readonly [title: string, input: string, output: string]> = [
  ['an empty body is only the terminator', '', '.\r\n'],
  ['a body without a final line end gets CRLF', 'abc', 'abc\r\n.\r\n'],
  ['a body ending with CRLF gets no second one', 'abc\r\n', 'abc\r\n.\r\n'],
  ['a body ending with a bare CR gets its LF', 'abc\r', 'abc\r\n.\r\n'],
  ['a body ending with a bare LF gets its CR', 'abc\n', 'abc\r\n.\r\n'],
  ['a lone CRLF is one empty line', '\r\n', '\r\n.\r\n'],
  ['a lone LF is one empty line', '\n', '\r\n.\r\n'],
  ['a lone CR is one empty line', '\r', '\r\n.\r\n'],
  ['CR CR is two line ends', '\r\r', '\r\n\r\n.\r\n'],
  ['LF CR is two line ends', '\n\r', '\r\n\r\n.\r\n'],
  ['CR CR LF is a bare CR then CRLF', 'a\r\r\nb', 'a\r\n\r\nb\r\n.\r\n'],
  ['bare LFs become CRLF', 'a\nb\nc', 'a\r\nb\r\nc\r\n.\r\n'],
  ['bare CRs become CRLF', 'a\rb\rc', 'a\r\nb\r\nc\r\n.\r\n'],
  ['mixed line ends all become CRLF', 'a\r\nb\nc\rd', 'a\r\nb\r\nc\r\nd\r\n.\r\n'],
  ['a dot starting the first line is stuffed', '.abc\r\n', '..abc\r\n.\r\n'],
  ['a lone dot as the whole body is stuffed', '.', '..\r\n.\r\n'],
  ['two dots are stuffed to three', '..\r\n', '...\r\n.\r\n'],
  ['a dot after CRLF is stuffed', 'a\r\n.b\r\n', 'a\r\n..b\r\n.\r\n'],
  ['a dot after a bare LF is stuffed', 'a\n.b\n', 'a\r\n..b\r\n.\r\n'],
  ['a dot after a bare CR is stuffed', 'a\r.b\r', 'a\r\n..b\r\n.\r\n'],
  ['a dot inside a line is not stuffed', 'a.b\r\nc.\r\n', 'a.b\r\nc.\r\n.\r\n'],
  ['an empty line then a dot line', '\r\n.\r\n', '\r\n..\r\n.\r\n'],
  ['smuggling: LF dot LF', 'a\n.\nMAIL FROM:<x@evil>\n', 'a\r\n..\r\nMAIL FROM:<x@evil>\r\n.\r\n'],
  ['smuggling: CR dot CR', 'a\r.\rMAIL FROM:<x@evil>\r', 'a\r\n..\r\nMAIL FROM:<x@evil>\r\n.\r\n'],
  ['smuggling: CRLF dot LF', 'a\r\n.\nRSET\r\n', 'a\r\n..\r\nRSET\r\n.\r\n'],
  ['smuggling: LF dot CRLF', 'a\n.\r\nRSET\r\n', 'a\r\n..\r\nRSET\r\n.\r\n'],
  ['smuggling: CRLF dot CRLF in the middle', 'a\r\n.\r\nRSET\r\n', 'a\r\n..\r\nRSET\r\n.\r\n'],
  ['smuggling: CR dot LF', 'a\r.\nb', 'a\r\n..\r\nb\r\n.\r\n'],
  ['smuggling: a terminator at the very start', '.\r\nQUIT\r\n', '..\r\nQUIT\r\n.\r\n'],
  ['8-bit octets pass through', '\u00e9\u00ff\u0080\r\n', '\u00e9\u00ff\u0080\r\n.\r\n'],
  ['tabs and other controls pass through', '\ta\u0001\u007f\r\n', '\ta\u0001\u007f\r\n.\r\n'],
  [
    'long runs between changes are copied whole',
    'a line longer than sixteen octets\nand another one, also long\n.and a stuffed one here',
    'a line longer than sixteen octets\r\nand another one, also long\r\n..and a stuffed one here\r\n.\r\n',
  ],
  [
    'a line of exactly 998 octets is accepted',
    `${'x'.repeat(998)}\r\n`,
    `${'x'.repeat(998)}\r\n.\r\n`,
  ],
  [
    'a last line of 998 octets without CRLF is accepted',
    'x'.repeat(998),
    `${'x'.repeat(998)}\r\n.\r\n`,
  ],
  [
    'the stuffed dot does not count towards the 998 octets',
    `.${'x'.repeat(997)}\r\n`,
    `..${'x'.repeat(997)}\r\n.\r\n`,
  ],
  [
    'line lengths restart after every kind of line end',
    `${'x'.repeat(998)}\n${'y'.repeat(998)}\r${'z'.repeat(998)}`,
    `${'x'.repeat(998)}\r\n${'y'.repeat(998)}\r\n${'z'.repeat(998)}\r\n.\r\n`,
  ],
];

describe('createDataEncoder', () => {
  for (const [title, input, output] of cases) {
    for (const mode of feedModes) {
      it(`${title} (${describeFeedMode(mode)})`, () => {
        const wire = latin1(encodeIn(mode, octets(input)));
        expect(wire).toBe(output);
        expectCanonical(wire);
      });
    }
  }

  it('completes a CRLF split across chunks without doubling it', () => {
    const encoder = createDataEncoder();
    const out = [
      encoder.push(bytes('a\r')),
      encoder.push(bytes('\n.b\r')),
      encoder.push(bytes('\nc')),
    ];
    out.push(encoder.end());
    expect(out.map(latin1)).toEqual(['a\r', '\n..b\r', '\nc', '\r\n.\r\n']);
  });

  it('adds the LF owed to a CR that ended the previous chunk before stuffing a dot', () => {
    const encoder = createDataEncoder();
    expect(latin1(encoder.push(bytes('a\r')))).toBe('a\r');
    expect(latin1(encoder.push(bytes('.\r')))).toBe('\n..\r');
    expect(latin1(encoder.end())).toBe('\n.\r\n');
  });

  it('stuffs a dot that starts a chunk after a chunk ending with LF', () => {
    const encoder = createDataEncoder();
    expect(latin1(encoder.push(bytes('a\r\n')))).toBe('a\r\n');
    expect(latin1(encoder.push(bytes('.')))).toBe('..');
    expect(latin1(encoder.end())).toBe('\r\n.\r\n');
  });

  it('returns an empty array for an empty chunk and keeps its state', () => {
    const encoder = createDataEncoder();
    encoder.push(bytes('a\r'));
    expect(encoder.push(new Uint8Array(0))).toHaveLength(0);
    expect(latin1(encoder.push(bytes('\n')))).toBe('\n');
    expect(latin1(encoder.end())).toBe('.\r\n');
  });

  it('returns a chunk that needs no change as it is, without a copy', () => {
    const encoder = createDataEncoder();
    const input = bytes('hello\r\nworld.\r\n\r\nx');
    expect(encoder.push(input)).toBe(input);
    expect(latin1(encoder.end())).toBe('\r\n.\r\n');
  });

  it('returns a new array of exactly the encoded length when the chunk changes', () => {
    const encoder = createDataEncoder();
    const input = bytes('a\n.b\rc');
    const out = encoder.push(input);
    expect(out).not.toBe(input);
    expect(out.buffer).not.toBe(input.buffer);
    expect(out.byteLength).toBe(out.buffer.byteLength);
    input.fill(0x0a);
    expect(latin1(out)).toBe('a\r\n..b\r\nc');
  });

  describe('the no-change path at chunk boundaries', () => {
    /** Pushes each piece; returns, per piece, whether it came back as itself, and the wire. */
    function pushAll(pieces: readonly string[]): { same: boolean[]; wire: string } {
      const encoder = createDataEncoder();
      const same: boolean[] = [];
      const parts: Uint8Array[] = [];
      for (const piece of pieces) {
        const chunk = bytes(piece);
        const out = encoder.push(chunk);
        same.push(out === chunk);
        parts.push(out);
      }
      parts.push(encoder.end());
      return { same, wire: latin1(concat(parts)) };
    }

    it('passes a CRLF cut between its CR and its LF', () => {
      expect(pushAll(['a\r', '\nb\r\n'])).toEqual({
        same: [true, true],
        wire: 'a\r\nb\r\n.\r\n',
      });
    });

    it('adds the LF owed to a final CR when the next chunk does not start with one', () => {
      expect(pushAll(['a\r', 'b\r\n'])).toEqual({
        same: [true, false],
        wire: 'a\r\nb\r\n.\r\n',
      });
    });

    it('stuffs a dot that starts the chunk after a CRLF', () => {
      expect(pushAll(['a\r\n', '.b\r\n'])).toEqual({
        same: [true, false],
        wire: 'a\r\n..b\r\n.\r\n',
      });
    });

    it('stuffs a dot right after a CRLF cut between its CR and LF', () => {
      expect(pushAll(['a\r', '\n.b\r\n'])).toEqual({
        same: [true, false],
        wire: 'a\r\n..b\r\n.\r\n',
      });
    });

    it('stuffs a dot that is the whole chunk, and a dot at the start of the content', () => {
      expect(pushAll(['.', 'a\r\n', '.'])).toEqual({
        same: [false, true, false],
        wire: '..a\r\n..\r\n.\r\n',
      });
    });

    it('passes a dot inside a line at a chunk boundary', () => {
      expect(pushAll(['a', '.b\r\n', 'c.', '.\r\n'])).toEqual({
        same: [true, true, true, true],
        wire: 'a.b\r\nc..\r\n.\r\n',
      });
    });

    it('adds the CR to a bare LF that starts a chunk', () => {
      expect(pushAll(['a', '\nb'])).toEqual({ same: [true, false], wire: 'a\r\nb\r\n.\r\n' });
    });

    it('passes base64 lines cut anywhere', () => {
      const line = `${'QUJD'.repeat(19)}\r\n`;
      const body = line.repeat(40);
      const pieces = [
        body.slice(0, 77),
        body.slice(77, 1000),
        body.slice(1000, 2001),
        body.slice(2001),
      ];
      const { same, wire } = pushAll(pieces);
      expect(same).toEqual([true, true, true, true]);
      expect(wire).toBe(`${body}.\r\n`);
    });
  });

  it('handles chunks with thousands of changes, and stays correct after them', () => {
    const encoder = createDataEncoder();
    const many = encoder.push(new Uint8Array(5000).fill(0x0a));
    expect(many.byteLength).toBe(10000);
    expect(latin1(many)).toBe('\r\n'.repeat(5000));
    const next = encoder.push(bytes('.a\nb\n.'));
    expect(latin1(next)).toBe('..a\r\nb\r\n..');
    expect(latin1(encoder.end())).toBe('\r\n.\r\n');
  });

  it('accepts chunks that are views into a larger buffer', () => {
    const backing = bytes('xx.a\nb\ryy');
    const encoder = createDataEncoder();
    const out = concat([encoder.push(backing.subarray(2, 7)), encoder.end()]);
    expect(latin1(out)).toBe('..a\r\nb\r\n.\r\n');
  });

  describe('rejections', () => {
    const rejected: ReadonlyArray<readonly [title: string, input: string, code: string]> = [
      ['NUL in the content', 'abc\r\nd\u0000e\r\n', 'SMTP_INVALID_CHARACTER'],
      ['NUL as the first octet', '\u0000', 'SMTP_INVALID_CHARACTER'],
      ['a line of 999 octets', `${'x'.repeat(999)}\r\n`, 'SMTP_INVALID_LINE_TOO_LONG'],
      ['a last line of 999 octets without CRLF', 'x'.repeat(999), 'SMTP_INVALID_LINE_TOO_LONG'],
      ['a 999-octet line after a bare LF', `a\n${'x'.repeat(999)}`, 'SMTP_INVALID_LINE_TOO_LONG'],
      ['a stuffed 999-octet line', `.${'x'.repeat(998)}`, 'SMTP_INVALID_LINE_TOO_LONG'],
      [
        'a long line before a NUL as too long',
        `${'x'.repeat(999)}\u0000`,
        'SMTP_INVALID_LINE_TOO_LONG',
      ],
      ['a NUL before a long line as NUL', `\u0000${'x'.repeat(999)}`, 'SMTP_INVALID_CHARACTER'],
      [
        'a NUL as the 999th octet of a line as NUL',
        `${'x'.repeat(998)}\u0000`,
        'SMTP_INVALID_CHARACTER',
      ],
      ['a NUL right after a bare CR', 'a\r\u0000', 'SMTP_INVALID_CHARACTER'],
    ];
    for (const [title, input, code] of rejected) {
      for (const mode of feedModes) {
        it(`rejects ${title} (${describeFeedMode(mode)})`, () => {
          expect(() => encodeIn(mode, octets(input))).toThrow(
            expect.objectContaining({ name: 'InvalidInputError', code }),
          );
        });
      }
    }

    it('names the absolute octet offset of a NUL', () => {
      const encoder = createDataEncoder();
      encoder.push(bytes('abcd'));
      expect(() => encoder.push(bytes('ef\u0000'))).toThrow(/NUL at octet 6/);
    });

    it('is failed after an error: push and end throw the same code with the first error as cause', () => {
      const encoder = createDataEncoder();
      let first: unknown;
      try {
        encoder.push(bytes('a\u0000'));
      } catch (error) {
        first = error;
      }
      expect(first).toBeInstanceOf(InvalidInputError);
      for (const call of [() => encoder.push(bytes('ok\r\n')), () => encoder.end()]) {
        try {
          call();
          expect.unreachable();
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          expect(error).toMatchObject({ code: 'SMTP_INVALID_CHARACTER', cause: first });
        }
      }
    });

    it('throws SMTP_INVALID_STATE when used after end()', () => {
      const misuse = expect.objectContaining({
        code: 'SMTP_INVALID_STATE',
        message: 'DATA encoder used after end()',
      });
      const encoder = createDataEncoder();
      encoder.end();
      expect(() => encoder.push(bytes('a'))).toThrow(misuse);
      expect(() => encoder.end()).toThrow(misuse);
    });
  });

  it('exports the RFC 5321 line limit', () => {
    expect(MAX_DATA_LINE_LENGTH).toBe(998);
  });
});

describe('encodeDataBody', () => {
  for (const [title, input, output] of cases) {
    it(`gives what the streaming encoder gives: ${title}`, () => {
      expect(latin1(encodeDataBody(octets(input)))).toBe(output);
    });
  }

  it('rejects NUL', () => {
    expect(() => encodeDataBody(bytes('\u0000'))).toThrow(
      expect.objectContaining({ code: 'SMTP_INVALID_CHARACTER' }),
    );
  });
});
