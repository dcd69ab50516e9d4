import { Buffer } from 'node:buffer';
import { inspect } from 'node:util';
import { SASL_MECHANISMS, type SaslMechanismName } from '@smtp/protocol';
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import {
  createMechanism,
  isTokenCredentials,
  PASSWORD_MECHANISMS,
  TOKEN_MECHANISMS,
} from './auth.ts';
import { ClientStateError, SecurityError } from './errors.ts';
import type { Credentials } from './options.ts';
import { mayAuthenticate, selectMechanism } from './policy.ts';
import { createSecrets, REDACTED } from './redact.ts';
import { hideCredentials } from './resolve-options.ts';

const params = propertyRuns(200);
const password: Credentials = { user: 'alice', pass: 'wonderland-42' };
const token: Credentials = { user: 'alice@example.com', accessToken: 'ya29.token-value' };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('mechanism lists', () => {
  it('keep the protocol package order, split by credential kind', () => {
    expect(PASSWORD_MECHANISMS).toEqual(['SCRAM-SHA-256', 'CRAM-MD5', 'PLAIN', 'LOGIN']);
    expect(TOKEN_MECHANISMS).toEqual(['OAUTHBEARER', 'XOAUTH2']);
  });

  it('tell token credentials from password ones, hidden or not', () => {
    expect(isTokenCredentials(token)).toBe(true);
    expect(isTokenCredentials(hideCredentials(token))).toBe(true);
    expect(isTokenCredentials(hideCredentials(password))).toBe(false);
  });
});

describe('selectMechanism', () => {
  it.each([
    [['LOGIN', 'PLAIN', 'CRAM-MD5', 'SCRAM-SHA-256'], 'SCRAM-SHA-256'],
    [['LOGIN', 'PLAIN', 'CRAM-MD5'], 'CRAM-MD5'],
    [['LOGIN', 'PLAIN'], 'PLAIN'],
    [['PLAIN', 'LOGIN'], 'PLAIN'],
    [['LOGIN'], 'LOGIN'],
    [['login', 'plain'], 'PLAIN'],
    [['XOAUTH2', 'LOGIN', 'GSSAPI'], 'LOGIN'],
  ])('picks from %j the client-preferred %s for a password', (offered, expected) => {
    expect(selectMechanism(offered, password)).toBe(expected);
  });

  it.each([
    [['XOAUTH2', 'OAUTHBEARER', 'PLAIN'], 'OAUTHBEARER'],
    [['PLAIN', 'XOAUTH2'], 'XOAUTH2'],
    [['oauthbearer'], 'OAUTHBEARER'],
  ])('picks from %j the client-preferred %s for a token', (offered, expected) => {
    expect(selectMechanism(offered, token)).toBe(expected);
  });

  it('follows the client order whatever order the server lists', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...SASL_MECHANISMS, 'GSSAPI', 'NTLM'], { minLength: 1 }),
        (offered) => {
          for (const credentials of [password, token]) {
            const wanted = (credentials === token ? TOKEN_MECHANISMS : PASSWORD_MECHANISMS).find(
              (name) => offered.includes(name),
            );
            if (wanted === undefined) {
              expect(codeOf(() => selectMechanism(offered, credentials))).toBe(
                'SMTP_AUTH_UNAVAILABLE',
              );
            } else {
              expect(selectMechanism(offered, credentials)).toBe(wanted);
              expect(selectMechanism([...offered].reverse(), credentials)).toBe(wanted);
            }
          }
        },
      ),
      params,
    );
  });

  it('fails with SMTP_AUTH_UNAVAILABLE when the server offers no AUTH (decision 6)', () => {
    expect(() => selectMechanism([], password)).toThrow(SecurityError);
    expect(() => selectMechanism([], password)).toThrow(/offers no AUTH mechanism/);
  });

  it('names what was offered, sanitised, when nothing fits the credentials', () => {
    expect(() => selectMechanism(['GSSAPI', 'NTLM\u001b[2J'], token)).toThrow(
      /offers GSSAPI, NTLM\\x1b\[2J that works with an access token/,
    );
    expect(codeOf(() => selectMechanism(['XOAUTH2'], password))).toBe('SMTP_AUTH_UNAVAILABLE');
  });

  it('uses a forced mechanism when offered, even a weaker one', () => {
    expect(selectMechanism(['SCRAM-SHA-256', 'LOGIN'], password, 'LOGIN')).toBe('LOGIN');
    expect(selectMechanism(['oauthbearer', 'xoauth2'], token, 'XOAUTH2')).toBe('XOAUTH2');
  });

  it('refuses a forced mechanism the server does not offer with SMTP_AUTH_UNAVAILABLE', () => {
    expect(codeOf(() => selectMechanism(['PLAIN'], password, 'CRAM-MD5'))).toBe(
      'SMTP_AUTH_UNAVAILABLE',
    );
    expect(() => selectMechanism(['PLAIN'], password, 'CRAM-MD5')).toThrow(SecurityError);
  });

  it.each<[Credentials, SaslMechanismName]>([
    [password, 'XOAUTH2'],
    [password, 'OAUTHBEARER'],
    [token, 'PLAIN'],
    [token, 'SCRAM-SHA-256'],
  ])(
    'refuses a forced mechanism that does not fit the credentials (%j, %s)',
    (credentials, forced) => {
      expect(() => selectMechanism([...SASL_MECHANISMS], credentials, forced)).toThrow(
        ClientStateError,
      );
      expect(codeOf(() => selectMechanism([...SASL_MECHANISMS], credentials, forced))).toBe(
        'SMTP_CLIENT_INVALID_OPTIONS',
      );
    },
  );
});

