/**
 * Test certificates, made when the tests run and kept only in memory: no private key is ever
 * written to the repository (DESIGN: "certificates for tests are generated when the tests run").
 *
 * One call makes a test CA, a good server certificate for `localhost`, `127.0.0.1` and `::1`,
 * and the three bad ones every TLS test must see rejected: expired, wrong name, and signed by
 * another CA. Keys are ECDSA P-256 (fast to generate; every TLS 1.2/1.3 client supports them).
 * The result is cached per process (per vitest worker), so every server in a test file shares it.
 *
 * Built with `@peculiar/x509` on WebCrypto (`globalThis.crypto`), because `node:crypto` signs but
 * cannot assemble an X.509 certificate.
 */
import { webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

/** A private key and the certificate for it, both PEM. */
export interface KeyAndCertificate {
  /** PKCS #8 private key, PEM (`-----BEGIN PRIVATE KEY-----`). */
  readonly key: string;
  /** The certificate, PEM. Only the leaf: servers do not send the CA along. */
  readonly cert: string;
}

/** The certificates one test process uses. Every leaf is valid for `localhost` unless noted. */
export interface TestCertificates {
  /** The test CA. Trust it (`ca: [certs.ca.cert]`) and `server` verifies. */
  readonly ca: { readonly cert: string };
  /** Valid now for DNS `localhost`, IP `127.0.0.1` and IP `::1`; signed by `ca`. */
  readonly server: KeyAndCertificate;
  /** Same names, signed by `ca`, but `notAfter` is in the past: Node reports `CERT_HAS_EXPIRED`. */
  readonly expired: KeyAndCertificate;
  /** Signed by `ca`, but its only name is `wrong.example`: `ERR_TLS_CERT_ALTNAME_INVALID`. */
  readonly wrongName: KeyAndCertificate;
  /**
   * A `localhost` certificate signed by another CA (`untrusted.ca`), so a client trusting only
   * `ca` reports `UNABLE_TO_VERIFY_LEAF_SIGNATURE`. Trust `untrusted.ca` to make it verify.
   */
  readonly untrusted: KeyAndCertificate & { readonly ca: string };
  /** A client certificate (subject `CN=test-client`, extended key usage clientAuth), signed by `ca`. */
  readonly client: KeyAndCertificate;
}

/** Which of the server certificates a test server presents. */
export type CertificateName = 'server' | 'expired' | 'wrongName' | 'untrusted';

/** The names every good server certificate covers. */
export const TEST_CERTIFICATE_NAMES = {
  dns: ['localhost'],
  ip: ['127.0.0.1', '::1'],
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;
const EC_KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

let cached: Promise<TestCertificates> | undefined;

/**
 * Makes (once per process) and returns the test certificates.
 *
 * @example
 * const certs = await createTestCertificates();
 * tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: [certs.ca.cert] });
 */
export function createTestCertificates(): Promise<TestCertificates> {
  cached ??= generate().catch((error: unknown) => {
    // A failure must not be cached: the next caller gets a fresh attempt and the real error.
    cached = undefined;
    throw error;
  });
  return cached;
}

/**
 * Picks one server certificate and its key out of the set: exactly `{ key, cert }`, so it can be
 * spread into TLS options (the `untrusted` entry also carries its CA, which must not be: a server
 * given that CA would send it along and clients would report SELF_SIGNED_CERT_IN_CHAIN instead).
 */
export function pickCertificate(
  certificates: TestCertificates,
  name: CertificateName,
): KeyAndCertificate {
  const { key, cert } = certificates[name];
  return { key, cert };
}

async function generate(): Promise<TestCertificates> {
  const x509 = await loadX509();
  const crypto = webcrypto;
  x509.cryptoProvider.set(crypto);
  const now = Date.now();
  const validFrom = new Date(now - DAY_MS);
  const validTo = new Date(now + 30 * DAY_MS);

  const makeKeys = (): Promise<webcrypto.CryptoKeyPair> =>
    crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);

  const makeCa = async (name: string) => {
    const keys = await makeKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: `CN=${name}, O=smtp test-servers`,
      notBefore: validFrom,
      notAfter: validTo,
      keys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return { keys, cert };
  };

  type Ca = Awaited<ReturnType<typeof makeCa>>;

  const makeLeaf = async (
    ca: Ca,
    options: {
      subject: string;
      names: X509.JsonGeneralNames;
      notBefore: Date;
      notAfter: Date;
      usage: 'server' | 'client';
    },
  ): Promise<KeyAndCertificate> => {
    const keys = await makeKeys();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: `CN=${options.subject}`,
      issuer: ca.cert.subject,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      publicKey: keys.publicKey,
      signingKey: ca.keys.privateKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([
          options.usage === 'server'
            ? x509.ExtendedKeyUsage.serverAuth
            : x509.ExtendedKeyUsage.clientAuth,
        ]),
        ...(options.names.length > 0
          ? [new x509.SubjectAlternativeNameExtension(options.names)]
          : []),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
      ],
    });
    return { key: await privateKeyPem(crypto, keys.privateKey), cert: cert.toString('pem') };
  };

  const localhostNames: X509.JsonGeneralNames = [
    ...TEST_CERTIFICATE_NAMES.dns.map((value) => ({ type: 'dns' as const, value })),
    ...TEST_CERTIFICATE_NAMES.ip.map((value) => ({ type: 'ip' as const, value })),
  ];

  const ca = await makeCa('smtp test CA');
  const otherCa = await makeCa('smtp untrusted CA');
  const valid = { notBefore: validFrom, notAfter: validTo };
  const [server, expired, wrongName, untrusted, client] = await Promise.all([
    makeLeaf(ca, { subject: 'localhost', names: localhostNames, usage: 'server', ...valid }),
    makeLeaf(ca, {
      subject: 'localhost',
      names: localhostNames,
      usage: 'server',
      notBefore: new Date(now - 10 * DAY_MS),
      notAfter: new Date(now - 2 * DAY_MS),
    }),
    makeLeaf(ca, {
      subject: 'wrong.example',
      names: [{ type: 'dns', value: 'wrong.example' }],
      usage: 'server',
      ...valid,
    }),
    makeLeaf(otherCa, { subject: 'localhost', names: localhostNames, usage: 'server', ...valid }),
    makeLeaf(ca, { subject: 'test-client', names: [], usage: 'client', ...valid }),
  ]);

  return {
    ca: { cert: ca.cert.toString('pem') },
    server,
    expired,
    wrongName,
    untrusted: { ...untrusted, ca: otherCa.cert.toString('pem') },
    client,
  };
}

/** A random positive 64-bit serial, hex (RFC 5280 4.1.2.2: positive, unique per CA). */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(8));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

async function privateKeyPem(crypto: webcrypto.Crypto, key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/**
 * Loads `@peculiar/x509`. Its dependency injection container (tsyringe) needs the Metadata
 * Reflection API polyfill loaded first, so it is imported here, just before, and only in the test
 * processes that make certificates.
 */
async function loadX509(): Promise<typeof X509> {
  await import('reflect-metadata');
  return import('@peculiar/x509');
}
