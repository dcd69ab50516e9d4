import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isSmtpError, UrlError } from './errors.ts';

describe('UrlError', () => {
  it('is an Error with a literal name, a stable code and the message it was given', () => {
    const error = new UrlError('SMTP_URL_INVALID_PORT', 'bad port');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(UrlError);
    expect(error.name).toBe('UrlError');
    expect(error.code).toBe('SMTP_URL_INVALID_PORT');
    expect(error.message).toBe('bad port');
    expect(String(error)).toBe('UrlError: bad port');
  });

  it('keeps the cause passed through ErrorOptions', () => {
    const cause = new TypeError('inner');
    expect(new UrlError('SMTP_URL_INVALID_HOST', 'outer', { cause }).cause).toBe(cause);
  });

  it('carries the smtp.error brand without showing it in JSON or inspect output', () => {
    const error = new UrlError('SMTP_URL_MALFORMED', 'nope');
    expect((error as unknown as Record<symbol, unknown>)[Symbol.for('smtp.error')]).toBe(true);
    expect(Object.getOwnPropertyDescriptor(error, Symbol.for('smtp.error'))?.enumerable).toBe(
      false,
    );
    expect(JSON.stringify(error)).not.toContain('smtp.error');
    expect(inspect(error)).not.toContain('smtp.error');
  });
});

describe('isSmtpError', () => {
  it('recognises a UrlError', () => {
    expect(isSmtpError(new UrlError('SMTP_URL_EMPTY_HOST', 'x'))).toBe(true);
  });

  it('recognises an error branded by another copy of any @smtp package', () => {
    const foreign = Object.assign(new Error('x'), { code: 'SMTP_PROTOCOL_MALFORMED_REPLY' });
    Object.defineProperty(foreign, Symbol.for('smtp.error'), { value: true });
    expect(isSmtpError(foreign)).toBe(true);
  });

  it.each([
    ['a plain Error', new Error('x')],
    ['an error with a code but no brand', Object.assign(new Error('x'), { code: 'SMTP_URL_X' })],
    ['a brand that is not exactly true', { [Symbol.for('smtp.error')]: 'yes' }],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'SMTP_URL_MALFORMED'],
    ['a number', 42],
  ])('rejects %s', (_label, value) => {
    expect(isSmtpError(value)).toBe(false);
  });
});
