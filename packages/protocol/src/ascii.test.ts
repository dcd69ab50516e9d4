import { describe, expect, it } from 'vitest';
import {
  checkCharacters,
  checkCommandBytes,
  findLoneSurrogate,
  findNonAscii,
  findUnsafeCharacter,
  finishCommand,
  quote,
  utf8Length,
} from './ascii.ts';

const limits = { allowUtf8: false, maxLength: 512 };

describe('findUnsafeCharacter', () => {
  const unsafe: ReadonlyArray<readonly [string, number]> = [
    ['ok', -1],
    ['a\rb', 1],
    ['\n', 0],
    ['\u0000', 0],
    ['a\u001f', 1],
    ['a\u007f', 1],
    ['a\u0085', 1],
    ['a\u009f', 1],
    ['a\u2028', 1],
    ['a\u2029', 1],
    ['a\ud800', 1],
    ['a\udc00b', 1],
    ['\ud83d\ude00', -1],
    ['é€', -1],
  ];
  for (const [value, index] of unsafe) {
    it(`finds ${index} in ${JSON.stringify(value)}`, () => {
      expect(findUnsafeCharacter(value)).toBe(index);
    });
  }

  it('finds lone surrogates and non-ASCII on their own', () => {
    expect(findLoneSurrogate('\r\ud800')).toBe(1);
    expect(findLoneSurrogate('\ud83d\ude00')).toBe(-1);
    expect(findNonAscii('abc')).toBe(-1);
    expect(findNonAscii('abé')).toBe(2);
  });
});

describe('utf8Length', () => {
  it.each([
    '',
    'user@example.com',
    'é',
    'jörg@bücher.example',
    '\u07ff\u0800',
    '日本語',
    '\uffff',
    '😀 and 👍🏽',
  ])('is the length of the UTF-8 form of %j', (text) => {
    expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
  });
});

describe('quote', () => {
  it('escapes controls, quotes and backslashes', () => {
    expect(quote('a"b\\c\r\n\u0000\u007f\u0085\u2028')).toBe(
      '"a\\"b\\\\c\\u000D\\u000A\\u0000\\u007F\\u0085\\u2028"',
    );
  });

  it('keeps surrogate pairs and escapes lone surrogates', () => {
    expect(quote('😀\ud800x\udc00')).toBe('"😀\\uD800x\\uDC00"');
  });

  it('cuts long values and gives their length', () => {
    expect(quote('y'.repeat(100))).toBe(`"${'y'.repeat(64)}"... (100 characters)`);
  });
});

describe('checkCharacters', () => {
  it('does not quote secrets', () => {
    expect(() => checkCharacters('s3cret\r', 'password', false, true)).toThrow(
      /^password contains a forbidden character \(U\+000D\) at index 6$/,
    );
    expect(() => checkCharacters('s3crét', 'password', false, true)).toThrow(
      /^password contains non-ASCII \(U\+00E9\) at index 4 but SMTPUTF8 was not requested$/,
    );
  });
});

describe('checkCommandBytes (the final-bytes check of INV-5)', () => {
  const bad: ReadonlyArray<readonly [title: string, bytes: number[], code: string]> = [
    ['no CRLF at all', [0x41], 'SMTP_INVALID_CHARACTER'],
    ['nothing', [], 'SMTP_INVALID_CHARACTER'],
    ['LF without CR at the end', [0x41, 0x0a, 0x0a], 'SMTP_INVALID_CHARACTER'],
    ['CR without LF at the end', [0x41, 0x0d, 0x0d], 'SMTP_INVALID_CHARACTER'],
    ['a CRLF inside', [0x41, 0x0d, 0x0a, 0x42, 0x0d, 0x0a], 'SMTP_INVALID_CHARACTER'],
    ['a NUL inside', [0x41, 0x00, 0x0d, 0x0a], 'SMTP_INVALID_CHARACTER'],
    ['DEL inside', [0x7f, 0x0d, 0x0a], 'SMTP_INVALID_CHARACTER'],
    ['an 8-bit octet without SMTPUTF8', [0xc3, 0xa9, 0x0d, 0x0a], 'SMTP_INVALID_NON_ASCII'],
  ];
  for (const [title, bytes, code] of bad) {
    it(`rejects ${title}`, () => {
      expect(() => checkCommandBytes(Uint8Array.from(bytes), 'TEST', limits)).toThrow(
        expect.objectContaining({ code }),
      );
    });
  }

  it('allows 8-bit octets with SMTPUTF8 and enforces the length, CRLF included', () => {
    expect(() =>
      checkCommandBytes(Uint8Array.from([0xc3, 0xa9, 0x0d, 0x0a]), 'TEST', {
        allowUtf8: true,
        maxLength: 4,
      }),
    ).not.toThrow();
    expect(() =>
      checkCommandBytes(Uint8Array.from([0x41, 0x41, 0x41, 0x0d, 0x0a]), 'TEST', {
        allowUtf8: true,
        maxLength: 4,
      }),
    ).toThrow(expect.objectContaining({ code: 'SMTP_INVALID_LINE_TOO_LONG' }));
  });

  it('finishCommand appends CRLF and checks the result', () => {
    expect(finishCommand('NOOP', 'NOOP', limits)).toEqual(new TextEncoder().encode('NOOP\r\n'));
    expect(() => finishCommand('NO\rOP', 'NOOP', limits)).toThrow(
      expect.objectContaining({ code: 'SMTP_INVALID_CHARACTER' }),
    );
  });
});
