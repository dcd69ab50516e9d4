/**
 * The shape every SASL mechanism of this package has, and the state machine they share.
 *
 * Contract: pure and synchronous; no I/O, no timers. A mechanism turns the base64 text of one
 * `334` challenge into the base64 text of one response line, and nothing else: writing
 * `AUTH <name> [initial-response]`, reading replies, sending `*` to cancel (RFC 4954 section 4)
 * and choosing a mechanism (INV-4) belong to the client.
 *
 * What the shared machine guarantees, whatever the mechanism:
 * - Order: `start()` once, then `step()` for each `334`, then `finish()` on `235`. Anything else,
 *   or any call after a failure or after `finish()`, is `SaslError` `SMTP_SASL_STATE`.
 * - Bounded rounds (INV-8): each mechanism declares how many challenges it can answer, never more
 *   than {@link MAX_SASL_ROUNDS}; one more is `SMTP_SASL_TOO_MANY_ROUNDS`.
 * - Strict input: a challenge that is not canonical base64 is `SMTP_SASL_MALFORMED_CHALLENGE`.
 * - Failure is terminal: after any thrown error the mechanism refuses further calls.
 * - Only `SaslError` is thrown, and no error message carries a credential (INV-10).
 * - Secrets live in closures; a mechanism object has `name` and methods only, so
 *   `JSON.stringify` and `util.inspect` show nothing secret.
 *
 * RFC 4422 section 3 (SASL exchanges), RFC 4954 sections 4 and 7 (the SMTP framing).
 */
import { decodeBase64, encodeBase64 } from '../base64.ts';
import { SaslError } from '../errors.ts';

/**
 * The mechanisms this package implements, in the order a client should prefer them when the
 * server offers several and the caller's credentials fit more than one (INV-4: the client's
 * order, never the server's).
 *
 * 1. `SCRAM-SHA-256`: the password never crosses the wire, the proof cannot be replayed, and the
 *    server must prove it knows the password too (RFC 5802, RFC 7677).
 * 2. `OAUTHBEARER`, then `XOAUTH2`: for access tokens, which are scoped, short-lived and revocable;
 *    the standard mechanism (RFC 7628) before Google's older equivalent. Only usable with a
 *    token, so they never compete with the password mechanisms for the same credentials.
 * 3. `CRAM-MD5`: keeps the password off the wire, but proves nothing about the server, and an
 *    observed exchange allows an offline guess of the password (RFC 2195 section 3).
 * 4. `PLAIN`: sends the password itself, protected only by TLS (RFC 4616).
 * 5. `LOGIN`: the same exposure as PLAIN, but not standardised (draft-murchison-sasl-login);
 *    kept last, for servers that offer nothing else.
 */
export const SASL_MECHANISMS = [
  'SCRAM-SHA-256',
  'OAUTHBEARER',
  'XOAUTH2',
  'CRAM-MD5',
  'PLAIN',
  'LOGIN',
] as const;

/** The name of a mechanism this package implements, as it appears in `AUTH` and in EHLO. */
export type SaslMechanismName = (typeof SASL_MECHANISMS)[number];

/**
 * The most `334` challenges any mechanism answers in one exchange (INV-8: AUTH challenge rounds
 * ≤ 5). The mechanisms here need at most two; the cap is the backstop.
 */
export const MAX_SASL_ROUNDS = 5;

/**
 * One client-side SASL exchange, single use. Create one per `AUTH` command.
 *
 * @example
 * ```ts
 * const mechanism = createPlain({ username: 'tim', password: 'tanstaaftanstaaf' });
 * const initial = mechanism.start();
 * send(initial === undefined ? `AUTH ${mechanism.name}` : `AUTH ${mechanism.name} ${initial}`);
 * for (let reply = read(); ; reply = read()) {
 *   if (reply.code === 334) send(mechanism.step(reply.text)); // on throw: send '*'
 *   else if (reply.code === 235) { mechanism.finish(); break; }
 *   else throw authFailed(reply);
 * }
 * ```
 */
