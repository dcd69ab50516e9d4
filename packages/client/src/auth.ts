/**
 * SASL mechanisms as the client builds them: which mechanisms fit which credentials, and
 * {@link createMechanism}, which registers the password or token (and the encoded initial
 * response) with the secret registry (INV-10) before any byte of it exists. When credentials may
 * be sent and which mechanism is chosen are rules of the security contract: policy.ts
 * (`mayAuthenticate`, `selectMechanism`). The exchange itself is sasl-exchange.ts.
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
import { ClientStateError } from './errors.ts';
import type { Credentials, PasswordCredentials, TokenCredentials } from './options.ts';
import { registerCredentials, type Secrets } from './redact.ts';

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
  registerCredentials(secrets, credentials);
  let token: string | undefined;
  if (isTokenCredentials(credentials)) {
    // A provider's token is new each time: it is registered as soon as it is known.
    token = await accessToken(credentials);
    secrets.add(token);
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
