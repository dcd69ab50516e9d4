import { describe, expect, it } from 'vitest';
import {
  decodeUtf8Addr,
  decodeXtext,
  encodeUtf8AddrUnitext,
  encodeUtf8AddrXtext,
  encodeXtext,
} from './xtext.ts';

describe('encodeXtext / decodeXtext (RFC 3461 section 4)', () => {
  const pairs: ReadonlyArray<readonly [decoded: string, encoded: string]> = [
    ['', ''],
    ['plain!~', 'plain!~'],
    ['a+b=c', 'a+2Bb+3Dc'],
    ['with space', 'with+20space'],
    ['tab\there\r\n', 'tab+09here+0D+0A'],
    ['del\u007f', 'del+7F'],
    ['<user@example.com>', '<user@example.com>'],
    ['é', '+C3+A9'],
    ['😀', '+F0+9F+98+80'],
  ];
  for (const [decoded, encoded] of pairs) {
    it(`encodes ${JSON.stringify(decoded)} as ${JSON.stringify(encoded)} and back`, () => {
      expect(encodeXtext(decoded)).toBe(encoded);
      expect(decodeXtext(encoded)).toBe(decoded);
    });
  }

  it('decodes +XX of an octet that needed no escape, as the RFC 3461 grammar allows', () => {
    expect(decodeXtext('+41+42c')).toBe('ABc');
  });

  it('refuses a lone surrogate, which has no UTF-8 form', () => {
    expect(() => encodeXtext('a\ud800b')).toThrow(
      expect.objectContaining({ code: 'SMTP_INVALID_CHARACTER' }),
    );
  });

  const bad: ReadonlyArray<readonly [title: string, xtext: string]> = [
    ['a raw space', 'a b'],
    ['a raw "="', 'a=b'],
    ['a raw control', 'a\rb'],
    ['raw non-ASCII', 'é'],
    ['a "+" at the end', 'abc+'],
    ['a "+" with one digit', 'abc+4'],
    ['lower-case hex', 'a+2b'],
    ['a "+" followed by non-hex', 'a+GG'],
    ['octets that are not UTF-8', '+FF'],
  ];
  for (const [title, xtext] of bad) {
    it(`decodeXtext rejects ${title}`, () => {
      expect(() => decodeXtext(xtext)).toThrow(
        expect.objectContaining({ code: 'SMTP_INVALID_PARAMETER' }),
      );
    });
  }
});

describe('RFC 6533 utf-8 address forms', () => {
  const forms: ReadonlyArray<readonly [address: string, xtext: string, unitext: string]> = [
    ['user@example.com', 'user@example.com', 'user@example.com'],
    ['jörg@bücher.example', 'j\\x{F6}rg@b\\x{FC}cher.example', 'jörg@bücher.example'],
    ['a+b=c\\d@x', 'a\\x{2B}b\\x{3D}c\\x{5C}d@x', 'a\\x{2B}b\\x{3D}c\\x{5C}d@x'],
    ['"a b"@x', '"a\\x{20}b"@x', '"a\\x{20}b"@x'],
    [
      'δοκιμή@παράδειγμα.δοκιμή',
      '\\x{3B4}\\x{3BF}\\x{3BA}\\x{3B9}\\x{3BC}\\x{3AE}@\\x{3C0}\\x{3B1}\\x{3C1}\\x{3AC}\\x{3B4}\\x{3B5}\\x{3B9}\\x{3B3}\\x{3BC}\\x{3B1}.\\x{3B4}\\x{3BF}\\x{3BA}\\x{3B9}\\x{3BC}\\x{3AE}',
      'δοκιμή@παράδειγμα.δοκιμή',
    ],
    ['😀@x', '\\x{1F600}@x', '😀@x'],
    ['\u0001@x', '\\x{01}@x', '\\x{01}@x'],
  ];
  for (const [address, xtext, unitext] of forms) {
    it(`encodes ${JSON.stringify(address)} in both forms and decodes both back`, () => {
      expect(encodeUtf8AddrXtext(address)).toBe(xtext);
      expect(encodeUtf8AddrUnitext(address)).toBe(unitext);
      expect(decodeUtf8Addr(xtext)).toBe(address);
      expect(decodeUtf8Addr(unitext)).toBe(address);
    });
  }

  it('refuses NUL, which HEXPOINT cannot spell', () => {
    expect(() => encodeUtf8AddrXtext('a\u0000@x')).toThrow(
      expect.objectContaining({ code: 'SMTP_INVALID_CHARACTER' }),
    );
  });

  it('refuses a lone surrogate', () => {
    expect(() => encodeUtf8AddrXtext('\udc00@x')).toThrow(
      expect.objectContaining({ code: 'SMTP_INVALID_CHARACTER' }),
    );
    expect(() => encodeUtf8AddrUnitext('\udc00@x')).toThrow(
      expect.objectContaining({ code: 'SMTP_INVALID_CHARACTER' }),
    );
    expect(() => decodeUtf8Addr('\udc00@x')).toThrow(
      expect.objectContaining({ code: 'SMTP_INVALID_CHARACTER' }),
    );
  });

  const bad: ReadonlyArray<readonly [title: string, text: string]> = [
    ['a raw "+"', 'a+b@x'],
    ['a raw "="', 'a=b@x'],
    ['a raw space', 'a b@x'],
    ['a raw control', 'a\u0001b@x'],
    ['a lone backslash', 'a\\b@x'],
    ['an unterminated escape', 'a\\x{F6'],
    ['lower-case hex', 'j\\x{f6}rg@x'],
    ['a leading zero', 'j\\x{0F6}rg@x'],
    ['a one-digit escape', '\\x{1}@x'],
    ['an escape of a character that needs none', '\\x{41}@x'],
    ['a surrogate code point', '\\x{D800}@x'],
    ['NUL', '\\x{00}@x'],
    ['a code point beyond U+10FFFF', '\\x{110000}@x'],
    ['seven hex digits', '\\x{1000000}@x'],
  ];
  for (const [title, text] of bad) {
    it(`decodeUtf8Addr rejects ${title}`, () => {
      expect(() => decodeUtf8Addr(text)).toThrow(
        expect.objectContaining({ code: 'SMTP_INVALID_PARAMETER' }),
      );
    });
  }
});
