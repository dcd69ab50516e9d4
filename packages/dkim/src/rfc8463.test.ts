/**
 * RFC 8463 appendix A reproduced: the same keys, message and time give the RFC's two
 * DKIM-Signature fields octet for octet, and mailauth verifies them.
 */
import { dkimVerdicts } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import {
  ED25519_FIELD,
  ED25519_PUBLIC,
  ED25519_SEED,
  RSA_FIELD,
  RSA_PKCS1_PEM,
  RSA_PUBLIC,
  SIGNED_MESSAGE,
  TIMESTAMP,
  UNSIGNED_MESSAGE,
} from './__fixtures__/rfc8463.ts';
import { createDkimSigner, dkimDnsRecord, signWithAll } from './index.ts';
import type { FieldLayout } from './signature-field.ts';
import { createSigner } from './signer.ts';

// The RFC's signatures name h=from:to:subject:date:message-id, then From, Subject and Date
// once more (over-signed), with i=@football.example.com.
const options = {
  domain: 'football.example.com',
  identity: '@football.example.com',
  headers: ['From', 'To', 'Subject', 'Date', 'Message-ID'],
  oversign: ['From', 'Subject', 'Date'],
} as const;

// The RFC's fields are laid out by hand: tags folded at 58 octets, b= lines of 59, q=dns/txt
// (the default, so it changes nothing but the text signed), and " : " between the names of h=.
// The package's own layout differs only in these; the tests below check both.
const RFC_LAYOUT: FieldLayout = {
  width: 58,
  signatureWidth: 59,
  query: true,
  headerSeparator: ' : ',
};

const records = {
  'brisbane._domainkey.football.example.com': dkimDnsRecord({
    selector: 'brisbane',
    domain: 'football.example.com',
    algorithm: 'ed25519-sha256',
    publicKey: ED25519_PUBLIC,
  }).value,
  'test._domainkey.football.example.com': dkimDnsRecord({
    selector: 'test',
    domain: 'football.example.com',
    algorithm: 'rsa-sha256',
    publicKey: RSA_PUBLIC,
  }).value,
};
// Just after the signing time: mailauth refuses signatures from the future.
const verifyTime = new Date(TIMESTAMP.getTime() + 1000);

describe('RFC 8463 appendix A', () => {
  it('reproduces the Ed25519 and the RSA fields octet for octet', async () => {
    const ed = await createSigner(
      { ...options, selector: 'brisbane', privateKey: ED25519_SEED },
      RFC_LAYOUT,
    );
    const warnings: string[] = [];
    const rsa = await createSigner(
      {
        ...options,
        selector: 'test',
        privateKey: RSA_PKCS1_PEM,
        onWarning: (w) => warnings.push(w),
      },
      RFC_LAYOUT,
    );
    expect(await ed.sign(UNSIGNED_MESSAGE, { timestamp: TIMESTAMP })).toBe(ED25519_FIELD);
    expect(await rsa.sign(UNSIGNED_MESSAGE, { timestamp: TIMESTAMP })).toBe(RSA_FIELD);
    expect(await signWithAll(UNSIGNED_MESSAGE, [ed, rsa], { timestamp: TIMESTAMP })).toBe(
      ED25519_FIELD + RSA_FIELD,
    );
    // The RFC's RSA key has 1024 bits: it signs, with a warning.
    expect(warnings).toEqual([expect.stringContaining('1024 bits')]);
  });

  it('reproduces them with the portable SHA-256 too', async () => {
    const ed = await createSigner(
      { ...options, selector: 'brisbane', privateKey: ED25519_SEED, implementation: 'portable' },
      RFC_LAYOUT,
    );
    expect(await ed.sign(UNSIGNED_MESSAGE, { timestamp: TIMESTAMP })).toBe(ED25519_FIELD);
  });

  it('the RFC message verifies with mailauth and the published keys', async () => {
    expect(await dkimVerdicts(SIGNED_MESSAGE, records, { now: verifyTime })).toEqual([
      'pass',
      'pass',
    ]);
  });

  it("the package's own layout signs the same tags and verifies", async () => {
    const ed = await createDkimSigner({
      ...options,
      selector: 'brisbane',
      privateKey: ED25519_SEED,
    });
    const rsa = await createDkimSigner({ ...options, selector: 'test', privateKey: RSA_PKCS1_PEM });
    const fields = await signWithAll(UNSIGNED_MESSAGE, [ed, rsa], { timestamp: TIMESTAMP });
    const [edField, rsaField] = fields
      .split(/(?=DKIM-Signature:)/)
      .map((f) => f.replace(/\s+/g, ''));
    expect(edField).toMatch(
      /^DKIM-Signature:v=1;a=ed25519-sha256;c=relaxed\/relaxed;d=football.example.com;i=@football.example.com;s=brisbane;t=1528637909;h=from:to:subject:date:message-id:from:subject:date;bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;b=[A-Za-z0-9+/]{86}==$/,
    );
    expect(rsaField).toMatch(
      /;s=test;t=1528637909;h=from:to:subject:date:message-id:from:subject:date;/,
    );
    expect(await dkimVerdicts(fields + UNSIGNED_MESSAGE, records, { now: verifyTime })).toEqual([
      'pass',
      'pass',
    ]);
  });
});
