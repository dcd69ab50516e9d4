import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { ContentError, InvalidMessageError } from './errors.ts';
import {
  chooseTransferEncoding,
  normalizeLineBreaks,
  normalizeLineBreaksText,
  parseTransferEncoding,
  scanAsciiText,
  scanContent,
  scanLineFeedText,
} from './transfer-encoding.ts';

const te = new TextEncoder();
const scan = (text: string | Uint8Array) =>
  scanContent(typeof text === 'string' ? te.encode(text) : text);

describe('scanContent', () => {
  it('counts high bytes, escapes, NUL, bare line breaks and the longest line', () => {
    expect(scan('ab\r\ncde=\r\n\tx\x01\x7f')).toEqual({
      length: 14,
      highBytes: 0,
      qpEscapes: 3,
      hasNul: false,
      hasBareLineBreak: false,
      longestLine: 4,
    });
    expect(scan('é\0\n\r')).toMatchObject({ highBytes: 2, hasNul: true, hasBareLineBreak: true });
    expect(scan('x'.repeat(999))).toMatchObject({ longestLine: 999 });
    expect(scan('')).toMatchObject({ longestLine: 0, length: 0 });
  });
});

describe('normalizeLineBreaks', () => {
  it('makes bare CR and LF into CRLF and keeps CRLF', () => {
    const out = normalizeLineBreaks(te.encode('a\nb\rc\r\nd\r'));
    expect(new TextDecoder().decode(out)).toBe('a\r\nb\r\nc\r\nd\r\n');
  });

  it('returns the same array when nothing changes', () => {
    const input = te.encode('a\r\nb');
    expect(normalizeLineBreaks(input)).toBe(input);
  });
});

describe('the string forms (scanAsciiText, normalizeLineBreaksText)', () => {
  const ascii = fc.string({
    unit: fc.constantFrom(
      'a',
      ' ',
      '=',
      '\t',
      '\r',
      '\n',
      '\r\n',
      '\0',
      '\x01',
      '\x7f',
      'x'.repeat(500),
    ),
    maxLength: 30,
  });

  it('scan ASCII text exactly as its bytes are scanned, and give up on anything else', () => {
    fc.assert(
      fc.property(ascii, (text) => {
        expect(scanAsciiText(text)).toEqual(scanContent(te.encode(text)));
      }),
      propertyRuns(300),
    );
    expect(scanAsciiText('ab\r\ncde=\r\n\tx\x01\x7f')).toEqual(scan('ab\r\ncde=\r\n\tx\x01\x7f'));
    expect(scanAsciiText('café')).toBeUndefined();
    expect(scanAsciiText('\u0080')).toBeUndefined();
  });

  it('scan LF text without a loop exactly as its normalised form is scanned', () => {
    fc.assert(
      fc.property(ascii, (text) => {
        const quick = scanLineFeedText(text);
        if (/^[\t\n\x20-\x7e]*$/.test(text)) {
          expect(quick).toEqual(scanContent(normalizeLineBreaks(te.encode(text))));
        } else {
          expect(quick).toBeUndefined();
        }
      }),
      propertyRuns(300),
    );
    expect(scanLineFeedText('a=b\n\nccc\n')).toEqual({
      length: 12,
      highBytes: 0,
      qpEscapes: 1,
      hasNul: false,
      hasBareLineBreak: false,
      longestLine: 3,
    });
    expect(scanLineFeedText('')).toMatchObject({ length: 0, longestLine: 0 });
    for (const text of ['a\r\nb', 'é', '\0', '\x7f'])
      expect(scanLineFeedText(text)).toBeUndefined();
  });

  it('normalise line breaks exactly as the bytes are normalised', () => {
    fc.assert(
      fc.property(fc.oneof(ascii, fc.string({ maxLength: 40 })), (text) => {
        expect(te.encode(normalizeLineBreaksText(text))).toEqual(
          normalizeLineBreaks(te.encode(text)),
        );
      }),
      propertyRuns(300),
    );
  });

  it('return the same string when nothing changes', () => {
    for (const text of ['', 'no breaks', 'a\r\nb\r\n']) {
      expect(normalizeLineBreaksText(text)).toBe(text);
    }
    expect(normalizeLineBreaksText('a\nb\rc\r\nd\r')).toBe('a\r\nb\r\nc\r\nd\r\n');
    expect(normalizeLineBreaksText('a\nb')).toBe('a\r\nb');
  });
});

