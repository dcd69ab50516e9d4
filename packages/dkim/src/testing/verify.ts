/**
 * Test helpers: verification by an independent implementation, `mailauth` (postalsys), with a
 * resolver that answers the DKIM key lookups from records given here, so no DNS is involved.
 */

import { dkimVerify } from 'mailauth/lib/dkim/verify.js';

/** TXT records by name: `<selector>._domainkey.<domain>` to `v=DKIM1; k=...; p=...`. */
export type Records = Readonly<Record<string, string>>;

/** One verdict per signature, in the order of the fields: 'pass', 'fail', 'neutral'... */
export async function verdicts(
  message: string | Uint8Array,
  records: Records,
  now?: Date,
): Promise<string[]> {
  const input = typeof message === 'string' ? Buffer.from(message, 'binary') : Buffer.from(message);
  const result = await dkimVerify(input, {
    resolver: async (name: string) => {
      const record = records[name];
      if (record === undefined) {
        throw Object.assign(new Error(`no TXT record for ${name}`), { code: 'ENOTFOUND' });
      }
      return [[record]];
    },
    ...(now === undefined ? {} : { curTime: now }),
  });
  return result.results.map(
    (r) => `${r.status.result}${r.status.comment ? ` (${r.status.comment})` : ''}`,
  );
}

/** Bytes of a latin-1 string (every char one octet), and the concatenation of parts. */
export function concat(...parts: (string | Uint8Array)[]): Uint8Array {
  const arrays = parts.map((part) =>
    typeof part === 'string' ? Uint8Array.from(part, (c) => c.charCodeAt(0)) : part,
  );
  const out = new Uint8Array(arrays.reduce((sum, a) => sum + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
