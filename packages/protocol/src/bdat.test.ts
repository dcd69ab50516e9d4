import {
  bytes,
  describeFeedMode,
  type FeedMode,
  feedModes,
  latin1,
  splitBytes,
} from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { type BdatFramerOptions, createBdatFramer, DEFAULT_BDAT_CHUNK_SIZE } from './bdat.ts';
import { InvalidInputError } from './errors.ts';

type Frame = readonly [command: string, payload: string];

function octets(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

/** Pushes `input` in the chunks `mode` gives, then ends; returns every frame as text. */
function frameIn(mode: FeedMode, input: Uint8Array, options: BdatFramerOptions): Frame[] {
  const framer = createBdatFramer(options);
  const frames = splitBytes(input, mode).flatMap((chunk) => framer.push(chunk));
  frames.push(framer.end());
  return frames.map((frame) => [latin1(frame.command), latin1(frame.payload)] as const);
}

const cases: ReadonlyArray<
  readonly [title: string, options: BdatFramerOptions, input: string, frames: readonly Frame[]]
> = [
  ['an empty body is a single BDAT 0 LAST', { chunkSize: 4 }, '', [['BDAT 0 LAST\r\n', '']]],
  [
    'full chunks of exactly chunkSize, then the rest with LAST',
    { chunkSize: 4 },
    'abcdefghij',
    [
      ['BDAT 4\r\n', 'abcd'],
      ['BDAT 4\r\n', 'efgh'],
      ['BDAT 4 LAST\r\n', 'ij\r\n'],
    ],
  ],
  [
    'content that fills the last chunk exactly ends with BDAT 0 LAST',
    { chunkSize: 5 },
    'abc\r\n',
    [
      ['BDAT 5\r\n', 'abc\r\n'],
      ['BDAT 0 LAST\r\n', ''],
    ],
  ],
  [
    'text: bare LF and bare CR become CRLF, dots are not stuffed',
    { chunkSize: 100 },
    '.a\nb\r.\rc\r\n',
    [['BDAT 13 LAST\r\n', '.a\r\nb\r\n.\r\nc\r\n']],
  ],
  [
    'text: an unfinished last line gets CRLF, which may make LAST one octet longer than chunkSize',
    { chunkSize: 4 },
    'abc',
    [['BDAT 5 LAST\r\n', 'abc\r\n']],
  ],
  [
    'text: a final bare CR gets its LF',
    { chunkSize: 4 },
    'abc\r',
    [
      ['BDAT 4\r\n', 'abc\r'],
      ['BDAT 1 LAST\r\n', '\n'],
    ],
  ],
  [
    'text: CRLF split across frames stays one CRLF',
    { chunkSize: 2 },
    'a\r\nb',
    [
      ['BDAT 2\r\n', 'a\r'],
      ['BDAT 2\r\n', '\nb'],
      ['BDAT 2 LAST\r\n', '\r\n'],
    ],
  ],
  [
    'text: a 998-octet line is accepted',
    { chunkSize: 1000 },
    `${'x'.repeat(998)}\r\n`,
    [
      ['BDAT 1000\r\n', `${'x'.repeat(998)}\r\n`],
      ['BDAT 0 LAST\r\n', ''],
    ],
  ],
  [
    'binary: octets go as they are, NUL and bare LF included, no CRLF added',
    { chunkSize: 3, binary: true },
    'a\nb\u0000c\rd',
    [
      ['BDAT 3\r\n', 'a\nb'],
      ['BDAT 3\r\n', '\u0000c\r'],
      ['BDAT 1 LAST\r\n', 'd'],
    ],
  ],
  [
    'binary: lines longer than 998 octets are fine',
    { chunkSize: 2000, binary: true },
    'y'.repeat(1500),
    [['BDAT 1500 LAST\r\n', 'y'.repeat(1500)]],
  ],
  [
    'binary: an empty body is a single BDAT 0 LAST',
    { binary: true },
    '',
    [['BDAT 0 LAST\r\n', '']],
  ],
  [
    'chunkSize 1 gives one frame per octet',
    { chunkSize: 1 },
    'ab\r\n',
    [
      ['BDAT 1\r\n', 'a'],
      ['BDAT 1\r\n', 'b'],
      ['BDAT 1\r\n', '\r'],
      ['BDAT 1\r\n', '\n'],
      ['BDAT 0 LAST\r\n', ''],
    ],
  ],
];

describe('createBdatFramer', () => {
  for (const [title, options, input, frames] of cases) {
    for (const mode of feedModes) {
      it(`${title} (${describeFeedMode(mode)})`, () => {
        expect(frameIn(mode, octets(input), options)).toEqual(frames);
      });
    }
  }

  it('returns every full frame of a large push at once', () => {
    for (const binary of [false, true]) {
      const framer = createBdatFramer({ chunkSize: 10, binary });
      const frames = framer.push(octets(`${'z'.repeat(55)}\r\n`));
      expect(frames.map((frame) => frame.payload.length)).toEqual([10, 10, 10, 10, 10]);
      expect(latin1(framer.end().payload)).toBe('zzzzz\r\n');
    }
  });

  it('uses 64 KiB chunks by default', () => {
    expect(DEFAULT_BDAT_CHUNK_SIZE).toBe(65536);
    const framer = createBdatFramer();
    const frames = framer.push(bytes(`${'x'.repeat(99)}\r\n`.repeat(700)));
    expect(frames).toHaveLength(1);
    expect(latin1(frames[0]!.command)).toBe('BDAT 65536\r\n');
  });

  it('copies binary content, so reusing the input buffer changes no frame', () => {
    const framer = createBdatFramer({ chunkSize: 4, binary: true });
    const input = octets('abcdefgh12');
    const frames = framer.push(input);
    input.fill(0x21);
    const last = framer.end();
    expect(frames.map((frame) => latin1(frame.payload))).toEqual(['abcd', 'efgh']);
    expect(latin1(last.payload)).toBe('12');
  });

  describe('rejections', () => {
    const rejected: ReadonlyArray<readonly [title: string, input: string, code: string]> = [
      ['NUL in text content', 'ab\u0000c', 'SMTP_INVALID_CHARACTER'],
      ['a 999-octet line in text content', 'x'.repeat(999), 'SMTP_INVALID_LINE_TOO_LONG'],
    ];
    for (const [title, input, code] of rejected) {
      for (const mode of feedModes) {
        it(`rejects ${title} (${describeFeedMode(mode)})`, () => {
          expect(() => frameIn(mode, octets(input), { chunkSize: 8 })).toThrow(
            expect.objectContaining({ name: 'InvalidInputError', code }),
          );
        });
      }
    }

    for (const chunkSize of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      it(`rejects chunkSize ${chunkSize}`, () => {
        expect(() => createBdatFramer({ chunkSize })).toThrow(
          expect.objectContaining({ code: 'SMTP_INVALID_NUMBER' }),
        );
      });
    }

    it('rejects a chunkSize that is not a number', () => {
      expect(() => createBdatFramer({ chunkSize: '10' as unknown as number })).toThrow(
        expect.objectContaining({ code: 'SMTP_INVALID_NUMBER' }),
      );
    });

    it('is failed after an error: push and end throw the same code', () => {
      const framer = createBdatFramer({ chunkSize: 8 });
      expect(() => framer.push(bytes('\u0000'))).toThrow(InvalidInputError);
      expect(() => framer.push(bytes('ok'))).toThrow(
        expect.objectContaining({ code: 'SMTP_INVALID_CHARACTER' }),
      );
      expect(() => framer.end()).toThrow(
        expect.objectContaining({ code: 'SMTP_INVALID_CHARACTER' }),
      );
    });

    it('throws SMTP_INVALID_STATE when used after end()', () => {
      const misuse = expect.objectContaining({
        code: 'SMTP_INVALID_STATE',
        message: 'BDAT framer used after end()',
      });
      for (const binary of [false, true]) {
        const framer = createBdatFramer({ binary });
        framer.end();
        expect(() => framer.push(bytes('a'))).toThrow(misuse);
        expect(() => framer.end()).toThrow(misuse);
      }
    });
  });
});
