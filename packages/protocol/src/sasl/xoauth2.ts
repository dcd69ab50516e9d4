/**
 * The XOAUTH2 mechanism (Google's "OAuth 2.0 Mechanism",
 * developers.google.com/gmail/imap/xoauth2-protocol; also accepted by Microsoft 365): the initial
 * response is `user={user}\x01auth=Bearer {token}\x01\x01`.
 *
 * Contract: pure and synchronous. On a bad token the server sends one `334` carrying base64 JSON
 * (`{"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}`); the mechanism
 * answers with an empty line, as the protocol requires, and exposes the decoded error as
 * `serverError` (see `./oauth.ts`). A second challenge is `SMTP_SASL_TOO_MANY_ROUNDS`.
 * Refused at creation (`SMTP_SASL_INVALID_CREDENTIALS`): an empty `user` or `accessToken`, or a
 * control character in either (`\x01` is the field separator).
 *
 * OAUTHBEARER (RFC 7628) is the standard form of the same idea and is preferred when offered.
 */
import { checkOauthField, defineOauthMechanism, type OauthMechanism } from './oauth.ts';
import { utf8 } from './text.ts';

/** Credentials for {@link createXoauth2}. */
export interface Xoauth2Options {
  /** The account the token was issued for, usually its e-mail address. */
  readonly user: string;
  /** The OAuth 2.0 access token, without `Bearer `. Kept in a closure. */
  readonly accessToken: string;
}

/**
 * An XOAUTH2 exchange. `start()` returns the initial response; a `334` after it is the server's
 * error report, answered with `''`.
 *
 * @example
 * ```ts
 * createXoauth2({
 *   user: 'someuser@example.com',
 *   accessToken: 'ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg',
 * }).start();
 * // 'dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=='
 * ```
 * @throws SaslError `SMTP_SASL_INVALID_CREDENTIALS` for an empty or control-character field.
 */
export function createXoauth2(options: Xoauth2Options): OauthMechanism {
  const { user, accessToken } = options;
  checkOauthField('XOAUTH2', 'user', user);
  checkOauthField('XOAUTH2', 'accessToken', accessToken);
  return defineOauthMechanism(
    'XOAUTH2',
    () => utf8(`user=${user}\u0001auth=Bearer ${accessToken}\u0001\u0001`),
    new Uint8Array(0),
  );
}
