/**
 * SHA-256 from `node:crypto`: the one Node-only file of `@smtp/dkim`, and so the one file that
 * imports a `node:` module. `sha256.ts` loads it with a dynamic `import()` only when the runtime
 * is Node, so the rest of the package runs in any JavaScript runtime with WebCrypto.
 *
 * Why: OpenSSL's SHA-256 (with the CPU's SHA extensions where present) hashes a large body
 * several times faster than a JavaScript implementation, and the body hash is most of the
 * signing time for a large message.
 */

import { createHash } from 'node:crypto';

/**
 * A running SHA-256 from `node:crypto`; `digest()` returns a `Buffer`, a `Uint8Array`. (Its
 * type is spelt out rather than imported from `sha256.ts`, which imports this file.)
 */
export function nodeSha256(): { update(data: Uint8Array): unknown; digest(): Uint8Array } {
  return createHash('sha256');
}
