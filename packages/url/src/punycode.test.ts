import { describe, expect, it } from 'vitest';
import { decodePunycode, encodePunycode, PunycodeError } from './punycode.ts';

function thrown(action: () => unknown): PunycodeError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(PunycodeError);
    return error as PunycodeError;
  }
  throw new Error('expected a PunycodeError');
}

describe('Punycode', () => {
  it.each([
    ['', ''],
    ['bücher', 'bcher-kva'],
    ['Bücher', 'Bcher-kva'],
    ['ß', 'zca'],
    ['münchen', 'mnchen-3ya'],
    ['пример', 'e1afmkfd'],
    ['日本語', 'wgv71a119e'],
    ['ᏣᎳᎩ', 'f9dt7l'],
    ['-ü', '--eha'],
    // Astral code points are one code point, not two surrogates.
    ['💩', 'ls8h'],
    ['\u{10ffff}a\u0080', 'a-ba160354a'],
    // All ASCII: copied, then the delimiter.
    ['abc', 'abc-'],
    ['-', '--'],
    ['a-b', 'a-b-'],
    // Samples of RFC 3492 section 7.1: (B), (A), (L), (M) and (P), mixed case kept.
    ['他们为什么不说中文', 'ihqwcrb4cv8a8dqg056pqjye'],
    ['ليهمابتكلموشعربي؟', 'egbpdaj6bu4bxfgehfvwxn'],
    ['3年B組金八先生', '3B-ww4c5e180e575a65lsy2b'],
    ['安室奈美恵-with-SUPER-MONKEYS', '-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n'],
    ['MajiでKoiする5秒前', 'MajiKoi5-783gue6qz075azm5e'],
  ])('writes %j as %j and reads it back', (unicode, punycode) => {
    expect(encodePunycode(unicode)).toBe(punycode);
    expect(decodePunycode(punycode)).toBe(unicode);
  });

  it('reads digits in either case and keeps the case of the copied ASCII', () => {
    expect(decodePunycode('BCHER-KVA')).toBe('BüCHER');
    expect(decodePunycode('bcher-KVA')).toBe('bücher');
  });

  it('reads text without "-" as digits only, and a lone leading "-" as a digit', () => {
    expect(decodePunycode('abc')).toBe('\u0082\u0081\u0080');
    expect(thrown(() => decodePunycode('-abc')).code).toBe('PUNYCODE_INVALID_INPUT');
  });

  it.each([
    ['ü-abc', 'PUNYCODE_INVALID_INPUT', 'before the last "-" is not ASCII'],
    ['a-b_c', 'PUNYCODE_INVALID_INPUT', 'not a letter or a digit'],
    ['a-b.c', 'PUNYCODE_INVALID_INPUT', 'not a letter or a digit'],
    ['a-ü', 'PUNYCODE_INVALID_INPUT', 'not a letter or a digit'],
    ['a-99', 'PUNYCODE_INVALID_INPUT', 'ends inside a number'],
    ['ab--c', 'PUNYCODE_INVALID_INPUT', 'ends inside a number'],
    ['99999999999999999999', 'PUNYCODE_OVERFLOW', 'too large'],
    // Past U+10FFFF.
    ['99999a', 'PUNYCODE_INVALID_CODE_POINT', 'not a Unicode scalar value'],
    // U+D800 and U+DFFF, which an encoder that takes UTF-16 units for code points would write.
    ['ib9b', 'PUNYCODE_INVALID_CODE_POINT', 'not a Unicode scalar value'],
    ['a-qo7g', 'PUNYCODE_INVALID_CODE_POINT', 'not a Unicode scalar value'],
  ])('refuses to decode %j (%s)', (input, code, message) => {
    const error = thrown(() => decodePunycode(input));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    expect(error.name).toBe('PunycodeError');
  });

  it.each(['\ud800', 'a\udfff', '\udc00\ud800'])(
    'refuses to encode the lone surrogates of %j',
    (input) => {
      expect(thrown(() => encodePunycode(input)).code).toBe('PUNYCODE_INVALID_CODE_POINT');
    },
  );

  it('never quotes its input in a message', () => {
    expect(thrown(() => decodePunycode('secret-ü!')).message).not.toContain('secret');
  });
});
