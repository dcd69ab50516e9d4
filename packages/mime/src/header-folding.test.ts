import { describe, expect, it } from 'vitest';
import { foldHeader } from './header-folding.ts';

function unfold(folded: string): string {
  return folded.replace(/\r\n(?=[ \t])/g, '').replace(/\r\n$/, '');
}

function octets(line: string): number {
  return new TextEncoder().encode(line).length;
}

describe('foldHeader', () => {
  it('writes a short header on one line', () => {
    expect(foldHeader('Subject', 'Hello')).toBe('Subject: Hello\r\n');
  });

  it('writes an empty value without a trailing space', () => {
    expect(foldHeader('X-Empty', '')).toBe('X-Empty:\r\n');
  });

  it('folds before white space so lines stay within 78 octets', () => {
    const value = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const folded = foldHeader('Subject', value);
    const lines = folded.split('\r\n').slice(0, -1);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(78);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ \S/);
    expect(unfold(folded)).toBe(`Subject: ${value}`);
  });

  it('folds before the first white space of a run, keeping the run whole', () => {
    const value = `${'a'.repeat(74)}  \t b`;
    expect(foldHeader('X', value)).toBe(`X: ${'a'.repeat(74)}\r\n  \t b\r\n`);
  });

  it('keeps trailing and leading white space without making blank lines', () => {
    const value = ` ${'a'.repeat(80)}   `;
    const folded = foldHeader('X', value);
    expect(folded).toBe(`X:  ${'a'.repeat(80)}   \r\n`);
    const words = `${'b'.repeat(76)} ${'c'.repeat(76)} \t`;
    const folded2 = foldHeader('X', words);
    expect(folded2).toBe(`X: ${'b'.repeat(76)}\r\n ${'c'.repeat(76)} \t\r\n`);
  });

  it('leaves a long word whole when it fits within 998 octets', () => {
    const word = 'x'.repeat(500);
    const folded = foldHeader('X-Long', `short ${word} end`);
    expect(folded).toBe(`X-Long: short\r\n ${word}\r\n end\r\n`);
  });

  it('counts UTF-8 octets, not characters', () => {
    const value = Array.from({ length: 30 }, () => 'ü😀é').join(' ');
    const folded = foldHeader('Subject', value);
    for (const line of folded.split('\r\n')) expect(octets(line)).toBeLessThanOrEqual(78);
    expect(unfold(folded)).toBe(`Subject: ${value}`);
    // A lone surrogate counts as the three octets of U+FFFD.
    expect(foldHeader('X', `${'é'.repeat(36)} b`)).toBe(`X: ${'é'.repeat(36)} b\r\n`);
    expect(foldHeader('X', `${'é'.repeat(37)} b`)).toBe(`X: ${'é'.repeat(37)}\r\n b\r\n`);
    expect(foldHeader('X', `${'\ud800'.repeat(24)} b`)).toBe(`X: ${'\ud800'.repeat(24)} b\r\n`);
    expect(foldHeader('X', `${'\ud800'.repeat(25)} b`)).toBe(`X: ${'\ud800'.repeat(25)}\r\n b\r\n`);
  });

  it('throws SMTP_MIME_HEADER_TOO_LONG for a run over 998 octets', () => {
    expect(() => foldHeader('X', 'x'.repeat(996))).toThrow(
      expect.objectContaining({ code: 'SMTP_MIME_HEADER_TOO_LONG' }),
    );
    expect(foldHeader('X', 'x'.repeat(995))).toBe(`X: ${'x'.repeat(995)}\r\n`);
    expect(() => foldHeader('X', `a ${'é'.repeat(500)}`)).toThrow(/998/);
  });

  it('refuses invalid names and values with controls', () => {
    expect(() => foldHeader('Bad Name', 'v')).toThrow(
      expect.objectContaining({ code: 'SMTP_MIME_INVALID_HEADER_NAME' }),
    );
    expect(() => foldHeader('Subject', 'a\r\nBcc: x')).toThrow(
      expect.objectContaining({ code: 'SMTP_MIME_INVALID_HEADER_VALUE' }),
    );
  });

  it('accepts reserved names: the package writes them', () => {
    expect(foldHeader('MIME-Version', '1.0')).toBe('MIME-Version: 1.0\r\n');
  });
});
