/**
 * INV-10: passwords, tokens and their base64 forms never appear in a mechanism object as
 * JSON.stringify or util.inspect show it, nor in any error a mechanism throws (message, stack,
 * JSON, inspect), whichever path the exchange takes.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createCramMd5 } from './cram-md5.ts';
import { createLogin } from './login.ts';
import type { SaslMechanism } from './mechanism.ts';
import { createOauthBearer } from './oauthbearer.ts';
import { createPlain } from './plain.ts';
import { createScramSha256 } from './scram.ts';
import { createXoauth2 } from './xoauth2.ts';

const SECRET = 'S3cr3t-P@ssw0rd-xyz';
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The secret, and its base64 at each of the three byte alignments it can have in a message. */
const forbidden = [
  SECRET,
  ...[0, 1, 2].map((shift) => {
    // The base64 characters that depend only on the secret's bytes: drop the first and last
    // quantum, which mix in neighbouring bytes.
    const encoded = b64(`${'x'.repeat(shift)}${SECRET}`);
    return encoded.slice(4, -4);
  }),
];

function views(value: unknown): string[] {
  const texts = [
    inspect(value, { showHidden: true, depth: Number.POSITIVE_INFINITY, getters: true }),
    JSON.stringify(value) ?? '',
  ];
  if (value instanceof Error) texts.push(value.message, value.stack ?? '', String(value));
  return texts;
}

function expectNoSecret(value: unknown): void {
  for (const text of views(value)) {
    for (const secret of forbidden) expect(text).not.toContain(secret);
  }
}

/** Runs `action`, and checks the mechanism and whatever it threw. */
function probe(mechanism: SaslMechanism, action: () => unknown): void {
  try {
    action();
  } catch (error) {
    expectNoSecret(error);
  }
  expectNoSecret(mechanism);
}

const factories: readonly [string, () => SaslMechanism][] = [
  ['PLAIN', () => createPlain({ username: 'u', password: SECRET })],
  ['LOGIN', () => createLogin({ username: 'u', password: SECRET })],
  ['CRAM-MD5', () => createCramMd5({ username: 'u', password: SECRET })],
  ['XOAUTH2', () => createXoauth2({ user: 'u', accessToken: SECRET })],
  ['OAUTHBEARER', () => createOauthBearer({ user: 'u', accessToken: SECRET, host: 'h', port: 1 })],
  ['SCRAM-SHA-256', () => createScramSha256({ username: 'u', password: SECRET })],
];

describe('secrets stay out of mechanisms and errors (INV-10)', () => {
  it('the base64 probes do occur in a real initial response (the check can fail)', () => {
    const initial = createPlain({ username: 'u', password: SECRET }).start() as string;
    expect(forbidden.some((secret) => initial.includes(secret))).toBe(true);
  });

  it.each(factories)('%s: through a normal exchange and every error path', (_name, create) => {
    // A well-formed SCRAM server-first for whatever client-first was sent (other mechanisms just
    // see one more challenge); the server never echoes the client's message back.
    const serverFirst = (start: string | undefined) => {
      const clientFirst = Buffer.from(start ?? '', 'base64').toString();
      const nonce = /^n,,n=[^,]*,r=([^,]*)$/.exec(clientFirst)?.[1] ?? 'none';
      return b64(`r=${nonce}srv,s=${b64('salt')},i=4096`);
    };
    // Normal path, then too many rounds.
    const normal = create();
    expectNoSecret(normal);
    let initial: string | undefined;
    probe(normal, () => {
      initial = normal.start();
    });
    probe(normal, () => normal.step(serverFirst(initial)));
    probe(normal, () => normal.step(b64('v=AAAA')));
    probe(normal, () => normal.step(b64('third')));
    probe(normal, () => normal.step(b64('fourth')));
    probe(normal, () => normal.finish());
    // Malformed challenge.
    const malformed = create();
    probe(malformed, () => malformed.start());
    probe(malformed, () => malformed.step('%%%%'));
    probe(malformed, () => malformed.step(''));
    // Misuse.
    const misused = create();
    probe(misused, () => misused.finish());
    probe(misused, () => misused.step(''));
    // Early success.
    const early = create();
    probe(early, () => early.start());
    probe(early, () => early.finish());
  });

  it.each([
    ['PLAIN', () => createPlain({ username: 'u', password: `${SECRET}\u0000` })],
    [
      'PLAIN authzid',
      () => createPlain({ username: 'u', password: 'p', authzid: `${SECRET}\u0000` }),
    ],
    ['XOAUTH2', () => createXoauth2({ user: 'u', accessToken: `${SECRET}\u0001` })],
    ['OAUTHBEARER', () => createOauthBearer({ user: 'u', accessToken: `\r\n${SECRET}` })],
    ['SCRAM-SHA-256', () => createScramSha256({ username: 'u', password: `${SECRET}\u0007` })],
  ])('%s: invalid credentials are refused without echoing them', (_name, create) => {
    let caught: unknown;
    try {
      create();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expectNoSecret(caught);
  });

  it('SCRAM: a signature mismatch and a server error do not leak the password', () => {
    const scram = createScramSha256({ username: 'u', password: SECRET, nonce: () => 'n' });
    scram.start();
    probe(scram, () => scram.step(b64(`r=nX,s=${b64('salt')},i=4096`)));
    probe(scram, () => scram.step(b64(`v=${Buffer.alloc(32).toString('base64')}`)));
    const refused = createScramSha256({ username: 'u', password: SECRET, nonce: () => 'n' });
    refused.start();
    probe(refused, () => refused.step(b64('e=invalid-proof')));
  });

  it('OAuth: the server error is exposed, the token is not', () => {
    const bearer = createXoauth2({ user: 'u', accessToken: SECRET });
    bearer.start();
    bearer.step(b64('{"status":"401"}'));
    expect(bearer.serverError?.status).toBe('401');
    expectNoSecret(bearer);
    expect(JSON.stringify(bearer)).toContain('"status":"401"');
  });
});
