import fc from 'fast-check';
import { concat, latin1, propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { createBase64Encoder, decodeBase64 } from './base64.ts';

const cuts = fc.array(fc.nat(), { maxLength: 12 });

function chunked(data: Uint8Array, points: number[]): Uint8Array[] {
  const sorted = [...new Set(points.map((p) => p % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of sorted) {
    out.push(data.subarray(last, p));
    last = p;
  }
  out.push(data.subarray(last));
  return out;
}

describe('base64 properties', () => {
  it('both paths give Buffer base64 in CRLF lines and decode back, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 700 }),
        cuts,
        fc.integer({ min: 1, max: 19 }).map((n) => 4 * n),
        (data, points, lineLength) => {
          const expected = (
            Buffer.from(data)
              .toString('base64')
              .match(new RegExp(`.{1,${lineLength}}`, 'g')) ?? []
          )
            .map((line) => `${line}\r\n`)
            .join('');
          for (const portable of [false, true]) {
            const encoder = createBase64Encoder({ lineLength, portable });
            const parts = chunked(data, points).map((c) => encoder.push(c));
            const encoded = concat([...parts, encoder.end()]);
            expect(latin1(encoded)).toBe(expected);
            expect(decodeBase64(encoded)).toEqual(data);
            expect(Uint8Array.from(Buffer.from(latin1(encoded), 'base64'))).toEqual(data);
          }
        },
      ),
      propertyRuns(300),
    );
  });

  it('decoding arbitrary text throws nothing but ContentError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (text) => {
        try {
          decodeBase64(text);
        } catch (error) {
          expect(error).toMatchObject({ code: 'SMTP_MIME_MALFORMED_ENCODING' });
        }
      }),
      propertyRuns(300),
    );
  });
});
