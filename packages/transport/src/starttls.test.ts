import net from 'node:net';
import type tls from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveTls } from './options.ts';
import { ReplyReader } from './reply-reader.ts';
import {
  authorizationText,
  bytesAfterStartTlsReply,
  DEFAULT_MIN_TLS_VERSION,
  summarise,
  tlsConnectOptions,
} from './starttls.ts';
import { encode } from './testing/net.ts';

const socket = new net.Socket();

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('tlsConnectOptions', () => {
  it('sends SNI for a DNS name and verifies that name, with TLS 1.2 minimum and verification on', () => {
    const options = tlsConnectOptions(socket, resolveTls('mail.example.com', undefined, {}));
    expect(options).toMatchObject({
      socket,
      servername: 'mail.example.com',
      minVersion: DEFAULT_MIN_TLS_VERSION,
      rejectUnauthorized: true,
    });
    expect(options.host).toBeUndefined();
  });

  it('keeps verification on even when NODE_TLS_REJECT_UNAUTHORIZED=0', () => {
    vi.stubEnv('NODE_TLS_REJECT_UNAUTHORIZED', '0');
    expect(
      tlsConnectOptions(socket, resolveTls('localhost', undefined, {})).rejectUnauthorized,
    ).toBe(true);
  });

  it('lets the caller turn verification off and lower the minimum explicitly', () => {
    const options = tlsConnectOptions(
      socket,
      resolveTls('localhost', undefined, {
        rejectUnauthorized: false,
        minVersion: 'TLSv1.3',
        ca: 'PEM',
      }),
    );
    expect(options).toMatchObject({ rejectUnauthorized: false, minVersion: 'TLSv1.3', ca: 'PEM' });
  });

  it('sends no SNI for an IP address', () => {
    expect(
      tlsConnectOptions(socket, resolveTls('127.0.0.1', undefined, {})).servername,
    ).toBeUndefined();
  });

  it("checks the configured name, not the name Node passes (its default is 'localhost')", () => {
    const check = vi.fn(() => undefined);
    const options = tlsConnectOptions(
      socket,
      resolveTls('127.0.0.1', 'mail.example.com', { checkServerIdentity: check }),
    );
    const certificate = { subject: {} } as tls.PeerCertificate;
    options.checkServerIdentity?.('localhost', certificate);
    expect(check).toHaveBeenCalledWith('mail.example.com', certificate);
  });

  it("uses Node's checkServerIdentity against the configured name by default", () => {
    const options = tlsConnectOptions(socket, resolveTls('mail.example.com', undefined, {}));
    const certificate = {
      subject: { CN: 'localhost' },
      subjectaltname: 'DNS:localhost',
    } as tls.PeerCertificate;
    expect(options.checkServerIdentity?.('localhost', certificate)).toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  it('fails the name check when there is no name (socket path, verification off)', () => {
    const options = tlsConnectOptions(
      socket,
      resolveTls(undefined, undefined, { rejectUnauthorized: false }),
    );
    expect(options.checkServerIdentity?.('localhost', {} as tls.PeerCertificate)).toMatchObject({
      code: 'ERR_TLS_NO_NAME_TO_VERIFY',
    });
  });
});

describe('bytesAfterStartTlsReply', () => {
  it('is zero when nothing followed the 220', () => {
    const reader = new ReplyReader({});
    reader.push(encode('220 go ahead\r\n'));
    reader.take();
    expect(bytesAfterStartTlsReply(reader, socket)).toBe(0);
  });

  it('counts a partial line, a queued reply, and bytes in the socket buffer', () => {
    const partial = new ReplyReader({});
    partial.push(encode('220 go ahead\r\n250 inj'));
    partial.take();
    expect(bytesAfterStartTlsReply(partial, socket)).toBe(7);

    const queued = new ReplyReader({});
    queued.push(encode('220 go ahead\r\n250 injected\r\n'));
    queued.take();
    expect(bytesAfterStartTlsReply(queued, socket)).toBeGreaterThan(0);

    const buffered = new net.Socket();
    buffered.push(Buffer.from('250 x\r\n'));
    expect(bytesAfterStartTlsReply(new ReplyReader({}), buffered)).toBe(7);
    buffered.destroy();
  });
});

describe('server text in TLS reports (INV-10)', () => {
  it('escapes control and bidi characters in the certificate names, without cutting them', () => {
    const long = 'a'.repeat(2000);
    const summary = summarise({
      subject: { CN: 'mx\u001b[2J.example', O: ['A', 'B\u202e'] },
      issuer: { CN: 'CA\r\nforged: yes' },
      subjectaltname: `DNS:mx.example, DNS:\u2066evil\u2069, DNS:${long}`,
      valid_from: 'Jan  1 00:00:00 2030 GMT',
      valid_to: 'Jan  1 00:00:00 2031 GMT',
      fingerprint256: 'AA:BB',
      serialNumber: '01',
    } as unknown as tls.PeerCertificate);
    expect(summary).toMatchObject({
      subject: 'CN=mx\\x1b[2J.example, O=A+B\\u{202e}',
      issuer: 'CN=CA\\x0d\\x0aforged: yes',
      subjectAltName: `DNS:mx.example, DNS:\\u{2066}evil\\u{2069}, DNS:${long}`,
      validFrom: 'Jan  1 00:00:00 2030 GMT',
    });
  });

  it('keeps a certificate without alternative names, and reports none for an empty one', () => {
    expect(
      summarise({ subject: { CN: 'x' }, issuer: {} } as unknown as tls.PeerCertificate),
    ).toMatchObject({ subject: 'CN=x', issuer: '', subjectAltName: undefined });
    expect(summarise({} as tls.PeerCertificate)).toBeUndefined();
    expect(summarise(undefined)).toBeUndefined();
  });

  it('reports an authorization error by its code, or its message sanitised', () => {
    expect(authorizationText(undefined)).toBeUndefined();
    expect(authorizationText(null)).toBeUndefined();
    expect(authorizationText('CERT_HAS_EXPIRED')).toBe('CERT_HAS_EXPIRED');
    expect(
      authorizationText(Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })),
    ).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(authorizationText(new Error("not in the cert's altnames: DNS:\u001b[31mevil"))).toBe(
      "not in the cert's altnames: DNS:\\x1b[31mevil",
    );
    expect(authorizationText('x'.repeat(600))).toHaveLength(501);
  });
});
