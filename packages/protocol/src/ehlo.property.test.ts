import fc from 'fast-check';
import { bytes, propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { parseEhlo } from './ehlo.ts';
import { ProtocolError } from './errors.ts';
import { createReply, type Reply } from './reply.ts';
import { createReplyParser } from './reply-parser.ts';

const params = propertyRuns(300);

/** EHLO-ish line text: real keywords and parameters mixed with arbitrary text. */
const ehloLine = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .tuple(
      fc.constantFrom('SIZE', 'size', 'AUTH', 'AUTH=', 'Auth=', 'MT-PRIORITY', 'STARTTLS', 'X-Y'),
      fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }),
    )
    .map(([keyword, words]) => [keyword, ...words].join(' ')),
);

/** Any reply a caller could hand to parseEhlo, not only what the parser builds. */
const anyReply: fc.Arbitrary<Reply> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 200, max: 599 }), fc.array(ehloLine, { minLength: 1, maxLength: 8 }))
    .map(([code, lines]) => createReply(code, lines)),
  fc.record({
    code: fc.integer(),
    lines: fc.array(ehloLine, { maxLength: 8 }),
    text: fc.string(),
  }),
);

describe('parseEhlo properties', () => {
  it('raises nothing but ProtocolError on any reply', () => {
    fc.assert(
      fc.property(anyReply, (reply) => {
        try {
          parseEhlo(reply);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
          expect((error as ProtocolError).code).toBe('SMTP_PROTOCOL_UNEXPECTED_REPLY');
          expect(reply.code).not.toBe(250);
        }
      }),
      params,
    );
  });

  it('never throws on a 250 reply, and normalises what it returns', () => {
    fc.assert(
      fc.property(fc.array(ehloLine, { minLength: 1, maxLength: 10 }), (lines) => {
        const caps = parseEhlo(createReply(250, lines));
        for (const keyword of caps.extensions.keys()) {
          expect(keyword).toBe(keyword.toUpperCase());
          expect(keyword).not.toBe('');
        }
        for (const mechanism of caps.auth) expect(mechanism).toBe(mechanism.toUpperCase());
        expect(new Set(caps.auth).size).toBe(caps.auth.length);
        if (caps.size !== undefined) {
          expect(Number.isSafeInteger(caps.size) && caps.size >= 0).toBe(true);
        }
        expect(caps.domain).not.toMatch(/[ \t]/);
        expect(caps.mtPriority).toBe(caps.extensions.has('MT-PRIORITY'));
        if (caps.mtPriorityPolicy !== undefined) {
          expect(caps.mtPriorityPolicy).toMatch(/^[A-Z0-9][A-Z0-9-]*$/);
        }
      }),
      params,
    );
  });

  const capabilitySet = fc.record({
    size: fc.option(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { nil: undefined }),
    flags: fc.subarray([
      'PIPELINING',
      'STARTTLS',
      '8BITMIME',
      'SMTPUTF8',
      'CHUNKING',
      'BINARYMIME',
      'DSN',
      'ENHANCEDSTATUSCODES',
      'REQUIRETLS',
    ]),
    auth: fc.uniqueArray(
      fc.constantFrom('PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'SCRAM-SHA-256'),
      {
        maxLength: 5,
      },
    ),
    // MT-PRIORITY (RFC 6710) with no policy ('') or a named one.
    priority: fc.option(fc.constantFrom('', 'MIXER', 'STANAG4406', 'NSEP', 'X-Site-1'), {
      nil: undefined,
    }),
    lowerCase: fc.boolean(),
  });

  it('reads back what a generated EHLO reply advertises, through the parser', () => {
    fc.assert(
      fc.property(capabilitySet, ({ size, flags, auth, priority, lowerCase }) => {
        const keywords = [
          ...flags,
          ...(size === undefined ? [] : [`SIZE ${size}`]),
          ...(auth.length === 0 ? [] : [`AUTH ${auth.join(' ')}`]),
          ...(priority === undefined ? [] : [`MT-PRIORITY ${priority}`.trim()]),
        ].map((line) => (lowerCase ? line.toLowerCase() : line));
        const lines = ['mx.example.com Hello', ...keywords];
        const wire = lines
          .map((line, i) => `250${i < lines.length - 1 ? '-' : ' '}${line}\r\n`)
          .join('');
        const [reply] = createReplyParser().push(bytes(wire));
        if (reply === undefined) return expect.fail('no reply parsed');
        const caps = parseEhlo(reply);
        expect(caps.domain).toBe('mx.example.com');
        expect(caps.size).toBe(size);
        expect(caps.auth).toEqual(auth);
        expect(caps.pipelining).toBe(flags.includes('PIPELINING'));
        expect(caps.startTls).toBe(flags.includes('STARTTLS'));
        expect(caps.eightBitMime).toBe(flags.includes('8BITMIME'));
        expect(caps.smtpUtf8).toBe(flags.includes('SMTPUTF8'));
        expect(caps.chunking).toBe(flags.includes('CHUNKING'));
        expect(caps.binaryMime).toBe(flags.includes('BINARYMIME'));
        expect(caps.dsn).toBe(flags.includes('DSN'));
        expect(caps.enhancedStatusCodes).toBe(flags.includes('ENHANCEDSTATUSCODES'));
        expect(caps.requireTls).toBe(flags.includes('REQUIRETLS'));
        expect(caps.mtPriority).toBe(priority !== undefined);
        expect(caps.mtPriorityPolicy).toBe(
          priority === undefined || priority === '' ? undefined : priority.toUpperCase(),
        );
        expect(caps.extensions.size).toBe(keywords.length);
      }),
      params,
    );
  });
});
