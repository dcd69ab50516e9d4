import { describe, expect, it } from 'vitest';
import { MAX_SERVER_TEXT_LENGTH, sanitizeServerText } from '../server-text.ts';
import {
  concatBytes,
  decodeUtf8,
  encodeSaslName,
  firstAttribute,
  hasControlCharacter,
  SASL_SERVER_TEXT_LENGTH,
} from './text.ts';

// The escaping is `sanitizeServerText` (server-text.test.ts); SASL only picks a shorter cap.
describe('SASL server text', () => {
  it(`caps server text at ${SASL_SERVER_TEXT_LENGTH} characters, below the default`, () => {
    expect(SASL_SERVER_TEXT_LENGTH).toBeLessThan(MAX_SERVER_TEXT_LENGTH);
    const cut = sanitizeServerText('x'.repeat(1000), SASL_SERVER_TEXT_LENGTH);
    expect(cut).toBe(`${'x'.repeat(SASL_SERVER_TEXT_LENGTH)}…`);
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
