/**
 * AUTH end to end (docs/security.md INV-4, decision 6, INV-8 AUTH rounds): every mechanism
 * smtp-server offers (PLAIN, LOGIN, CRAM-MD5, XOAUTH2), success and failure, with no second
 * mechanism tried after a failure; SCRAM-SHA-256 and OAUTHBEARER against the scripted server
 * (the SCRAM server side computed here with node:crypto); the client's preference order; when
 * credentials may be sent (never in plaintext or to an unverified certificate without
 * `allowInsecureAuth`); credentials with no AUTH offered; a server that never stops challenging.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthMechanism, RunningSmtpServer, ScriptedServer, ScriptStep } from 'test-servers';
import { describe, expect, it } from 'vitest';
import { chain, FAST, failure, useIntegrationFixtures, words } from './testing/integration.ts';

const { certs, open, server, scripted } = useIntegrationFixtures();

const PASSWORD = 'pw-Secret-1';
const TOKEN = 'ya29.token-Secret-2';
const mail = { from: 'ann@example.com', to: 'bob@example.com', subject: 'Hi', text: 'hi\n' };
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
/** The AUTH initiations (not continuation lines) in the command log. */
const authLines = (s: RunningSmtpServer): string[] =>
  s.commands.filter((c) => /^AUTH /i.test(c.line)).map((c) => c.line);

async function authServer(mechanisms: AuthMechanism[]): Promise<RunningSmtpServer> {
  return server({
    security: 'starttls',
    auth: { users: { ann: PASSWORD }, tokens: { ann: TOKEN }, mechanisms },
  });
}
const tlsUrl = (s: { port: number }): string => `smtp://127.0.0.1:${s.port}`;

describe('every mechanism smtp-server offers', () => {
  const cases: [AuthMechanism, 'pass' | 'token'][] = [
    ['PLAIN', 'pass'],
    ['LOGIN', 'pass'],
    ['CRAM-MD5', 'pass'],
    ['XOAUTH2', 'token'],
  ];
  for (const [mechanism, kind] of cases) {
    it(`${mechanism}: authenticates over verified STARTTLS`, async () => {
      const s = await authServer([mechanism]);
      const client = open({
        url: tlsUrl(s),
        tls: { ca: certs.ca.cert },
        auth:
          kind === 'pass' ? { user: 'ann', pass: PASSWORD } : { user: 'ann', accessToken: TOKEN },
      });
      await client.send(mail);
      expect(s.messages[0]?.user).toBe('ann');
      expect(authLines(s)).toHaveLength(1);
      expect(authLines(s)[0]).toMatch(new RegExp(`^AUTH ${mechanism}\\b`));
      expect(s.commands.filter((c) => !c.secure).map((c) => c.command)).toEqual([
        'EHLO',
        'STARTTLS',
      ]);
    });

    it(`${mechanism}: refused credentials give AuthError SMTP_AUTH_FAILED, one AUTH only, no MAIL`, async () => {
      const s = await server({
        security: 'starttls',
        auth: {
          users: { ann: PASSWORD },
          tokens: { ann: TOKEN },
          // Offer every mechanism: the client must not try a second one after the failure.
          mechanisms: ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'],
        },
      });
      const client = open({
        url: tlsUrl(s),
        tls: { ca: certs.ca.cert },
        mechanism,
        auth:
          kind === 'pass' ? { user: 'ann', pass: 'wrong' } : { user: 'ann', accessToken: 'wrong' },
      });
      const error = await failure(client.send(mail));
      expect(chain(error).some((e) => e.name === 'AuthError')).toBe(true);
      expect(error.code).toBe('SMTP_AUTH_FAILED');
      expect(error.outcome).toBe('not-sent');
      expect(authLines(s)).toHaveLength(1);
      expect(words(s)).not.toContain('MAIL');
    });
  }

  it('connect() itself raises AuthError with the mechanism and reply', async () => {
    const s = await authServer(['PLAIN']);
    const client = open({
      url: tlsUrl(s),
      tls: { ca: certs.ca.cert },
      auth: { user: 'ann', pass: 'wrong' },
    });
    const error = await failure(client.connect());
    expect(error.name).toBe('AuthError');
    expect(error.code).toBe('SMTP_AUTH_FAILED');
    expect(error.mechanism).toBe('PLAIN');
    expect((error.reply as { code: number }).code).toBe(535);
  });

  it('an access token provider is called for the token', async () => {
    const s = await authServer(['XOAUTH2']);
    let calls = 0;
    const client = open({
      url: tlsUrl(s),
      tls: { ca: certs.ca.cert },
      auth: {
        user: 'ann',
        accessToken: async () => {
          calls += 1;
          return TOKEN;
        },
      },
    });
    await client.send(mail);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(s.messages[0]?.user).toBe('ann');
  });
});

