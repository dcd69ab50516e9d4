/**
 * The security contract as the client enforces it (docs/security.md): every rule that decides
 * whether a byte may be written, a credential sent, a connection kept or a message tried again
 * lives here, as a small pure function, so that one file answers "what does the client promise?"
 * and the dialogue code only asks.
 *
 * | rule | function |
 * | --- | --- |
 * | INV-1: credentials make TLS required | {@link securityFor} |
 * | INV-1: nothing but EHLO/HELO and STARTTLS in plaintext when TLS is required | {@link mayWritePlain} |
 * | decision 2: STARTTLS when required or offered; a failed upgrade fails the send | {@link wantsStartTls} |
 * | INV-4: credentials only over verified TLS, unless the separate opt-in | {@link mayAuthenticate} |
 * | INV-4, decision 6: the client's mechanism order, no downgrade, no unauthenticated mail | {@link selectMechanism} |
 * | INV-8: bounded AUTH rounds | {@link MAX_AUTH_ROUNDS} |
 * | RFC 8689: REQUIRETLS only over TLS to a server that offers it | {@link checkRequireTls} |
 * | INV-9, decision 8: which failures end a connection | {@link mustDiscard} |
 *
 * INV-2 (forget everything learnt before TLS, refuse bytes after the STARTTLS `220`) is carried
 * out where it happens: the transport refuses the bytes, and `SmtpConnection` drops the
 * capabilities and sends EHLO again.
 */
import { ProtocolError, type SaslMechanismName } from '@smtp/protocol';
import { AbortError, ConnectionError, ProxyError, TimeoutError, TlsError } from '@smtp/transport';
import { isTokenCredentials, mechanismsFor } from './auth.ts';
import { ClientStateError, SecurityError, SendError } from './errors.ts';
import type { Credentials, Security } from './options.ts';
import { sanitizeServerText } from './reply-info.ts';

/** The most SASL challenges answered in one AUTH exchange (INV-8). */
export const MAX_AUTH_ROUNDS = 5;

/**
 * The security in force for a requested level: `opportunistic` becomes `starttls` when
 * credentials are configured and `allowInsecureAuth` is off (INV-1). Idempotent, so
 * `setCredentials()` can apply it again to a resolved level.
 */
export function securityFor(
  requested: Security,
  hasCredentials: boolean,
  allowInsecureAuth: boolean,
): Security {
  return requested === 'opportunistic' && hasCredentials && !allowInsecureAuth
    ? 'starttls'
    : requested;
}

/**
 * Whether to send STARTTLS on a plaintext link (decision 2): always for `starttls` (even when
 * not advertised: the refusal is then the proof that TLS cannot be had), when offered for
 * `opportunistic`, never for `none`. Once sent, a refusal or a failed handshake fails the
 * connection: there is no retry in plaintext.
 */
export function wantsStartTls(security: Security, offered: boolean): boolean {
  return security === 'starttls' || (security === 'opportunistic' && offered);
}

/**
 * Whether a command other than EHLO/HELO/STARTTLS may be written now (INV-1): always over TLS;
 * in plaintext only when TLS is not required, that is not with `starttls` or `implicit`, nor
 * with credentials configured without `allowInsecureAuth`. QUIT obeys it too: where it says
 * no, the socket is dropped instead.
 */
export function mayWritePlain(
  secure: boolean,
  security: Security,
  hasCredentials: boolean,
  allowInsecureAuth: boolean,
): boolean {
  if (secure) return true;
  if (security === 'starttls' || security === 'implicit') return false;
  return !hasCredentials || allowInsecureAuth;
}

/** What {@link mayAuthenticate} needs to know about the link. */
export interface LinkSecurity {
  /** True once the link is TLS (implicit, or after STARTTLS). */
  readonly secure: boolean;
  /** True when the server's certificate chain and name were verified. */
  readonly authorized: boolean;
}

/**
 * Throws unless credentials may be sent on this link now (INV-4): TLS with a verified
 * certificate, or the caller's explicit `allowInsecureAuth`. Call it right before `AUTH`.
 *
 * @throws {SecurityError} `SMTP_AUTH_INSECURE`, naming what is missing and the opt-in.
 * @example
 * ```ts
 * mayAuthenticate({ secure: true, authorized: true }, false); // fine
 * mayAuthenticate({ secure: false, authorized: false }, false); // throws SMTP_AUTH_INSECURE
 * ```
 */
