/**
 * Test-only: DKIM keys made at run time (no key is committed). What was signed with them is
 * verified by `verifyDkim` of `test-servers/testing` (mailauth) with their TXT records as the
 * only DNS, so a test checks what a receiving server would decide.
 */
import {
  type DkimAlgorithm,
  type DkimSignerOptions,
  dkimDnsRecord,
  generateDkimKey,
} from '@smtp/dkim';

/** A key pair, its signer options and its published record. */
export interface TestDkimKey {
  readonly algorithm: DkimAlgorithm;
  readonly privateKey: string;
  readonly options: DkimSignerOptions;
  readonly record: { readonly name: string; readonly value: string };
}

/** The signing domain of every test key. */
export const DKIM_DOMAIN = 'example.com';

/** Makes a key (`rsa`: 2048 bits) for `selector` at {@link DKIM_DOMAIN}. */
export async function makeDkimKey(
  algorithm: 'rsa' | 'ed25519',
  selector: string,
): Promise<TestDkimKey> {
  const key = await generateDkimKey({ algorithm });
  const record = dkimDnsRecord({
    selector,
    domain: DKIM_DOMAIN,
    algorithm: key.algorithm,
    publicKey: key.publicKey,
  });
  return {
    algorithm: key.algorithm,
    privateKey: key.privateKey,
    options: { domain: DKIM_DOMAIN, selector, privateKey: key.privateKey },
    record,
  };
}
