import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { foldHeader } from './header-folding.ts';

const word = fc.oneof(
  fc
    .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 })
    .map((w) => w.replace(/[\s]/g, 'x')),
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 8 })
    .map((w) => w.replace(/[\s\p{Cc}]/gu, 'y')),
  fc.constantFrom('x'.repeat(120), 'é'.repeat(40)),
);
const white = fc.constantFrom(' ', '  ', '\t', ' \t ');
const value = fc
  .tuple(
    fc.option(white, { nil: '' }),
    fc.array(fc.tuple(word, white)),
    word,
    fc.option(white, { nil: '' }),
  )
  .map(
    ([lead, pairs, last, trail]) =>
      `${lead}${pairs.map(([w, s]) => w + s).join('')}${last}${trail}`,
  );

const octets = (line: string): number => new TextEncoder().encode(line).length;

describe('header folding properties', () => {
  it('unfolds back exactly, with no blank lines and lines within 78 octets unless a word is longer', () => {
    fc.assert(
      fc.property(value, (v) => {
        const folded = foldHeader('X-Test', v);
        expect(folded.endsWith('\r\n')).toBe(true);
        const lines = folded.slice(0, -2).split('\r\n');
        for (const [i, line] of lines.entries()) {
          expect(line).not.toMatch(/^[ \t]*$/);
          expect(line).not.toMatch(/[\r\n]/);
          if (i > 0) expect(line).toMatch(/^[ \t]+[^ \t]/);
          expect(octets(line)).toBeLessThanOrEqual(998);
          // A line over 78 is a single unbreakable piece (one word and its leading white space).
          if (octets(line) > 78) {
            expect((i === 0 ? line.slice('X-Test: '.length) : line).trim()).not.toMatch(/[ \t]\S/);
          }
        }
        expect(folded.slice(0, -2).replace(/\r\n(?=[ \t])/g, '')).toBe(`X-Test: ${v}`);
      }),
      propertyRuns(400),
    );
  });

  it('arbitrary values never throw anything but InvalidHeaderError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 1200 }), (v) => {
        try {
          foldHeader('X', v);
        } catch (error) {
          expect(['SMTP_MIME_INVALID_HEADER_VALUE', 'SMTP_MIME_HEADER_TOO_LONG']).toContain(
            (error as { code?: string }).code,
          );
        }
      }),
      propertyRuns(300),
    );
  });
});
