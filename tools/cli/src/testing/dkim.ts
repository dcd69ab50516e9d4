/**
 * Test-only: DKIM verification by an independent verifier, `mailauth`'s `dkimVerify`, whose
 * only DNS is the TXT records given (as `smtp dkim keygen` printed them): no query leaves the
 * machine.
 */
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';

/** The result of each signature of `message`, top first (`pass`, `fail`, `neutral`...). */
export async function verifyDkim(
  message: Uint8Array,
  records: readonly { readonly name: string; readonly value: string }[],
): Promise<string[]> {
  const known = new Map(records.map((record) => [record.name.toLowerCase(), record.value]));
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
  const verified = await dkimVerify(Buffer.from(message), { resolver });
  return verified.results.map((signature) => signature.status.result);
}
