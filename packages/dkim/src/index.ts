/**
 * `@smtp/dkim`: DKIM signing (RFC 6376) with `rsa-sha256` and `ed25519-sha256` (RFC 8463),
 * over message bytes, in one streamed pass and constant memory. Runs in any JavaScript runtime
 * with WebCrypto; on Node it hashes with `node:crypto` (loaded with a dynamic import), elsewhere
 * with `@noble/hashes`. It imports no other `@smtp` package and knows nothing of SMTP.
 *
 * @packageDocumentation
 */

export { dkimDnsRecord } from './dns-record.ts';
export { DkimError, type DkimErrorCode, isSmtpError } from './errors.ts';
export { generateDkimKey } from './keys.ts';
export { createDkimSigner, signWithAll } from './signer.ts';
export type {
  Canonicalization,
  DkimAlgorithm,
  DkimSigner,
  DkimSignerOptions,
  DkimSource,
} from './signer-types.ts';
