/**
 * The opening dialogue against a fake connection: greeting, EHLO and the HELO fallback rules,
 * STARTTLS ordering and what goes out in plaintext (INV-1), capabilities forgotten after TLS
 * (INV-2), AUTH with each mechanism, the cancel path, the round cap, and no downgrade (INV-4).
 */
import { ProtocolError } from '@smtp/protocol';
import { TlsError } from '@smtp/transport';
import { describe, expect, it } from 'vitest';
import { type ClientOptions, SmtpClient } from './index.ts';
import {
  ehlo,
  FakeConnection,
  fakeConnector,
  type ScriptEntry,
} from './testing/fake-connection.ts';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function client(
  connection: FakeConnection,
  options: Partial<ClientOptions> = {},
  logging?: { log?: (line: string) => void; debugLog?: (line: string) => void },
): SmtpClient {
  return new SmtpClient(
    {
      host: 'mail.example.com',
      port: 587,
      name: 'client.example',
      security: 'opportunistic',
      connector: fakeConnector(connection),
      ...options,
    },
    logging,
  );
}

async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

function fake(script: ScriptEntry[], options?: ConstructorParameters<typeof FakeConnection>[1]) {
  return new FakeConnection(script, options);
}

describe('greeting', () => {
  it('a 554 greeting is an SmtpReplyError and nothing is written but QUIT', async () => {
    const connection = fake(['554 go away']);
    const error = await rejection(client(connection).connect());
    expect(error.name).toBe('SmtpReplyError');
    expect(error.code).toBe('SMTP_REPLY');
    expect((error.reply as { command: string }).command).toBe('greeting');
    expect(connection.lines).toEqual(['QUIT']);
  });

  it('a 421 greeting is refused too, marked temporary', async () => {
    const error = await rejection(client(fake(['421 busy'])).connect());
    expect(error.code).toBe('SMTP_REPLY');
    expect(error.temporary).toBe(true);
  });
});

describe('EHLO and the HELO fallback', () => {
  it.each([500, 502, 504, 550])(
    'EHLO refused with %i: HELO, with no capabilities',
    async (code) => {
      const connection = fake(['220 hi', `${code} no`, '250 mail.example.com']);
      const c = client(connection);
      await c.connect();
      expect(connection.lines).toEqual(['EHLO client.example', 'HELO client.example']);
      expect(c.info.capabilities).toEqual([]);
      expect(c.info.ehlo?.command).toBe('HELO');
    },
  );

  it.each([421, 451, 554])('EHLO refused with %i: no HELO, the error is reported', async (code) => {
    const connection = fake(['220 hi', `${code} no`]);
    const error = await rejection(client(connection).connect());
    expect(error.code).toBe('SMTP_REPLY');
    expect(connection.lines.some((line) => line.startsWith('HELO'))).toBe(false);
  });

  it('a banner without "ESMTP" does not make the client use HELO', async () => {
    const connection = fake(['220 mail.example.com Sendmail ready', ehlo('PIPELINING')]);
    await client(connection).connect();
    expect(connection.lines).toEqual(['EHLO client.example']);
  });

  it('HELO refused after EHLO: an SmtpReplyError for HELO', async () => {
    const error = await rejection(client(fake(['220 hi', '502 no', '501 no'])).connect());
    expect((error.reply as { command: string }).command).toBe('HELO');
  });
});

