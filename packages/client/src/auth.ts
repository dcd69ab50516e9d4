/**
 * Authentication policy (SECURITY.md INV-4, decision 6): when the client may send credentials,
 * which SASL mechanism it uses, and building that mechanism with its secrets registered for
 * redaction (INV-10) before any byte of it exists.
 *
 * - {@link mayAuthenticate}: credentials go only over TLS whose certificate was verified,
 *   unless the caller gave the separately named `allowInsecureAuth` opt-in. Turning off
 *   certificate checks (`rejectUnauthorized: false`) leaves the link `authorized: false`, so it
 *   does not enable AUTH by itself.
 * - {@link selectMechanism}: the client's preference order (`SASL_MECHANISMS` from
 *   `@smtp/protocol`), never the order the server lists them in, restricted to what the
 *   credentials can do. There is no fallback to another mechanism after a failure: the core
 *   calls this once per AUTH and reports the failure.
 * - {@link createMechanism}: registers the password or token (and the encoded initial response)
 *   with the secret registry, then returns the mechanism.
 */
import { Buffer } from 'node:buffer';
import {
  createCramMd5,
  createLogin,
  createOauthBearer,
  createPlain,
  createScramSha256,
  createXoauth2,
  type OauthMechanism,
  type OauthServerError,
  SASL_MECHANISMS,
  type SaslMechanism,
  type SaslMechanismName,
} from '@smtp/protocol';
import { ClientStateError, SecurityError } from './errors.ts';
import type { Credentials, PasswordCredentials, TokenCredentials } from './options.ts';
import type { Secrets } from './redact.ts';
import { sanitizeServerText } from './reply-info.ts';

/** The mechanisms a user name and password can drive, in the client's order of preference. */
export const PASSWORD_MECHANISMS: readonly SaslMechanismName[] = Object.freeze(
  SASL_MECHANISMS.filter((name) => name !== 'OAUTHBEARER' && name !== 'XOAUTH2'),
);

/** The mechanisms an OAuth 2.0 access token can drive, in the client's order of preference. */
export const TOKEN_MECHANISMS: readonly SaslMechanismName[] = Object.freeze(
  SASL_MECHANISMS.filter((name) => name === 'OAUTHBEARER' || name === 'XOAUTH2'),
);

/** True for token credentials (`accessToken`), false for a password. */
export function isTokenCredentials(credentials: Credentials): credentials is TokenCredentials {
  // `in` sees non-enumerable properties too, so hidden credentials are told apart correctly.
  return 'accessToken' in credentials;
}

/** The mechanisms that fit these credentials, in the client's order. */
export function mechanismsFor(credentials: Credentials): readonly SaslMechanismName[] {
  return isTokenCredentials(credentials) ? TOKEN_MECHANISMS : PASSWORD_MECHANISMS;
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
 * A mechanism as the client uses it: a `SaslMechanism` plus the token mechanisms' decoded
 * server error (always `undefined` for password mechanisms), to explain a failed AUTH.
 */
export interface ClientMechanism extends SaslMechanism {
  readonly serverError: OauthServerError | undefined;
}

/** What {@link createMechanism} needs besides the credentials. */
export interface MechanismContext {
  /** The host connected to, sent by OAUTHBEARER as `host=` (RFC 7628 section 3.1). */
  readonly host?: string | undefined;
  /** The port connected to, sent by OAUTHBEARER as `port=`. */
  readonly port?: number | undefined;
  /** The registry every secret is added to before it is used. */
  readonly secrets: Secrets;
}

/** Reads the access token, calling the provider when it is a function. */
async function accessToken(credentials: TokenCredentials): Promise<string> {
  const { accessToken: source } = credentials;
  const token = typeof source === 'function' ? await source() : source;
  if (typeof token !== 'string' || token === '') {
    throw new ClientStateError(
      'SMTP_CLIENT_INVALID_OPTIONS',
      'auth.accessToken must be a non-empty string, or a function that returns or resolves to one',
    );
  }
  return token;
}

function buildMechanism(
  name: SaslMechanismName,
  credentials: Credentials,
  token: string | undefined,
  context: MechanismContext,
): SaslMechanism | OauthMechanism {
  const { user } = credentials;
  if (token !== undefined) {
    if (name === 'OAUTHBEARER') {
      return createOauthBearer({
        user,
        accessToken: token,
        ...(context.host === undefined ? {} : { host: context.host }),
        ...(context.port === undefined ? {} : { port: context.port }),
      });
    }
    return createXoauth2({ user, accessToken: token });
  }
  const password = (credentials as PasswordCredentials).pass;
  switch (name) {
    case 'SCRAM-SHA-256':
      return createScramSha256({ username: user, password });
    case 'CRAM-MD5':
      return createCramMd5({ username: user, password });
    case 'PLAIN':
      return createPlain({ username: user, password });
    default:
      return createLogin({ username: user, password });
  }
}

/**
 * Creates the SASL mechanism `name` for `credentials`. Async because a token provider may be.
 *
 * Order matters for INV-10: the password, or the token as soon as it is known, is added to
 * `context.secrets` first; then the mechanism is built; and its initial response (a PLAIN or
 * XOAUTH2 payload, which holds the secret) is registered whole as it is produced by `start()`,
 * before the caller can write or log it. A secret too short for base64 fragments of its own is
 * therefore still hidden inside the AUTH line.
 *
 * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS` when `name` does not fit the
 *   credentials, or the token provider gives no non-empty string.
 * @throws {SaslError} `SMTP_SASL_INVALID_CREDENTIALS` from `@smtp/protocol` for credentials the
 *   mechanism refuses (empty, NUL, prohibited by SASLprep). Whatever a token provider throws is
 *   passed on as it is.
 */
export async function createMechanism(
  name: SaslMechanismName,
  credentials: Credentials,
  context: MechanismContext,
): Promise<ClientMechanism> {
  const { secrets } = context;
  let token: string | undefined;
  if (isTokenCredentials(credentials)) {
    if (typeof credentials.accessToken === 'string') secrets.add(credentials.accessToken);
    token = await accessToken(credentials);
    secrets.add(token);
  } else {
    secrets.add(credentials.pass);
  }
  if (!mechanismsFor(credentials).includes(name)) {
    throw new ClientStateError(
      'SMTP_CLIENT_INVALID_OPTIONS',
      `mechanism ${name} cannot be used with ${token === undefined ? 'a password' : 'an access token'}`,
    );
  }
  const inner: SaslMechanism & { readonly serverError?: OauthServerError | undefined } =
    buildMechanism(name, credentials, token, context);
  return Object.freeze({
    name: inner.name,
    start(): string | undefined {
      const initial = inner.start();
      // The whole payload in base64 (`=`, the empty response, decodes to nothing and is ignored).
      if (initial !== undefined) secrets.addPayload(Buffer.from(initial, 'base64'));
      return initial;
    },
    step: (challenge: string): string => inner.step(challenge),
    finish: (): void => inner.finish(),
    get serverError(): OauthServerError | undefined {
      return inner.serverError;
    },
  });
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
