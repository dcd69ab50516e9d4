import { describe, expect, it } from 'vitest';
import { hmacMd5, hmacSha256 } from './hmac.ts';

const text = (value: string) => new TextEncoder().encode(value);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const filled = (length: number, byte: number) => new Uint8Array(length).fill(byte);
const counting = Uint8Array.from({ length: 25 }, (_, i) => i + 1);

describe('hmacSha256', () => {
  // RFC 4231 section 4, test cases 1 to 7.
  it.each([
    [
      1,
      filled(20, 0x0b),
      text('Hi There'),
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    ],
    [
      2,
      text('Jefe'),
      text('what do ya want for nothing?'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    [
      3,
      filled(20, 0xaa),
      filled(50, 0xdd),
      '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
    ],
    [
      4,
      counting,
      filled(50, 0xcd),
      '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    ],
    [
      6,
      filled(131, 0xaa),
      text('Test Using Larger Than Block-Size Key - Hash Key First'),
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    ],
    [
      7,
      filled(131, 0xaa),
      text(
        'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
      ),
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    ],
  ])('matches RFC 4231 test case %i', (_case, key, data, mac) => {
    expect(hex(hmacSha256(key, data))).toBe(mac);
  });

  it('matches RFC 4231 test case 5 (truncated to 128 bits)', () => {
    const mac = hmacSha256(filled(20, 0x0c), text('Test With Truncation'));
    expect(hex(mac.subarray(0, 16))).toBe('a3b6167473100ee06e0c796c2955552b');
  });

  it('does not modify the key', () => {
    const key = filled(20, 0x0b);
    hmacSha256(key, text('Hi There'));
    expect(key).toEqual(filled(20, 0x0b));
  });
});

describe('hmacMd5', () => {
  // RFC 2202 section 2, test cases 1 to 7.
  it.each([
    [1, filled(16, 0x0b), text('Hi There'), '9294727a3638bb1c13f48ef8158bfc9d'],
    [2, text('Jefe'), text('what do ya want for nothing?'), '750c783e6ab0b503eaa86e310a5db738'],
    [3, filled(16, 0xaa), filled(50, 0xdd), '56be34521d144c88dbb8c733f0e8b3f6'],
    [4, counting, filled(50, 0xcd), '697eaf0aca3a3aea3a75164746ffaa79'],
    [5, filled(16, 0x0c), text('Test With Truncation'), '56461ef2342edc00f9bab995690efd4c'],
    [
      6,
      filled(80, 0xaa),
      text('Test Using Larger Than Block-Size Key - Hash Key First'),
      '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd',
    ],
    [
      7,
      filled(80, 0xaa),
      text('Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data'),
      '6f630fad67cda0ee1fb1f562db3aa53e',
    ],
  ])('matches RFC 2202 test case %i', (_case, key, data, mac) => {
    expect(hex(hmacMd5(key, data))).toBe(mac);
  });
});