describe('STARTTLS (INV-1, INV-2)', () => {
  it('opportunistic: upgrades when offered and forgets every pre-TLS capability', async () => {
    const connection = fake([
      '220 hi',
      ehlo('STARTTLS', 'AUTH PLAIN LOGIN', 'SIZE 10', 'PIPELINING'),
      '220 go ahead',
      ehlo('SIZE 2000'),
    ]);
    const c = client(connection);
    await c.connect();
    expect(connection.lines).toEqual(['EHLO client.example', 'STARTTLS', 'EHLO client.example']);
    expect(c.info.capabilities).toEqual(['SIZE 2000']);
    expect(c.info.secure).toBe(true);
    expect(c.info.tls?.protocol).toBe('TLSv1.3');
  });

  it('opportunistic: stays plaintext when STARTTLS is not offered', async () => {
    const connection = fake(['220 hi', ehlo('PIPELINING')]);
    const c = client(connection);
    await c.connect();
    expect(connection.lines).toEqual(['EHLO client.example']);
    expect(c.info.secure).toBe(false);
  });

  it('starttls: sent even when not advertised', async () => {
    const connection = fake(['220 hi', ehlo('PIPELINING'), '220 go', ehlo('PIPELINING')]);
    await client(connection, { security: 'starttls' }).connect();
    expect(connection.lines).toEqual(['EHLO client.example', 'STARTTLS', 'EHLO client.example']);
  });

  it('starttls refused: SMTP_TLS_REQUIRED, and nothing else is written in plaintext (not even QUIT)', async () => {
    const connection = fake(['220 hi', ehlo('PIPELINING'), '454 TLS not available']);
    const c = client(connection, { security: 'starttls' });
    const error = await rejection(
      c.send({ from: 'a@example.com', to: 'b@example.com', text: 'hi' }),
    );
    expect(error.code).toBe('SMTP_TLS_REQUIRED');
    expect(error.outcome).toBe('not-sent');
    expect(connection.plaintextLines).toEqual(['EHLO client.example', 'STARTTLS']);
    expect(connection.destroyed).toBe(true);
  });

  it('opportunistic: once STARTTLS is tried, a refusal fails (decision 2)', async () => {
    const connection = fake(['220 hi', ehlo('STARTTLS'), '454 no']);
    const error = await rejection(client(connection).connect());
    expect(error.code).toBe('SMTP_TLS_REQUIRED');
  });

  it('a failed handshake is the TlsError, and there is no plaintext retry', async () => {
    const tlsError = new TlsError('certificate-untrusted', 'untrusted', {});
    const connection = fake(['220 hi', ehlo('STARTTLS'), '220 go'], { tls: tlsError });
    const connector = fakeConnector(connection);
    const c = client(connection, { security: 'starttls', connector });
    const error = await rejection(c.connect());
    expect(error).toBe(tlsError);
    expect(connector.calls).toHaveLength(1);
    expect(connection.plaintextLines).toEqual(['EHLO client.example', 'STARTTLS']);
  });

  it('injection after the 220 (the transport raises it): the ProtocolError, nothing more written', async () => {
    const injection = new ProtocolError('SMTP_PROTOCOL_STARTTLS_INJECTION', 'bytes after 220');
    const connection = fake(['220 hi', ehlo('STARTTLS'), '220 go'], { tls: injection });
    const error = await rejection(client(connection, { security: 'starttls' }).connect());
    expect(error.code).toBe('SMTP_PROTOCOL_STARTTLS_INJECTION');
    expect(connection.plaintextLines).toEqual(['EHLO client.example', 'STARTTLS']);
  });

  it('credentials make TLS required: STARTTLS is sent even when not offered, and a refusal stops everything', async () => {
    const connection = fake(['220 hi', ehlo('AUTH PLAIN'), '502 what?']);
    const c = client(connection, { auth: { user: 'ann', pass: 'secret-pw' } });
    const error = await rejection(
      c.send({ from: 'a@example.com', to: 'b@example.com', text: 'hi' }),
    );
    expect(error.code).toBe('SMTP_TLS_REQUIRED');
    expect(connection.plaintextLines).toEqual(['EHLO client.example', 'STARTTLS']);
  });

  it("credentials with security 'none': SMTP_AUTH_INSECURE, no AUTH and no MAIL in plaintext", async () => {
    const connection = fake(['220 hi', ehlo('AUTH PLAIN')]);
    const c = client(connection, { security: 'none', auth: { user: 'ann', pass: 'secret-pw' } });
    const error = await rejection(
      c.send({ from: 'a@example.com', to: 'b@example.com', text: 'hi' }),
    );
    expect(error.code).toBe('SMTP_AUTH_INSECURE');
    expect(connection.plaintextLines).toEqual(['EHLO client.example']);
  });

  it('setCredentials makes TLS required for the next connection too', async () => {
    const connection = fake(['220 hi', ehlo('AUTH PLAIN'), '502 what?']);
    const c = client(connection);
    c.setCredentials('ann', 'secret-pw');
    const error = await rejection(c.connect());
    expect(error.code).toBe('SMTP_TLS_REQUIRED');
    expect(c.info.security).toBe('starttls');
  });

  it('implicit TLS: no STARTTLS', async () => {
    const connection = fake(['220 hi', ehlo('AUTH PLAIN')], { secure: true });
    const c = client(connection, { security: 'implicit', port: 465 });
    await c.connect();
    expect(connection.lines).toEqual(['EHLO client.example']);
    expect(c.info.secure).toBe(true);
  });
});

