import fc from 'fast-check';
import { bytes, concat, propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.ts';
import { createReply, type Reply } from './reply.ts';
import { createReplyParser, type ReplyParserOptions } from './reply-parser.ts';

const params = propertyRuns(300);

/** Cuts `data` at the given offsets (any order, duplicates and out-of-range ones allowed). */
function splitAt(data: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const cuts = [...new Set(offsets.map((o) => o % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const cut of cuts) {
    chunks.push(data.subarray(from, cut));
    from = cut;
  }
  chunks.push(data.subarray(from));
  return chunks;
}

type Outcome =
  | { readonly ok: true; readonly replies: readonly Reply[]; readonly buffered: number }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Feeds every chunk; returns the replies and what is left buffered, or the error. */
function outcome(chunks: readonly Uint8Array[], options?: ReplyParserOptions): Outcome {
  const parser = createReplyParser(options);
  const replies: Reply[] = [];
  try {
    for (const chunk of chunks) replies.push(...parser.push(chunk));
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { ok: false, code: error.code, message: error.message };
  }
  return { ok: true, replies, buffered: parser.bufferedBytes };
}

/**
 * Line-shaped noise: mostly well-formed pieces (a code, a separator, text, a line end) with bad
 * ones mixed in, so generated inputs reach every rule instead of failing on their first byte.
 */
const noisyLine = fc
  .tuple(
    fc.constantFrom('250', '250', '250', '220', '550', '334', '2x0', '199', '600', '25', ''),
    fc.constantFrom(' ', ' ', '-', '-', '-', '', '\t'),
    fc.oneof(
      { weight: 5, arbitrary: fc.string({ maxLength: 24 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 24 }) },
    ),
    fc.constantFrom('\r\n', '\r\n', '\r\n', '\r\n', '\n', '\n', '\r', '', '\r\r\n'),
    fc.oneof(
      { weight: 5, arbitrary: fc.constant(new Uint8Array(0)) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 2 }) },
    ),
  )
  .map(([code, separator, text, end, extra]) =>
    concat([bytes(code + separator + text), extra, bytes(end)]),
  );

const smtpishBytes = fc.array(noisyLine, { maxLength: 12 }).map((lines) => concat(lines));

const anyBytes = fc.oneof(smtpishBytes, fc.uint8Array({ maxLength: 400 }));

const smallBounds = fc.record(
  {
    maxLineLength: fc.integer({ min: 1, max: 40 }),
    maxReplySize: fc.integer({ min: 1, max: 120 }),
    maxLines: fc.integer({ min: 1, max: 6 }),
  },
  { requiredKeys: [] },
);

const offsets = fc.array(fc.nat(), { maxLength: 40 });

describe('createReplyParser properties', () => {
  it('raises nothing but ProtocolError on arbitrary bytes and chunkings', () => {
    fc.assert(
      fc.property(anyBytes, offsets, smallBounds, (data, cuts, options) => {
        outcome(splitAt(data, cuts), options);
      }),
      params,
    );
  });

  it('gives the same replies, or the same error, however the bytes are chunked', () => {
    fc.assert(
      fc.property(anyBytes, offsets, smallBounds, (data, cuts, options) => {
        expect(outcome(splitAt(data, cuts), options)).toEqual(outcome([data], options));
      }),
      params,
    );
  });

  it('never holds more than maxReplySize + maxLineLength + 1 bytes', () => {
    fc.assert(
      fc.property(anyBytes, offsets, smallBounds, (data, cuts, options) => {
        const parser = createReplyParser(options);
        const bound = (options.maxReplySize ?? 65536) + (options.maxLineLength ?? 8192) + 1;
        try {
          for (const chunk of splitAt(data, cuts)) {
            parser.push(chunk);
            expect(parser.bufferedBytes).toBeLessThanOrEqual(bound);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      params,
    );
  });

  it('stays failed after an error until reset()', () => {
    fc.assert(
      fc.property(anyBytes, fc.uint8Array({ maxLength: 20 }), (data, next) => {
        const parser = createReplyParser({ maxLineLength: 16, maxLines: 3 });
        try {
          parser.push(data);
        } catch {
          expect(() => parser.push(next)).toThrow(
            expect.objectContaining({ code: 'SMTP_PROTOCOL_PARSER_FAILED' }),
          );
          parser.reset();
          expect(parser.push(bytes('250 ok\r\n'))).toHaveLength(1);
        }
      }),
      params,
    );
  });

  /** Line text a server may send: any code point but CR, LF and NUL. */
  const lineText = fc
    .string({ unit: 'binary', maxLength: 30 })
    .map((text) => text.replace(/[\r\n\0]/g, ''));

  const generatedReply = fc.record({
    code: fc.integer({ min: 200, max: 599 }),
    lines: fc.array(lineText, { minLength: 1, maxLength: 6 }),
    lineEnds: fc.array(fc.constantFrom('\r\n', '\n'), { minLength: 6, maxLength: 6 }),
    bareCode: fc.boolean(),
  });

  /** The wire form of a reply, as a server would write it. */
  function serialize(reply: {
    code: number;
    lines: readonly string[];
    lineEnds: readonly string[];
    bareCode: boolean;
  }): Uint8Array {
    const last = reply.lines.length - 1;
    const text = reply.lines
      .map((line, i) => {
        // An empty last line may go out as a bare "NNN", which RFC 5321 allows.
        const separator = i < last ? '-' : line === '' && reply.bareCode ? '' : ' ';
        return `${reply.code}${separator}${line}${reply.lineEnds[i]}`;
      })
      .join('');
    return bytes(text);
  }

  it('round-trips generated replies under arbitrary splits', () => {
    fc.assert(
      fc.property(
        fc.array(generatedReply, { minLength: 1, maxLength: 5 }),
        offsets,
        (replies, cuts) => {
          const wire = concat(replies.map(serialize));
          const result = outcome(splitAt(wire, cuts));
          expect(result).toEqual({
            ok: true,
            replies: replies.map((reply) => createReply(reply.code, reply.lines)),
            buffered: 0,
          });
        },
      ),
      params,
    );
  });
});
