/**
 * The SMTP URL schemes, as data.
 *
 * Contract: {@link SMTP_SCHEMES} is the single source of truth for which schemes exist, their
 * default ports, the transport security each one asks for and the dialogue it speaks (SMTP or
 * LMTP); docs and the CLI print it rather than repeat it. It is frozen at every level. Scheme
 * names are matched case-insensitively (RFC 3986 section 3.1) and an alias resolves to its
 * canonical scheme.
 *
 * Ports and security follow RFC 8314 (implicit TLS on 465 for submission), RFC 6409 (message
 * submission on 587) and RFC 3207 (STARTTLS). `lmtp` is RFC 2033: port 24, the IANA port for
 * "any private mail system" that LMTP servers (Dovecot, Cyrus) listen on by convention; LMTP must
 * never be spoken on port 25 (RFC 2033 section 5), which the parser enforces.
 */

import { UrlError } from './errors.ts';

/**
 * How a connection is secured, as the scheme asks for it.
 *
 * - `implicit`: TLS from the first byte, before the greeting (RFC 8314 section 3).
 * - `starttls`: plain TCP, then `STARTTLS` is required (RFC 3207). It is sent even when the
 *   server does not advertise it, and the session fails if the upgrade does.
 * - `opportunistic`: plain TCP, upgraded with `STARTTLS` when the server offers it.
 *
 * This is what the URL asks for; the client may demand more (it requires TLS whenever
 * credentials are configured).
 */
export type SmtpSecurity = 'implicit' | 'starttls' | 'opportunistic';

/**
 * The dialogue the scheme speaks.
 *
 * - `smtp`: SMTP (RFC 5321): EHLO (HELO for an old server), one final reply after the data.
 * - `lmtp`: LMTP (RFC 2033): LHLO and never HELO, and after the data one reply per recipient
 *   the server accepted at RCPT, in RCPT order, since each may be delivered or refused alone.
 */
export type SmtpProtocol = 'smtp' | 'lmtp';

/** One row of {@link SMTP_SCHEMES}. */
export interface SmtpSchemeInfo {
  /** The port used when the URL names none. */
  readonly defaultPort: number;
  /** The transport security the scheme asks for. */
  readonly security: SmtpSecurity;
  /** The dialogue the scheme speaks: SMTP, or LMTP (RFC 2033). */
  readonly protocol: SmtpProtocol;
  /** One line for humans (docs, CLI help). */
  readonly description: string;
  /** Set on aliases only: the canonical scheme that parsing normalises this one to. */
  readonly aliasOf?: string;
}

/**
 * Every SMTP URL scheme this package accepts, keyed by its lower-case name, in display order.
 *
 * `estmps` is a legacy misspelling of `esmtps` that configurations in the wild still use; it is
 * accepted and parsed as `esmtps`, and never produced.
 *
 * @example
 * ```ts
 * for (const [scheme, info] of Object.entries(SMTP_SCHEMES)) {
 *   console.log(scheme, info.defaultPort, info.security);
 * }
 * ```
 */
export const SMTP_SCHEMES = Object.freeze({
  smtp: Object.freeze({
    defaultPort: 25,
    security: 'opportunistic',
    protocol: 'smtp',
    description: 'SMTP; upgrades with STARTTLS when the server offers it.' as string,
  } as const),
  smtps: Object.freeze({
    defaultPort: 465,
    security: 'implicit',
    protocol: 'smtp',
    description: 'SMTP over implicit TLS (RFC 8314).' as string,
  } as const),
  smtptls: Object.freeze({
    defaultPort: 25,
    security: 'starttls',
    protocol: 'smtp',
    description: 'SMTP that requires STARTTLS, sent even when not advertised (RFC 3207).' as string,
  } as const),
  esmtp: Object.freeze({
    defaultPort: 587,
    security: 'opportunistic',
    protocol: 'smtp',
    description:
      'Submission (RFC 6409); upgrades with STARTTLS when the server offers it.' as string,
  } as const),
  esmtps: Object.freeze({
    defaultPort: 465,
    security: 'implicit',
    protocol: 'smtp',
    description: 'Submission over implicit TLS (RFC 8314).' as string,
  } as const),
  esmtptls: Object.freeze({
    defaultPort: 587,
    security: 'starttls',
    protocol: 'smtp',
    description:
      'Submission (RFC 6409) that requires STARTTLS, sent even when not advertised.' as string,
  } as const),
  lmtp: Object.freeze({
    defaultPort: 24,
    security: 'opportunistic',
    protocol: 'lmtp',
    description:
      'LMTP (RFC 2033) to a delivery agent, over TCP or a UNIX socket; STARTTLS when offered.' as string,
  } as const),
  estmps: Object.freeze({
    defaultPort: 465,
    security: 'implicit',
    protocol: 'smtp',
    description: 'Legacy misspelling of esmtps, accepted and parsed as esmtps.' as string,
    aliasOf: 'esmtps',
  } as const),
} as const satisfies Readonly<Record<string, SmtpSchemeInfo>>);

/** Every scheme name {@link SMTP_SCHEMES} accepts, aliases included, in lower case. */
export type SmtpSchemeName = keyof typeof SMTP_SCHEMES;

/** A canonical scheme: what parsing produces and formatting writes (aliases excluded). */
export type SmtpScheme = {
  [K in SmtpSchemeName]: (typeof SMTP_SCHEMES)[K] extends { readonly aliasOf: string } ? never : K;
}[SmtpSchemeName];

/**
 * Resolves a scheme name, in any case, to its canonical scheme; `undefined` when unknown.
 * Internal: the public surface is the table itself.
 */
export function resolveScheme(name: string): SmtpScheme | undefined {
  const key = name.toLowerCase();
  // Own keys only: a scheme named `constructor` or `__proto__` must not reach Object.prototype.
  if (!Object.hasOwn(SMTP_SCHEMES, key)) return undefined;
  const info: SmtpSchemeInfo = SMTP_SCHEMES[key as SmtpSchemeName];
  return (info.aliasOf ?? key) as SmtpScheme;
}

/** The SMTP relay port (RFC 5321 section 4.5.4.2). */
const SMTP_PORT = 25;

/**
 * Refuses a TCP port the protocol must not use: LMTP on 25, the SMTP port (RFC 2033 section 5:
 * an SMTP client there would take LMTP's per-recipient replies for out-of-step ones). Internal:
 * for parsing and formatting.
 *
 * @throws `UrlError` `SMTP_URL_INVALID_PORT`.
 */
export function checkPortFor(protocol: SmtpProtocol, port: number): void {
  if (protocol === 'lmtp' && port === SMTP_PORT) {
    throw new UrlError(
      'SMTP_URL_INVALID_PORT',
      'LMTP must not be used on port 25, the SMTP port (RFC 2033 section 5); LMTP servers listen on 24 or a UNIX socket.',
    );
  }
}

/** Every accepted scheme name, comma-separated, for messages that list them. Internal. */
export const ACCEPTED_SCHEME_LIST: string = Object.keys(SMTP_SCHEMES).join(', ');
