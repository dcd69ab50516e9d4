import { createRequire } from 'node:module';
import fc from 'fast-check';
import { concat, latin1, propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import {
  createQuotedPrintableDecoder,
  createQuotedPrintableEncoder,
  decodeQuotedPrintable,
  encodeQuotedPrintable,
} from './quoted-printable.ts';

const require = createRequire(import.meta.url);
const libqp = require('libqp') as { decode(input: string): Buffer };

/** Bytes biased towards what matters: CR, LF, space, tab, '=', '.', and 8-bit octets. */
const content = fc
  .array(
    fc.oneof(
      fc.constantFrom(0x0d, 0x0a, 0x20, 0x09, 0x3d, 0x2e, 0x61, 0xc3, 0xff, 0x00),
      fc.integer({ min: 0, max: 255 }),
    ),
    { maxLength: 400 },
  )
  .map((values) => Uint8Array.from(values));

/** Cut points for a random chunking. */
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

/** CRLF, bare CR and bare LF all become CRLF: what text mode promises to keep. */
function canonical(data: Uint8Array): string {
  return latin1(data).replace(/\r\n|\r|\n/g, '\r\n');
}

function checkShape(encoded: string, lineLength = 76): void {
  // Only printable ASCII, and CR only in CRLF.
  expect(encoded).toMatch(/^(?:[\t\x20-\x7e]|\r\n)*$/);
  for (const line of encoded.split('\r\n')) {
    expect(line.length).toBeLessThanOrEqual(lineLength);
    // Every '=' starts =XX or is the soft break at the very end: never a split =XX.
    expect(line).toMatch(/^(?:[^=]|=[0-9A-F]{2})*=?$/);
    // No white space before a line end, no '.' at a line start.
    expect(line).not.toMatch(/[ \t]$/);
    expect(line.startsWith('.')).toBe(false);
  }
}

describe('quoted-printable properties', () => {
  it('text mode: decodes back to the input with canonical line ends, whatever the chunking', () => {
    fc.assert(
      fc.property(content, cuts, fc.integer({ min: 4, max: 120 }), (data, points, lineLength) => {
        const encoder = createQuotedPrintableEncoder({ lineLength });
        const parts = chunked(data, points).map((c) => encoder.push(c));
        const encoded = latin1(concat([...parts, encoder.end()]));
        expect(encoded).toBe(latin1(encodeQuotedPrintable(data, { lineLength })));
        checkShape(encoded, lineLength);
        expect(latin1(decodeQuotedPrintable(new TextEncoder().encode(encoded)))).toBe(
          canonical(data),
        );
        expect(libqp.decode(encoded).toString('latin1')).toBe(canonical(data));
      }),
      propertyRuns(300),
    );
  });

  it('binary mode: decodes back to the exact bytes, whatever the chunking', () => {
    fc.assert(
      fc.property(content, cuts, (data, points) => {
        const encoder = createQuotedPrintableEncoder({ binary: true });
        const parts = chunked(data, points).map((c) => encoder.push(c));
        const encoded = concat([...parts, encoder.end()]);
        checkShape(latin1(encoded));
        expect(decodeQuotedPrintable(encoded)).toEqual(data);
        expect(Uint8Array.from(libqp.decode(latin1(encoded)))).toEqual(data);
      }),
      propertyRuns(300),
    );
  });

  it('the decoder gives the same bytes however its input is chunked, and never throws', () => {
    fc.assert(
      fc.property(content, cuts, (data, points) => {
        const decoder = createQuotedPrintableDecoder();
        const parts = chunked(data, points).map((c) => decoder.push(c));
        expect(concat([...parts, decoder.end()])).toEqual(decodeQuotedPrintable(data));
      }),
      propertyRuns(300),
    );
  });

  it('strict decoding throws nothing but ContentError', () => {
    fc.assert(
      fc.property(content, (data) => {
        try {
          decodeQuotedPrintable(data, { strict: true });
        } catch (error) {
          expect(error).toMatchObject({ code: 'SMTP_MIME_MALFORMED_ENCODING' });
        }
      }),
      propertyRuns(300),
    );
  });
});
