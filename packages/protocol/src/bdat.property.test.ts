import fc from 'fast-check';
import { concat, latin1, propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { type BdatFrame, createBdatFramer } from './bdat.ts';
import { InvalidInputError } from './errors.ts';

const runs = propertyRuns(300);

const textOctet = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0x0d, 0x0a, 0x2e) },
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 255 }) },
);
const text = fc.array(textOctet, { maxLength: 900 }).map((list) => Uint8Array.from(list));
const cuts = fc.array(fc.nat(), { maxLength: 12 });
const chunkSize = fc.integer({ min: 1, max: 64 });

function split(data: Uint8Array, positions: readonly number[]): Uint8Array[] {
  const points = [...new Set(positions.map((p) => p % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(data.subarray(start, point));
    start = point;
  }
  chunks.push(data.subarray(start));
  return chunks;
}

function frames(chunks: readonly Uint8Array[], size: number, binary: boolean): BdatFrame[] {
  const framer = createBdatFramer({ chunkSize: size, binary });
  const out = chunks.flatMap((chunk) => framer.push(chunk));
  out.push(framer.end());
  return out;
}

function normalise(input: string): string {
  const lines = input.replace(/\r\n|\r|\n/g, '\r\n');
  return lines === '' || lines.endsWith('\r\n') ? lines : `${lines}\r\n`;
}

describe('BDAT framer properties', () => {
  it('frames the same way however the input is cut', () => {
    fc.assert(
      fc.property(text, cuts, chunkSize, fc.boolean(), (input, positions, size, binary) => {
        expect(frames(split(input, positions), size, binary)).toEqual(
          frames([input], size, binary),
        );
      }),
      runs,
    );
  });

  it('sends full chunks, announces each payload exactly, and marks only the last LAST', () => {
    fc.assert(
      fc.property(text, cuts, chunkSize, fc.boolean(), (input, positions, size, binary) => {
        const list = frames(split(input, positions), size, binary);
        list.forEach((frame, index) => {
          const last = index === list.length - 1;
          expect(latin1(frame.command)).toBe(
            `BDAT ${frame.payload.length}${last ? ' LAST' : ''}\r\n`,
          );
          if (!last) expect(frame.payload.length).toBe(size);
          else expect(frame.payload.length).toBeLessThanOrEqual(binary ? size - 1 : size + 1);
        });
      }),
      runs,
    );
  });

  it('carries the CRLF-normalised text, or the binary input untouched', () => {
    fc.assert(
      fc.property(text, cuts, chunkSize, fc.boolean(), (input, positions, size, binary) => {
        const payload = concat(frames(split(input, positions), size, binary).map((f) => f.payload));
        if (binary) expect(payload).toEqual(input);
        else expect(latin1(payload)).toBe(normalise(latin1(input)));
      }),
      runs,
    );
  });

  it('only ever throws InvalidInputError on arbitrary text input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), cuts, chunkSize, (input, positions, size) => {
        try {
          frames(split(input, positions), size, false);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
        }
      }),
      runs,
    );
  });
});