describe('mechanism choice (INV-4)', () => {
  it("chooses from the client's preference order, not the server's", async () => {
    const s = await authServer(['LOGIN', 'PLAIN', 'CRAM-MD5']);
    const client = open({
      url: tlsUrl(s),
      tls: { ca: certs.ca.cert },
      auth: { user: 'ann', pass: PASSWORD },
    });
    await client.send(mail);
    // SASL_MECHANISMS order: SCRAM-SHA-256, OAUTHBEARER, XOAUTH2, CRAM-MD5, PLAIN, LOGIN.
    expect(authLines(s)[0]).toMatch(/^AUTH CRAM-MD5\b/);
  });

  it('a forced mechanism is used even when a preferred one is offered', async () => {
    const s = await authServer(['LOGIN', 'PLAIN', 'CRAM-MD5']);
    const client = open({
      url: tlsUrl(s),
      tls: { ca: certs.ca.cert },
      mechanism: 'LOGIN',
      auth: { user: 'ann', pass: PASSWORD },
    });
    await client.send(mail);
    expect(authLines(s)).toEqual(['AUTH LOGIN']);
  });

  it('a forced mechanism the server does not offer: SMTP_AUTH_UNAVAILABLE, no AUTH sent', async () => {
    const s = await authServer(['LOGIN']);
    const client = open({
      url: tlsUrl(s),
      tls: { ca: certs.ca.cert },
      mechanism: 'PLAIN',
      auth: { user: 'ann', pass: PASSWORD },
    });
    const error = await failure(client.send(mail));
    expect(error.code).toBe('SMTP_AUTH_UNAVAILABLE');
    expect(authLines(s)).toEqual([]);
  });

  it('a password cannot satisfy a server that only offers XOAUTH2: SMTP_AUTH_UNAVAILABLE', async () => {
    const s = await authServer(['XOAUTH2']);
    const client = open({
      url: tlsUrl(s),
      tls: { ca: certs.ca.cert },
      auth: { user: 'ann', pass: PASSWORD },
    });
    const error = await failure(client.send(mail));
    expect(error.code).toBe('SMTP_AUTH_UNAVAILABLE');
    expect(words(s)).not.toContain('MAIL');
  });
});

