/**
 * The CRAM-MD5 mechanism (RFC 2195): the server sends a unique challenge string, the client
 * answers `username SP hex(HMAC-MD5(password, challenge))` (RFC 2195 section 2).
 *
 * Contract: pure and synchronous; one challenge, then `SMTP_SASL_TOO_MANY_ROUNDS`. The challenge
 * bytes are used as received, without checking that they look like the RFC's msg-id
 * (`<1896.697170952@postoffice.reston.mci.net>`): servers vary and the HMAC does not care. An
 * empty challenge is refused (`SMTP_SASL_MALFORMED_CHALLENGE`): it would make the response the
 * same on every connection, that is, replayable.
 *
 * The password stays off the wire, but CRAM-MD5 does not authenticate the server, and anyone who
 * records an exchange can test password guesses offline (RFC 2195 section 3), hence its place
 * after SCRAM in `SASL_MECHANISMS`. MD5 here is only ever used inside HMAC.
 */

import { hmacMd5 } from '../crypto/index.ts';
import { SaslError } from '../errors.ts';
import { defineMechanism, type SaslMechanism } from './mechanism.ts';
import { invalidCredential, utf8 } from './text.ts';

/** Credentials for {@link createCramMd5}. */
export interface CramMd5Options {
  /** The user name, sent in clear in the response. */
  readonly username: string;
  /** The shared secret; only its HMAC leaves the process. Kept in a closure. */
  readonly password: string;
}

/** Lowercase hexadecimal, as RFC 2195 section 2 specifies for the digest. */
function hex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}

/**
 * A CRAM-MD5 exchange (RFC 2195). `start()` returns `undefined` (the server speaks first).
 *
 * @example
 * ```ts
 * const cram = createCramMd5({ username: 'tim', password: 'tanstaaftanstaaf' });
 * cram.start();
 * cram.step('PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+');
 * // 'dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw'
 * ```
 * @throws SaslError `SMTP_SASL_INVALID_CREDENTIALS` for an empty user name or password.
 */
export function createCramMd5(options: CramMd5Options): SaslMechanism {
  const { username, password } = options;
  if (username === '') invalidCredential('CRAM-MD5', 'username', 'must not be empty');
  if (password === '') invalidCredential('CRAM-MD5', 'password', 'must not be empty');
  return defineMechanism({
    name: 'CRAM-MD5',
    maxChallenges: 1,
    initialResponse: () => undefined,
    respond(challenge) {
      if (challenge.length === 0) {
        throw new SaslError(
          'SMTP_SASL_MALFORMED_CHALLENGE',
          'CRAM-MD5: the challenge is empty, so the response would be replayable',
        );
      }
      return utf8(`${username} ${hex(hmacMd5(utf8(password), challenge))}`);
    },
  });
}
