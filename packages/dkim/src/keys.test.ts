import { generateKeyPairSync } from 'node:crypto';
import { dkimVerdicts } from 'test-servers/testing';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ED25519_PUBLIC, ED25519_SEED, RSA_PKCS1_PEM, RSA_PUBLIC } from './__fixtures__/rfc8463.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { createDkimSigner, dkimDnsRecord, generateDkimKey, isSmtpError } from './index.ts';
import { importPrivateKey, wrapPkcs1 } from './keys.ts';

const base = { domain: 'example.com', selector: 'k1' } as const;
const MESSAGE = 'From: a@example.com\r\nSubject: keys\r\n\r\nHello.\r\n';

/** The key pairs node:crypto makes, in every form the package reads. */
let rsa: { pkcs1: string; pkcs8: string; spki: string };
let ed: { pkcs8: string; raw: string; spki: string; seed: string };

beforeAll(() => {
  const r = generateKeyPairSync('rsa', { modulusLength: 2048 });
  rsa = {
    pkcs1: r.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    pkcs8: r.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    spki: (r.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64'),
  };
  const e = generateKeyPairSync('ed25519');
  const pkcs8Der = e.privateKey.export({ type: 'pkcs8', format: 'der' }) as Buffer;
  const spkiDer = e.publicKey.export({ type: 'spki', format: 'der' }) as Buffer;
  ed = {
    pkcs8: e.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    seed: pkcs8Der.subarray(16).toString('base64'),
    spki: spkiDer.toString('base64'),
    raw: spkiDer.subarray(12).toString('base64'),
  };
});

afterEach(() => vi.restoreAllMocks());

async function signsAndVerifies(privateKey: string | Uint8Array, record: string): Promise<void> {
  const signer = await createDkimSigner({ ...base, privateKey });
  const field = await signer.sign(MESSAGE);
  expect(await dkimVerdicts(field + MESSAGE, { 'k1._domainkey.example.com': record })).toEqual([
    'pass',
  ]);
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isSmtpError(error)) return error.code;
    throw error;
  }
  throw new Error('did not throw');
}