describe('when credentials may be sent (INV-4, decision 2, decision 6)', () => {
  it('credentials on plaintext (security none): SMTP_AUTH_INSECURE, no AUTH written', async () => {
    const s = await server({ security: 'none', auth: { users: { ann: PASSWORD } } });
    const client = open({
      url: `smtp://127.0.0.1:${s.port}`,
      security: 'none',
      auth: { user: 'ann', pass: PASSWORD },
    });
    const error = await failure(client.send(mail));
    expect(error.code).toBe('SMTP_AUTH_INSECURE');
    expect(error.outcome).toBe('not-sent');
    expect(words(s)).not.toContain('AUTH');
    expect(words(s)).not.toContain('MAIL');
  });

  it('with allowInsecureAuth, AUTH over plaintext works', async () => {
    const s = await server({ security: 'none', auth: { users: { ann: PASSWORD } } });
    const client = open({
      url: `smtp://127.0.0.1:${s.port}`,
      security: 'none',
      allowInsecureAuth: true,
      auth: { user: 'ann', pass: PASSWORD },
    });
    await client.send(mail);
    expect(s.messages[0]?.user).toBe('ann');
    expect(s.messages[0]?.secure).toBe(false);
  });

  it('an unverified certificate (rejectUnauthorized: false) does not allow AUTH', async () => {
    const s = await server({
      security: 'starttls',
      certificate: 'untrusted',
      auth: { users: { ann: PASSWORD } },
    });
    const client = open({
      url: tlsUrl(s),
      tls: { rejectUnauthorized: false },
      auth: { user: 'ann', pass: PASSWORD },
    });
    const error = await failure(client.send(mail));
    expect(error.code).toBe('SMTP_AUTH_INSECURE');
    expect(words(s)).not.toContain('AUTH');
    expect(words(s)).not.toContain('MAIL');
  });

  it('an unverified certificate with allowInsecureAuth: AUTH works', async () => {
    const s = await server({
      security: 'starttls',
      certificate: 'untrusted',
      auth: { users: { ann: PASSWORD } },
    });
    const client = open({
      url: tlsUrl(s),
      tls: { rejectUnauthorized: false },
      allowInsecureAuth: true,
      auth: { user: 'ann', pass: PASSWORD },
    });
    await client.send(mail);
    expect(s.messages[0]?.user).toBe('ann');
  });

  it('credentials configured but AUTH not offered: SMTP_AUTH_UNAVAILABLE, never sent unauthenticated', async () => {
    const s = await server({ security: 'starttls' });
    const client = open({
      url: tlsUrl(s),
      tls: { ca: certs.ca.cert },
      auth: { user: 'ann', pass: PASSWORD },
    });
    const error = await failure(client.send(mail));
    expect(error.code).toBe('SMTP_AUTH_UNAVAILABLE');
    expect(error.outcome).toBe('not-sent');
    expect(words(s)).not.toContain('MAIL');
    expect(s.messages).toHaveLength(0);
  });

  it('credentials from the URL are used like auth options', async () => {
    const s = await authServer(['PLAIN']);
    const client = open({
      url: `smtp://ann:${encodeURIComponent(PASSWORD)}@127.0.0.1:${s.port}`,
      tls: { ca: certs.ca.cert },
    });
    await client.send(mail);
    expect(s.messages[0]?.user).toBe('ann');
  });

  it('setCredentials() sets credentials after construction', async () => {
    const s = await authServer(['PLAIN']);
    const client = open({ url: tlsUrl(s), tls: { ca: certs.ca.cert } });
    client.setCredentials('ann', PASSWORD);
    await client.send(mail);
    expect(s.messages[0]?.user).toBe('ann');
  });
});

/** The opening of a scripted server with verified STARTTLS, then an EHLO reply listing `auth`. */
function tlsOpening(auth: string): ScriptStep[] {
  return [
    { send: '220 scripted ESMTP\r\n' },
    { expect: /^EHLO / },
    { send: '250-scripted\r\n250 STARTTLS\r\n' },
    { expect: 'STARTTLS' },
    { send: '220 go ahead\r\n' },
    { upgradeToTls: true },
    { expect: /^EHLO / },
    { send: `250-scripted\r\n250 AUTH ${auth}\r\n` },
  ];
}
/** The client's lines on connection 0 (after TLS: decrypted), without CRLF. */
function lines(sc: ScriptedServer): string[] {
  return Buffer.from(sc.received()).toString('utf8').split('\r\n');
}
const rest: ScriptStep[] = [
  { expect: /^MAIL FROM:<ann@example.com>/ },
  { send: '250 ok\r\n' },
  { expect: 'RCPT TO:<bob@example.com>' },
  { send: '250 ok\r\n' },
  { expect: 'DATA' },
  { send: '354 go\r\n' },
  { expect: 'Subject: s' },
  { expect: '' },
  { expect: 'x' },
  { expect: '.' },
  { send: '250 ok\r\n' },
  { expect: 'QUIT' },
  { send: '221 bye\r\n' },
  { readUntilClose: true },
];
const raw = {
  envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
  raw: 'Subject: s\r\n\r\nx\r\n',
};

