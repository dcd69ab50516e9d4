/**
 * `sanitizeServerText`: ported from `@smtp/client`'s reply-info tests when the sanitiser moved
 * here, plus properties (nothing unsafe ever comes out, the cap holds, clean text is untouched).
 */
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { MAX_SERVER_TEXT_LENGTH, sanitizeServerText } from './server-text.ts';

const params = propertyRuns(500);

/** Everything the sanitiser must never let through, lone surrogates included. */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/u;

describe('sanitizeServerText', () => {
  it('returns clean text unchanged', () => {
    const text = 'mail.example.com ESMTP ready — ünïcödé 👋';
    expect(sanitizeServerText(text)).toBe(text);
  });

  it('escapes ESC so an ANSI sequence cannot reach a terminal', () => {
    expect(sanitizeServerText('\u001b[31mred\u001b[0m')).toBe('\\x1b[31mred\\x1b[0m');
  });

  it('escapes CR, LF, TAB and NUL so one reply cannot forge log lines', () => {
    expect(sanitizeServerText('a\r\nS: 250 fake\tb\u0000')).toBe(
      'a\\x0d\\x0aS: 250 fake\\x09b\\x00',
    );
  });

  it('escapes DEL and C1 controls, 8-bit CSI included', () => {
    expect(sanitizeServerText('x\u007fy\u0080z\u009b1m')).toBe('x\\x7fy\\x80z\\x9b1m');
  });

  it('escapes bidi overrides, isolates and marks (Trojan Source)', () => {
    expect(sanitizeServerText('ok\u202edab\u202c \u2066i\u2069 \u200e\u200f\u061c')).toBe(
      'ok\\u{202e}dab\\u{202c} \\u{2066}i\\u{2069} \\u{200e}\\u{200f}\\u{61c}',
    );
  });

  it('escapes the Unicode line and paragraph separators', () => {
    expect(sanitizeServerText('a\u2028b\u2029c')).toBe('a\\u{2028}b\\u{2029}c');
  });

  it('escapes lone surrogates and keeps surrogate pairs', () => {
    expect(sanitizeServerText('a\ud800b\udfffc😀')).toBe('a\\u{d800}b\\u{dfff}c😀');
  });

  it('keeps printable characters next to the unsafe ones (U+2027, U+202F, U+2065, U+206A)', () => {
    expect(sanitizeServerText('\u2027\u202f\u2065\u206a\u00a0\u0060')).toBe(
      '\u2027\u202f\u2065\u206a\u00a0\u0060',
    );
  });

  it(`cuts text longer than ${MAX_SERVER_TEXT_LENGTH} characters and marks the cut`, () => {
    expect(MAX_SERVER_TEXT_LENGTH).toBe(500);
    const long = 'x'.repeat(MAX_SERVER_TEXT_LENGTH + 20);
    expect(sanitizeServerText(long)).toBe(`${'x'.repeat(500)}…`);
    expect(sanitizeServerText('x'.repeat(500))).toBe('x'.repeat(500));
  });

  it('takes another limit, and Infinity keeps everything', () => {
    expect(sanitizeServerText('abcdef', 3)).toBe('abc…');
    expect(sanitizeServerText('\u001b\u001b\u001b', 5)).toBe('\\x1b\\x1b…');
    expect(sanitizeServerText('y'.repeat(2000), Infinity)).toHaveLength(2000);
    expect(sanitizeServerText('abc', 0)).toBe('…');
    expect(sanitizeServerText('', 0)).toBe('');
  });

  it('never splits a surrogate pair at the cut', () => {
    expect(sanitizeServerText('😀😀😀', 3)).toBe('😀😀…');
  });
});

describe('sanitizeServerText properties', () => {
  it('never leaves a control, bidi or lone-surrogate character in its output', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(600), (text, max) => {
        expect(sanitizeServerText(text, max)).not.toMatch(UNSAFE);
      }),
      params,
    );
  });

  it('stays within the cap plus one escape and the ellipsis', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.nat(100), (text, max) => {
        expect(sanitizeServerText(text, max).length).toBeLessThanOrEqual(max + 10);
      }),
      params,
    );
  });

  it('returns clean text as it is, and escapes only what is unsafe', () => {
    // No backslash in the input: the escapes are then the only ones in the output.
    const noBackslash = fc
      .string({ unit: 'binary', maxLength: 100 })
      .filter((text) => !text.includes('\\'));
    fc.assert(
      fc.property(noBackslash, (text) => {
        const out = sanitizeServerText(text, Infinity);
        if (!UNSAFE.test(text)) expect(out).toBe(text);
        // Undoing the escapes gives the input back: nothing was dropped or changed.
        const restored = out.replace(/\\x([0-9a-f]{2})|\\u\{([0-9a-f]+)\}/g, (_, x, u) => {
          const char = String.fromCodePoint(Number.parseInt((x ?? u) as string, 16));
          expect(char).toMatch(UNSAFE);
          return char;
        });
        expect(restored).toBe(text);
      }),
      params,
    );
  });
});
