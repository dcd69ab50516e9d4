import net from 'node:net';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resolveProxy } from './proxy-options.ts';
import { type SocksFailureContext, socksFailure, socksHandshake } from './socks-tunnel.ts';

const proxy = resolveProxy(
  { protocol: 'socks5', host: '127.0.0.1', port: 1080, username: 'ann', password: 'pr0xy-S3CRET' },
  { host: 'mail.example.com', kind: 'dns' },
);
if (proxy === undefined) throw new Error('unreachable');
const wait = { deadline: Number.POSITIVE_INFINITY, timeoutMs: 30_000, signal: undefined };

function context(received: number[] = []): SocksFailureContext {
  return {
    proxy: proxy as NonNullable<typeof proxy>,
    destination: { host: '192.0.2.25', port: 25 },
    received: new Uint8Array(received),
    socketError: undefined,
    wait,
  };
}

describe('socksFailure', () => {
  it("maps the library's own timer to SMTP_PROXY_TIMEOUT", () => {
    expect(socksFailure('Proxy connection timed out', context())).toMatchObject({
      code: 'SMTP_PROXY_TIMEOUT',
      step: 'handshake',
      message:
        'The SOCKS5 proxy 127.0.0.1:1080 did not open the tunnel within connectTimeoutMs (30000 ms)',
    });
  });

  it('maps anything it does not know to SMTP_PROXY_PROTOCOL, without quoting it', () => {
    const error = socksFailure('Something new - pr0xy-S3CRET', context());
    expect(error).toMatchObject({ code: 'SMTP_PROXY_PROTOCOL' });
    expect(error.message).toBe('The SOCKS5 proxy 127.0.0.1:1080 broke off the SOCKS handshake');
  });

  it('reads the reply code after a user name and password exchange', () => {
    expect(
      socksFailure(
        'Socks5 proxy rejected connection - HostUnreachable',
        context([5, 2, 1, 0, 5, 3]),
      ),
    ).toMatchObject({ code: 'SMTP_PROXY_REFUSED', replyCode: 3, message: /network unreachable/ });
  });

  it('writes an IPv6 proxy address in brackets', () => {
    const ipv6 = { ...context(), proxy: { ...(proxy as NonNullable<typeof proxy>), host: '::1' } };
    expect(socksFailure('Socket closed', ipv6).message).toBe(
      'The SOCKS5 proxy [::1]:1080 closed the connection during the SOCKS handshake',
    );
  });
});

describe('socksHandshake', () => {
  it('refuses options the SOCKS client refuses, without keeping its error (it holds the password)', async () => {
    const socket = new net.Socket();
    const error = await socksHandshake(
      socket,
      proxy as NonNullable<typeof proxy>,
      { host: 'mail.example.com', port: 70_000 },
      wait,
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SMTP_TRANSPORT_INVALID_OPTIONS' });
    expect((error as Error).cause).toBeUndefined();
    expect(inspect(error, { showHidden: true, depth: 10 })).not.toContain('pr0xy-S3CRET');
    socket.destroy();
  });
});
