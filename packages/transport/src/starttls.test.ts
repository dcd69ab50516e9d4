import net from 'node:net';
import type tls from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveTls } from './options.ts';
import { ReplyReader } from './reply-reader.ts';
import { bytesAfterStartTlsReply, DEFAULT_MIN_TLS_VERSION, tlsConnectOptions } from './starttls.ts';
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
