import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from './base64.ts';

const text = (value: string) => new TextEncoder().encode(value);

describe('encodeBase64', () => {
  // RFC 4648 section 10 test vectors.
  it.each([
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ])('encodes %j as %j (RFC 4648 section 10)', (input, output) => {
    expect(encodeBase64(text(input))).toBe(output);
  });

  it('uses + and / for 62 and 63', () => {
    expect(encodeBase64(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe('+/+/');
  });
});

describe('decodeBase64', () => {
  it.each([
    ['', ''],
    ['Zg==', 'f'],
    ['Zm8=', 'fo'],
    ['Zm9v', 'foo'],
    ['Zm9vYg==', 'foob'],
    ['Zm9vYmE=', 'fooba'],
    ['Zm9vYmFy', 'foobar'],
  ])('decodes %j (RFC 4648 section 10)', (input, output) => {
    expect(decodeBase64(input)).toEqual(text(output));
  });

  it('decodes + and /', () => {
    expect(decodeBase64('+/+/')).toEqual(Uint8Array.of(0xfb, 0xff, 0xbf));
  });

  it.each([
    ['a length that is not a multiple of 4', 'Zm9'],
    ['missing padding', 'Zg'],
    ['too much padding', 'Z==='],
    ['only padding', '===='],
    ['padding in the middle', 'Zg==Zm9v'],
    ['a space', 'Zm 9'],
    ['a trailing CRLF', 'Zm9v\r\n'],
    ['the URL-safe alphabet', 'Zm-_'],
    ['a character above ASCII', 'Zm9é'],
    ['a NUL', 'Zm9\u0000'],
    ['non-zero bits before one =', 'Zm9='],
    ['non-zero bits before two =', 'Zh=='],
  ])('refuses %s', (_reason, input) => {
    expect(decodeBase64(input)).toBeUndefined();
  });
});
