import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from './base64.ts';

const params = propertyRuns(200);

describe('base64 properties', () => {
  it('encodes exactly as Buffer does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      }),
      params,
    );
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
      }),
      params,
    );
  });

  it('accepts a string only if it is the canonical encoding of what it decodes to', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= -_\r\n';
    const candidate = fc.oneof(
      fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 24 }),
      fc.string({ maxLength: 24 }),
    );
    fc.assert(
      fc.property(candidate, (input) => {
        const decoded = decodeBase64(input);
        if (decoded !== undefined) {
          expect(encodeBase64(decoded)).toBe(input);
          // Where Buffer accepts the text too, both read the same bytes.
          expect(Buffer.from(input, 'base64')).toEqual(Buffer.from(decoded));
        }
      }),
      params,
    );
  });
});
