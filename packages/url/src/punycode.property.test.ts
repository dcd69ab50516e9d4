import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { decodePunycode, encodePunycode, PunycodeError } from './punycode.ts';

const params = propertyRuns(500);
/** Wider budgets get proportionally more time than vitest's 5 s default. */
const timeout = Math.max(5_000, params.numRuns * 10);

/** Unicode strings (no lone surrogates), biased towards what labels hold. */
const unicode = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({
    unit: fc.constantFrom('a', 'Z', '0', '-', 'ü', 'ß', '例', '💩', '\u0080', '\u{10ffff}'),
  }),
);

/** Text in Punycode's own alphabet, both cases, so that much of it decodes. */
const punycodeLike = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCKVXZ0123456789-'),
  maxLength: 20,
});

/** Anything, lone surrogates and characters outside the alphabet included. */
const anyText = fc.oneof(
  punycodeLike,
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)) }),
);

// In a `u` regex a surrogate pair is one astral code point, so only a lone surrogate is `Cs`.
const LONE_SURROGATE = /\p{Cs}/u;

/** The result of `action`, or the PunycodeError it threw; anything else thrown fails the test. */
function attempt(action: () => string): string | PunycodeError {
  try {
    return action();
  } catch (error) {
    expect(error).toBeInstanceOf(PunycodeError);
    return error as PunycodeError;
  }
}

describe('Punycode (properties)', () => {
  it(
    'decode(encode(s)) is s for any Unicode string',
    () => {
      fc.assert(
        fc.property(unicode, (text) => {
          expect(decodePunycode(encodePunycode(text))).toBe(text);
        }),
        params,
      );
    },
    timeout,
  );

  it(
    'encode(decode(t)) is t, up to case, for any t that decodes: each string has one spelling',
    () => {
      fc.assert(
        fc.property(punycodeLike, (text) => {
          const decoded = attempt(() => decodePunycode(text));
          if (typeof decoded === 'string') {
            expect(encodePunycode(decoded).toLowerCase()).toBe(text.toLowerCase());
          }
        }),
        params,
      );
    },
    timeout,
  );

  it(
    'decode throws nothing but PunycodeError, and encode only for lone surrogates',
    () => {
      fc.assert(
        fc.property(anyText, (text) => {
          attempt(() => decodePunycode(text));
          const encoded = attempt(() => encodePunycode(text));
          expect(encoded instanceof PunycodeError).toBe(LONE_SURROGATE.test(text));
        }),
        params,
      );
    },
    timeout,
  );
});
