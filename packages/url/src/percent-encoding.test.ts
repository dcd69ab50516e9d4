import { describe, expect, it } from 'vitest';
import { UrlError } from './errors.ts';
import { percentDecode, percentEncode } from './percent-encoding.ts';

describe('percentDecode', () => {
  it.each([
    ['plain', 'plain'],
    ['a%40b', 'a@b'],
    ['%3a%3A', '::'],
    ['%C3%BC', 'ü'],
    ['ü%20', 'ü '],
    ['%25', '%'],
    ['%00', '\0'],
  ])('decodes %j to %j', (text, decoded) => {
    expect(percentDecode(text, 'password')).toBe(decoded);
  });

  it.each(['%', '%4', '%zz', '%C3', '%FF', '%ED%A0%80'])(
    'refuses %j as invalid percent-encoding without quoting it',
    (text) => {
      let error: unknown;
      try {
        percentDecode(`secret${text}`, 'password');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UrlError);
      expect(error).toMatchObject({ code: 'SMTP_URL_INVALID_PERCENT_ENCODING' });
      expect((error as Error).message).toContain('password');
      expect((error as Error).message).not.toContain('secret');
    },
  );
});

describe('percentEncode', () => {
  it('leaves only RFC 3986 unreserved characters literal', () => {
    expect(percentEncode("aZ09-._~!$&'()*+,;=:@/?#[]% ", 'x')).toBe(
      'aZ09-._~%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A%40%2F%3F%23%5B%5D%25%20',
    );
  });

  it('encodes non-ASCII as UTF-8 bytes', () => {
    expect(percentEncode('ü😀', 'x')).toBe('%C3%BC%F0%9F%98%80');
  });

  it('refuses a lone surrogate, which has no UTF-8 form', () => {
    expect(() => percentEncode('a\ud800b', 'user name')).toThrow(
      expect.objectContaining({
        code: 'SMTP_URL_MALFORMED',
        message: expect.stringContaining('user name'),
      }),
    );
  });
});
