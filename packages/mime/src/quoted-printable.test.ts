import { createRequire } from 'node:module';
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
import { ContentError, InvalidMessageError } from './errors.ts';
import {
  createQuotedPrintableDecoder,
  createQuotedPrintableEncoder,
  decodeQuotedPrintable,
  encodeQuotedPrintable,
  type QuotedPrintableEncoderOptions,
} from './quoted-printable.ts';

const require = createRequire(import.meta.url);
const libqp = require('libqp') as {
  decode(input: string): Buffer;
  encode(input: Uint8Array): string;
  wrap(input: string, lineLength: number): string;
};

function encodeIn(
  mode: FeedMode,
  input: Uint8Array,
  options?: QuotedPrintableEncoderOptions,
): string {
  const encoder = createQuotedPrintableEncoder(options);
  const parts = splitBytes(input, mode).map((chunk) => encoder.push(chunk));
  return latin1(concat([...parts, encoder.end()]));
}

function decodeIn(mode: FeedMode, input: Uint8Array, strict = false): Uint8Array {
  const decoder = createQuotedPrintableDecoder({ strict });
  const parts = splitBytes(input, mode).map((chunk) => decoder.push(chunk));
  return concat([...parts, decoder.end()]);
}

const a = (n: number): string => 'a'.repeat(n);

const encodeCases: [string, string, string, QuotedPrintableEncoderOptions?][] = [
  ['leaves printable ASCII as it is', 'Hello, world!', 'Hello, world!'],
  ['writes an empty input as nothing', '', ''],
  ['encodes "=" as =3D', 'a=b', 'a=3Db'],
  ['encodes UTF-8 octets with uppercase hex', 'café', 'caf=C3=A9'],
  ['encodes controls and DEL', '\x00\x7f\x1b', '=00=7F=1B'],
  ['keeps spaces and tabs inside a line', 'a b\tc', 'a b\tc'],
  ['encodes a space before a hard line break', 'a \r\nb', 'a=20\r\nb'],
  ['encodes a tab at the very end', 'a\t', 'a=09'],
  ['encodes only the last of trailing spaces', 'a  \nb', 'a =20\r\nb'],
  ['writes a bare LF as CRLF', 'a\nb\n', 'a\r\nb\r\n'],
  ['writes a bare CR as CRLF', 'a\rb\r', 'a\r\nb\r\n'],
  ['keeps CR CR LF as two line breaks', 'a\r\r\nb', 'a\r\n\r\nb'],
  ['keeps LF CR as two line breaks', 'a\n\rb', 'a\r\n\r\nb'],
  ['encodes a dot that starts a line', '.\r\n.x\r\na.b', '=2E\r\n=2Ex\r\na.b'],
  ['soft-breaks a long line at 76 characters', a(100), `${a(75)}=\r\n${a(25)}`],
  ['keeps a 75-character line whole', a(75), a(75)],
  ['never splits an =XX', `${a(73)}é`, `${a(73)}=\r\n=C3=A9`],
  ['puts =XX up to column 75', `${a(72)}=`, `${a(72)}=3D`],
  ['encodes a dot that a soft break puts at a line start', `${a(75)}.b`, `${a(75)}=\r\n=2Eb`],
  ['keeps a space that a soft break puts at a line start', `${a(75)} b`, `${a(75)}=\r\n b`],
  ['soft-breaks before a trailing space', `${a(73)} \n`, `${a(73)}=\r\n=20\r\n`],
  ['soft-breaks before a final space', `${a(74)} `, `${a(74)}=\r\n=20`],
  ['writes a space before a word at the line end', `${a(74)} b`, `${a(74)} =\r\nb`],
  ['encodes CR and LF in binary mode', 'a\r\nb\nc\r', 'a=0D=0Ab=0Ac=0D', { binary: true }],
  ['keeps a space before CR in binary mode', 'a \r', 'a =0D', { binary: true }],
  ['honours a shorter lineLength', 'abcdefghij', 'abcd=\r\nefgh=\r\nij', { lineLength: 5 }],
  ['fits one =XX per line at lineLength 4', 'éé', '=C3=\r\n=A9=\r\n=C3=\r\n=A9', { lineLength: 4 }],
];

