/**
 * Through real proxies (test-servers' SOCKS and HTTP CONNECT proxies) to the embedded SMTP
 * server, with STARTTLS and with implicit TLS: every protocol, with and without credentials.
 * Each case reads the greeting through the tunnel, upgrades where needed, checks that the
 * certificate was verified against the SMTP host (docs/security.md decision 11), that the proxy
 * relayed only ciphertext once TLS started, and that no credential reached an event.
 */
import { encodeEhlo, encodeMailFrom, encodeQuit, encodeStarttls, parseEhlo } from '@smtp/protocol';
import {
  createTestCertificates,
  type RunningProxy,
  type RunningSmtpServer,
  startHttpProxy,
  startSmtpServer,
  startSocksProxy,
  type TestCertificates,
} from 'test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './connect.ts';
import type { Connection } from './connection.ts';
import type { TransportEvent } from './events.ts';
import type { ProxyOptions, ProxyProtocol } from './proxy/proxy-options.ts';
import { activeResources, closedPort, leftovers } from './testing/net.ts';

const USER = 'proxy-user';
const PASSWORD = 'pr0xy-S3CRET-pw';
const auth = { username: USER, password: PASSWORD };
/** Every form of the secrets that must never show: the password, and the Basic token. */
const SECRETS = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];

let certs: TestCertificates;
const smtp: Partial<Record<'starttls' | 'implicit', RunningSmtpServer>> = {};
const proxies: Record<string, RunningProxy> = {};

beforeAll(async () => {
  certs = await createTestCertificates();
  smtp.starttls = await startSmtpServer({ host: 'localhost', security: 'starttls' });
  smtp.implicit = await startSmtpServer({ host: 'localhost', security: 'implicit' });
  proxies.socks = await startSocksProxy();
  proxies.socksAuth = await startSocksProxy({ auth });
  proxies.http = await startHttpProxy();
  proxies.httpAuth = await startHttpProxy({ auth });
  proxies.https = await startHttpProxy({ tls: true });
  proxies.httpsAuth = await startHttpProxy({ tls: true, auth });
});

afterAll(async () => {
  await Promise.all([
    ...Object.values(smtp).map((server) => server.close()),
    ...Object.values(proxies).map((proxy) => proxy.close()),
  ]);
});

interface Case {
  readonly name: string;
  readonly proxy: keyof typeof proxies;
  readonly protocol: ProxyProtocol;
  readonly credentials: 'password' | 'user-id' | 'none';
}

const cases: readonly Case[] = [
  { name: 'socks5', proxy: 'socks', protocol: 'socks5', credentials: 'none' },
  {
    name: 'socks5 with user and password',
    proxy: 'socksAuth',
    protocol: 'socks5',
    credentials: 'password',
  },
  { name: 'socks5h', proxy: 'socks', protocol: 'socks5h', credentials: 'none' },
  {
    name: 'socks5h with user and password',
    proxy: 'socksAuth',
    protocol: 'socks5h',
    credentials: 'password',
  },
  { name: 'socks4a', proxy: 'socks', protocol: 'socks4a', credentials: 'none' },
  {
    name: 'socks4a with a user id',
    proxy: 'socksAuth',
    protocol: 'socks4a',
    credentials: 'user-id',
  },
  { name: 'http', proxy: 'http', protocol: 'http', credentials: 'none' },
  { name: 'http with Basic auth', proxy: 'httpAuth', protocol: 'http', credentials: 'password' },
  { name: 'https', proxy: 'https', protocol: 'https', credentials: 'none' },
  { name: 'https with Basic auth', proxy: 'httpsAuth', protocol: 'https', credentials: 'password' },
];

