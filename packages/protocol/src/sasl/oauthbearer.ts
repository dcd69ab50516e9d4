/**
 * The OAUTHBEARER mechanism (RFC 7628 section 3): a GS2 header naming the user, then
 * `\x01`-separated key/value pairs, the bearer token among them:
 * `n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01`
 * (RFC 7628 section 3.1; `host` and `port` are optional).
 *
 * Contract: pure and synchronous.
 * - The user name is a GS2 `saslname` (RFC 5801 section 4): `,` is sent as `=2C` and `=` as
 *   `=3D`.
 * - Channel binding is not supported (`n` flag).
 * - On a bad token the server sends one `334` carrying base64 JSON (RFC 7628 section 3.2.2); the
 *   mechanism answers with the single byte `\x01` (section 3.2.3) and exposes the decoded error as
 *   `serverError` (see `./oauth.ts`). A second challenge is `SMTP_SASL_TOO_MANY_ROUNDS`.
 * - Refused at creation (`SMTP_SASL_INVALID_CREDENTIALS`): an empty `user`, `accessToken` or
 *   `host`, a control character in any of them, or a `port` that is not an integer from 0 to
 *   65535.
 */
import { checkOauthField, defineOauthMechanism, type OauthMechanism } from './oauth.ts';
import { encodeSaslName, invalidCredential, utf8 } from './text.ts';

/** Credentials and server identity for {@link createOauthBearer}. */
export interface OauthBearerOptions {
  /** The account the token was issued for (the GS2 authorisation identity). */
  readonly user: string;
  /** The OAuth 2.0 access token, without `Bearer `. Kept in a closure. */
  readonly accessToken: string;
  /** The host name the client connected to, sent as `host=` (RFC 7628 section 3.1). */
  readonly host?: string;
  /** The port the client connected to, sent as `port=`. */
  readonly port?: number;
}

/**
 * An OAUTHBEARER exchange (RFC 7628). `start()` returns the initial response; a `334` after it is
 * the server's error report, answered with `'AQ=='` (the byte `\x01`).
 *
 * @example
 * ```ts
 * createOauthBearer({
 *   user: 'user@example.com',
 *   accessToken: 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==',
 *   host: 'server.example.com',
 *   port: 143,
 * }).start(); // RFC 7628 section 4.1: 'bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2Vy...'
 * ```
 * @throws SaslError `SMTP_SASL_INVALID_CREDENTIALS` for an invalid field (see the module docblock).
 */
export function createOauthBearer(options: OauthBearerOptions): OauthMechanism {
  const { user, accessToken, host, port } = options;
  checkOauthField('OAUTHBEARER', 'user', user);
  checkOauthField('OAUTHBEARER', 'accessToken', accessToken);
  if (host !== undefined) checkOauthField('OAUTHBEARER', 'host', host);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    invalidCredential('OAUTHBEARER', 'port', 'must be an integer from 0 to 65535');
  }
  const pairs = [
    host === undefined ? '' : `host=${host}\u0001`,
    port === undefined ? '' : `port=${port}\u0001`,
    `auth=Bearer ${accessToken}\u0001`,
  ].join('');
  return defineOauthMechanism(
    'OAUTHBEARER',
    () => utf8(`n,a=${encodeSaslName(user)},\u0001${pairs}\u0001`),
    new Uint8Array([0x01]),
  );
}
