import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { encodeBase64Lines } from './base64.ts';
import {
  asciiBytes,
  BOUNDARY_LENGTH,
  containsBoundary,
  createBoundary,
  indexOfBytes,
  toHex,
} from './boundary.ts';
import { encodeQuotedPrintable } from './quoted-printable.ts';

describe('createBoundary', () => {
  it('is =_ and 32 hex digits (128 random bits), within the 70 characters RFC 2046 allows', () => {
    const boundary = createBoundary();
    expect(boundary).toMatch(/^=_[0-9a-f]{32}$/);
    expect(boundary.length).toBe(BOUNDARY_LENGTH);
  });

  it('differs on every call', () => {
    const seen = new Set(Array.from({ length: 200 }, createBoundary));
    expect(seen.size).toBe(200);
  });

  it('cannot occur in quoted-printable or base64 output of any bytes', () => {
    const boundary = createBoundary();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (data, binary) => {
        expect(containsBoundary(encodeQuotedPrintable(data, { binary }), boundary)).toBe(false);
        expect(containsBoundary(encodeBase64Lines(data), boundary)).toBe(false);
        // The argument: QP never writes "=_", base64 never writes "_".
        expect(indexOfBytes(encodeQuotedPrintable(data, { binary }), asciiBytes('=_'))).toBe(-1);
        expect(encodeBase64Lines(data).includes(0x5f)).toBe(false);
      }),
      propertyRuns(300),
    );
  });
});

describe('indexOfBytes', () => {
  it('finds a needle anywhere, or answers -1', () => {
    const hay = asciiBytes('abcabd--=_x');
    expect(indexOfBytes(hay, asciiBytes('abd'))).toBe(3);
    expect(indexOfBytes(hay, asciiBytes('=_x'))).toBe(8);
    expect(indexOfBytes(hay, asciiBytes('=_y'))).toBe(-1);
    expect(indexOfBytes(hay, asciiBytes('x!'))).toBe(-1);
    expect(indexOfBytes(hay, new Uint8Array(0))).toBe(0);
  });

  it('agrees with String.prototype.indexOf', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', '=') }),
        fc.string({ minLength: 1, maxLength: 3, unit: fc.constantFrom('a', 'b', '=') }),
        (hay, needle) => {
          expect(indexOfBytes(asciiBytes(hay), asciiBytes(needle))).toBe(hay.indexOf(needle));
        },
      ),
      propertyRuns(300),
    );
  });
});

describe('toHex', () => {
  it('writes two lower-case digits per byte', () => {
    expect(toHex(new Uint8Array([0, 15, 16, 255]))).toBe('000f10ff');
  });
});
