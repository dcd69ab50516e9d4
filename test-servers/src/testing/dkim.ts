/**
 * Test-only DKIM verification by an independent implementation, `mailauth` (postalsys), as a
 * receiving server would decide. Its resolver answers the key lookups from the TXT records given
 * here, so no DNS query leaves the machine. Keys are made by the tests (`@smtp/dkim`'s
 * `generateDkimKey` and `dkimDnsRecord`): this package does not depend on `@smtp/dkim`.
 *
 * A mailauth 4.13.3 bug to know of: it reads header octets as latin-1, and in relaxed header
 * canonicalisation its `/\s+/` also takes 0xA0 (NBSP) for white space, where RFC 6376 section
 * 3.4.2 reduces only SP and HTAB (as OpenDKIM does). So a relaxed-header signature over a header
 * holding the octet 0xA0 (U+4F60 is E4 BD A0 in UTF-8, for one) fails here although it is
 * right; simple header canonicalisation, which changes nothing, verifies.
 */
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';

/** One published TXT record, as `dkimDnsRecord` gives it (or `smtp dkim keygen` prints it). */
export interface DkimTxtRecord {
  /** `<selector>._domainkey.<domain>` */
  readonly name: string;
  /** `v=DKIM1; k=...; p=...` */
  readonly value: string;
}

/** The only DNS there is: values by record name, or a list of records. Names match in any case. */
export type DkimRecords = Readonly<Record<string, string>> | readonly DkimTxtRecord[];

/** When the signatures are judged (`x=` expiry, `t=` in the future); now by default. */
export interface VerifyDkimOptions {
  readonly now?: Date;
}

/** One signature as the verifier judged it. */
export interface VerifiedSignature {
  /** `pass`, `fail`, `neutral`, `temperror`, `permerror`... */
  readonly result: string;
  /** Why, when it did not pass: `bad signature`, `no key`, `expired`... ('' when none). */
  readonly comment: string;
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: string;
}

/**
 * Verifies every DKIM signature of `message` with mailauth, `records` being the only DNS there
 * is. Results in the order of the fields, top first. A string message is read as latin-1 (one
 * char per octet).
 */
export async function verifyDkim(
  message: Uint8Array | string,
  records: DkimRecords,
  options: VerifyDkimOptions = {},
): Promise<VerifiedSignature[]> {
  const entries: [string, string][] = Array.isArray(records)
    ? (records as readonly DkimTxtRecord[]).map((record) => [record.name, record.value])
    : Object.entries(records);
  const known = new Map(entries.map(([name, value]) => [name.toLowerCase(), value]));
  const resolver = async (name: string, type: string): Promise<string[][]> => {
    const value = type === 'TXT' ? known.get(name.toLowerCase()) : undefined;
    if (value === undefined) {
      throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
    }
    // A TXT record is a list of strings of at most 255 octets each.
    const strings: string[] = [];
    for (let at = 0; at < value.length; at += 255) strings.push(value.slice(at, at + 255));
    return [strings];
  };
  const input = typeof message === 'string' ? Buffer.from(message, 'latin1') : Buffer.from(message);
  const verified = await dkimVerify(input, {
    resolver,
    ...(options.now === undefined ? {} : { curTime: options.now }),
  });
  return verified.results.map((signature) => ({
    result: signature.status.result,
    comment: signature.status.comment ?? '',
    domain: signature.signingDomain ?? '',
    selector: signature.selector ?? '',
    // The typings say `algorithm`; what mailauth 4.13.3 sets is `algo` (the a= tag).
    algorithm: (signature as { algo?: string }).algo ?? '',
  }));
}

/**
 * {@link verifyDkim}'s verdicts as text, one per signature: `pass`, or the result and why, as
 * `fail (bad signature)`.
 */
export async function dkimVerdicts(
  message: Uint8Array | string,
  records: DkimRecords,
  options: VerifyDkimOptions = {},
): Promise<string[]> {
  return (await verifyDkim(message, records, options)).map(({ result, comment }) =>
    comment === '' ? result : `${result} (${comment})`,
  );
}
