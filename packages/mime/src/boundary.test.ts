import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeBase64Lines } from './base64.ts';
import {
  asciiBytes,
  BOUNDARY_LENGTH,
  containsBoundary,
  createBoundary,
  indexOfBytes,
  RANDOM_POOL_SIZE,
  randomHex,
  resetRandomPool,
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

describe('randomHex', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    resetRandomPool();
  });

  it('draws from the CSPRNG once per pool, and hands every octet out once', () => {
    resetRandomPool();
    let fills = 0;
    let counter = 0;
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(((array: Uint8Array) => {
      fills++;
      // A recognisable sequence, so that reuse of an octet would show as a repeat.
      for (let i = 0; i < array.length; i++) array[i] = counter++ & 0xff;
      return array;
    }) as never);
    const draws = RANDOM_POOL_SIZE / 16;
    const ids = Array.from({ length: draws }, () => randomHex(16));
    expect(fills).toBe(1);
    expect(ids[0]).toBe('000102030405060708090a0b0c0d0e0f');
    expect(ids[1]).toBe('101112131415161718191a1b1c1d1e1f');
    // The next draw finds the pool used up and refills it.
    expect(randomHex(16)).toBe('000102030405060708090a0b0c0d0e0f');
    expect(fills).toBe(2);
  });

  it('refills when fewer octets than asked are left, never mixing two fills', () => {
    resetRandomPool();
    let fill = 0;
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(((array: Uint8Array) => {
      array.fill(++fill);
      return array;
    }) as never);
    randomHex(RANDOM_POOL_SIZE - 8);
    expect(randomHex(16)).toBe('02'.repeat(16));
  });

  it('gives 128-bit values that do not repeat across many pools', () => {
    const seen = new Set(Array.from({ length: 3 * (RANDOM_POOL_SIZE / 16) }, () => randomHex(16)));
    expect(seen.size).toBe(3 * (RANDOM_POOL_SIZE / 16));
    for (const hex of seen) expect(hex).toMatch(/^[0-9a-f]{32}$/);
  });
});
