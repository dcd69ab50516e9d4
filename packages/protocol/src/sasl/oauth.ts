/**
 * What XOAUTH2 and OAUTHBEARER (RFC 7628) share: a bearer token in the initial response, and one
 * optional error challenge.
 *
 * Contract: pure and synchronous. When the server rejects the token it does not answer `535`
 * straight away: it sends a `334` whose text is base64 of a JSON object describing the error
 * (RFC 7628 section 3.2.2; Google's XOAUTH2 documentation), the client must answer it (an empty
 * line for XOAUTH2, a single `\x01` for OAUTHBEARER, RFC 7628 section 3.2.3), and only then does
 * the server send its final failure reply. The mechanism answers that one challenge, keeps the
 * decoded error in {@link OauthMechanism.serverError} for the client's error message, and refuses
 * a second challenge (`SMTP_SASL_TOO_MANY_ROUNDS`).
 *
 * The error is server text: every string in it goes through `sanitizeServerText` (controls,
 * escape sequences, bidi controls and line separators escaped; length capped) before it is
 * exposed, so it can go into a log as is (INV-10).
 */
import { sanitizeServerText } from '../server-text.ts';
import { defineMechanism, type SaslMechanism, type SaslMechanismName } from './mechanism.ts';
import {
  decodeUtf8,
  hasControlCharacter,
  invalidCredential,
  SASL_SERVER_TEXT_LENGTH,
} from './text.ts';

/**
 * The error a server reported in an XOAUTH2 or OAUTHBEARER error challenge, decoded and
 * sanitised. Fields the server did not send, or sent as something other than a string, are
 * absent.
 */
export interface OauthServerError {
  /** The whole decoded challenge, sanitised (for a log line). */
  readonly text: string;
  /** `status`: an HTTP status (`'401'`, XOAUTH2) or an RFC 6749 error code (`'invalid_token'`). */
  readonly status?: string;
  /** `scope`: the scope the token would need. */
  readonly scope?: string;
  /** `schemes`: the accepted authentication schemes (XOAUTH2). */
  readonly schemes?: string;
  /** `openid-configuration`: where to discover the authorisation server (RFC 7628 3.2.2). */
  readonly openidConfiguration?: string;
}

/** A token mechanism: a {@link SaslMechanism} that also reports the server's error, if any. */
export interface OauthMechanism extends SaslMechanism {
  /**
   * The error the server sent in its error challenge, or `undefined` while it has sent none. Set
   * by `step()`; read it after the final failure reply to explain the failure.
   */
  readonly serverError: OauthServerError | undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Decodes an error challenge. Never throws: a challenge that is not JSON still means failure. */
export function parseOauthError(challenge: Uint8Array): OauthServerError {
  const decoded = decodeUtf8(challenge);
  if (decoded === undefined) return { text: '(error challenge is not UTF-8)' };
  const error: Mutable<OauthServerError> = {
    text: sanitizeServerText(decoded, SASL_SERVER_TEXT_LENGTH),
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    return error;
  }
  if (typeof parsed !== 'object' || parsed === null) return error;
  const fields: readonly (readonly [keyof OauthServerError, string])[] = [
    ['status', 'status'],
    ['scope', 'scope'],
    ['schemes', 'schemes'],
    ['openidConfiguration', 'openid-configuration'],
  ];
  for (const [property, key] of fields) {
    const value: unknown = (parsed as Record<string, unknown>)[key];
    if (typeof value === 'string')
      error[property] = sanitizeServerText(value, SASL_SERVER_TEXT_LENGTH);
  }
  return error;
}

/** Refuses an empty value or one with a control character (`\x01` would end the field early). */
export function checkOauthField(mechanism: string, field: string, value: string): void {
  if (value === '') invalidCredential(mechanism, field, 'must not be empty');
  if (hasControlCharacter(value)) {
    invalidCredential(mechanism, field, 'must not contain control characters');
  }
}

/**
 * Builds a token mechanism: `initialResponse` is sent with AUTH, and the single error challenge
 * is answered with `errorResponse`.
 */
export function defineOauthMechanism(
  name: SaslMechanismName,
  initialResponse: () => Uint8Array,
  errorResponse: Uint8Array,
): OauthMechanism {
  let serverError: OauthServerError | undefined;
  const mechanism = defineMechanism({
    name,
    maxChallenges: 1,
    initialResponse,
    respond(challenge) {
      serverError = parseOauthError(challenge);
      return errorResponse;
    },
  });
  return Object.freeze({
    name: mechanism.name,
    start: mechanism.start,
    step: mechanism.step,
    finish: mechanism.finish,
    get serverError() {
      return serverError;
    },
  });
}