/** The server side of SCRAM-SHA-256 (RFC 5802, RFC 7677), fed from the scripted transcript. */
function scramServer(sc: () => ScriptedServer, password: string, tamper = false) {
  const salt = randomBytes(16);
  const iterations = 4096;
  const serverNonce = randomBytes(18).toString('base64');
  let clientFirstBare = '';
  let serverFirst = '';
  const hmac = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  return {
    /** The 334 with server-first, after reading client-first from the AUTH line. */
    first(): string {
      const authLine = lines(sc()).find((l) => l.startsWith('AUTH SCRAM-SHA-256 ')) ?? '';
      const clientFirst = unb64(authLine.split(' ')[2] ?? '');
      clientFirstBare = clientFirst.replace(/^n,,/, '');
      const clientNonce = /(?:^|,)r=([^,]*)/.exec(clientFirstBare)?.[1] ?? '';
      serverFirst = `r=${clientNonce}${serverNonce},s=${salt.toString('base64')},i=${iterations}`;
      return `334 ${b64(serverFirst)}\r\n`;
    },
    /** Checks the client proof; answers server-final in a 334, or 535. */
    final(): string {
      const all = lines(sc()).filter(Boolean);
      const clientFinal = unb64(all[all.length - 1] ?? '');
      const withoutProof = clientFinal.replace(/,p=[^,]*$/, '');
      const proof = Buffer.from(/,p=([^,]*)$/.exec(clientFinal)?.[1] ?? '', 'base64');
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
      const clientKey = hmac(salted, 'Client Key');
      const storedKey = createHash('sha256').update(clientKey).digest();
      const clientSignature = hmac(storedKey, authMessage);
      const recovered = Buffer.from(proof.map((byte, i) => byte ^ (clientSignature[i] ?? 0)));
      const ok =
        proof.length === 32 &&
        timingSafeEqual(createHash('sha256').update(recovered).digest(), storedKey) &&
        withoutProof.startsWith('c=biws,r=');
      if (!ok) return '535 5.7.8 SCRAM proof invalid\r\n';
      const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
      if (tamper) serverSignature[0] = (serverSignature[0] ?? 0) ^ 1;
      return `334 ${b64(`v=${serverSignature.toString('base64')}`)}\r\n`;
    },
  };
}

