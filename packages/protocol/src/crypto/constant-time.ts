/**
 * Comparison of two byte strings whose running time does not depend on where they differ.
 *
 * Contract: pure and synchronous. SCRAM uses it to check the server signature (RFC 5802 section
 * 3, `v=`): an early-exit comparison would tell a forger, one byte at a time, how much of a
 * guessed signature is right. JavaScript engines give no hard guarantee about timing, so this is
 * best effort: no data-dependent branch and no early return; only the lengths, which are public
 * (32 bytes for SHA-256), are compared up front.
 */

/** True when `a` and `b` hold the same bytes; examines every byte whatever it finds. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}