/** A TLS session ready for AUTH with the given mechanisms, then the AUTH replies. */
function authScript(mechanisms: string, ...replies: ScriptEntry[]): ScriptEntry[] {
  return ['220 hi', ehlo(`AUTH ${mechanisms}`), ...replies];
}

function authClient(connection: FakeConnection, options: Partial<ClientOptions> = {}) {
  return client(connection, {
    security: 'implicit',
    port: 465,
    auth: { user: 'ann', pass: 'secret-pw' },
    ...options,
  });
}

describe('AUTH (INV-4, INV-8, INV-10)', () => {
  it('PLAIN with an initial response; info shows the user, never the password', async () => {
    const connection = fake(authScript('LOGIN PLAIN', '235 ok'), { secure: true });
    const c = authClient(connection);
    await c.connect();
    expect(connection.lines).toEqual([
      'EHLO client.example',
      `AUTH PLAIN ${b64('\0ann\0secret-pw')}`,
    ]);
    expect(c.info.user).toBe('ann');
    expect(c.info.authenticated).toBe(true);
    expect(JSON.stringify(c.info)).not.toContain('secret-pw');
  });

  it('the client order wins: CRAM-MD5 before PLAIN and LOGIN, whatever the server order', async () => {
    const connection = fake(
      authScript('LOGIN PLAIN CRAM-MD5', `334 ${b64('<1.2@example.com>')}`, '235 ok'),
      { secure: true },
    );
    const c = authClient(connection);
    await c.connect();
    expect(connection.lines[1]).toBe('AUTH CRAM-MD5');
    expect(connection.lines[2]).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(Buffer.from(connection.lines[2] as string, 'base64').toString()).toMatch(
      /^ann [0-9a-f]{32}$/,
    );
  });

  it('LOGIN: answers each 334 challenge', async () => {
    const connection = fake(
      authScript('LOGIN', `334 ${b64('Username:')}`, `334 ${b64('Password:')}`, '235 ok'),
      { secure: true },
    );
    await authClient(connection).connect();
    expect(connection.lines.slice(1)).toEqual(['AUTH LOGIN', b64('ann'), b64('secret-pw')]);
  });

  it('XOAUTH2 with a token', async () => {
    const connection = fake(authScript('XOAUTH2', '235 ok'), { secure: true });
    await authClient(connection, { auth: { user: 'ann', accessToken: 'tok-123' } }).connect();
    expect(connection.lines[1]).toBe(
      `AUTH XOAUTH2 ${b64('user=ann\x01auth=Bearer tok-123\x01\x01')}`,
    );
  });

  it('535: AuthError with the reply, and no other mechanism is tried', async () => {
    const connection = fake(
      authScript('CRAM-MD5 PLAIN LOGIN', `334 ${b64('<x@y>')}`, '535 5.7.8 no'),
      {
        secure: true,
      },
    );
    const error = await rejection(authClient(connection).connect());
    expect(error.name).toBe('AuthError');
    expect(error.code).toBe('SMTP_AUTH_FAILED');
    expect(error.mechanism).toBe('CRAM-MD5');
    expect(connection.lines.filter((line) => line.startsWith('AUTH'))).toEqual(['AUTH CRAM-MD5']);
    expect(connection.lines.at(-1)).toBe('QUIT');
  });

  it('a malformed challenge: "*" cancels, the SaslError is reported', async () => {
    const connection = fake(authScript('CRAM-MD5', '334 !!!not-base64!!!', '501 cancelled'), {
      secure: true,
    });
    const error = await rejection(authClient(connection).connect());
    expect(error.name).toBe('SaslError');
    expect(connection.lines).toContain('*');
  });

  it('more than 5 challenges: cancelled (INV-8)', async () => {
    const challenge = `334 ${b64('more?')}`;
    const connection = fake(
      authScript('LOGIN', ...Array.from({ length: 7 }, () => challenge), '501 cancelled'),
      { secure: true },
    );
    const error = await rejection(authClient(connection).connect());
    expect(error.code).toBe('SMTP_SASL_TOO_MANY_ROUNDS');
    expect(connection.lines.at(-2)).toBe('*');
    expect(
      connection.lines.filter(
        (line) => line !== '*' && !line.startsWith('AUTH') && !line.startsWith('EHLO'),
      ).length,
    ).toBeLessThanOrEqual(5);
  });

  it('a cancel that gets no answer still reports the SaslError and drops the connection', async () => {
    const connection = fake(authScript('CRAM-MD5', '334 !!!'), { secure: true });
    const error = await rejection(authClient(connection).connect());
    expect(error.name).toBe('SaslError');
    expect(connection.destroyed).toBe(true);
  });

  it('an initial response too long for the AUTH line is sent after the empty 334', async () => {
    const token = 'x'.repeat(600);
    const connection = fake(authScript('XOAUTH2', '334 ', '235 ok'), { secure: true });
    await authClient(connection, { auth: { user: 'ann', accessToken: token } }).connect();
    expect(connection.lines[1]).toBe('AUTH XOAUTH2');
    expect(Buffer.from(connection.lines[2] as string, 'base64').toString()).toContain(token);
  });

  it('no AUTH offered after TLS: SMTP_AUTH_UNAVAILABLE (decision 6), nothing sent unauthenticated', async () => {
    const connection = fake([
      '220 hi',
      ehlo('STARTTLS', 'AUTH PLAIN'),
      '220 go',
      ehlo('PIPELINING'),
    ]);
    const c = client(connection, { auth: { user: 'ann', pass: 'secret-pw' } });
    const error = await rejection(
      c.send({ from: 'a@example.com', to: 'b@example.com', text: 'hi' }),
    );
    expect(error.code).toBe('SMTP_AUTH_UNAVAILABLE');
    expect(connection.lines.some((line) => line.startsWith('MAIL'))).toBe(false);
    expect(connection.lines.some((line) => line.startsWith('AUTH'))).toBe(false);
  });

  it('an unverified certificate: SMTP_AUTH_INSECURE unless allowInsecureAuth', async () => {
    const connection = fake(['220 hi', ehlo('STARTTLS'), '220 go', ehlo('AUTH PLAIN')], {
      tls: 'unverified',
    });
    const error = await rejection(
      client(connection, { auth: { user: 'ann', pass: 'secret-pw' } }).connect(),
    );
    expect(error.code).toBe('SMTP_AUTH_INSECURE');
    const allowed = fake(['220 hi', ehlo('STARTTLS'), '220 go', ehlo('AUTH PLAIN'), '235 ok'], {
      tls: 'unverified',
    });
    await client(allowed, {
      auth: { user: 'ann', pass: 'secret-pw' },
      allowInsecureAuth: true,
    }).connect();
    expect(allowed.lines[3]).toMatch(/^AUTH PLAIN /);
  });

  it('AUTH lines are logged redacted; the password reaches no log line', async () => {
    const lines: string[] = [];
    const connection = fake(
      authScript('LOGIN', `334 ${b64('Username:')}`, `334 ${b64('Password:')}`, '235 ok'),
      { secure: true },
    );
    const c = new SmtpClient(
      {
        host: 'mail.example.com',
        port: 465,
        security: 'implicit',
        name: 'client.example',
        auth: { user: 'ann', pass: 'secret-pw' },
        connector: fakeConnector(connection),
      },
      { log: (line) => lines.push(line), debugLog: (line) => lines.push(line) },
    );
    await c.connect();
    const all = lines.join('\n');
    expect(all).toContain('C: AUTH LOGIN');
    expect(all).not.toContain('secret-pw');
    expect(all).not.toContain(b64('secret-pw'));
  });
});
