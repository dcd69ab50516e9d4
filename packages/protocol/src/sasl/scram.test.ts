import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SaslErrorCode } from '../errors.ts';
import { createScramSha256, SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS } from './scram.ts';

const saslError = (code: SaslErrorCode) => expect.objectContaining({ name: 'SaslError', code });
const b64 = (text: string) => Buffer.from(text).toString('base64');
const unb64 = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

// RFC 7677 section 3, verbatim.
const RFC = {
  username: 'user',
  password: 'pencil',
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst:
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

function rfcClient() {
  return createScramSha256({
    username: RFC.username,
    password: RFC.password,
    nonce: () => RFC.clientNonce,
  });
}

/** A client that has sent client-first for the RFC's nonce. */
function startedClient() {
  const scram = rfcClient();
  scram.start();
  return scram;
}

/**
 * A SCRAM-SHA-256 server built on node:crypto, independent of the code under test: it checks the
 * client's proof and returns the real server signature.
 */
function oracleServer(password: string, extension = '') {
  const iterations = 4096;
  const salt = Buffer.from('0123456789abcdef');
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
  let clientFirstBare = '';
  let serverFirst = '';
  return {
    first(clientFirst: string): string {
      clientFirstBare = clientFirst.slice('n,,'.length);
      const nonce = /,r=([^,]*)/.exec(clientFirst)?.[1] ?? '';
      serverFirst = `r=${nonce}SERVER+nonce,s=${salt.toString('base64')},i=${iterations}${extension}`;
      return serverFirst;
    },
    final(clientFinal: string): string {
      const withoutProof = clientFinal.slice(0, clientFinal.indexOf(',p='));
      const proof = Buffer.from(clientFinal.slice(clientFinal.indexOf(',p=') + 3), 'base64');
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
      const clientKey = hmac(salted, 'Client Key');
      const storedKey = createHash('sha256').update(clientKey).digest();
      const signature = hmac(storedKey, authMessage);
      const recovered = Buffer.from(proof.map((byte, i) => byte ^ (signature[i] as number)));
      const recoveredStoredKey = createHash('sha256').update(recovered).digest();
      if (!timingSafeEqual(recoveredStoredKey, storedKey)) return 'e=invalid-proof';
      return `v=${hmac(hmac(salted, 'Server Key'), authMessage).toString('base64')}`;
    },
  };
}

/** Runs a whole exchange against the oracle; returns what finish() did. */
function exchange(
  clientPassword: string,
  serverPassword: string,
  { username = 'user', extension = '' } = {},
) {
  const server = oracleServer(serverPassword, extension);
  const scram = createScramSha256({ username, password: clientPassword });
  const clientFirst = unb64(scram.start() as string);
  const clientFinal = unb64(scram.step(b64(server.first(clientFirst))));
  expect(scram.step(b64(server.final(clientFinal)))).toBe('');
  scram.finish();
  return clientFirst;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('createScramSha256', () => {
  it('reproduces the RFC 7677 section 3 exchange byte for byte', () => {
    const scram = rfcClient();
    expect(scram.name).toBe('SCRAM-SHA-256');
    expect(unb64(scram.start() as string)).toBe(RFC.clientFirst);
    expect(unb64(scram.step(b64(RFC.serverFirst)))).toBe(RFC.clientFinal);
    expect(scram.step(b64(RFC.serverFinal))).toBe('');
    scram.finish();
  });

  it('authenticates against an independent server built on node:crypto', () => {
    exchange('correct horse battery staple', 'correct horse battery staple');
  });

  it('SASLprep-s the password, so equivalent spellings give the same proof', () => {
    // U+00A0 NO-BREAK SPACE maps to SPACE and U+2168 ROMAN NUMERAL NINE normalises to "IX".
    exchange('my\u00a0pass\u2168', 'my passIX');
  });

  it('SASLprep-s and escapes the user name (RFC 5802 section 5.1)', () => {
    const clientFirst = exchange('pw', 'pw', { username: 'a=b,c\u00ad' });
    expect(clientFirst).toMatch(/^n,,n=a=3Db=2Cc,r=[A-Za-z0-9+/]{32}$/);
  });

  it('uses a 32-character base64 nonce from crypto.getRandomValues by default', () => {
    const first = unb64(createScramSha256({ username: 'u', password: 'p' }).start() as string);
    const second = unb64(createScramSha256({ username: 'u', password: 'p' }).start() as string);
    expect(first).toMatch(/^n,,n=u,r=[A-Za-z0-9+/]{32}$/);
    expect(second).not.toBe(first);
  });

  it.each([
    ['is missing', undefined],
    ['has no getRandomValues', {}],
  ])('refuses to start without a nonce source when globalThis.crypto %s', (_title, value) => {
    vi.stubGlobal('crypto', value);
    expect(() => createScramSha256({ username: 'u', password: 'p' })).toThrow(
      saslError('SMTP_SASL_INVALID_CREDENTIALS'),
    );
    expect(createScramSha256({ username: 'u', password: 'p', nonce: () => 'abc' }).start()).toBe(
      b64('n,,n=u,r=abc'),
    );
  });

  it.each([
    ['empty', ''],
    ['a comma', 'ab,cd'],
    ['a space', 'ab cd'],
    ['non-ASCII', 'abcé'],
  ])('refuses a caller nonce that is %s', (_title, nonce) => {
    const scram = createScramSha256({ username: 'u', password: 'p', nonce: () => nonce });
    expect(() => scram.start()).toThrow(saslError('SMTP_SASL_INVALID_CREDENTIALS'));
  });

  it.each([
    ['an empty username', { username: '', password: 'p' }],
    ['an empty password', { username: 'u', password: '' }],
    ['a username that SASLprep maps to nothing', { username: '\u00ad', password: 'p' }],
    ['a prohibited character in the username', { username: 'u\u0007', password: 'p' }],
    ['a prohibited character in the password', { username: 'u', password: 'p\u0000' }],
  ])('refuses %s', (_title, options) => {
    expect(() => createScramSha256(options)).toThrow(saslError('SMTP_SASL_INVALID_CREDENTIALS'));
  });

  it('accepts extensions after the iteration count, and signs them', () => {
    exchange('pw', 'pw', { extension: ',x=future' });
  });

  it('accepts extensions after the server signature', () => {
    const scram = startedClient();
    scram.step(b64(RFC.serverFirst));
    expect(scram.step(b64(`${RFC.serverFinal},x=future`))).toBe('');
    scram.finish();
  });

  it('refuses success before the server has proved itself', () => {
    const scram = startedClient();
    scram.step(b64(RFC.serverFirst));
    expect(() => scram.finish()).toThrow(saslError('SMTP_SASL_SERVER_SIGNATURE_MISMATCH'));
  });

  it('refuses success straight after client-first', () => {
    expect(() => startedClient().finish()).toThrow(
      saslError('SMTP_SASL_SERVER_SIGNATURE_MISMATCH'),
    );
  });

  it('refuses a wrong server signature, and then success', () => {
    const scram = startedClient();
    scram.step(b64(RFC.serverFirst));
    const forged = `v=${Buffer.alloc(32, 7).toString('base64')}`;
    expect(() => scram.step(b64(forged))).toThrow(saslError('SMTP_SASL_SERVER_SIGNATURE_MISMATCH'));
    expect(() => scram.finish()).toThrow(saslError('SMTP_SASL_STATE'));
  });

  it('refuses a server signature of the wrong length', () => {
    const scram = startedClient();
    scram.step(b64(RFC.serverFirst));
    expect(() => scram.step(b64('v=6rriTRBi23WpRR/w'))).toThrow(
      saslError('SMTP_SASL_SERVER_SIGNATURE_MISMATCH'),
    );
  });

  it('refuses the wrong password, as the server reports it with e=', () => {
    const server = oracleServer('right');
    const scram = createScramSha256({ username: 'u', password: 'wrong' });
    const first = unb64(scram.start() as string);
    const final = unb64(scram.step(b64(server.first(first))));
    expect(() => scram.step(b64(server.final(final)))).toThrow(
      expect.objectContaining({
        code: 'SMTP_SASL_SERVER_REJECTED',
        message: 'SCRAM-SHA-256: the server refused the exchange: invalid-proof',
      }),
    );
  });

  // sanitizeServerText's escapes: `\x1b`, `\x0d`, `\x0a`.
  it('reports e= in server-first and sanitises it', () => {
    const scram = startedClient();
    expect(() => scram.step(b64('e=unknown-user\u001b[2J\r\n,x=1'))).toThrow(
      expect.objectContaining({
        code: 'SMTP_SASL_SERVER_REJECTED',
        message: 'SCRAM-SHA-256: the server refused the exchange: unknown-user\\x1b[2J\\x0d\\x0a',
      }),
    );
  });

  it('cuts a long server error', () => {
    const scram = startedClient();
    let message = '';
    try {
      scram.step(b64(`e=${'x'.repeat(10_000)}`));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.length).toBeLessThan(300);
    // sanitizeServerText marks its cut with an ellipsis.
    expect(message.endsWith('…')).toBe(true);
  });

  it.each([
    ['not UTF-8', Buffer.from([0x72, 0x3d, 0xff]).toString('base64')],
    ['empty', ''],
    ['a mandatory extension', b64(`m=ext,${RFC.serverFirst}`)],
    ['no r=', b64('s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')],
    ['attributes out of order', b64(`s=W22ZaJ0SNY7soEsUEjb6gQ==,r=${RFC.clientNonce}x,i=4096`)],
    ['no s=', b64(`r=${RFC.clientNonce}x`)],
    ['no i=', b64(`r=${RFC.clientNonce}x,s=W22ZaJ0SNY7soEsUEjb6gQ==`)],
    ['a nonce that does not start with ours', b64(RFC.serverFirst.replace('rOpr', 'XOpr'))],
    ['a nonce equal to ours', b64(`r=${RFC.clientNonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`)],
    ['a nonce with a space', b64(RFC.serverFirst.replace('%hvY', '% hvY'))],
    ['a salt that is not base64', b64(RFC.serverFirst.replace('s=W22Z', 's=*22Z'))],
    ['an empty salt', b64(RFC.serverFirst.replace('W22ZaJ0SNY7soEsUEjb6gQ==', ''))],
    ['an iteration count with a sign', b64(RFC.serverFirst.replace('i=4096', 'i=+4096'))],
    ['an iteration count with a leading zero', b64(RFC.serverFirst.replace('i=4096', 'i=04096'))],
    ['an empty iteration count', b64(RFC.serverFirst.replace('i=4096', 'i='))],
    [
      `an iteration count below ${SCRAM_MIN_ITERATIONS}`,
      b64(RFC.serverFirst.replace('i=4096', 'i=4095')),
    ],
    ['an iteration count of 1', b64(RFC.serverFirst.replace('i=4096', 'i=1'))],
    [
      `an iteration count above ${SCRAM_MAX_ITERATIONS}`,
      b64(RFC.serverFirst.replace('i=4096', `i=${SCRAM_MAX_ITERATIONS + 1}`)),
    ],
    ['a 400-digit iteration count', b64(RFC.serverFirst.replace('i=4096', `i=${'9'.repeat(400)}`))],
  ])('refuses a server-first message that is %s', (_title, challenge) => {
    expect(() => startedClient().step(challenge)).toThrow(
      saslError('SMTP_SASL_MALFORMED_CHALLENGE'),
    );
  });

  it.each([
    ['not base64', 'v=6rriTRBi23W'],
    ['not UTF-8', '\u00ff'],
    ['without v=', 'x=1'],
    ['with v= later', `x=1,${RFC.serverFinal}`],
    ['with an unpadded signature', RFC.serverFinal.replace(/=$/, '')],
  ])('refuses a server-final message %s', (_title, serverFinal) => {
    const scram = startedClient();
    scram.step(b64(RFC.serverFirst));
    const challenge =
      serverFinal === '\u00ff' ? Buffer.from([0xff]).toString('base64') : b64(serverFinal);
    expect(() => scram.step(challenge)).toThrow(saslError('SMTP_SASL_MALFORMED_CHALLENGE'));
  });

  it('refuses a third challenge', () => {
    const scram = startedClient();
    scram.step(b64(RFC.serverFirst));
    scram.step(b64(RFC.serverFinal));
    expect(() => scram.step('')).toThrow(saslError('SMTP_SASL_TOO_MANY_ROUNDS'));
  });
});