export interface SaslMechanism {
  /** The mechanism name to put after `AUTH`. */
  readonly name: SaslMechanismName;
  /**
   * Begins the exchange; call once, first. Returns the initial response to append to
   * `AUTH <name>`, already base64 (`=` when it is empty, RFC 4954 section 4), or `undefined` for
   * mechanisms where the server speaks first (LOGIN, CRAM-MD5).
   *
   * If the AUTH line would be too long with it (RFC 4954 section 4: the 512-octet command line
   * limit), send `AUTH <name>` alone and answer the server's empty `334 ` with this same text
   * (an empty line instead of `=`), without passing that empty challenge to {@link step}.
   */
  start(): string | undefined;
  /**
   * Answers one `334` challenge. `challenge` is the reply text after `334 `, still base64.
   * Returns the response line to send, base64, `''` for an empty response.
   *
   * @throws SaslError when the challenge is malformed, one too many, or proves the server wrong
   * (SCRAM). The client then cancels with `*` (RFC 4954 section 4) and gives up.
   */
  step(challenge: string): string;
  /**
   * Records the server's `235`. Throws when the mechanism has not yet verified what it must
   * (SCRAM: a server that reports success before proving it knows the password is not trusted),
   * so the client must treat a throw here as a failed authentication.
   */
  finish(): void;
}

/** What one mechanism defines; {@link defineMechanism} supplies order, bounds and base64. */
export interface MechanismDefinition {
  readonly name: SaslMechanismName;
  /** How many `334` challenges the mechanism can answer after `start()`; 0 without `respond`. */
  readonly maxChallenges: number;
  /** The initial response in bytes, or `undefined` when the server speaks first. */
  initialResponse(): Uint8Array | undefined;
  /**
   * The response to challenge number `round` (1-based), already base64-decoded. Omitted by
   * mechanisms that answer no challenge (PLAIN).
   */
  respond?(challenge: Uint8Array, round: number): Uint8Array;
  /** Throws unless the exchange may end in success now. Omitted when there is nothing to check. */
  verifySuccess?(): void;
}

type Phase = 'new' | 'started' | 'finished' | 'failed';

/** Why a call is refused in each phase, for the `SMTP_SASL_STATE` message. */
const REFUSAL: Readonly<Record<Phase, string>> = {
  new: 'start() has not been called',
  started: 'the exchange has already started',
  finished: 'the exchange has already finished',
  failed: 'the exchange has already failed',
};

/**
 * Wraps a {@link MechanismDefinition} in the shared state machine and returns a frozen
 * {@link SaslMechanism} whose methods are closures (no `this`), safe to copy onto another object.
 */
export function defineMechanism(definition: MechanismDefinition): SaslMechanism {
  const { name } = definition;
  const maxChallenges = Math.min(definition.maxChallenges, MAX_SASL_ROUNDS);
  let phase: Phase = 'new';
  let rounds = 0;

  function requirePhase(wanted: Phase, action: string): void {
    if (phase !== wanted) {
      const reason = REFUSAL[phase];
      // A misuse also ends the exchange: the caller's idea of where it stands is wrong.
      phase = 'failed';
      throw new SaslError('SMTP_SASL_STATE', `${name}: cannot ${action}: ${reason}`);
    }
  }

  function guarded<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      phase = 'failed';
      throw error;
    }
  }

  return Object.freeze({
    name,
    start(): string | undefined {
      requirePhase('new', 'start');
      return guarded(() => {
        const initial = definition.initialResponse();
        phase = 'started';
        if (initial === undefined) return undefined;
        return initial.length === 0 ? '=' : encodeBase64(initial);
      });
    },
    step(challenge: string): string {
      requirePhase('started', 'answer a challenge');
      return guarded(() => {
        rounds += 1;
        const { respond } = definition;
        if (rounds > maxChallenges || respond === undefined) {
          throw new SaslError(
            'SMTP_SASL_TOO_MANY_ROUNDS',
            `${name}: the server sent challenge ${rounds}, but the mechanism answers at most ${maxChallenges}`,
          );
        }
        const decoded = decodeBase64(challenge);
        if (decoded === undefined) {
          throw new SaslError(
            'SMTP_SASL_MALFORMED_CHALLENGE',
            `${name}: challenge ${rounds} is not valid base64`,
          );
        }
        return encodeBase64(respond(decoded, rounds));
      });
    },
    finish(): void {
      requirePhase('started', 'finish');
      guarded(() => definition.verifySuccess?.());
      phase = 'finished';
    },
  });
}