describe('mechanisms against the scripted server', () => {
  it('SCRAM-SHA-256: proves the password, verifies the server, and is preferred', async () => {
    let sc: ScriptedServer | undefined;
    const scram = scramServer(() => sc as ScriptedServer, PASSWORD);
    sc = await scripted([
      ...tlsOpening('PLAIN LOGIN SCRAM-SHA-256'),
      { expect: /^AUTH SCRAM-SHA-256 \S+$/ },
      {
        get send() {
          return scram.first();
        },
      },
      { expect: /^\S+$/ },
      {
        get send() {
          return scram.final();
        },
      },
      { expect: '' },
      { send: '235 2.7.0 Authentication successful\r\n' },
      ...rest,
    ]);
    const client = open({
      url: sc.url,
      tls: { ca: certs.ca.cert },
      auth: { user: 'ann', pass: PASSWORD },
      timeouts: FAST,
    });
    const result = await client.send(raw);
    expect(result.outcome).toBe('accepted');
    await client.close();
    await sc.done;
  });

  for (const answersCancel of [true, false]) {
    it(`SCRAM-SHA-256: a wrong server signature fails typed, no mail sent (server ${answersCancel ? 'answers' : 'ignores'} the cancel)`, async () => {
      let sc: ScriptedServer | undefined;
      const scram = scramServer(() => sc as ScriptedServer, PASSWORD, true);
      sc = await scripted([
        ...tlsOpening('SCRAM-SHA-256'),
        { expect: /^AUTH SCRAM-SHA-256 \S+$/ },
        {
          get send() {
            return scram.first();
          },
        },
        { expect: /^\S+$/ },
        {
          get send() {
            return scram.final();
          },
        },
        // RFC 4954: the client cancels with "*"; an honest server answers 501.
        { expect: '*' },
        ...(answersCancel ? [{ send: '501 5.7.0 AUTH cancelled\r\n' }] : []),
        { readUntilClose: true },
      ]);
      const client = open({
        url: sc.url,
        tls: { ca: certs.ca.cert },
        auth: { user: 'ann', pass: PASSWORD },
        timeouts: FAST,
      });
      const error = await failure(client.send(raw));
      // The reason is the forged signature, not whatever happened while cancelling.
      expect(chain(error).map((e) => e.code)).toContain('SMTP_SASL_SERVER_SIGNATURE_MISMATCH');
      client.destroy();
      await sc.done;
      expect(lines(sc).join('\n')).not.toMatch(/MAIL FROM/);
    });
  }

  it('OAUTHBEARER: sends the bearer token and is preferred over XOAUTH2', async () => {
    let sc: ScriptedServer | undefined;
    sc = await scripted([
      ...tlsOpening('XOAUTH2 OAUTHBEARER'),
      { expect: /^AUTH OAUTHBEARER \S+$/ },
      {
        get send() {
          const line =
            lines(sc as ScriptedServer).find((l) => l.startsWith('AUTH OAUTHBEARER ')) ?? '';
          const decoded = unb64(line.split(' ')[2] ?? '');
          const ok =
            decoded.startsWith('n,a=ann,') && decoded.includes(`\x01auth=Bearer ${TOKEN}\x01`);
          return ok ? '235 2.7.0 ok\r\n' : '535 5.7.8 bad token\r\n';
        },
      },
      ...rest,
    ]);
    const client = open({
      url: sc.url,
      tls: { ca: certs.ca.cert },
      auth: { user: 'ann', accessToken: TOKEN },
      timeouts: FAST,
    });
    await client.send(raw);
    await client.close();
    await sc.done;
  });

  it('OAUTHBEARER: a refused token (334 JSON, then 535) is AuthError, nothing retried', async () => {
    const error334 = b64(JSON.stringify({ status: 'invalid_token', scope: 'mail' }));
    const sc = await scripted([
      ...tlsOpening('OAUTHBEARER XOAUTH2'),
      { expect: /^AUTH OAUTHBEARER \S+$/ },
      { send: `334 ${error334}\r\n` },
      { expect: 'AQ==' },
      { send: '535 5.7.8 invalid token\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({
      url: sc.url,
      tls: { ca: certs.ca.cert },
      auth: { user: 'ann', accessToken: 'expired-Secret-3' },
      timeouts: FAST,
    });
    const error = await failure(client.send(raw));
    expect(error.code).toBe('SMTP_AUTH_FAILED');
    client.destroy();
    await sc.done;
    expect(lines(sc).filter((l) => l.startsWith('AUTH '))).toHaveLength(1);
    expect(lines(sc).join('\n')).not.toMatch(/MAIL FROM/);
  });

  it('a server that keeps challenging is cut off within 5 rounds (INV-8)', async () => {
    const challenges: ScriptStep[] = [];
    for (let i = 0; i < 8; i += 1) {
      challenges.push({ send: `334 ${b64(`challenge ${i}`)}\r\n` }, { expect: /.*/ });
    }
    const sc = await scripted([
      ...tlsOpening('LOGIN'),
      { expect: 'AUTH LOGIN' },
      ...challenges,
      { readUntilClose: true },
    ]);
    const client = open({
      url: sc.url,
      tls: { ca: certs.ca.cert },
      auth: { user: 'ann', pass: PASSWORD },
      timeouts: FAST,
    });
    const error = await failure(client.send(raw));
    expect(
      chain(error)
        .map((e) => String(e.code))
        .join(' '),
    ).toMatch(/SMTP_(SASL|AUTH|PROTOCOL)_/);
    client.destroy();
    await sc.done.catch(() => {});
    const after = lines(sc);
    const start = after.indexOf('AUTH LOGIN');
    const responses = after.slice(start + 1).filter((l) => l !== '' && l !== '*' && l !== 'QUIT');
    expect(responses.length).toBeLessThanOrEqual(5);
    expect(after.join('\n')).not.toMatch(/MAIL FROM/);
  });
});
