/**
 * Any chunking of any message gives the same signatures as the message in one chunk, and they
 * verify with mailauth on the bytes the server receives.
 */
import fc from 'fast-check';
import { dkimVerdicts, propertyRuns } from 'test-servers/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createDkimSigner,
  type DkimSigner,
  dkimDnsRecord,
  generateDkimKey,
  signWithAll,
} from './index.ts';
import { bytesOf, concat, latin1, onTheWire, split } from './testing/canon-oracle.ts';

const params = propertyRuns(100);
const timeout = Math.max(10_000, params.numRuns * 100);
const timestamp = new Date('2026-12-03T10:00:00Z');
const records: Record<string, string> = {};
let signers: DkimSigner[];

beforeAll(async () => {
  signers = [];
  for (const [algorithm, canonicalization] of [
    ['ed25519', 'relaxed/relaxed'],
    ['rsa', 'simple/simple'],
  ] as const) {
    const key = await generateDkimKey({ algorithm });
    const record = dkimDnsRecord({ selector: algorithm, domain: 'example.com', ...key });
    records[record.name] = record.value;
    signers.push(
      await createDkimSigner({
        domain: 'example.com',
        selector: algorithm,
        privateKey: key.privateKey,
        canonicalization,
      }),
    );
  }
});

// Header fields (folded or not, with odd white space) and body bytes weighted towards what
// canonicalisation cares about. One line end per header section: a CR from one line and an LF
// from the next would make one CRLF, and no empty line.
const lineEnd = fc.constantFrom('\r\n', '\n', '\r');
const headerField = fc.tuple(
  fc.constantFrom('To', 'Subject', 'X-Tag', 'List-Id', 'Cc'),
  fc.array(fc.constantFrom('a', 'b', ' ', '\t', '\xc3\xa9'), { maxLength: 12 }),
  fc.boolean(),
);
const body = fc
  .array(
    fc.oneof(
      fc.constantFrom('\r\n', '\n', '\r', ' ', '\t', '  ', 'word', '\r\n\r\n'),
      fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));
const message = fc
  .tuple(fc.array(headerField, { maxLength: 5 }), lineEnd, body)
  .map(([fields, end, text]) => {
    const lines = fields.map(
      ([name, value, folded]) => `${name}:${value.join('')}${folded ? `${end} x` : ''}${end}`,
    );
    return `From: a@example.com${end}${lines.join('')}${end}${text}`;
  });

describe('signing, any message cut anywhere', () => {
  it(
    'gives the signatures of the whole message, and they verify',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          message,
          fc.array(fc.nat({ max: 300 }), { maxLength: 20 }),
          async (text, cuts) => {
            const bytes = bytesOf(text);
            const whole = await signWithAll(bytes, signers, { timestamp });
            expect(await signWithAll(split(bytes, cuts), signers, { timestamp })).toBe(whole);
            const received = concat(whole, onTheWire(latin1(bytes)));
            expect(
              await dkimVerdicts(received, records, { now: new Date(timestamp.getTime() + 1000) }),
            ).toEqual(['pass', 'pass']);
          },
        ),
        params,
      );
    },
    timeout,
  );
});
