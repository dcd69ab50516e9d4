/**
 * The DNS TXT record that publishes a DKIM public key (RFC 6376 section 3.6.1, RFC 8463
 * section 4). Internal module; the index exports {@link dkimDnsRecord}.
 */

import { DkimError } from './errors.ts';
import { publicKeyValue } from './keys.ts';
import { checkDomainName } from './names.ts';
import type { DkimAlgorithm } from './signer-types.ts';

/**
 * The record to publish for a public key: its name, `<selector>._domainkey.<domain>`, and its
 * value, `v=DKIM1; k=rsa|ed25519; p=<key>`. For RSA `p=` is the SubjectPublicKeyInfo DER in
 * base64; for Ed25519 the raw 32-octet key in base64 (its SubjectPublicKeyInfo is accepted and
 * reduced to that).
 *
 * @example
 * ```ts
 * const { algorithm, publicKey } = await generateDkimKey({ algorithm: 'ed25519' });
 * dkimDnsRecord({ selector: 's1', domain: 'example.com', algorithm, publicKey });
 * // { name: 's1._domainkey.example.com', value: 'v=DKIM1; k=ed25519; p=...' }
 * ```
 *
 * @throws DkimError `SMTP_DKIM_INVALID_OPTION` for a bad selector, domain, algorithm or key.
 */
export function dkimDnsRecord(options: {
  readonly selector: string;
  readonly domain: string;
  readonly algorithm: DkimAlgorithm;
  readonly publicKey: string;
}): { readonly name: string; readonly value: string } {
  if (typeof options !== 'object' || options === null) {
    throw new DkimError('SMTP_DKIM_INVALID_OPTION', 'dkimDnsRecord needs an options object.');
  }
  const selector = checkDomainName(options.selector, 'selector', 1);
  const domain = checkDomainName(options.domain, 'domain', 2);
  const { algorithm } = options;
  if (algorithm !== 'rsa-sha256' && algorithm !== 'ed25519-sha256') {
    throw new DkimError(
      'SMTP_DKIM_INVALID_OPTION',
      "algorithm must be 'rsa-sha256' or 'ed25519-sha256'.",
    );
  }
  const p = publicKeyValue(algorithm, options.publicKey);
  const k = algorithm === 'rsa-sha256' ? 'rsa' : 'ed25519';
  return { name: `${selector}._domainkey.${domain}`, value: `v=DKIM1; k=${k}; p=${p}` };
}
