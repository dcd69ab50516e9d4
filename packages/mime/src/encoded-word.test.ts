import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeEncodedWords, encodePhrase, encodeUnstructured } from './encoded-word.ts';
import { InvalidHeaderError } from './errors.ts';

const require = createRequire(import.meta.url);
const libmime = require('libmime') as { decodeWords(text: string): string };

const WORD = /=\?UTF-8\?[QB]\?[^?\s]*\?=/g;

function checkWords(encoded: string): void {
  expect(encoded).toMatch(/^[\x20-\x7e\t]*$/);
  for (const word of encoded.match(WORD) ?? []) expect(word.length).toBeLessThanOrEqual(75);
}

describe('encodeUnstructured', () => {
  const cases: [string, string, string][] = [
    ['leaves ASCII text as it is', 'Invoice 42 (final)', 'Invoice 42 (final)'],
    ['leaves an empty value empty', '', ''],
    ['keeps tabs and runs of spaces between plain words', 'a\t b  c', 'a\t b  c'],
    ['leaves a lone = or ? and a word of 76 characters', 'a = b ? c= ?d', 'a = b ? c= ?d'],
    ['leaves a word of 76 characters', 'x'.repeat(76), 'x'.repeat(76)],
    [
      'encodes a word of 77 characters',
      `a ${'x'.repeat(77)}`,
      `a =?UTF-8?Q?${'x'.repeat(63)}?= =?UTF-8?Q?${'x'.repeat(14)}?=`,
    ],
    ['encodes only the non-ASCII word', 'Café au lait', '=?UTF-8?B?Q2Fmw6k=?= au lait'],
    ['prefers Q when shorter', 'Lebensmittelgeschäft', '=?UTF-8?Q?Lebensmittelgesch=C3=A4ft?='],
    [
      'merges neighbouring words and encodes the space between them',
      'a Ärgerlicherweise über b',
      'a =?UTF-8?Q?=C3=84rgerlicherweise_=C3=BCber?= b',
    ],
    [
      'uses B when it is shorter',
      '日本語のテキスト',
      '=?UTF-8?B?5pel5pys6Kqe44Gu44OG44Kt44K544OI?=',
    ],
    [
      'encodes a word that looks like an encoded word',
      'see =?utf-8?q?x?=',
      'see =?UTF-8?B?PT91dGYtOD9xP3g/PQ==?=',
    ],
    [
      'encodes ?, = and _ inside Q',
      'Geschäftsangelegenheiten?=_',
      '=?UTF-8?Q?Gesch=C3=A4ftsangelegenheiten=3F=3D=5F?=',
    ],
  ];
  for (const [title, input, expected] of cases) {
    it(title, () => {
      const encoded = encodeUnstructured(input);
      expect(encoded).toBe(expected);
      expect(libmime.decodeWords(encoded)).toBe(input);
      expect(decodeEncodedWords(encoded)).toBe(input);
    });
  }

  it('cuts a long run into words of at most 75 octets between characters', () => {
    const inputs = [
      'ü'.repeat(200),
      '😀'.repeat(60),
      `${'x'.repeat(61)}😀😀`,
      'e\u0301'.repeat(80),
      'Ελληνικά русский 中文 עברית العربية हिन्दी '.repeat(5),
    ];
    for (const input of inputs) {
      const encoded = encodeUnstructured(input);
      checkWords(encoded);
      expect(libmime.decodeWords(encoded)).toBe(input);
      expect(decodeEncodedWords(encoded)).toBe(input);
    }
  });

  it('encodes a very long ASCII word so it can be folded', () => {
    const input = `start ${'x'.repeat(300)} end`;
    const encoded = encodeUnstructured(input);
    expect(encoded.startsWith('start =?UTF-8?Q?')).toBe(true);
    expect(encoded.endsWith('?= end')).toBe(true);
    checkWords(encoded);
    expect(libmime.decodeWords(encoded)).toBe(input);
  });

  it('writes an emoji at a word boundary whole', () => {
    const input = `${'a'.repeat(62)}😀 tail`;
    const encoded = encodeUnstructured(input);
    checkWords(encoded);
    expect(decodeEncodedWords(encoded)).toBe(input);
  });

  it('writes a lone surrogate as U+FFFD', () => {
    expect(decodeEncodedWords(encodeUnstructured('a\ud800b'))).toBe('a\ufffdb');
  });

  it('refuses CR, LF, NUL and other controls', () => {
    for (const input of ['a\r\nBcc: x', 'a\nb', 'a\rb', 'a\0b', 'a\x7fb', 'a\u0085b']) {
      expect(() => encodeUnstructured(input)).toThrow(InvalidHeaderError);
    }
    expect(() => encodeUnstructured('x\r\ny')).toThrow(
      expect.objectContaining({ code: 'SMTP_MIME_INVALID_HEADER_VALUE' }),
    );
  });
});

describe('encodePhrase', () => {
  const cases: [string, string, string][] = [
    ['writes atoms as they are', 'Jane Doe', 'Jane Doe'],
    ['quotes ASCII with specials', 'Doe, Jane', '"Doe, Jane"'],
    ['quotes a name with a dot', 'J. Smith', '"J. Smith"'],
    ['escapes quotes and backslashes', 'a "b" \\c', '"a \\"b\\" \\\\c"'],
    ['quotes double spaces', 'a  b', '"a  b"'],
    ['writes the empty name as ""', '', '""'],
    [
      'encodes a non-ASCII word with the restricted Q alphabet',
      'Zoë Smith',
      '=?UTF-8?Q?Zo=C3=AB?= Smith',
    ],
    ['encodes specials next to non-ASCII words', 'Zoë (work)', '=?UTF-8?B?Wm/DqyAod29yayk=?='],
    [
      'encodes a look-alike instead of quoting it',
      '=?utf-8?q?x?=',
      '=?UTF-8?B?PT91dGYtOD9xP3g/PQ==?=',
    ],
    ['encodes unusual white space whole', ' Zoë\tS ', '=?UTF-8?B?IFpvw6sJUyA=?='],
  ];
  for (const [title, input, expected] of cases) {
    it(title, () => {
      const encoded = encodePhrase(input);
      expect(encoded).toBe(expected);
      if (encoded.includes('=?')) {
        expect(libmime.decodeWords(encoded)).toBe(input);
        expect(decodeEncodedWords(encoded)).toBe(input);
      }
    });
  }

  it('refuses controls', () => {
    expect(() => encodePhrase('Eve\r\nBcc: x')).toThrow(InvalidHeaderError);
  });
});

describe('decodeEncodedWords', () => {
  it('drops white space between encoded words but keeps it elsewhere', () => {
    expect(decodeEncodedWords('=?UTF-8?Q?a?= \r\n =?UTF-8?B?Yg==?= c =?UTF-8?Q?d?=')).toBe(
      'ab c d',
    );
  });

  it('joins a character split across two words of one charset', () => {
    expect(decodeEncodedWords('=?UTF-8?Q?=C3?= =?utf-8?Q?=A9?=')).toBe('é');
  });

  it('decodes other charsets and ignores an RFC 2231 language', () => {
    expect(decodeEncodedWords('=?ISO-8859-1?Q?caf=E9?= =?UTF-8*fr?Q?_ok?=')).toBe('café ok');
  });

  it('leaves malformed and unknown-charset words as they are', () => {
    const text = '=?x-unknown?Q?a?= =?UTF-8?B?@@@?= =?UTF-8?Q?=ZZ?=';
    expect(decodeEncodedWords(text)).toBe('=?x-unknown?Q?a?= =?UTF-8?B?@@@?= =ZZ');
  });
});
