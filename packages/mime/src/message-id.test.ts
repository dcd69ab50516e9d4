import { describe, expect, it } from 'vitest';
import { InvalidHeaderError } from './errors.ts';
import {
  createMessageId,
  normalizeContentId,
  normalizeMessageId,
  normalizeMessageIdList,
} from './message-id.ts';

describe('createMessageId', () => {
  it('is <32 hex digits@domain> and unique', () => {
    const id = createMessageId('example.com');
    expect(id).toMatch(/^<[0-9a-f]{32}@example\.com>$/);
    expect(createMessageId('example.com')).not.toBe(id);
    expect(normalizeMessageId(id)).toBe(id);
  });
});

describe('normalizeMessageId', () => {
  it('adds the angle brackets when they are missing', () => {
    expect(normalizeMessageId('abc.def@example.com')).toBe('<abc.def@example.com>');
    expect(normalizeMessageId('<a@[192.0.2.1]>')).toBe('<a@[192.0.2.1]>');
  });

  it.each([
    'no-at-sign',
    '<a@b',
    'a@b>',
    '<a b@c>',
    '<a@b>\r\nBcc: x@y',
    '<a@b><c@d>',
    '<@b>',
    '<a@>',
    '<a..b@c>',
  ])('refuses %j', (id) => {
    expect(() => normalizeMessageId(id)).toThrow(InvalidHeaderError);
    try {
      normalizeMessageId(id);
    } catch (error) {
      expect((error as InvalidHeaderError).code).toBe('SMTP_MIME_INVALID_HEADER_VALUE');
    }
  });
});

describe('normalizeMessageIdList', () => {
  it('takes an array or a space-separated string', () => {
    expect(normalizeMessageIdList('<a@b>  c@d\t<e@f>')).toEqual(['<a@b>', '<c@d>', '<e@f>']);
    expect(normalizeMessageIdList(['a@b'])).toEqual(['<a@b>']);
  });

  it('refuses a non-string element', () => {
    expect(() => normalizeMessageIdList([1 as unknown as string])).toThrow(InvalidHeaderError);
  });
});

describe('normalizeContentId', () => {
  it('accepts ids with and without a domain and drops the brackets', () => {
    expect(normalizeContentId('<logo@example.com>')).toBe('logo@example.com');
    expect(normalizeContentId('image001')).toBe('image001');
  });

  it.each(['', '<x', 'a b', 'a\r\nb', 'a@b@c', 'é@x'])('refuses %j', (id) => {
    expect(() => normalizeContentId(id)).toThrow(
      expect.objectContaining({ code: 'SMTP_MIME_INVALID_PARAMETER' }),
    );
  });
});
