/**
 * Credentials that keep their password out of logs (docs/security.md INV-10).
 *
 * Contract: the object returned by {@link createSmtpCredentials} is frozen; `username` is an
 * ordinary property, `password` is readable but non-enumerable, and `toJSON` plus the
 * `Symbol.for('nodejs.util.inspect.custom')` hook print `password: '[REDACTED]'`. So
 * `JSON.stringify`, `util.inspect`, `console.log` and object spread never reveal the password,
 * whether the credentials are logged on their own or inside a parsed URL. Non-enumerable alone
 * would already hide it from both; the two hooks make the redaction visible rather than a
 * silently missing field, and still hold with `util.inspect(x, { showHidden: true })`.
 */

/** A user name and password, as decoded from an SMTP URL. */
export interface SmtpCredentials {
  /** The user name, percent-decoded. */
  readonly username: string;
  /**
   * The password, percent-decoded. Non-enumerable on objects from this package: read it
   * directly (`credentials.password`); `{ ...credentials }` and `Object.keys` do not see it.
   */
  readonly password: string;
}

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * Creates credentials whose password is hidden from `JSON.stringify` and `util.inspect`.
 *
 * `parseSmtpUrl` builds its credentials with this function; call it when you assemble an
 * `SmtpUrl` yourself and want the same protection. The values are stored as given.
 *
 * @example
 * ```ts
 * const credentials = createSmtpCredentials('alice', 's3cret');
 * JSON.stringify(credentials); // '{"username":"alice","password":"[REDACTED]"}'
 * credentials.password; // 's3cret'
 * ```
 */
export function createSmtpCredentials(username: string, password: string): SmtpCredentials {
  const redacted = (): { username: string; password: string } => ({
    username,
    password: '[REDACTED]',
  });
  const credentials = { username };
  Object.defineProperties(credentials, {
    password: { value: password, enumerable: false },
    toJSON: { value: redacted, enumerable: false },
    [inspectCustom]: { value: redacted, enumerable: false },
  });
  return Object.freeze(credentials) as SmtpCredentials;
}
