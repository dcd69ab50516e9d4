import {
  bytes,
  concat,
  describeFeedMode,
  type FeedMode,
  feedModes,
  latin1,
  splitBytes,
} from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import {
  type Base64EncoderOptions,
  createBase64Encoder,
  createReusableBase64Encoder,
  decodeBase64,
  encodeBase64Lines,
} from './base64.ts';
import { ContentError, InvalidMessageError } from './errors.ts';

function encodeIn(mode: FeedMode, input: Uint8Array, options?: Base64EncoderOptions): string {
  const encoder = createBase64Encoder(options);
  const parts = splitBytes(input, mode).map((chunk) => encoder.push(chunk));
  return latin1(concat([...parts, encoder.end()]));
}

/** The reference: Buffer's base64, cut into lines, every line ended with CRLF. */
function reference(input: Uint8Array, lineLength = 76): string {
  const text = Buffer.from(input).toString('base64');
  let out = '';
  for (let i = 0; i < text.length; i += lineLength) out += `${text.slice(i, i + lineLength)}\r\n`;
  return out;
}

/** True when `a` and `b` are views of overlapping octets of one ArrayBuffer. */
function sharesMemory(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.buffer === b.buffer &&
    a.byteOffset < b.byteOffset + b.byteLength &&
    b.byteOffset < a.byteOffset + a.byteLength
  );
}

const sample = (n: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 151 + 7) & 255);

const cases: [string, Uint8Array, string?][] = [
  ['writes nothing for an empty input', new Uint8Array(0), ''],
  ['pads one octet with ==', bytes('a'), 'YQ==\r\n'],
  ['pads two octets with =', bytes('ab'), 'YWI=\r\n'],
  ['writes 57 octets as one full line', sample(57)],
  ['starts a second line at the 58th octet', sample(58)],
  ['writes 114 octets as two full lines', sample(114)],
  ['encodes every octet value', sample(256 * 3 + 1)],
];

for (const portable of [false, true]) {
  describe(`createBase64Encoder (${portable ? 'portable path' : 'Buffer path'})`, () => {
    for (const [title, input, expected] of cases) {
      for (const mode of feedModes) {
        it(`${title} (${describeFeedMode(mode)})`, () => {
          const out = encodeIn(mode, input, { portable });
          expect(out).toBe(expected ?? reference(input));
        });
      }
    }

    it('honours a shorter lineLength', () => {
      const input = sample(100);
      for (const mode of feedModes) {
        expect(encodeIn(mode, input, { portable, lineLength: 8 })).toBe(reference(input, 8));
      }
    });

    it('returns whole lines only, carrying the rest', () => {
      const encoder = createBase64Encoder({ portable });
      expect(encoder.push(sample(56)).length).toBe(0);
      expect(latin1(encoder.push(sample(2)))).toMatch(/^[A-Za-z0-9+/]{76}\r\n$/);
      expect(latin1(encoder.end())).toMatch(/^[A-Za-z0-9+/]{2}==\r\n$/);
    });

    it('returns one array per push, of exactly the lines the push completes', () => {
      const encoder = createBase64Encoder({ portable });
      // 50 carried, then 100: one line completed from the carry, one whole line of the chunk,
      // 36 carried again; then 3000: the carried line and 52 whole lines, 15 carried.
      expect(encoder.push(sample(50)).length).toBe(0);
      const second = encoder.push(sample(100));
      expect(second.length).toBe(2 * 78);
      expect(second.constructor).toBe(Uint8Array);
      expect(encoder.push(sample(3000)).length).toBe(53 * 78);
      expect(encoder.end().length).toBe(20 + 2);
    });

    it('gives the same bytes one-shot as streaming', () => {
      for (const n of [0, 1, 2, 3, 6, 56, 57, 58, 114, 115, 1000]) {
        const input = sample(n);
        expect(latin1(encodeBase64Lines(input, { portable }))).toBe(
          encodeIn('byte-by-byte', input, { portable }),
        );
      }
    });
  });
}

