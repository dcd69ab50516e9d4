import { describe, expect, it } from 'vitest';
import { formatDate } from './date.ts';
import { InvalidMessageError } from './errors.ts';

describe('formatDate', () => {
  it('writes an RFC 5322 date-time in UTC', () => {
    expect(formatDate(new Date(Date.UTC(2026, 10, 28, 19, 36, 7)))).toBe(
      'Sat, 28 Nov 2026 19:36:07 +0000',
    );
    expect(formatDate(new Date(Date.UTC(2001, 0, 1, 0, 0, 0)))).toBe(
      'Mon, 01 Jan 2001 00:00:00 +0000',
    );
  });

  it('gives the same text within a second, and the right one across seconds', () => {
    const at = Date.UTC(2026, 10, 28, 19, 36, 7);
    expect(formatDate(new Date(at + 999))).toBe('Sat, 28 Nov 2026 19:36:07 +0000');
    expect(formatDate(new Date(at + 1000))).toBe('Sat, 28 Nov 2026 19:36:08 +0000');
    expect(formatDate(new Date(at + 1001))).toBe('Sat, 28 Nov 2026 19:36:08 +0000');
    expect(formatDate(new Date(at - 1))).toBe('Sat, 28 Nov 2026 19:36:06 +0000');
    expect(formatDate(new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 500)))).toBe(
      'Wed, 31 Dec 1969 23:59:59 +0000',
    );
  });

  it.each([
    new Date(Number.NaN),
    new Date(Date.UTC(1899, 0, 1)),
    new Date(Date.UTC(10000, 0, 1)),
    '2026-01-01' as unknown as Date,
  ])('refuses %s', (date) => {
    expect(() => formatDate(date)).toThrow(InvalidMessageError);
  });
});
