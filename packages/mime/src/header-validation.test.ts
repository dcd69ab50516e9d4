import { describe, expect, it } from 'vitest';
import { InvalidHeaderError } from './errors.ts';
import {
  findInvalidHeaderValueChar,
  isReservedHeaderName,
  isValidHeaderNameSyntax,
  quoteForMessage,
  RESERVED_HEADER_NAMES,
  validateHeaderName,
  validateHeaderValue,
} from './header-validation.ts';

describe('validateHeaderName', () => {
  it('accepts printable ASCII names without ":"', () => {
    for (const name of ['X-Campaign', 'Subject', 'x!#$%&*+.^_`|~{}[]"()<>@,;\\/?=']) {
      expect(() => validateHeaderName(name)).not.toThrow();
    }
  });

  it('refuses empty names, ":", spaces, controls and non-ASCII', () => {
    for (const name of ['', 'X:Y', 'X Y', 'X\tY', 'X\r\nBcc', 'X\0', 'Ü', 'X\x7f']) {
      expect(() => validateHeaderName(name)).toThrow(
        expect.objectContaining({ code: 'SMTP_MIME_INVALID_HEADER_NAME' }),
      );
    }
  });

  it('refuses reserved names in any case unless allowed', () => {
    for (const name of [
      'Bcc',
      'BCC',
      'mime-version',
      'Content-Transfer-Encoding',
      'Content-Type',
    ]) {
      expect(() => validateHeaderName(name)).toThrow(/written by @smtp\/mime/);
      expect(() => validateHeaderName(name, { allowReserved: true })).not.toThrow();
    }
  });

  it('exports the reserved list and a predicate', () => {
    expect(RESERVED_HEADER_NAMES).toEqual([
      'bcc',
      'mime-version',
      'content-transfer-encoding',
      'content-type',
    ]);
    expect(Object.isFrozen(RESERVED_HEADER_NAMES)).toBe(true);
    expect(isReservedHeaderName('MIME-Version')).toBe(true);
    expect(isReservedHeaderName('X-Mailer')).toBe(false);
    expect(isValidHeaderNameSyntax('')).toBe(false);
  });
});

describe('validateHeaderValue', () => {
  it('accepts text, tabs and non-ASCII', () => {
    for (const value of ['', 'Hello\tworld', 'Grüße 😀', '\u2028', '\u00a0']) {
      expect(() => validateHeaderValue(value)).not.toThrow();
    }
  });

  it('refuses CR, LF, NUL, other C0 controls, DEL and C1 controls', () => {
    for (const value of [
      'a\rb',
      'a\nb',
      'a\0b',
      'a\x01',
      '\x1f',
      'a\x7f',
      '\u0080',
      '\u0085',
      '\u009f',
    ]) {
      expect(() => validateHeaderValue(value)).toThrow(InvalidHeaderError);
      expect(findInvalidHeaderValueChar(value)).toBeGreaterThanOrEqual(0);
    }
  });

  it('names the value and quotes the input safely in the message', () => {
    expect(() => validateHeaderValue('hi\r\nBcc: victim@example.com', 'Subject')).toThrow(
      'The Subject "hi\\x0D\\x0ABcc: victim@example.com" contains the control character \\x0D at index 2',
    );
  });

  it('truncates long input around the offending character', () => {
    const value = `${'a'.repeat(100)}\n${'b'.repeat(100)}`;
    const quoted = quoteForMessage(value, 100);
    expect(quoted).toBe(`"…${'a'.repeat(20)}\\x0A${'b'.repeat(19)}…"`);
    expect(quoteForMessage('ab"\\', 0)).toBe('"ab\\"\\\\"');
    expect(quoteForMessage('x'.repeat(50), 0)).toBe(`"${'x'.repeat(40)}…"`);
  });
});
