/**
 * The PLAIN mechanism (RFC 4616): one initial response `[authzid] NUL authcid NUL passwd` in
 * UTF-8, and no challenge.
 *
 * Contract: pure and synchronous. PLAIN puts the password itself on the wire (inside base64), so
 * the client must only use it over TLS with a verified certificate (INV-4). The strings are sent
 * as given: RFC 4616 section 2 leaves their preparation (SASLprep) to the server.
 * Refused at creation (`SMTP_SASL_INVALID_CREDENTIALS`): an empty user name or password
 * (RFC 4616 section 2: `1*SAFE`), and a NUL in any field, which would move the field boundaries.
 * A `334` challenge after the initial response is `SMTP_SASL_TOO_MANY_ROUNDS`.
 */
import { defineMechanism, type SaslMechanism } from './mechanism.ts';
import { invalidCredential, utf8 } from './text.ts';

/** Credentials for {@link createPlain}. */
export interface PlainOptions {
  /** The authentication identity (authcid). */
  readonly username: string;
  /** The password. Kept in a closure; never appears in errors or in the mechanism object. */
  readonly password: string;
  /** The identity to act as (authzid), when it differs from `username`. Rarely needed. */
  readonly authzid?: string;
}

/**
 * A PLAIN exchange (RFC 4616). `start()` returns the only message.
 *
 * @example
 * ```ts
 * createPlain({ username: 'tim', password: 'tanstaaftanstaaf' }).start();
 * // 'AHRpbQB0YW5zdGFhZnRhbnN0YWFm'
 * ```
 * @throws SaslError `SMTP_SASL_INVALID_CREDENTIALS` for an empty user name or password, or a NUL
 * in any field.
 */
export function createPlain(options: PlainOptions): SaslMechanism {
  const { username, password, authzid = '' } = options;
  if (username === '') invalidCredential('PLAIN', 'username', 'must not be empty');
  if (password === '') invalidCredential('PLAIN', 'password', 'must not be empty');
  for (const [field, value] of [
    ['username', username],
    ['password', password],
    ['authzid', authzid],
  ] as const) {
    if (value.includes('\u0000')) invalidCredential('PLAIN', field, 'must not contain NUL');
  }
  return defineMechanism({
    name: 'PLAIN',
    maxChallenges: 0,
    initialResponse: () => utf8(`${authzid}\u0000${username}\u0000${password}`),
  });
}