function proxyOptions(item: Case): ProxyOptions {
  const proxy = proxies[item.proxy] as RunningProxy;
  return {
    protocol: item.protocol,
    host: proxy.host,
    port: proxy.port,
    ...(item.credentials === 'none' ? {} : { username: USER }),
    ...(item.credentials === 'password' ? { password: PASSWORD } : {}),
    ...(proxy.ca === undefined ? {} : { tlsOptions: { ca: proxy.ca } }),
  };
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

/** The TLS record header of a handshake message: content type 22, version 3.x. */
function startsTls(bytes: Uint8Array): boolean {
  return bytes[0] === 0x16 && bytes[1] === 0x03;
}

function expectNoSecrets(value: unknown): void {
  const shown = JSON.stringify(value, (_key, item: unknown) =>
    item instanceof Uint8Array ? text(item) : item,
  );
  for (const secret of SECRETS) expect(shown).not.toContain(secret);
}

/** EHLO, MAIL FROM and QUIT over TLS, checking each reply. */
async function talkOverTls(connection: Connection): Promise<void> {
  await connection.write(encodeEhlo('client.example'));
  expect((await connection.readReply({ phase: 'ehlo' })).code).toBe(250);
  await connection.write(encodeMailFrom('sender@example.com'));
  expect((await connection.readReply({ phase: 'mail' })).code).toBe(250);
  await connection.write(encodeQuit());
  expect((await connection.readReply({ phase: 'quit' })).code).toBe(221);
  await connection.close();
}

describe.each(cases)('through $name', (item) => {
  function checkTunnel(mode: 'starttls' | 'implicit', events: TransportEvent[]): Uint8Array {
    const proxy = proxies[item.proxy] as RunningProxy;
    const tunnel = proxy.tunnels.at(-1);
    // socks5 resolves here (family 4): the proxy gets the address; the others get the name.
    expect(tunnel).toMatchObject({
      host: item.protocol === 'socks5' ? '127.0.0.1' : 'localhost',
      port: smtp[mode]?.port,
      username: item.credentials === 'none' ? undefined : USER,
    });
    const connectEvent = events.find((event) => event.type === 'connect');
    expect(connectEvent).toMatchObject({ remoteAddress: '127.0.0.1', remotePort: proxy.port });
    expect(events.find((event) => event.type === 'proxy')).toMatchObject({
      type: 'proxy',
      protocol: item.protocol,
      host: proxy.host,
      port: proxy.port,
    });
    expect(events.map((event) => event.type).slice(0, 2)).toEqual(['connect', 'proxy']);
    expectNoSecrets(events);
    // The handshake's bytes are not data events: the first bytes in are the server's.
    const firstIn = events.find((event) => event.type === 'data' && event.direction === 'in');
    if (mode === 'starttls' && firstIn?.type === 'data' && firstIn.data !== undefined) {
      expect(text(firstIn.data)).toMatch(/^220 /);
    }
    for (const event of events) {
      if (event.type === 'data' && event.data !== undefined) {
        expect(text(event.data)).not.toMatch(/CONNECT|Proxy-Authorization/);
      }
    }
    return (tunnel as { forwarded: Uint8Array }).forwarded;
  }

  it('runs STARTTLS end to end, verified as the SMTP host, the proxy seeing only ciphertext after it', async () => {
    const before = activeResources();
    const events: TransportEvent[] = [];
    const connection = await connect({
      host: 'localhost',
      port: smtp.starttls?.port ?? 0,
      family: 4,
      tlsOptions: { ca: certs.ca.cert },
      proxy: proxyOptions(item),
      onEvent: (event) => events.push(event),
      includeData: true,
      connectTimeoutMs: 5000,
      readTimeoutMs: 5000,
    });
    expect(connection.remotePort).toBe(proxies[item.proxy]?.port);
    const greeting = await connection.readReply({ phase: 'greeting' });
    expect(greeting.code).toBe(220);
    await connection.write(encodeEhlo('client.example'));
    expect(parseEhlo(await connection.readReply({ phase: 'ehlo' })).startTls).toBe(true);
    await connection.write(encodeStarttls());
    expect((await connection.readReply({ phase: 'starttls' })).code).toBe(220);
    const info = await connection.upgradeToTls();
    expect(info).toMatchObject({
      authorized: true,
      servername: 'localhost',
      verifiedName: 'localhost',
    });
    await talkOverTls(connection);

    const forwarded = checkTunnel('starttls', events);
    const plain = text(forwarded);
    const handshakeAt = plain.indexOf('STARTTLS\r\n') + 'STARTTLS\r\n'.length;
    expect(plain.slice(0, handshakeAt)).toBe('EHLO client.example\r\nSTARTTLS\r\n');
    expect(startsTls(forwarded.subarray(handshakeAt))).toBe(true);
    expect(plain.slice(handshakeAt)).not.toMatch(/EHLO|MAIL FROM|QUIT/);
    expect(await leftovers(before, 2000)).toEqual([]);
  });

  it('runs implicit TLS end to end, the first byte through the tunnel a TLS record', async () => {
    const before = activeResources();
    const events: TransportEvent[] = [];
    const connection = await connect({
      host: 'localhost',
      port: smtp.implicit?.port ?? 0,
      family: 4,
      tls: 'implicit',
      tlsOptions: { ca: certs.ca.cert },
      proxy: proxyOptions(item),
      onEvent: (event) => events.push(event),
      includeData: true,
      connectTimeoutMs: 5000,
      readTimeoutMs: 5000,
    });
    expect(connection.tls).toMatchObject({ authorized: true, verifiedName: 'localhost' });
    expect((await connection.readReply({ phase: 'greeting' })).code).toBe(220);
    await talkOverTls(connection);

    const forwarded = checkTunnel('implicit', events);
    expect(startsTls(forwarded)).toBe(true);
    expect(text(forwarded)).not.toMatch(/EHLO|MAIL FROM|QUIT/);
    expect(await leftovers(before, 2000)).toEqual([]);
  });
});

describe('certificates through a proxy (decision 11)', () => {
  const servers: Partial<Record<'wrongName', RunningSmtpServer>> = {};
  beforeAll(async () => {
    servers.wrongName = await startSmtpServer({
      host: 'localhost',
      security: 'implicit',
      certificate: 'wrongName',
    });
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((server) => server.close()));
  });

  const https = (): ProxyOptions => ({
    protocol: 'https',
    host: proxies.https?.host ?? '',
    port: proxies.https?.port ?? 0,
    tlsOptions: { ca: proxies.https?.ca },
  });

  it('refuses an SMTP certificate for another name, though the proxy verified fine', async () => {
    const before = activeResources();
    const events: TransportEvent[] = [];
    const error = await connect({
      host: 'localhost',
      port: servers.wrongName?.port ?? 0,
      tls: 'implicit',
      tlsOptions: { ca: certs.ca.cert },
      proxy: https(),
      onEvent: (event) => events.push(event),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'TlsError',
      reason: 'certificate-name-mismatch',
      servername: 'localhost',
    });
    // The tunnel itself was up: the proxy's certificate passed, with the proxy's own CA.
    expect(events.map((event) => event.type)).toEqual(['connect', 'proxy', 'error']);
    expect(await leftovers(before, 2000)).toEqual([]);
  });

  it('verifies the SMTP server against servername, never against the proxy address', async () => {
    // The wrong-name certificate names only wrong.example: it verifies as that name, and would
    // fail against 127.0.0.1 (the proxy's address, which the proxy's certificate does name).
    const connection = await connect({
      host: 'localhost',
      port: servers.wrongName?.port ?? 0,
      servername: 'wrong.example',
      tls: 'implicit',
      tlsOptions: { ca: certs.ca.cert },
      proxy: https(),
    });
    expect(connection.tls).toMatchObject({
      authorized: true,
      servername: 'wrong.example',
      verifiedName: 'wrong.example',
    });
    connection.destroy();
  });

  it('verifies the https proxy with its own TLS options, not the connection ones', async () => {
    // The SMTP CA alone does not vouch for the proxy (its certificate has another CA).
    const error = await connect({
      host: 'localhost',
      port: smtp.implicit?.port ?? 0,
      tls: 'implicit',
      tlsOptions: { ca: certs.ca.cert },
      proxy: { protocol: 'https', host: '127.0.0.1', port: proxies.https?.port ?? 0 },
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'ProxyError',
      code: 'SMTP_PROXY_UNREACHABLE',
      step: 'tls',
      cause: { name: 'TlsError', reason: 'certificate-untrusted', servername: '127.0.0.1' },
    });
  });
});