describe('createBase64Encoder options', () => {
  it('refuses a lineLength that is not a multiple of 4 from 4 to 76', () => {
    for (const lineLength of [0, 6, 80, 7.5]) {
      expect(() => createBase64Encoder({ lineLength })).toThrow(InvalidMessageError);
    }
  });

  it('throws when used after end()', () => {
    const encoder = createBase64Encoder();
    encoder.end();
    expect(() => encoder.push(bytes('a'))).toThrow(/after end/);
  });

  it('writes the last short line into the same array in one-shot encoding, on both paths', () => {
    for (let n = 0; n <= 240; n++) {
      const input = sample(n);
      for (const lineLength of [4, 8, 76]) {
        const native = encodeBase64Lines(input, { lineLength });
        expect(latin1(native)).toBe(reference(input, lineLength));
        expect(encodeBase64Lines(input, { lineLength, portable: true })).toEqual(native);
      }
    }
  });

  it('returns plain Uint8Arrays from both paths', () => {
    expect(encodeBase64Lines(sample(100)).constructor).toBe(Uint8Array);
    expect(encodeBase64Lines(sample(100), { portable: true }).constructor).toBe(Uint8Array);
  });
});

describe('reusing output memory', () => {
  // Chunk sizes that leave a carried line of every length between pushes.
  const sizes = [65_536, 1000, 57, 56, 20_000, 1, 65_536, 3];

  it('gives the bytes of push(), writing each output into the memory of the last', () => {
    const input = sample(sizes.reduce((a, b) => a + b, 0));
    const encoder = createReusableBase64Encoder();
    const outputs: string[] = [];
    const memories = new Set<ArrayBufferLike>();
    let at = 0;
    for (const size of sizes) {
      const chunk = input.subarray(at, at + size);
      at += size;
      const expected = encoder.pushSize(size);
      const out = encoder.pushReusing(chunk, true);
      expect(out.length).toBe(expected);
      expect(out.constructor).toBe(Uint8Array);
      if (out.length > 0) memories.add(out.buffer);
      // Read before the next push, which may overwrite it.
      outputs.push(latin1(out));
    }
    outputs.push(latin1(encoder.end()));
    expect(outputs.join('')).toBe(reference(input));
    // Grown once for the first chunk, then reused (smaller outputs fit in it).
    expect(memories.size).toBe(1);
  });

  it('leaves earlier outputs alone without reuse', () => {
    const encoder = createReusableBase64Encoder();
    const first = encoder.pushReusing(sample(5700), true);
    const copy = first.slice();
    const second = encoder.pushReusing(sample(5700), false);
    const third = encoder.push(sample(5700));
    // Compared by the octets they cover, not by ArrayBuffer: Node 24 serves Buffers of up to
    // 32 KiB from one shared 64 KiB pool, so separate outputs may share an ArrayBuffer.
    expect(sharesMemory(second, first)).toBe(false);
    expect(sharesMemory(third, first)).toBe(false);
    expect(first).toEqual(copy);
  });

  it('grows its memory for a larger output', () => {
    const encoder = createReusableBase64Encoder();
    const small = encoder.pushReusing(sample(570), true);
    const large = encoder.pushReusing(sample(57_000), true);
    expect(large.length).toBe(1000 * 78);
    expect(latin1(large)).toBe(reference(sample(57_000)));
    expect(small.length).toBe(10 * 78);
  });
});

describe('decodeBase64', () => {
  it('decodes text and bytes, ignoring white space and line breaks', () => {
    expect(latin1(decodeBase64('aGVs\r\nbG8g d29y\tbGQ=\r\n'))).toBe('hello world');
    expect(latin1(decodeBase64(bytes('aGVsbG8=')))).toBe('hello');
  });

  it('accepts missing padding', () => {
    expect(latin1(decodeBase64('YQ'))).toBe('a');
    expect(latin1(decodeBase64('YWI'))).toBe('ab');
    expect(decodeBase64('').length).toBe(0);
  });

  it('stops at the first pad', () => {
    expect(latin1(decodeBase64('YQ==YWI='))).toBe('a');
  });

  it('refuses characters outside the alphabet', () => {
    expect(() => decodeBase64('aGV*bG8=')).toThrow(ContentError);
    expect(() => decodeBase64('aGVs€')).toThrow(/not in the base64 alphabet/);
    expect(() => decodeBase64(bytes('aG\x00V'))).toThrow(
      expect.objectContaining({ code: 'SMTP_MIME_MALFORMED_ENCODING' }),
    );
  });

  it('refuses a lone final character', () => {
    expect(() => decodeBase64('YWJjZ')).toThrow(/single character/);
  });

  it('decodes what the encoder writes', () => {
    const input = sample(1000);
    expect(decodeBase64(encodeBase64Lines(input))).toEqual(input);
  });
});
