/**
 * The streaming body canonicalisation against the plain model of RFC 6376 section 3.4 in
 * testing/canon-oracle.ts: any bytes, cut anywhere, even one byte at a time.
 */
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { BodyCanonicalizer } from './body-canon.ts';
import {
  bytesOf,
  CollectingHash,
  latin1,
  relaxedBody,
  simpleBody,
  split,
} from './testing/canon-oracle.ts';

const params = propertyRuns(500);
const timeout = Math.max(5_000, params.numRuns * 20);

function canonical(relaxed: boolean, chunks: readonly Uint8Array[]): string {
  const canonicalizer = new BodyCanonicalizer(relaxed, new CollectingHash());
  for (const chunk of chunks) canonicalizer.push(chunk);
  return latin1(canonicalizer.finish());
}

// Bytes weighted towards what canonicalisation cares about.
const bodyBytes = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(0x0d, 0x0a, 0x20, 0x09) },
      { weight: 1, arbitrary: fc.constantFrom(0x0d0a) },
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
    ),
    { maxLength: 200 },
  )
  .map((values) =>
    bytesOf(values.map((v) => (v === 0x0d0a ? '\r\n' : String.fromCharCode(v))).join('')),
  );

describe('every chunking gives the canonical body of the model', () => {
  for (const mode of ['simple', 'relaxed'] as const) {
    it(
      `${mode}: any bytes, cut anywhere`,
      () => {
        fc.assert(
          fc.property(
            bodyBytes,
            fc.array(fc.nat({ max: 200 }), { maxLength: 12 }),
            (bytes, cuts) => {
              const model =
                mode === 'simple' ? simpleBody(latin1(bytes)) : relaxedBody(latin1(bytes));
              expect(canonical(mode === 'relaxed', [bytes])).toBe(model);
              expect(canonical(mode === 'relaxed', split(bytes, cuts))).toBe(model);
            },
          ),
          params,
        );
      },
      timeout,
    );

    it(
      `${mode}: byte by byte`,
      () => {
        fc.assert(
          fc.property(bodyBytes, (bytes) => {
            const model =
              mode === 'simple' ? simpleBody(latin1(bytes)) : relaxedBody(latin1(bytes));
            const oneByOne = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
            expect(canonical(mode === 'relaxed', oneByOne)).toBe(model);
          }),
          params,
        );
      },
      timeout,
    );
  }
});
