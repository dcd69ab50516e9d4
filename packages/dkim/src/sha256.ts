/**
 * Incremental SHA-256, the one hash DKIM needs (RFC 6376 section 3.3, RFC 8463 section 3), in
 * every runtime. Internal to the package.
 *
 * WebCrypto has no streaming digest, and the body hash must be computed as the bytes stream past
 * (the message is never held), so the portable implementation is `@noble/hashes` (audited,
 * maintained, pure JavaScript). On Node, `node:crypto`'s `createHash` is several times faster;
 * it lives in `node-sha256.ts`, the package's one Node-only file, loaded with a dynamic `import()`
 * only when the runtime is Node, so the rest of the package runs anywhere (the way `@smtp/mime`
 * loads `node:fs` only for file attachments).
 */

import { sha256 } from '@noble/hashes/sha2.js';

/** A running SHA-256. `update` copies what it needs: the caller may reuse its buffer at once. */
export interface Sha256 {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}

/** Makes a fresh {@link Sha256}. */
export type Sha256Factory = () => Sha256;

/** Which implementation: `'node'` (`node:crypto`) or `'portable'` (`@noble/hashes`). */
export type Sha256Kind = 'node' | 'portable';

/** The portable SHA-256, `@noble/hashes` 2. */
export const portableSha256: Sha256Factory = () => sha256.create();

/** The runtime's Node version, or undefined outside Node (and Node-compatible runtimes). */
function nodeVersion(): string | undefined {
  const process = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  const version = process?.versions?.node;
  return typeof version === 'string' ? version : undefined;
}

let nodeFactory: Promise<Sha256Factory | undefined> | undefined;

/**
 * The SHA-256 to use: `node:crypto` on Node unless `implementation` is `'portable'`, and the
 * portable one everywhere else, or when `node:crypto` cannot be loaded.
 *
 * @param load Loads the Node module (replaced in tests).
 * @param onNode Whether the runtime is Node (replaced in tests).
 */
export async function chooseSha256(
  implementation: 'auto' | 'portable',
  load: () => Promise<{ readonly nodeSha256: Sha256Factory }> = () => import('./node-sha256.ts'),
  onNode = nodeVersion() !== undefined,
): Promise<{ readonly kind: Sha256Kind; readonly create: Sha256Factory }> {
  if (implementation === 'auto' && onNode) {
    nodeFactory ??= load().then(
      (module) => module.nodeSha256,
      () => undefined,
    );
    const create = await nodeFactory;
    if (create !== undefined) return { kind: 'node', create };
  }
  return { kind: 'portable', create: portableSha256 };
}

/** Forgets the loaded Node module (tests only). */
export function resetSha256ForTests(): void {
  nodeFactory = undefined;
}
