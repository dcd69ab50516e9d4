/**
 * The LOGIN mechanism (draft-murchison-sasl-login-00): the server asks twice, the client answers
 * with the user name, then the password, each base64 on its own line.
 *
 * Contract: pure and synchronous. Answers go by round, not by the prompt text: the first
 * challenge gets the user name and the second the password, whatever they say. Servers word the
 * prompts differently (`Username:`, `User Name`, localised text, or nothing), and trusting the
 * text would let a server that says `Password:` first collect the password in the user name's
 * place in a log. The prompts must still be valid base64 (`SMTP_SASL_MALFORMED_CHALLENGE`); a
 * third challenge is `SMTP_SASL_TOO_MANY_ROUNDS`.
 *
 * LOGIN sends the password itself, like PLAIN, and is not standardised; it comes last in
 * `SASL_MECHANISMS`. No initial response is sent: the draft does not define one and some servers
 * reject it.
 */
import { defineMechanism, type SaslMechanism } from './mechanism.ts';
import { utf8 } from './text.ts';

/** Credentials for {@link createLogin}. */
export interface LoginOptions {
  /** The user name, sent in answer to the first challenge. */
  readonly username: string;
  /** The password, sent in answer to the second. Kept in a closure. */
  readonly password: string;
}

/**
 * A LOGIN exchange. `start()` returns `undefined` (the server speaks first).
 *
 * @example
 * ```ts
 * const login = createLogin({ username: 'tim', password: 'tanstaaftanstaaf' });
 * login.start(); // undefined
 * login.step('VXNlcm5hbWU6'); // 'dGlt'
 * login.step('UGFzc3dvcmQ6'); // 'dGFuc3RhYWZ0YW5zdGFhZg=='
 * ```
 */
export function createLogin(options: LoginOptions): SaslMechanism {
  const { username, password } = options;
  return defineMechanism({
    name: 'LOGIN',
    maxChallenges: 2,
    initialResponse: () => undefined,
    respond: (_challenge, round) => utf8(round === 1 ? username : password),
  });
}