describe('mayAuthenticate (INV-4)', () => {
  it.each([
    [false, false, false, 'SMTP_AUTH_INSECURE'],
    [false, true, false, 'SMTP_AUTH_INSECURE'],
    [true, false, false, 'SMTP_AUTH_INSECURE'],
    [true, true, false, undefined],
    [false, false, true, undefined],
    [true, false, true, undefined],
    [true, true, true, undefined],
  ])('secure=%s authorized=%s allowInsecureAuth=%s gives %s', (secure, authorized, allow, code) => {
    expect(codeOf(() => mayAuthenticate({ secure, authorized }, allow))).toBe(code);
  });

  it('explains plaintext and unverified links differently, naming the opt-in', () => {
    expect(() => mayAuthenticate({ secure: false, authorized: false }, false)).toThrow(
      /plaintext.*allowInsecureAuth/,
    );
    expect(() => mayAuthenticate({ secure: true, authorized: false }, false)).toThrow(
      /not verified.*allowInsecureAuth/,
    );
  });
});

describe('createMechanism', () => {
  it.each(PASSWORD_MECHANISMS)(
    'builds %s for a password and registers the password first',
    async (name) => {
      const secrets = createSecrets();
      const mechanism = await createMechanism(name, hideCredentials(password), { secrets });
      expect(mechanism.name).toBe(name);
      expect(mechanism.serverError).toBeUndefined();
      expect(secrets.scrub('pw=wonderland-42')).toBe(`pw=${REDACTED}`);
    },
  );

  it('registers the PLAIN initial response as it is produced, and works through the wrapper', async () => {
    const secrets = createSecrets();
    const mechanism = await createMechanism('PLAIN', { user: 'al', pass: 'pw' }, { secrets });
    const initial = mechanism.start() as string;
    expect(Buffer.from(initial, 'base64').toString()).toBe('\u0000al\u0000pw');
    expect(secrets.scrub(`AUTH PLAIN ${initial}`)).toBe(`AUTH PLAIN ${REDACTED}`);
    mechanism.finish();
  });

  it('passes LOGIN challenges through step', async () => {
    const secrets = createSecrets();
    const mechanism = await createMechanism('LOGIN', password, { secrets });
    expect(mechanism.start()).toBeUndefined();
    expect(mechanism.step('VXNlcm5hbWU6')).toBe(Buffer.from('alice').toString('base64'));
    const response = mechanism.step('UGFzc3dvcmQ6');
    expect(secrets.scrub(response)).toBe(REDACTED);
    mechanism.finish();
  });

  it('builds OAUTHBEARER with host and port, and registers token and payload', async () => {
    const secrets = createSecrets();
    const mechanism = await createMechanism('OAUTHBEARER', token, {
      host: 'mail.example.com',
      port: 587,
      secrets,
    });
    const initial = mechanism.start() as string;
    const decoded = Buffer.from(initial, 'base64').toString();
    expect(decoded).toContain(
      'host=mail.example.com\u0001port=587\u0001auth=Bearer ya29.token-value',
    );
    expect(secrets.scrub(initial)).toBe(REDACTED);
    expect(secrets.scrub('ya29.token-value')).toBe(REDACTED);
    // The error challenge is answered and exposed through the wrapper.
    const challenge = Buffer.from('{"status":"invalid_token"}').toString('base64');
    expect(mechanism.step(challenge)).toBe('AQ==');
    expect(mechanism.serverError?.status).toBe('invalid_token');
  });

  it('builds OAUTHBEARER without host and port over a UNIX socket', async () => {
    const mechanism = await createMechanism('OAUTHBEARER', token, { secrets: createSecrets() });
    const decoded = Buffer.from(mechanism.start() as string, 'base64').toString();
    expect(decoded).toBe('n,a=alice@example.com,\u0001auth=Bearer ya29.token-value\u0001\u0001');
  });

  it('builds XOAUTH2 from a token provider, async or not, and registers what it returns', async () => {
    for (const provider of [() => 'fresh-token-1', async () => 'fresh-token-1']) {
      const secrets = createSecrets();
      const mechanism = await createMechanism(
        'XOAUTH2',
        hideCredentials({ user: 'a@b', accessToken: provider }),
        { secrets },
      );
      expect(secrets.scrub('fresh-token-1')).toBe(REDACTED);
      expect(secrets.scrub(mechanism.start() as string)).toBe(REDACTED);
    }
  });

  it('refuses a token provider that gives no non-empty string', async () => {
    for (const provider of [() => '', async () => 42 as unknown as string]) {
      await expect(
        createMechanism(
          'XOAUTH2',
          { user: 'a', accessToken: provider },
          { secrets: createSecrets() },
        ),
      ).rejects.toThrow(/accessToken must be a non-empty string/);
    }
  });

  it('passes on what a token provider throws', async () => {
    const failure = new Error('token endpoint down');
    await expect(
      createMechanism(
        'OAUTHBEARER',
        {
          user: 'a',
          accessToken: () => {
            throw failure;
          },
        },
        { secrets: createSecrets() },
      ),
    ).rejects.toBe(failure);
  });

  it('refuses a mechanism that does not fit the credentials, after registering the secret', async () => {
    const secrets = createSecrets();
    await expect(createMechanism('PLAIN', token, { secrets })).rejects.toThrow(ClientStateError);
    expect(secrets.scrub('ya29.token-value')).toBe(REDACTED);
    await expect(createMechanism('XOAUTH2', password, { secrets })).rejects.toThrow(
      /cannot be used with a password/,
    );
  });

  it('exposes no secret on the mechanism object', async () => {
    const mechanism = await createMechanism('PLAIN', password, { secrets: createSecrets() });
    expect(JSON.stringify(mechanism)).not.toContain('wonderland');
    expect(inspect(mechanism, { showHidden: true, depth: 5 })).not.toContain('wonderland');
  });
});
