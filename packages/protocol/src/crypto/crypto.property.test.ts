/**
 * Every hash primitive of this folder against `node:crypto` (OpenSSL) on arbitrary inputs: an
 * independent implementation as the oracle, on top of the published vectors in the unit tests.
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from './constant-time.ts';
import { hmacMd5, hmacSha256 } from './hmac.ts';
import { md5 } from './md5.ts';
import { pbkdf2HmacSha256 } from './pbkdf2.ts';
import { sha256 } from './sha256.ts';

const params = propertyRuns(200);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
// Lengths up to 300 cross the one-block/two-block padding boundary (55/56 bytes) and the
// HMAC long-key boundary (64 bytes) several times.
const data = fc.uint8Array({ maxLength: 300 });

describe('hash primitives against node:crypto', () => {
  it('sha256 equals createHash("sha256")', () => {
    fc.assert(
      fc.property(data, (input) => {
        expect(hex(sha256(input))).toBe(createHash('sha256').update(input).digest('hex'));
      }),
      params,
    );
  });

  it('md5 equals createHash("md5")', () => {
    fc.assert(
      fc.property(data, (input) => {
        expect(hex(md5(input))).toBe(createHash('md5').update(input).digest('hex'));
      }),
      params,
    );
  });

  it('hmacSha256 equals createHmac("sha256")', () => {
    fc.assert(
      fc.property(data, data, (key, message) => {
        expect(hex(hmacSha256(key, message))).toBe(
          createHmac('sha256', key).update(message).digest('hex'),
        );
      }),
      params,
    );
  });

  it('hmacMd5 equals createHmac("md5")', () => {
    fc.assert(
      fc.property(data, data, (key, message) => {
        expect(hex(hmacMd5(key, message))).toBe(
          createHmac('md5', key).update(message).digest('hex'),
        );
      }),
      params,
    );
  });

  it('pbkdf2HmacSha256 equals pbkdf2Sync(..., "sha256") for small iteration counts', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        (password, salt, iterations, length) => {
          expect(hex(pbkdf2HmacSha256(password, salt, iterations, length))).toBe(
            pbkdf2Sync(password, salt, iterations, length, 'sha256').toString('hex'),
          );
        },
      ),
      { ...params, numRuns: Math.min(params.numRuns, 50) },
    );
  });

  it('constantTimeEqual agrees with Buffer.equals', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4 }), fc.uint8Array({ maxLength: 4 }), (a, b) => {
        expect(constantTimeEqual(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
      }),
      params,
    );
  });
});
