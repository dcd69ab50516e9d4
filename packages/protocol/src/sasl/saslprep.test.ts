import { describe, expect, it } from 'vitest';
import { inRanges, saslprep } from './saslprep.ts';
import {
  L_CAT,
  MAPPED_TO_NOTHING,
  NON_ASCII_SPACE,
  PROHIBITED,
  RAND_AL_CAT,
} from './stringprep-tables.ts';

describe('saslprep', () => {
  // RFC 4013 section 3, the examples table.
  it.each([
    ['I\u00adX', 'IX', 'SOFT HYPHEN mapped to nothing'],
    ['user', 'user', 'no transformation'],
    ['USER', 'USER', 'case preserved'],
    ['\u00aa', 'a', 'output is NFKC'],
    ['\u2168', 'IX', 'output is NFKC'],
  ])('prepares %j as %j (RFC 4013 section 3: %s)', (input, output) => {
    expect(saslprep(input)).toBe(output);
  });

  it.each([
    ['\u0007', 'prohibited character (RFC 4013 section 3, example 6)'],
    ['\u0627\u0031', 'bidirectional check (RFC 4013 section 3, example 7)'],
  ])('refuses %j: %s', (input) => {
    expect(saslprep(input)).toBeUndefined();
  });

  it('maps non-ASCII spaces to SPACE and U+200B with them', () => {
    expect(saslprep('pass\u00a0word\u3000x\u200by')).toBe('pass word x y');
  });

  it('removes the characters commonly mapped to nothing', () => {
    expect(saslprep('a\u200cb\u200dc\ufe0fd\ufeffe\u034ff\u1806g')).toBe('abcdefg');
  });

  it('composes to NFKC', () => {
    expect(saslprep('e\u0301')).toBe('\u00e9');
    expect(saslprep('\uff21\uff22')).toBe('AB');
  });

  it.each([
    ['NUL', '\u0000'],
    ['DEL', '\u007f'],
    ['a C1 control', '\u0085'],
    ['LINE SEPARATOR', '\u2028'],
    ['a private use character', '\ue000'],
    ['a supplementary private use character', '\u{f0000}'],
    ['a noncharacter', '\ufdd0'],
    ['a supplementary noncharacter', '\u{1fffe}'],
    ['a lone surrogate', '\ud800'],
    ['REPLACEMENT-like inappropriate for plain text', '\ufff9'],
    ['an ideographic description character', '\u2ff0'],
    ['LEFT-TO-RIGHT MARK', '\u200e'],
    ['a language tag', '\u{e0001}'],
  ])('refuses %s', (_title, character) => {
    expect(saslprep(`ab${character}cd`)).toBeUndefined();
  });

  it('accepts right-to-left text that begins and ends with RandALCat characters', () => {
    expect(saslprep('\u05d0\u05d1\u05d2')).toBe('\u05d0\u05d1\u05d2');
    expect(saslprep('\u0627\u0031\u0628')).toBe('\u0627\u0031\u0628');
  });

  it('refuses right-to-left text mixed with left-to-right letters', () => {
    expect(saslprep('\u05d0a\u05d0')).toBeUndefined();
  });

  it('refuses right-to-left text that starts with a non-RandALCat character', () => {
    expect(saslprep('1\u05d0')).toBeUndefined();
  });

  it('allows unassigned code points (query strings, RFC 5802 section 2.2)', () => {
    expect(saslprep('a\u{50000}b')).toBe('a\u{50000}b');
  });

  it('may produce the empty string', () => {
    expect(saslprep('\u00ad')).toBe('');
  });
});

describe('stringprep tables', () => {
  it.each([
    ['C.1.2', NON_ASCII_SPACE],
    ['B.1', MAPPED_TO_NOTHING],
    ['prohibited', PROHIBITED],
    ['D.1', RAND_AL_CAT],
    ['D.2', L_CAT],
  ])('%s is a sorted list of disjoint inclusive ranges', (_name, table) => {
    expect(table.length % 2).toBe(0);
    for (let i = 0; i < table.length; i += 2) {
      expect(table[i]).toBeLessThanOrEqual(table[i + 1] as number);
      if (i > 0) expect(table[i]).toBeGreaterThan((table[i - 1] as number) + 1);
    }
  });

  // Spot checks against the listings printed in RFC 3454 appendices B to D.
  it.each([
    [NON_ASCII_SPACE, 0x2000, true],
    [NON_ASCII_SPACE, 0x0020, false],
    [MAPPED_TO_NOTHING, 0x00ad, true],
    [MAPPED_TO_NOTHING, 0xfe0f, true],
    [MAPPED_TO_NOTHING, 0xfe10, false],
    [PROHIBITED, 0x0000, true],
    [PROHIBITED, 0x0020, false],
    [PROHIBITED, 0x10fffd, true],
    [PROHIBITED, 0xe0080, false],
    [RAND_AL_CAT, 0x05be, true],
    [RAND_AL_CAT, 0xfefc, true],
    [RAND_AL_CAT, 0x0041, false],
    [L_CAT, 0x0041, true],
    [L_CAT, 0x0030, false],
    [L_CAT, 0x10fffd, true],
  ])('inRanges(table, %s) is %s', (table, code, inside) => {
    expect(inRanges(table, code)).toBe(inside);
  });
});