describe('createQuotedPrintableEncoder', () => {
  for (const [title, input, expected, options] of encodeCases) {
    for (const mode of feedModes) {
      it(`${title} (${describeFeedMode(mode)})`, () => {
        expect(encodeIn(mode, bytes(input), options)).toBe(expected);
      });
    }
  }

  it('holds a CR at a chunk end and drops the LF that starts the next chunk', () => {
    const encoder = createQuotedPrintableEncoder();
    expect(latin1(encoder.push(bytes('a\r')))).toBe('a\r\n');
    expect(latin1(encoder.push(new Uint8Array(0)))).toBe('');
    expect(latin1(encoder.push(bytes('\nb')))).toBe('b');
    expect(latin1(encoder.end())).toBe('');
  });

  it('decides a held-back space from the next chunk', () => {
    const encoder = createQuotedPrintableEncoder();
    expect(latin1(encoder.push(bytes('a ')))).toBe('a');
    expect(latin1(encoder.push(new Uint8Array(0)))).toBe('');
    expect(latin1(encoder.push(bytes('\r\n')))).toBe('=20\r\n');
  });

  it('gives the same bytes for Buffer chunks as for Uint8Array chunks', () => {
    const text = `Grüße ${a(100)} \r\n.x`;
    const encoder = createQuotedPrintableEncoder();
    const out = concat([encoder.push(Buffer.from(text)), encoder.end()]);
    expect(latin1(out)).toBe(encodeIn('whole', bytes(text)));
  });

  it('refuses a lineLength out of range', () => {
    for (const lineLength of [3, 999, 10.5, Number.NaN]) {
      expect(() => createQuotedPrintableEncoder({ lineLength })).toThrow(InvalidMessageError);
    }
  });

  it('throws when used after end()', () => {
    const encoder = createQuotedPrintableEncoder();
    encoder.end();
    expect(() => encoder.push(bytes('a'))).toThrow(/after end/);
    expect(() => encoder.end()).toThrow(InvalidMessageError);
  });

  it('gives the same bytes one-shot as streaming', () => {
    const input = bytes(`Grüße ${a(200)}\n.done \t`);
    expect(latin1(encodeQuotedPrintable(input))).toBe(encodeIn('byte-by-byte', input));
    expect(latin1(encodeQuotedPrintable(bytes('x')))).toBe('x');
  });

  it('is decoded by libqp back to the input with CRLF line ends', () => {
    const text = `Grüße aus Köln\n\n.dot =equals\t \r\n${'long words '.repeat(30)}end `;
    const encoded = latin1(encodeQuotedPrintable(bytes(text)));
    expect(libqp.decode(encoded).toString('utf8')).toBe(text.replace(/\r?\n/g, '\r\n'));
  });
});

const decodeCases: [string, string, string][] = [
  ['decodes =XX in either case', 'caf=C3=A9 caf=c3=a9', 'café café'],
  ['joins lines at a soft break', 'ab=\r\ncd', 'abcd'],
  ['accepts white space after a soft break =', 'ab= \t\r\ncd', 'abcd'],
  ['accepts a soft break with a bare LF', 'ab=\ncd', 'abcd'],
  ['writes hard line breaks as CRLF', 'a\r\nb\nc', 'a\r\nb\r\nc'],
  ['deletes white space at the end of a line', 'a  \r\nb\t', 'a\r\nb'],
  ['keeps a malformed = sequence literally', 'a=G1b=4', 'a=G1b=4'],
  ['keeps = before a line end that is not a soft break', '=4\r\n', '=4\r\n'],
  ['drops a final soft break', 'abc=', 'abc'],
  ['keeps an = just before a soft break literally', 'a==\r\nb', 'a=b'],
  ['keeps a bare CR inside a line', 'a\rb', 'a\rb'],
];

describe('createQuotedPrintableDecoder', () => {
  for (const [title, input, expected] of decodeCases) {
    for (const mode of feedModes) {
      it(`${title} (${describeFeedMode(mode)})`, () => {
        expect(new TextDecoder().decode(decodeIn(mode, bytes(input)))).toBe(expected);
      });
    }
  }

  it('throws on a malformed = sequence in strict mode, naming the octet', () => {
    expect(() => decodeIn('whole', bytes('ok\r\nab=ZZ'), true)).toThrow(
      expect.objectContaining({
        code: 'SMTP_MIME_MALFORMED_ENCODING',
        message: expect.stringMatching(/octet 6/),
      }),
    );
    expect(() => decodeQuotedPrintable(bytes('a=4'), { strict: true })).toThrow(ContentError);
    expect(latin1(decodeQuotedPrintable(bytes('a=3D'), { strict: true }))).toBe('a=');
  });

  it('throws when used after end()', () => {
    const decoder = createQuotedPrintableDecoder();
    decoder.end();
    expect(() => decoder.push(bytes('a'))).toThrow(InvalidMessageError);
  });

  it('decodes what libqp encodes', () => {
    const text = `Grüße ${'lorem ipsum '.repeat(20)}\r\n= end`;
    const encoded = libqp.wrap(libqp.encode(Buffer.from(text)), 76);
    expect(new TextDecoder().decode(decodeQuotedPrintable(bytes(encoded)))).toBe(text);
  });

  it('keeps a long unterminated line pushed byte by byte', () => {
    const input = bytes(`${a(5000)}=\r\nb`);
    expect(latin1(decodeIn('byte-by-byte', input))).toBe(`${a(5000)}b`);
  });
});