describe('chooseTransferEncoding', () => {
  const text = (t: string, allow8Bit = false) =>
    chooseTransferEncoding({ scan: scan(t), text: true, allow8Bit });

  it('uses 7bit for short-lined ASCII text', () => {
    expect(text('Hello\r\nworld')).toBe('7bit');
  });

  it('uses quoted-printable for mostly-ASCII text, long lines or NUL', () => {
    expect(text('Grüße aus Köln, sagt die ganze Familie')).toBe('quoted-printable');
    expect(text('x'.repeat(999))).toBe('quoted-printable');
    expect(text('a\0bcdefghijk')).toBe('quoted-printable');
  });

  it('uses base64 for mostly non-ASCII text', () => {
    expect(text('Здравствуйте, как дела?')).toBe('base64');
  });

  it('uses 8bit only when allowed and the lines fit', () => {
    expect(text('Grüße', true)).toBe('8bit');
    expect(text(`${'ü'.repeat(500)}`, true)).toBe('base64');
    expect(text('a\0ü and more plain words', true)).toBe('quoted-printable');
  });

  it('uses base64 for every other type, and by declared type for streams', () => {
    expect(chooseTransferEncoding({ scan: scan('plain'), text: false, allow8Bit: true })).toBe(
      'base64',
    );
    expect(chooseTransferEncoding({ text: true, allow8Bit: false })).toBe('quoted-printable');
    expect(chooseTransferEncoding({ text: false, allow8Bit: true })).toBe('base64');
  });

  it('honours a forced encoding that can carry the content', () => {
    expect(
      chooseTransferEncoding({ scan: scan('é'), text: true, allow8Bit: false, forced: 'base64' }),
    ).toBe('base64');
    expect(
      chooseTransferEncoding({ text: false, allow8Bit: false, forced: 'quoted-printable' }),
    ).toBe('quoted-printable');
    expect(
      chooseTransferEncoding({ scan: scan('abc'), text: false, allow8Bit: false, forced: '7bit' }),
    ).toBe('7bit');
    expect(
      chooseTransferEncoding({ scan: scan('é'), text: true, allow8Bit: false, forced: '8bit' }),
    ).toBe('8bit');
  });

  it.each([
    ['é', '7bit', /octets over 127/],
    ['a\0', '8bit', /NUL/],
    ['a\nb', '7bit', /CR or LF/],
    ['x'.repeat(1000), '8bit', /1000 octets/],
  ] as const)(
    'refuses a forced encoding that cannot carry the content (case %#)',
    (content, forced, message) => {
      expect(() =>
        chooseTransferEncoding({ scan: scan(content), text: false, allow8Bit: false, forced }),
      ).toThrow(ContentError);
      expect(() =>
        chooseTransferEncoding({ scan: scan(content), text: false, allow8Bit: false, forced }),
      ).toThrow(message);
    },
  );

  it('refuses 7bit or 8bit forced on a stream', () => {
    expect(() => chooseTransferEncoding({ text: true, allow8Bit: true, forced: '8bit' })).toThrow(
      InvalidMessageError,
    );
  });
});

describe('parseTransferEncoding', () => {
  it('accepts the four encodings in any case', () => {
    expect(parseTransferEncoding('Base64')).toBe('base64');
    expect(parseTransferEncoding('7bit')).toBe('7bit');
  });

  it.each(['binary', 'x-uuencode', 7])('refuses %j', (value) => {
    expect(() => parseTransferEncoding(value)).toThrow(
      expect.objectContaining({ code: 'SMTP_MIME_INVALID_OPTION' }),
    );
  });
});
