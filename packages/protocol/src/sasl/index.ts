/**
 * Client-side SASL mechanisms for SMTP AUTH (RFC 4954, RFC 4422): small synchronous state
 * machines behind one interface, {@link SaslMechanism}. Pure: no sockets, no timers, no `node:`.
 *
 * Implemented: SCRAM-SHA-256 (RFC 5802, RFC 7677), OAUTHBEARER (RFC 7628), XOAUTH2 (Google),
 * CRAM-MD5 (RFC 2195), PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login). Out of scope:
 * channel binding (`-PLUS` variants), security layers, DIGEST-MD5 (obsolete, RFC 6331).
 * `SASL_MECHANISMS` lists the names in the order a client should prefer them. The bounds the
 * mechanisms enforce (at most 5 challenges, SCRAM iteration counts from 4096 to 1 000 000) are
 * documented on them rather than exported: callers have nothing to configure.
 */
export { type CramMd5Options, createCramMd5 } from './cram-md5.ts';
export { createLogin, type LoginOptions } from './login.ts';
export { SASL_MECHANISMS, type SaslMechanism, type SaslMechanismName } from './mechanism.ts';
export type { OauthMechanism, OauthServerError } from './oauth.ts';
export { createOauthBearer, type OauthBearerOptions } from './oauthbearer.ts';
export { createPlain, type PlainOptions } from './plain.ts';
export { createScramSha256, type ScramSha256Options } from './scram.ts';
export { createXoauth2, type Xoauth2Options } from './xoauth2.ts';
