/**
 * Test-only: DKIM keys made at run time (no key is committed) and an independent verifier,
 * `mailauth`'s `dkimVerify`, given a resolver that answers the TXT records of those keys, so no
 * DNS is asked. What a test checks is what a receiving server would decide.
 */
import {
  type DkimAlgorithm,
  type DkimSignerOptions,
  dkimDnsRecord,
  generateDkimKey,
} from '@smtp/dkim';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';

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

/** One signature as the verifier judged it. */
export interface VerifiedSignature {
  /** `pass`, `fail`, `neutral`, `temperror`, `permerror`... */
  readonly result: string;
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: string;
}

/**
 * Verifies every DKIM signature of `message` with mailauth, the TXT records of `keys` being the
 * only DNS there is. Results in the order of the fields, top first.
 */
export async function verifyDkim(
  message: Uint8Array | string,
  keys: readonly TestDkimKey[],
): Promise<VerifiedSignature[]> {
  const records = new Map(keys.map((key) => [key.record.name.toLowerCase(), key.record.value]));
  const resolver = async (name: string, type: string): Promise<string[][]> => {
    const value = type === 'TXT' ? records.get(name.toLowerCase()) : undefined;
    if (value === undefined) {
      throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
    }
    // A TXT record is a list of strings of at most 255 octets each.
    const strings: string[] = [];
    for (let at = 0; at < value.length; at += 255) strings.push(value.slice(at, at + 255));
    return [strings];
  };
  const verified = await dkimVerify(Buffer.from(message), { resolver });
  return verified.results.map((signature) => ({
    result: signature.status.result,
    domain: signature.signingDomain ?? '',
    selector: signature.selector ?? '',
    algorithm: signature.algorithm ?? '',
  }));
}
