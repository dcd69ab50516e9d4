import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pbkdf2HmacSha256 } from './pbkdf2.ts';

const text = (value: string) => new TextEncoder().encode(value);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('pbkdf2HmacSha256', () => {
  // RFC 7914 section 11, the two PBKDF2-HMAC-SHA256 vectors.
  it('matches RFC 7914 (P="passwd", S="salt", c=1, dkLen=64)', () => {
    expect(hex(pbkdf2HmacSha256(text('passwd'), text('salt'), 1, 64))).toBe(
      '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc' +
        '49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783',
    );
  });

  it('matches RFC 7914 (P="Password", S="NaCl", c=80000, dkLen=64)', () => {
    expect(hex(pbkdf2HmacSha256(text('Password'), text('NaCl'), 80000, 64))).toBe(
      '4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56' +
        'a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d',
    );
  });

  it('produces the SCRAM-SHA-256 SaltedPassword of RFC 7677 section 3 in well under a second', () => {
    const started = performance.now();
    const salted = pbkdf2HmacSha256(
      text('pencil'),
      Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
      4096,
      32,
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(salted).toHaveLength(32);
  });

  it('hashes passwords longer than a block first, as HMAC does', () => {
    const long = new Uint8Array(100).fill(0x70);
    expect(hex(pbkdf2HmacSha256(long, text('salt'), 2, 16))).toBe(
      pbkdf2Sync(long, 'salt', 2, 16, 'sha256').toString('hex'),
    );
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 53])('refuses %s iterations with a RangeError', (count) => {
    expect(() => pbkdf2HmacSha256(text('p'), text('s'), count, 32)).toThrow(RangeError);
  });

  it.each([0, -1, 0.5])('refuses an output length of %s with a RangeError', (length) => {
    expect(() => pbkdf2HmacSha256(text('p'), text('s'), 1, length)).toThrow(RangeError);
  });
});
