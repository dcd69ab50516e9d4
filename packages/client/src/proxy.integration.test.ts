/**
 * Sending through proxies (decision 11), the client as a whole: `SmtpClient` and `SmtpPool`
 * through SOCKS5, socks4a, HTTP CONNECT and an https proxy to the embedded server, over STARTTLS
 * and implicit TLS; the proxy's credentials in no log line; proxy failures as `SendError`s with
 * outcome `not-sent` and the `temporary` flag a retry policy needs. The transport's own tests
 * (packages/transport/src/proxy*.integration.test.ts) cover each protocol's bytes and the hostile
 * proxies.
 */
import { type RunningProxy, startHttpProxy, startSocksProxy } from 'test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import { SendError } from './index.ts';
import { FAST, failure, mailBuilder, useIntegrationFixtures } from './testing/integration.ts';

const { certs, open, openPool, server } = useIntegrationFixtures({ closeServers: 'afterEach' });
const mail = mailBuilder('Through a proxy', 'Hello from behind the proxy\n');
const PROXY_PASSWORD = 'pr0xy-pa55word';

const proxies: RunningProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

async function socks(auth = true): Promise<RunningProxy> {
  const proxy = await startSocksProxy(
    auth ? { auth: { username: 'relay', password: PROXY_PASSWORD } } : {},
  );
  proxies.push(proxy);
  return proxy;
}

async function http(tls = false): Promise<RunningProxy> {
  const proxy = await startHttpProxy({
    auth: { username: 'relay', password: PROXY_PASSWORD },
    tls,
  });
  proxies.push(proxy);
  return proxy;
}

/** `scheme://relay:password@127.0.0.1:port` for a running proxy. */
function withCredentials(proxy: RunningProxy, scheme = proxy.url.split(':')[0]): string {
  return `${scheme}://relay:${PROXY_PASSWORD}@127.0.0.1:${proxy.port}`;
}

/** True when `bytes` hold `text` as ASCII. */
function contains(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes).includes(text);
}

