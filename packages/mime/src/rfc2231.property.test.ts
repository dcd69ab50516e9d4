import { createRequire } from 'node:module';
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { foldHeader } from './header-folding.ts';
import { findInvalidHeaderValueChar } from './header-validation.ts';
import { formatContentHeaderValue, formatParameter } from './rfc2231.ts';

const require = createRequire(import.meta.url);
const libmime = require('libmime') as {
  parseHeaderValue(value: string): { value: string; params: Record<string, string> };
};

const filename = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 10 }),
      fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
      fc.constantFrom('"', '\\', ';', '=', "'", '%', '*', ' ', '😀', 'é', '.pdf'),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => parts.join(''))
  .filter((name) => findInvalidHeaderValueChar(name) === -1 && name.trim() === name && name !== '');

describe('RFC 2231 parameter properties', () => {
  it('libmime gives back the filename from the folded, unfolded header', () => {
    fc.assert(
      fc.property(filename, (name) => {
        for (const [header, value, param] of [
          ['Content-Disposition', 'attachment', 'filename'],
          ['Content-Type', 'application/octet-stream', 'name'],
        ] as const) {
          const folded = foldHeader(header, formatContentHeaderValue(value, { [param]: name }));
          for (const line of folded.split('\r\n')) {
            expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(998);
          }
          const unfolded = folded.replace(/\r\n(?=[ \t])/g, '').replace(/\r\n$/, '');
          const parsed = libmime.parseHeaderValue(unfolded.slice(header.length + 1));
          expect(parsed.value).toBe(value);
          expect(parsed.params[param]).toBe(name);
        }
      }),
      propertyRuns(300),
    );
  });

  it('segments are ASCII without controls and at most 76 characters when the name is short', () => {
    fc.assert(
      fc.property(filename, (name) => {
        for (const segment of formatParameter('filename', name)) {
          expect(segment).toMatch(/^[\x20-\x7e]+$/);
          if (!/^filename="[\x21-\x7e]{70,}"$/.test(segment)) {
            expect(segment.length).toBeLessThanOrEqual(76);
          }
        }
      }),
      propertyRuns(300),
    );
  });

  it('arbitrary names and values never throw anything but SMTP_MIME_INVALID_PARAMETER', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        (name, value) => {
          try {
            formatParameter(name, value);
          } catch (error) {
            expect(error).toMatchObject({ code: 'SMTP_MIME_INVALID_PARAMETER' });
          }
        },
      ),
      propertyRuns(300),
    );
  });
});
