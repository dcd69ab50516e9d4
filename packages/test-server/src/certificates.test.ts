import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertificateName,
  createTestCertificates,
  type TestCertificates,
} from './certificates.ts';

let certs: TestCertificates;
beforeAll(async () => {
  certs = await createTestCertificates();
});

/** A bare TLS server presenting one certificate; handshake results come from the client side. */
async function handshake(
  name: CertificateName,
  client: tls.ConnectionOptions,
): Promise<{ ok: true } | { ok: false; code: string | undefined }> {
  const { key, cert } = certs[name];
  const server = tls.createServer({ key, cert }, (socket) => socket.end());
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  try {
    return await new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: address.port, ...client }, () => {
        socket.destroy();
        resolve({ ok: true });
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        socket.destroy();
        resolve({ ok: false, code: error.code });
      });
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('createTestCertificates', () => {
  afterAll(() => undefined);

  it('returns the same certificates to every caller in a process', async () => {
    expect(await createTestCertificates()).toBe(certs);
  });

  it('makes a server certificate for localhost, 127.0.0.1 and ::1, issued by the CA', () => {
    const leaf = new X509Certificate(certs.server.cert);
    expect(leaf.subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(leaf.checkIssued(new X509Certificate(certs.ca.cert))).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(new X509Certificate(certs.ca.cert).ca).toBe(true);
  });

  it('keeps private keys in PKCS #8 PEM', () => {
    for (const name of ['server', 'expired', 'wrongName', 'untrusted', 'client'] as const) {
      expect(certs[name].key).toMatch(
        /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/,
      );
    }
  });

  it('verifies the good certificate with the CA and servername localhost', async () => {
    expect(await handshake('server', { ca: [certs.ca.cert], servername: 'localhost' })).toEqual({
      ok: true,
    });
  });

  it('verifies the good certificate by IP address', async () => {
    expect(await handshake('server', { ca: [certs.ca.cert] })).toEqual({ ok: true });
  });

  it('rejects the expired certificate with CERT_HAS_EXPIRED', async () => {
    expect(await handshake('expired', { ca: [certs.ca.cert], servername: 'localhost' })).toEqual({
      ok: false,
      code: 'CERT_HAS_EXPIRED',
    });
  });

  it('rejects the wrong-name certificate with ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    expect(await handshake('wrongName', { ca: [certs.ca.cert], servername: 'localhost' })).toEqual({
      ok: false,
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  it('rejects the certificate of another CA with UNABLE_TO_VERIFY_LEAF_SIGNATURE', async () => {
    expect(await handshake('untrusted', { ca: [certs.ca.cert], servername: 'localhost' })).toEqual({
      ok: false,
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('verifies the untrusted certificate once its own CA is trusted', async () => {
    expect(
      await handshake('untrusted', { ca: [certs.untrusted.ca], servername: 'localhost' }),
    ).toEqual({
      ok: true,
    });
  });

  it('rejects the good certificate when the CA is not trusted', async () => {
    expect(await handshake('server', { servername: 'localhost' })).toEqual({
      ok: false,
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });
});