describe('refusals from real proxies', () => {
  it.each([
    ['socks5', 'socksAuth', { username: USER, password: 'wrong' }, 'SMTP_PROXY_AUTH', undefined],
    ['socks5', 'socksAuth', {}, 'SMTP_PROXY_AUTH', undefined],
    ['socks4a', 'socksAuth', { username: 'someone-else' }, 'SMTP_PROXY_AUTH', 93],
    ['http', 'httpAuth', { username: USER, password: 'wrong' }, 'SMTP_PROXY_AUTH', 407],
    ['https', 'httpsAuth', {}, 'SMTP_PROXY_AUTH', 407],
  ] as const)(
    '%s through %s with wrong or no credentials: %s',
    async (protocol, name, credentials, code, replyCode) => {
      const proxy = proxies[name] as RunningProxy;
      const requests = proxy.requests;
      const error = await connect({
        host: 'localhost',
        port: smtp.starttls?.port ?? 0,
        proxy: {
          protocol,
          host: proxy.host,
          port: proxy.port,
          ...credentials,
          ...(proxy.ca === undefined ? {} : { tlsOptions: { ca: proxy.ca } }),
        },
      }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        name: 'ProxyError',
        code,
        protocol,
        step: 'handshake',
        replyCode,
      });
      expectNoSecrets({ message: (error as Error).message, error });
      // One attempt: a 407 is not answered with a second CONNECT.
      expect(proxy.requests - requests).toBeLessThanOrEqual(1);
    },
  );

  it.each([
    ['socks5', 'socks', 5],
    ['socks5h', 'socks', 5],
    ['socks4a', 'socks', 91],
    ['http', 'http', 502],
  ] as const)(
    '%s: a target nobody listens on is SMTP_PROXY_REFUSED with reply %s',
    async (protocol, name, replyCode) => {
      const proxy = proxies[name] as RunningProxy;
      const error = await connect({
        host: '127.0.0.1',
        port: await closedPort(),
        proxy: { protocol, host: proxy.host, port: proxy.port },
      }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'ProxyError', code: 'SMTP_PROXY_REFUSED', replyCode });
    },
  );
});
