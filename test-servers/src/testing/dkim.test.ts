import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { dkimVerdicts, verifyDkim } from './dkim.ts';

// A key made here (no @smtp/dkim in this package), signed with by mailauth itself.
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const RECORD = {
  name: 's1._domainkey.example.com',
  value: `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
};
const MESSAGE =
  'From: a@example.com\r\nTo: b@example.net\r\nSubject: Caf\xe9\r\n\r\nCr\xe8me br\xfbl\xe9e.\r\n';

async function sign(message: string, options: { signTime?: Date; expires?: Date } = {}) {
  // mailauth signs with the keys in signatureData (its typings want one at the top level too).
  const key = { signingDomain: 'example.com', selector: 's1', privateKey: PRIVATE_KEY };
  const signed = await dkimSign(Buffer.from(message, 'latin1'), {
    ...key,
    signatureData: [key],
    ...options,
  });
  expect(signed.errors).toEqual([]);
  return signed.signatures + message;
}

let signed: string;
beforeAll(async () => {
  signed = await sign(MESSAGE);
});

describe('verifyDkim', () => {
  it('judges each signature with the records given as the only DNS', async () => {
    // The RSA record is over 255 octets: it is answered as several TXT strings.
    expect(RECORD.value.length).toBeGreaterThan(255);
    expect(await verifyDkim(signed, [RECORD])).toEqual([
      {
        result: 'pass',
        comment: '',
        domain: 'example.com',
        selector: 's1',
        algorithm: 'rsa-sha256',
      },
    ]);
  });

  it('reads a string as latin-1, the same octets as bytes', async () => {
    expect(await dkimVerdicts(Buffer.from(signed, 'latin1'), [RECORD])).toEqual(['pass']);
    expect(await dkimVerdicts(new TextEncoder().encode(signed), [RECORD])).toEqual([
      'neutral (body hash did not verify)',
    ]);
  });

  it('takes records by name too, in any case, and nothing else is found', async () => {
    expect(await dkimVerdicts(signed, { 'S1._domainKey.Example.COM': RECORD.value })).toEqual([
      'pass',
    ]);
    expect(await dkimVerdicts(signed, {})).toEqual(['neutral (no key)']);
    expect(await dkimVerdicts(signed, [{ ...RECORD, name: 's2._domainkey.example.com' }])).toEqual([
      'neutral (no key)',
    ]);
  });

  it('judges at the time asked', async () => {
    const message = await sign(MESSAGE, {
      signTime: new Date('2020-01-01T00:00:00Z'),
      expires: new Date('2020-01-02T00:00:00Z'),
    });
    expect(
      await dkimVerdicts(message, [RECORD], { now: new Date('2020-01-01T12:00:00Z') }),
    ).toEqual(['pass']);
    expect(await dkimVerdicts(message, [RECORD])).toEqual(['neutral (expired)']);
  });
});
