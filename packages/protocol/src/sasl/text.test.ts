import { describe, expect, it } from 'vitest';
import {
  concatBytes,
  decodeUtf8,
  encodeSaslName,
  firstAttribute,
  hasControlCharacter,
  MAX_SERVER_TEXT,
  sanitizeServerText,
} from './text.ts';

describe('sanitizeServerText', () => {
  it('keeps printable ASCII as it is', () => {
    expect(sanitizeServerText('invalid-proof (see https://x.test/?a=1)')).toBe(
      'invalid-proof (see https://x.test/?a=1)',
    );
  });

  it('escapes controls, escape sequences, bidi overrides and non-ASCII', () => {
    expect(sanitizeServerText('a\r\nb\u001b[31mc\u202ed\u00e9\u{1f600}\u0000')).toBe(
      'a\\u{d}\\u{a}b\\u{1b}[31mc\\u{202e}d\\u{e9}\\u{1f600}\\u{0}',
    );
  });

  it(`cuts the result at ${MAX_SERVER_TEXT} characters and marks the cut`, () => {
    const result = sanitizeServerText('\u0001'.repeat(1000));
    expect(result).toHaveLength(MAX_SERVER_TEXT + 3);
    expect(result.endsWith('...')).toBe(true);
  });

  it('does not mark text that fits', () => {
    expect(sanitizeServerText('x'.repeat(MAX_SERVER_TEXT))).toBe('x'.repeat(MAX_SERVER_TEXT));
  });
});

describe('helpers', () => {
  it('decodeUtf8 keeps a leading BOM and refuses invalid UTF-8', () => {
    expect(decodeUtf8(Uint8Array.of(0xef, 0xbb, 0xbf, 0x41))).toBe('\ufeffA');
    expect(decodeUtf8(Uint8Array.of(0xc3))).toBeUndefined();
  });

  it('hasControlCharacter finds C0 controls and DEL only', () => {
    expect(hasControlCharacter('a\u0001')).toBe(true);
    expect(hasControlCharacter('a\u007f')).toBe(true);
    expect(hasControlCharacter('a\u0085 é')).toBe(false);
  });

  it('encodeSaslName escapes "=" before ","', () => {
    expect(encodeSaslName('=,=2C')).toBe('=3D=2C=3D2C');
  });

  it('firstAttribute stops at the first comma', () => {
    expect(firstAttribute('v=abc,x=1')).toBe('v=abc');
    expect(firstAttribute('v=abc')).toBe('v=abc');
  });

  it('concatBytes joins in order', () => {
    expect(concatBytes([Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)])).toEqual(
      Uint8Array.of(1, 2, 3),
    );
  });
});
