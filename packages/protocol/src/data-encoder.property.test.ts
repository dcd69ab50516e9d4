import fc from 'fast-check';
import { concat, latin1, propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { createDataEncoder, encodeDataBody } from './data-encoder.ts';
import { InvalidInputError } from './errors.ts';

const runs = propertyRuns(300);

/** Content octets biased towards what matters here: CR, LF and dots, but never NUL. */
const textOctet = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0x0d, 0x0a, 0x2e) },
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 255 }) },
);
/** Under 999 octets in all, so no line can be too long. */
const text = fc.array(textOctet, { maxLength: 900 }).map((list) => Uint8Array.from(list));
/** Anything at all, NUL and long lines included, with lines near the 998 limit made likely. */
const anyOctets = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc
    .array(fc.oneof(textOctet, fc.constant(0)), { maxLength: 3000 })
    .map((list) => Uint8Array.from(list)),
  fc
    .tuple(
      fc.uint8Array({ maxLength: 40 }),
      fc.integer({ min: 990, max: 1010 }),
      fc.uint8Array({ maxLength: 40 }),
    )
    .map(([head, length, tail]) => concat([head, new Uint8Array(length).fill(0x78), tail])),
);
const cuts = fc.array(fc.nat(), { maxLength: 12 });

/** A line that needs no change: base64 characters and dots, never a dot first, then CRLF. */
const canonicalLine = fc
  .string({ unit: fc.constantFrom(...'AZaz09+/=. '.split('')), maxLength: 80 })
  .filter((line) => !line.startsWith('.'))
  .map((line) => `${line}\r\n`);
/** Content that is already on-the-wire form (what MIME output is), maybe without a last CRLF. */
const canonical = fc
  .tuple(fc.array(canonicalLine, { maxLength: 30 }), fc.boolean())
  .map(([lines, cutLast]) => {
    const text = lines.join('');
    return bytesOf(cutLast && text.length > 0 ? text.slice(0, -2) : text);
  });
/** Mostly canonical lines with the occasional one that needs a change, so both paths mix. */
const mostlyCanonical = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: canonicalLine },
      {
        weight: 1,
        arbitrary: fc.constantFrom('.\r\n', '.x\r\n', 'a\n', 'b\r', '\n', '\r', '\r\r\n', '..\n'),
      },
    ),
    { maxLength: 40 },
  )
  .map((lines) => bytesOf(lines.join('')));

function bytesOf(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

/** Cuts `data` at the given positions (taken modulo its length + 1). */
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

function stream(chunks: readonly Uint8Array[]): Uint8Array {
  const encoder = createDataEncoder();
  const parts = chunks.map((chunk) => encoder.push(chunk));
  parts.push(encoder.end());
  return concat(parts);
}

/** What the receiver should recover: every line end CRLF, and a last line closed. */
function normalise(input: string): string {
  const lines = input.replace(/\r\n|\r|\n/g, '\r\n');
  return lines === '' || lines.endsWith('\r\n') ? lines : `${lines}\r\n`;
}

/** The receiver's side (RFC 5321 section 4.5.2): drop the terminator, then one leading dot. */
function unstuff(wire: string): string {
  return wire.slice(0, -3).replace(/(^|\r\n)\./g, '$1');
}

describe('DATA encoder properties', () => {
  it('gives the same bytes for every chunking, and the same as the one-shot encoder', () => {
    fc.assert(
      fc.property(text, cuts, (input, positions) => {
        const streamed = stream(split(input, positions));
        expect(streamed).toEqual(encodeDataBody(input));
        expect(streamed).toEqual(stream([input]));
      }),
      runs,
    );
  });

  it('puts only CRLF line ends on the wire and exactly one terminator, at the end', () => {
    fc.assert(
      fc.property(text, cuts, (input, positions) => {
        const wire = latin1(stream(split(input, positions)));
        expect(wire).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
        expect(wire.endsWith('.\r\n')).toBe(true);
        const terminator = wire === '.\r\n' ? -1 : wire.indexOf('\r\n.\r\n');
        expect(terminator).toBe(wire === '.\r\n' ? -1 : wire.length - 5);
      }),
      runs,
    );
  });

  it('un-stuffs to the CRLF-normalised input', () => {
    fc.assert(
      fc.property(text, cuts, (input, positions) => {
        expect(unstuff(latin1(stream(split(input, positions))))).toBe(normalise(latin1(input)));
      }),
      runs,
    );
  });

  it('returns every chunk of canonical content as it is, however it is cut', () => {
    fc.assert(
      fc.property(canonical, cuts, (input, positions) => {
        const encoder = createDataEncoder();
        for (const chunk of split(input, positions)) expect(encoder.push(chunk)).toBe(chunk);
        const end = latin1(encoder.end());
        const text = latin1(input);
        expect(end).toBe(text === '' || text.endsWith('\r\n') ? '.\r\n' : '\r\n.\r\n');
      }),
      runs,
    );
  });

  it('mixes chunks passed as they are and chunks rewritten into the one-shot bytes', () => {
    fc.assert(
      fc.property(mostlyCanonical, cuts, (input, positions) => {
        const streamed = stream(split(input, positions));
        expect(streamed).toEqual(encodeDataBody(input));
        const wire = latin1(streamed);
        expect(wire).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
        expect(unstuff(wire)).toBe(normalise(latin1(input)));
      }),
      runs,
    );
  });

  it('only ever throws InvalidInputError, with the same code however the input is cut', () => {
    fc.assert(
      fc.property(anyOctets, cuts, (input, positions) => {
        let expected: string | undefined;
        try {
          encodeDataBody(input);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          expected = (error as InvalidInputError).code;
        }
        try {
          stream(split(input, positions));
          expect(expected).toBeUndefined();
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          expect((error as InvalidInputError).code).toBe(expected);
        }
      }),
      runs,
    );
  });
});