describe('SmtpClient through a proxy', () => {
  for (const kind of ['socks5', 'socks5h', 'http', 'https'] as const) {
    for (const mode of ['starttls', 'implicit'] as const) {
      it(`sends through ${kind} with ${mode} TLS, end to end`, async () => {
        const smtp = await server({ security: mode });
        const proxy = kind.startsWith('socks') ? await socks() : await http(kind === 'https');
        const lines: string[] = [];
        const scheme = mode === 'implicit' ? 'smtps' : 'smtptls';
        const client = open(
          {
            url: `${scheme}://127.0.0.1:${smtp.port}`,
            tls: { ca: certs.ca.cert },
            proxy: {
              url: withCredentials(proxy, kind),
              ...(proxy.ca === undefined ? {} : { tls: { ca: proxy.ca } }),
            },
            timeouts: FAST,
          },
          { log: (line) => lines.push(line), debugLog: (line) => lines.push(line) },
        );
        const result = await client.send(mail());
        expect(result.outcome).toBe('accepted');
        expect(smtp.messages).toHaveLength(1);
        expect(smtp.messages[0]?.secure).toBe(true);

        const [tunnel] = proxy.tunnels;
        expect(tunnel).toMatchObject({ host: '127.0.0.1', port: smtp.port, username: 'relay' });
        const forwarded = tunnel?.forwarded ?? new Uint8Array();
        // Implicit TLS: a TLS record from the first byte. STARTTLS: only EHLO and STARTTLS in
        // the clear, then records; never the envelope or the message.
        if (mode === 'implicit') expect([...forwarded.subarray(0, 2)]).toEqual([0x16, 0x03]);
        expect(contains(forwarded, 'MAIL FROM')).toBe(false);
        expect(contains(forwarded, 'Hello from behind the proxy')).toBe(false);

        const log = lines.join('\n');
        expect(log).toContain(`proxy=${kind}://127.0.0.1:${proxy.port}`);
        expect(log).not.toContain(PROXY_PASSWORD);
        expect(JSON.stringify(client.definition())).not.toContain(PROXY_PASSWORD);
      });
    }
  }

  it('sends through socks4a with a user id and no password', async () => {
    const smtp = await server({ security: 'starttls' });
    const proxy = await socks(false);
    const client = open({
      url: `smtptls://127.0.0.1:${smtp.port}`,
      tls: { ca: certs.ca.cert },
      proxy: `socks4a://mailer@127.0.0.1:${proxy.port}`,
      timeouts: FAST,
    });
    await client.send(mail());
    // SOCKS4a differs from SOCKS4 only for a name; an IP address goes as a SOCKS4 request.
    expect(proxy.tunnels[0]).toMatchObject({ protocol: 'socks4', username: 'mailer' });
    expect(smtp.messages).toHaveLength(1);
  });

  it('verifies the SMTP server, not the proxy: a wrong-name server certificate fails', async () => {
    const smtp = await server({ security: 'implicit', certificate: 'wrongName' });
    const proxy = await http(true);
    const client = open({
      url: `smtps://127.0.0.1:${smtp.port}`,
      tls: { ca: certs.ca.cert },
      proxy: { url: withCredentials(proxy, 'https'), tls: { ca: proxy.ca as string } },
      timeouts: FAST,
    });
    const error = await failure(client.send(mail()));
    expect(error.code).toBe('SMTP_TLS_HANDSHAKE');
    expect(error.outcome).toBe('not-sent');
    expect(smtp.messages).toHaveLength(0);
  });

  it('reports a refused proxy login as not-sent and not temporary, without the password', async () => {
    const smtp = await server({ security: 'starttls' });
    const proxy = await socks();
    const client = open({
      url: `smtptls://127.0.0.1:${smtp.port}`,
      tls: { ca: certs.ca.cert },
      proxy: `socks5://relay:wrong-${PROXY_PASSWORD}@127.0.0.1:${proxy.port}`,
      timeouts: FAST,
    });
    const error = await failure(client.send(mail()));
    expect(error).toBeInstanceOf(SendError);
    expect(error).toMatchObject({ code: 'SMTP_PROXY_AUTH', outcome: 'not-sent', temporary: false });
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(PROXY_PASSWORD);
    expect(smtp.totalConnections).toBe(0);
  });

  it('reports a proxy that is not there as not-sent and temporary', async () => {
    const smtp = await server({ security: 'starttls' });
    const proxy = await socks(false);
    await proxy.close();
    const client = open({
      url: `smtptls://127.0.0.1:${smtp.port}`,
      tls: { ca: certs.ca.cert },
      proxy: `socks5h://127.0.0.1:${proxy.port}`,
      timeouts: FAST,
    });
    const error = await failure(client.send(mail()));
    expect(error).toMatchObject({
      code: 'SMTP_PROXY_UNREACHABLE',
      outcome: 'not-sent',
      temporary: true,
    });
  });
});

describe('SmtpPool through a proxy', () => {
  it('opens each of its connections through the proxy', async () => {
    const smtp = await server({ security: 'starttls' });
    const proxy = await http();
    const pool = openPool({
      url: `smtptls://127.0.0.1:${smtp.port}`,
      tls: { ca: certs.ca.cert },
      proxy: withCredentials(proxy, 'http'),
      maxConnections: 2,
      timeouts: FAST,
    });
    const results = await Promise.all(Array.from({ length: 6 }, () => pool.send(mail())));
    expect(results.every((result) => result.outcome === 'accepted')).toBe(true);
    expect(smtp.messages).toHaveLength(6);
    expect(proxy.tunnels.length).toBeGreaterThanOrEqual(1);
    expect(proxy.tunnels.length).toBeLessThanOrEqual(2);
    expect(proxy.tunnels.length).toBe(smtp.totalConnections);
  });
});
