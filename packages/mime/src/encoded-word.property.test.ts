import { createRequire } from 'node:module';
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { decodeEncodedWords, encodePhrase, encodeUnstructured } from './encoded-word.ts';
import { foldHeader } from './header-folding.ts';
import { findInvalidHeaderValueChar } from './header-validation.ts';

const require = createRequire(import.meta.url);
const libmime = require('libmime') as { decodeWords(text: string): string };

/** Text of words from mixed scripts, emoji, combining marks, specials and look-alikes. */
const piece = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom(
    '=?',
    '?=',
    '=?utf-8?q?x?=',
    '"',
    '\\',
    '_',
    'é',
    'e\u0301',
    '😀',
    '👩‍👩‍👧',
    '中文',
    'עברית',
    ' ',
    '  ',
    '\t',
    '.',
    ',',
  ),
  fc.string({ unit: 'grapheme-ascii', maxLength: 90 }),
);
const text = fc.array(piece, { maxLength: 10 }).map((parts) => parts.join(''));
const clean = text.filter((t) => findInvalidHeaderValueChar(t) === -1);

function checkEncoded(encoded: string): void {
  expect(encoded).toMatch(/^[\t\x20-\x7e]*$/);
  for (const word of encoded.match(/=\?UTF-8\?[QB]\?[^?\s]*\?=/g) ?? []) {
    expect(word.length).toBeLessThanOrEqual(75);
  }
}

describe('encoded word properties', () => {
  it('encodeUnstructured: ASCII without controls, words ≤ 75 octets, decoded back by libmime and by us', () => {
    fc.assert(
      fc.property(clean, (value) => {
        const encoded = encodeUnstructured(value);
        checkEncoded(encoded);
        expect(libmime.decodeWords(encoded)).toBe(value);
        expect(decodeEncodedWords(encoded)).toBe(value);
      }),
      propertyRuns(300),
    );
  });

  it('encodeUnstructured then foldHeader: lines within 78 octets and unfolding gives the value back', () => {
    fc.assert(
      fc.property(clean, (value) => {
        const encoded = encodeUnstructured(value);
        const folded = foldHeader('Subject', encoded);
        for (const line of folded.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78 + 10);
        const unfolded = folded.replace(/\r\n(?=[ \t])/g, '').replace(/\r\n$/, '');
        expect(unfolded).toBe(encoded === '' ? 'Subject:' : `Subject: ${encoded}`);
        expect(libmime.decodeWords(unfolded.slice('Subject: '.length))).toBe(value);
      }),
      propertyRuns(200),
    );
  });

  it('encodePhrase: atoms, a quoted-string or encoded words that decode back', () => {
    fc.assert(
      fc.property(clean, (value) => {
        const encoded = encodePhrase(value);
        checkEncoded(encoded);
        if (encoded.startsWith('"')) {
          expect(encoded.slice(1, -1).replace(/\\(.)/g, '$1')).toBe(value);
        } else {
          expect(libmime.decodeWords(encoded)).toBe(value);
          expect(decodeEncodedWords(encoded)).toBe(value);
        }
      }),
      propertyRuns(300),
    );
  });

  it('arbitrary strings never throw anything but InvalidHeaderError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (value) => {
        for (const encode of [encodeUnstructured, encodePhrase]) {
          try {
            checkEncoded(encode(value));
          } catch (error) {
            expect(error).toMatchObject({ code: 'SMTP_MIME_INVALID_HEADER_VALUE' });
          }
        }
        expect(typeof decodeEncodedWords(value)).toBe('string');
      }),
      propertyRuns(300),
    );
  });
});
