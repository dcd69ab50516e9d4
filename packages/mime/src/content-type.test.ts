import { describe, expect, it } from 'vitest';
import { contentTypeForFilename, isTextType, parseContentType } from './content-type.ts';
import { InvalidHeaderError } from './errors.ts';

describe('contentTypeForFilename', () => {
  it('looks the extension up in the mime package', () => {
    expect(contentTypeForFilename('report.pdf')).toBe('application/pdf');
    expect(contentTypeForFilename('photo.JPG')).toBe('image/jpeg');
    expect(contentTypeForFilename('notes.txt')).toBe('text/plain');
    expect(contentTypeForFilename('invite.ics')).toBe('text/calendar');
  });

  it('falls back to application/octet-stream', () => {
    expect(contentTypeForFilename('data.unknownext')).toBe('application/octet-stream');
    expect(contentTypeForFilename('README')).toBe('application/octet-stream');
    expect(contentTypeForFilename(undefined)).toBe('application/octet-stream');
  });
});

describe('parseContentType', () => {
  it('lower-cases the type and parameter names and unquotes values', () => {
    expect(parseContentType('Text/Plain; Charset="ISO-8859-1"; format=flowed;')).toEqual({
      mediaType: 'text/plain',
      params: { charset: 'ISO-8859-1', format: 'flowed' },
    });
    expect(parseContentType('application/x-thing; a="x\\"y;z"')).toEqual({
      mediaType: 'application/x-thing',
      params: { a: 'x"y;z' },
    });
  });

  it.each([
    'text',
    'text/',
    '/plain',
    'text/plain\r\nBcc: x@y',
    'text/plain; charset',
    'text/plain; charset=a b',
    'text/plain; charset="unterminated',
    'text/plain; name="a',
    'text/plain; x="\\"',
    'text/pl@in',
    'multipart/mixed',
    'text/plain; boundary=x',
    'text/plain; name=é',
    42 as unknown as string,
  ])('refuses %j', (value) => {
    expect(() => parseContentType(value)).toThrow(InvalidHeaderError);
  });
});

describe('isTextType', () => {
  it('is true for text/* only', () => {
    expect(isTextType('text/html')).toBe(true);
    expect(isTextType('application/json')).toBe(false);
  });
});

describe('parseContentType memo', () => {
  it('hands out one frozen object per string, and the same answers past its bound', () => {
    const first = parseContentType('text/x-memo; a=b');
    expect(parseContentType('text/x-memo; a=b')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.params)).toBe(true);
    const many = Array.from({ length: 150 }, (_, i) => `application/x-t${i}`);
    const answers = many.map((type) => parseContentType(type).mediaType);
    expect(many.map((type) => parseContentType(type).mediaType)).toEqual(answers);
    expect(parseContentType('text/x-memo; a=b')).toEqual(first);
  });

  it('parses long strings every time and never remembers a failure', () => {
    const long = `text/plain; x="${'y'.repeat(300)}"`;
    expect(parseContentType(long)).toEqual(parseContentType(long));
    for (let round = 0; round < 2; round++) {
      expect(() => parseContentType('nonsense')).toThrow(InvalidHeaderError);
    }
  });
});
