import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.ts';
import {
  decodeUtf8Addr,
  decodeXtext,
  encodeUtf8AddrUnitext,
  encodeUtf8AddrXtext,
  encodeXtext,
} from './xtext.ts';

const runs = propertyRuns(300);

/** Well-formed strings over the whole of Unicode, controls included. */
const anyText = fc.string({ unit: 'binary' });
/** The same without NUL, which RFC 6533 cannot carry. */
const withoutNul = anyText.filter((text) => !text.includes('\u0000'));

/** Strings made of the pieces of escapes, so that valid and near-valid escapes are common. */
const escapeSoup = fc.string({
  unit: fc.constantFrom(
    '+',
    '=',
    '\\',
    'x',
    '{',
    '}',
    '0',
    '1',
    '2',
    '3',
    'B',
    'D',
    'F',
    'a',
    ' ',
    'é',
  ),
});

describe('xtext properties', () => {
  it('round-trips any well-formed string', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(decodeXtext(encodeXtext(text))).toBe(text);
      }),
      runs,
    );
  });

  it('encodes to xchar and +XX only', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(encodeXtext(text)).toMatch(
          /^(?:[\u0021-\u002a\u002c-\u003c\u003e-\u007e]|\+[0-9A-F]{2})*$/,
        );
      }),
      runs,
    );
  });

  it('round-trips both RFC 6533 forms, and the xtext form is 7-bit printable', () => {
    fc.assert(
      fc.property(withoutNul, (text) => {
        const xtext = encodeUtf8AddrXtext(text);
        expect(xtext).toMatch(/^[\u0021-\u007e]*$/);
        expect(decodeUtf8Addr(xtext)).toBe(text);
        expect(decodeUtf8Addr(encodeUtf8AddrUnitext(text))).toBe(text);
      }),
      runs,
    );
  });

  it('decoders only ever throw InvalidInputError, and what they accept encodes back', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme-ascii' }), escapeSoup), (text) => {
        try {
          const decoded = decodeXtext(text);
          expect(decodeXtext(encodeXtext(decoded))).toBe(decoded);
          if (!/\+(?![01][0-9A-F]|2[0B]|3D|7F|[89A-F][0-9A-F])/.test(text)) {
            // Only escapes of octets that need one: the text was canonical.
            expect(encodeXtext(decoded)).toBe(text);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
        }
        try {
          const decoded = decodeUtf8Addr(text);
          // 7-bit input can only be the xtext form; with raw UTF-8 it was (partly) unitext.
          if (/^[\u0000-\u007f]*$/.test(text)) expect(encodeUtf8AddrXtext(decoded)).toBe(text);
          else expect(decodeUtf8Addr(encodeUtf8AddrUnitext(decoded))).toBe(decoded);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
        }
      }),
      runs,
    );
  });
});