describe('private keys', () => {
  it('reads PKCS#1 and PKCS#8 RSA keys, as text or bytes', async () => {
    const record = `v=DKIM1; k=rsa; p=${rsa.spki}`;
    await signsAndVerifies(rsa.pkcs1, record);
    await signsAndVerifies(rsa.pkcs8, record);
    await signsAndVerifies(new TextEncoder().encode(rsa.pkcs1), record);
    const signer = await createDkimSigner({ ...base, privateKey: rsa.pkcs1 });
    expect(signer.algorithm).toBe('rsa-sha256');
  });

  it('reads PKCS#8 Ed25519 keys and raw base64 seeds', async () => {
    const record = `v=DKIM1; k=ed25519; p=${ed.raw}`;
    await signsAndVerifies(ed.pkcs8, record);
    await signsAndVerifies(ed.seed, record);
    await signsAndVerifies(`  ${ed.seed}\n`, record);
    await signsAndVerifies(new TextEncoder().encode(ed.pkcs8), record);
    const signer = await createDkimSigner({ ...base, privateKey: ed.seed });
    expect(signer.algorithm).toBe('ed25519-sha256');
  });

  it('wraps PKCS#1 into the PKCS#8 that node:crypto writes for the same key', () => {
    const pkcs1 = decodeBase64(rsa.pkcs1.replace(/-----[A-Z ]+-----/g, '')) as Uint8Array;
    const pkcs8 = decodeBase64(rsa.pkcs8.replace(/-----[A-Z ]+-----/g, '')) as Uint8Array;
    expect(encodeBase64(wrapPkcs1(pkcs1))).toBe(encodeBase64(pkcs8));
    // A short one too (one-octet DER lengths).
    expect(Array.from(wrapPkcs1(new Uint8Array([1, 2, 3])).subarray(0, 2))).toEqual([0x30, 0x17]);
  });

  it('checks the key against the algorithm asked', async () => {
    expect(
      await codeOf(createDkimSigner({ ...base, privateKey: ed.seed, algorithm: 'rsa-sha256' })),
    ).toBe('SMTP_DKIM_INVALID_KEY');
    expect(
      await codeOf(
        createDkimSigner({ ...base, privateKey: rsa.pkcs8, algorithm: 'ed25519-sha256' }),
      ),
    ).toBe('SMTP_DKIM_INVALID_KEY');
    const signer = await createDkimSigner({
      ...base,
      privateKey: ed.pkcs8,
      algorithm: 'ed25519-sha256',
    });
    expect(signer.algorithm).toBe('ed25519-sha256');
  });

  it('refuses what is not a private key it reads, and never quotes it', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const secretBody = 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=';
    const bad: (string | Uint8Array)[] = [
      'garbage',
      '',
      'c2VjcmV0', // base64, but not 32 octets
      `-----BEGIN PRIVATE KEY-----\n${secretBody}\n-----END PRIVATE KEY-----`,
      `-----BEGIN PRIVATE KEY-----\n!!!notbase64!!!\n-----END PRIVATE KEY-----`,
      `-----BEGIN RSA PRIVATE KEY-----\n${secretBody}\n-----END RSA PRIVATE KEY-----`,
      `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${secretBody}\n-----END ENCRYPTED PRIVATE KEY-----`,
      `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n${secretBody}\n-----END RSA PRIVATE KEY-----`,
      `-----BEGIN PUBLIC KEY-----\n${rsa.spki}\n-----END PUBLIC KEY-----`,
      ec,
      // PKCS#8 framing with an Ed25519 OID but a broken key inside.
      `-----BEGIN PRIVATE KEY-----\n${encodeBase64(new Uint8Array([0x30, 0x0c, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x00]))}\n-----END PRIVATE KEY-----`,
      // Framing that breaks off early.
      `-----BEGIN PRIVATE KEY-----\n${encodeBase64(new Uint8Array([0x30]))}\n-----END PRIVATE KEY-----`,
      `-----BEGIN PRIVATE KEY-----\n${encodeBase64(new Uint8Array([0x30, 0x84]))}\n-----END PRIVATE KEY-----`,
      `-----BEGIN PRIVATE KEY-----\n${encodeBase64(new Uint8Array([0x30, 0x81, 0x10, 0x02, 0x01, 0x00, 0x30, 0x80]))}\n-----END PRIVATE KEY-----`,
      `-----BEGIN PRIVATE KEY-----\n${encodeBase64(new Uint8Array([0x30, 0x05, 0x04, 0x01, 0x00]))}\n-----END PRIVATE KEY-----`,
      `-----BEGIN PRIVATE KEY-----\n${encodeBase64(new Uint8Array([0x30, 0x05, 0x02, 0x01, 0x00, 0x04, 0x00]))}\n-----END PRIVATE KEY-----`,
      new Uint8Array([0xff, 0xfe]),
    ];
    for (const privateKey of bad) {
      let caught: unknown;
      try {
        await createDkimSigner({ ...base, privateKey });
      } catch (error) {
        caught = error;
      }
      expect(isSmtpError(caught) && caught.code).toBe('SMTP_DKIM_INVALID_KEY');
      const message = (caught as Error).message;
      expect(message).not.toContain(secretBody);
      expect(message).not.toContain('c2VjcmV0');
      expect(message).not.toContain(rsa.spki.slice(20, 60));
    }
  });

  it('refuses a privateKey that is neither text nor bytes', async () => {
    expect(await codeOf(createDkimSigner({ ...base, privateKey: 42 as unknown as string }))).toBe(
      'SMTP_DKIM_INVALID_OPTION',
    );
  });

  it('refuses RSA keys under 1024 bits and warns under 2048', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({
      type: 'pkcs1',
      format: 'pem',
    }) as string;
    let caught: unknown;
    try {
      await createDkimSigner({ ...base, privateKey: weak });
    } catch (error) {
      caught = error;
    }
    expect(isSmtpError(caught) && caught.code).toBe('SMTP_DKIM_WEAK_KEY');
    expect((caught as Error).message).toContain('512 bits');

    const warnings: string[] = [];
    const signer = await createDkimSigner({
      ...base,
      privateKey: RSA_PKCS1_PEM,
      onWarning: (message) => warnings.push(message),
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('1024 bits');
    expect(warnings[0]).not.toContain('MIICXQ');
    expect(signer.algorithm).toBe('rsa-sha256');
    // Without onWarning it signs quietly.
    await createDkimSigner({ ...base, privateKey: RSA_PKCS1_PEM });
    // 2048 bits: no warning.
    await createDkimSigner({ ...base, privateKey: rsa.pkcs8, onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
  });

  it('reports a runtime without Ed25519 in WebCrypto as unsupported', async () => {
    const notSupported = new DOMException('Unrecognized algorithm name', 'NotSupportedError');
    vi.spyOn(globalThis.crypto.subtle, 'importKey').mockRejectedValue(notSupported);
    expect(await codeOf(createDkimSigner({ ...base, privateKey: ed.seed }))).toBe(
      'SMTP_DKIM_UNSUPPORTED',
    );
    // The same refusal for RSA means a malformed key, not a missing algorithm.
    expect(await codeOf(createDkimSigner({ ...base, privateKey: rsa.pkcs8 }))).toBe(
      'SMTP_DKIM_INVALID_KEY',
    );
  });

  it('reports a runtime without WebCrypto as unsupported', async () => {
    vi.stubGlobal('crypto', undefined);
    const pending = importPrivateKey(ed.seed, undefined);
    const generating = generateDkimKey({ algorithm: 'ed25519' });
    vi.unstubAllGlobals();
    expect(await codeOf(pending)).toBe('SMTP_DKIM_UNSUPPORTED');
    expect(await codeOf(generating)).toBe('SMTP_DKIM_UNSUPPORTED');
  });

  it('imports keys non-extractable, for signing only', async () => {
    const imported = await importPrivateKey(ed.pkcs8, undefined);
    const key = imported.key as unknown as { extractable: boolean; usages: string[] };
    expect(key.extractable).toBe(false);
    expect(key.usages).toEqual(['sign']);
  });
});

describe('generateDkimKey and dkimDnsRecord', () => {
  it('makes an Ed25519 pair whose record verifies its signatures', async () => {
    const key = await generateDkimKey({ algorithm: 'ed25519' });
    expect(key.algorithm).toBe('ed25519-sha256');
    expect(key.privateKey).toMatch(
      /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PRIVATE KEY-----\n$/,
    );
    expect(decodeBase64(key.publicKey)).toHaveLength(32);
    const record = dkimDnsRecord({ selector: 'k1', domain: 'example.com', ...key });
    expect(record).toEqual({
      name: 'k1._domainkey.example.com',
      value: `v=DKIM1; k=ed25519; p=${key.publicKey}`,
    });
    await signsAndVerifies(key.privateKey, record.value);
  });

  it('makes RSA pairs of 2048 bits by default, or as asked', async () => {
    const key = await generateDkimKey();
    expect(key.algorithm).toBe('rsa-sha256');
    const record = dkimDnsRecord({ selector: 'k1', domain: 'example.com', ...key });
    expect(record.value).toBe(`v=DKIM1; k=rsa; p=${key.publicKey}`);
    await signsAndVerifies(key.privateKey, record.value);
    const imported = await importPrivateKey(key.privateKey, 'rsa-sha256');
    expect(imported.bits).toBe(2048);
    const small = await generateDkimKey({ algorithm: 'rsa', bits: 1024 });
    expect((await importPrivateKey(small.privateKey, undefined)).bits).toBe(1024);
  });

  it('refuses bad options', async () => {
    expect(await codeOf(generateDkimKey({ bits: 512 }))).toBe('SMTP_DKIM_WEAK_KEY');
    for (const bits of [2047.5, 2049, 20000, Number.NaN]) {
      expect(await codeOf(generateDkimKey({ bits }))).toBe('SMTP_DKIM_INVALID_OPTION');
    }
    expect(await codeOf(generateDkimKey({ algorithm: 'ed25519', bits: 2048 }))).toBe(
      'SMTP_DKIM_INVALID_OPTION',
    );
    expect(await codeOf(generateDkimKey({ algorithm: 'dsa' as 'rsa' }))).toBe(
      'SMTP_DKIM_INVALID_OPTION',
    );
  });

  it('reports a runtime that cannot make Ed25519 keys as unsupported', async () => {
    vi.spyOn(globalThis.crypto.subtle, 'generateKey').mockRejectedValue(
      new DOMException('Unrecognized algorithm name', 'NotSupportedError'),
    );
    expect(await codeOf(generateDkimKey({ algorithm: 'ed25519' }))).toBe('SMTP_DKIM_UNSUPPORTED');
  });

  it('writes the RFC 8463 records, and takes an Ed25519 key as SubjectPublicKeyInfo too', () => {
    expect(
      dkimDnsRecord({
        selector: 'brisbane',
        domain: 'football.example.com',
        algorithm: 'ed25519-sha256',
        publicKey: ED25519_PUBLIC,
      }).value,
    ).toBe('v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=');
    expect(
      dkimDnsRecord({
        selector: 'Test',
        domain: 'Football.Example.com',
        algorithm: 'rsa-sha256',
        publicKey: RSA_PUBLIC,
      }),
    ).toEqual({
      name: 'test._domainkey.football.example.com',
      value: `v=DKIM1; k=rsa; p=${RSA_PUBLIC}`,
    });
    expect(
      dkimDnsRecord({
        selector: 's',
        domain: 'a.example',
        algorithm: 'ed25519-sha256',
        publicKey: ed.spki,
      }).value,
    ).toBe(`v=DKIM1; k=ed25519; p=${ed.raw}`);
    expect(ED25519_SEED).toHaveLength(44);
  });

  it('refuses bad record options', () => {
    const good = {
      selector: 's',
      domain: 'example.com',
      algorithm: 'rsa-sha256',
      publicKey: RSA_PUBLIC,
    } as const;
    const bad = [
      { ...good, selector: 'a b' },
      { ...good, domain: 'com' },
      { ...good, algorithm: 'rsa-sha1' as 'rsa-sha256' },
      { ...good, publicKey: 'not base64!' },
      { ...good, publicKey: '' },
      { ...good, publicKey: 42 as unknown as string },
      { ...good, publicKey: encodeBase64(new Uint8Array([1, 2, 3])) },
      { ...good, algorithm: 'ed25519-sha256' as const },
    ];
    for (const options of bad) {
      expect(() => dkimDnsRecord(options)).toThrow(
        expect.objectContaining({ code: 'SMTP_DKIM_INVALID_OPTION' }),
      );
    }
    expect(() => dkimDnsRecord(null as unknown as typeof good)).toThrow(
      expect.objectContaining({ code: 'SMTP_DKIM_INVALID_OPTION' }),
    );
  });
});

describe('base64', () => {
  it('round-trips every length and refuses what is not base64', () => {
    for (let n = 0; n < 10; n++) {
      const bytes = new Uint8Array(n).map((_, i) => i * 37 + 200);
      expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
      expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
    expect(decodeBase64('YW Jj\r\nZA==')).toEqual(new TextEncoder().encode('abcd'));
    for (const bad of ['abc', 'a=bc', '====', 'YQ=a', 'YR==', 'YWI=YWI=', 'é000']) {
      expect(decodeBase64(bad)).toBeUndefined();
    }
  });
});
