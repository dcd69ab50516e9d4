/**
 * Whatever bytes a proxy sends, cut anywhere, the response-head reader returns a head or throws
 * a `ProxyError`, never anything else, never holds more than its cap, and a valid head followed
 * by anything yields exactly that anything back, whatever the chunking.
 */
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors/proxy-error.ts';
import { ResponseHeadReader } from './http-response-head.ts';

const CAP = 512;

/** Bytes, biased toward what a head is made of so the reader gets past its first checks. */
const headish = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc
    .array(
      fc.constantFrom(
        'HTTP/1.1 ',
        'HTTP/1.0 200 OK',
        '100',
        '200',
        '407',
        ' ',
        ':',
        'A: b',
        '\r\n',
        '\n',
        '\r',
        '\0',
        '\t',
        'x',
        '\xff',
      ),
      { maxLength: 40 },
    )
    .map((parts) => Buffer.from(parts.join(''), 'latin1')),
);

/** Cuts `bytes` at the given fractions. */
function cut(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((at) => Math.floor(at * bytes.length)))].sort(
    (a, b) => a - b,
  );
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

describe('ResponseHeadReader on arbitrary bytes', () => {
  it('returns a head or throws a ProxyError, and never outgrows its cap', () => {
    fc.assert(
      fc.property(
        fc.array(headish, { minLength: 1, maxLength: 12 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        (parts, cuts) => {
          const reader = new ResponseHeadReader('http', CAP);
          const input = Buffer.concat([Buffer.from('HTTP/1.1 '), ...parts]);
          let pushed = 0;
          try {
            for (const chunk of cut(input, cuts)) {
              pushed += chunk.length;
              const result = reader.push(chunk);
              if (result !== undefined) {
                expect(result.head.status).toBeGreaterThanOrEqual(200);
                expect(result.head.status).toBeLessThan(600);
                expect(pushed - result.rest.length).toBeLessThanOrEqual(CAP);
                return;
              }
              // Still waiting: everything pushed so far is head, within the cap.
              expect(pushed).toBeLessThanOrEqual(CAP);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(ProxyError);
            expect((error as ProxyError).code).toBe('SMTP_PROXY_PROTOCOL');
          }
        },
      ),
      propertyRuns(500),
    );
  });

  it('hands back exactly the bytes after a valid head, at any chunking', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'HTTP/1.1 200 Connection established\r\n\r\n',
          'HTTP/1.0 200 OK\nVia: x\n\n',
          'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nA: b\r\n\r\n',
        ),
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
        (head, after, cuts) => {
          const reader = new ResponseHeadReader('https');
          const input = Buffer.concat([Buffer.from(head, 'latin1'), after]);
          const chunks = cut(input, cuts);
          for (const [index, chunk] of chunks.entries()) {
            const result = reader.push(chunk);
            if (result === undefined) continue;
            const rest = Buffer.concat([result.rest, ...chunks.slice(index + 1)]);
            expect(rest).toEqual(Buffer.from(after));
            return;
          }
          throw new Error('the head never completed');
        },
      ),
      propertyRuns(500),
    );
  });
});
