/**
 * Whatever a server sends, a mechanism only ever throws `SaslError`, never answers more than
 * MAX_SASL_ROUNDS challenges, and never returns anything but base64.
 */
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../base64.ts';
import { SaslError } from '../errors.ts';
import { createCramMd5 } from './cram-md5.ts';
import { createLogin } from './login.ts';
import { MAX_SASL_ROUNDS, type SaslMechanism } from './mechanism.ts';
import { createOauthBearer } from './oauthbearer.ts';
import { createPlain } from './plain.ts';
import { createScramSha256 } from './scram.ts';
import { createXoauth2 } from './xoauth2.ts';

const params = propertyRuns(200);

const NONCE = 'clientnonce';
const b64 = (text: string) => Buffer.from(text).toString('base64');

const factories: readonly [string, () => SaslMechanism][] = [
  ['PLAIN', () => createPlain({ username: 'u', password: 'p' })],
  ['LOGIN', () => createLogin({ username: 'u', password: 'p' })],
  ['CRAM-MD5', () => createCramMd5({ username: 'u', password: 'p' })],
  ['XOAUTH2', () => createXoauth2({ user: 'u', accessToken: 't' })],
  ['OAUTHBEARER', () => createOauthBearer({ user: 'u', accessToken: 't' })],
  ['SCRAM-SHA-256', () => createScramSha256({ username: 'u', password: 'p', nonce: () => NONCE })],
];

/** Server-first messages near the valid ones, so the SCRAM parser's later checks are reached. */
const scramLike = fc
  .record({
    nonce: fc.oneof(fc.constant(`${NONCE}x`), fc.constant(NONCE), fc.string({ maxLength: 20 })),
    salt: fc.oneof(fc.constant(b64('salt')), fc.string({ maxLength: 12 })),
    // Mostly invalid counts: a valid one costs a real PBKDF2 run.
    iterations: fc.oneof(
      fc.constantFrom('4096', '0', '4095', '1000001', '-1', '', '1e4'),
      fc.string({ maxLength: 8 }),
    ),
    extra: fc.oneof(
      fc.constant(''),
      fc.string({ maxLength: 10 }).map((s) => `,${s}`),
    ),
    order: fc.boolean(),
  })
  .map(({ nonce, salt, iterations, extra, order }) =>
    order
      ? `r=${nonce},s=${salt},i=${iterations}${extra}`
      : `i=${iterations},r=${nonce},s=${salt}${extra}`,
  );

/** Anything a `334` line could carry: raw text, base64 of text, base64 of bytes, SCRAM-like. */
const challenge = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }).map(b64),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('base64')),
  scramLike.map(b64),
  fc.string({ maxLength: 30 }).map((s) => b64(`v=${s}`)),
  fc.string({ maxLength: 30 }).map((s) => b64(`e=${s}`)),
);

describe('SASL mechanisms under arbitrary challenges', () => {
  it.each(factories)('%s throws nothing but SaslError and answers in base64', (_name, create) => {
    fc.assert(
      fc.property(
        fc.array(challenge, { maxLength: MAX_SASL_ROUNDS + 2 }),
        fc.boolean(),
        (challenges, end) => {
          const mechanism = create();
          let answered = 0;
          try {
            mechanism.start();
            for (const text of challenges) {
              const response = mechanism.step(text);
              answered += 1;
              expect(response === '' || decodeBase64(response) !== undefined).toBe(true);
            }
            if (end) mechanism.finish();
          } catch (error) {
            expect(error).toBeInstanceOf(SaslError);
          }
          expect(answered).toBeLessThanOrEqual(MAX_SASL_ROUNDS);
        },
      ),
      params,
    );
  });
});