export function mayAuthenticate(state: LinkSecurity, allowInsecureAuth: boolean): void {
  if (allowInsecureAuth === true) return;
  if (!state.secure) {
    throw new SecurityError(
      'SMTP_AUTH_INSECURE',
      "Refusing to send credentials over a plaintext connection; use security 'starttls' or 'implicit', or set allowInsecureAuth: true to accept the risk",
    );
  }
  if (!state.authorized) {
    throw new SecurityError(
      'SMTP_AUTH_INSECURE',
      'Refusing to send credentials to a server whose TLS certificate was not verified (rejectUnauthorized: false or an unverified chain); fix the certificate or tls.ca, or set allowInsecureAuth: true to accept the risk',
    );
  }
}

/** The offered list as it goes into a message: sanitised server text, bounded. */
function describeOffered(offered: readonly string[]): string {
  return offered.length === 0
    ? 'the server offers no AUTH mechanism'
    : `the server offers ${sanitizeServerText(offered.join(', '), 200)}`;
}
/**
 * Chooses the SASL mechanism for AUTH: the first of the client's order
 * (`SCRAM-SHA-256 > CRAM-MD5 > PLAIN > LOGIN` for a password, `OAUTHBEARER > XOAUTH2` for a
 * token) that the server offers. Server names are compared case-insensitively (RFC 4954 uses
 * upper case, but some servers do not).
 *
 * @param offered The mechanisms from the server's EHLO `AUTH` line (after TLS, INV-2).
 * @param forced The `mechanism` option: used if it fits the credentials and is offered.
 * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS` when `forced` cannot work with
 *   these credentials (a password mechanism with a token, or the reverse).
 * @throws {SecurityError} `SMTP_AUTH_UNAVAILABLE` when no usable mechanism is offered
 *   (decision 6: never go on without authenticating), naming what the server offered.
 * @example
 * ```ts
 * selectMechanism(['LOGIN', 'PLAIN', 'CRAM-MD5'], { user: 'a', pass: 'b' }); // 'CRAM-MD5'
 * ```
 */
export function selectMechanism(
  offered: readonly string[],
  credentials: Credentials,
  forced?: SaslMechanismName,
): SaslMechanismName {
  const usable = mechanismsFor(credentials);
  const available = new Set(offered.map((name) => name.toUpperCase()));
  const kind = isTokenCredentials(credentials) ? 'an access token' : 'a password';
  if (forced !== undefined) {
    if (!usable.includes(forced)) {
      throw new ClientStateError(
        'SMTP_CLIENT_INVALID_OPTIONS',
        `mechanism ${forced} cannot be used with ${kind}; use one of ${usable.join(', ')}`,
      );
    }
    if (!available.has(forced)) {
      throw new SecurityError(
        'SMTP_AUTH_UNAVAILABLE',
        `The mechanism option asks for ${forced}, but ${describeOffered(offered)}`,
      );
    }
    return forced;
  }
  const chosen = usable.find((name) => available.has(name));
  if (chosen === undefined) {
    throw new SecurityError(
      'SMTP_AUTH_UNAVAILABLE',
      `Credentials are configured but ${describeOffered(offered)} that works with ${kind} (the client supports ${usable.join(', ')}); not sending mail unauthenticated`,
    );
  }
  return chosen;
}

/**
 * Throws unless REQUIRETLS (RFC 8689) can be honoured: the link is TLS and the server offers the
 * extension. Asked for and not possible, nothing of the message is sent.
 *
 * @throws {SecurityError} `SMTP_REQUIRETLS_UNAVAILABLE`.
 */
export function checkRequireTls(secure: boolean, offered: boolean): void {
  if (secure && offered) return;
  throw new SecurityError(
    'SMTP_REQUIRETLS_UNAVAILABLE',
    secure
      ? 'REQUIRETLS was asked for and the server does not offer it; nothing was sent'
      : 'REQUIRETLS was asked for and the connection is not TLS; nothing was sent',
  );
}

/**
 * Whether a connection must be dropped after `error` ended an operation on it (INV-9): after a
 * deadline, an abort, a protocol error, a lost connection or an `unknown` outcome the dialogue
 * is out of step (or may be), so the connection is never used again. A refusal read in step, a
 * check that failed before any byte, or a security stop leaves it usable. And whatever the
 * reason, the client never sends the message again by itself once its end of data may have
 * been written (decision 8).
 */
export function mustDiscard(error: unknown): boolean {
  if (error instanceof SendError) {
    return error.outcome === 'unknown' || (error.cause !== undefined && mustDiscard(error.cause));
  }
  return (
    error instanceof TimeoutError ||
    error instanceof AbortError ||
    error instanceof ProtocolError ||
    error instanceof ConnectionError ||
    error instanceof ProxyError ||
    error instanceof TlsError
  );
}
