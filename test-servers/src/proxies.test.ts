import net from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ProxyAuth, type RunningProxy, startHttpProxy, startSocksProxy } from './proxies.ts';

const auth: ProxyAuth = { username: 'ann', password: 's3cret' };

/** A raw client: everything received, and a wait for a condition on it. */
interface Dialled {
  readonly socket: net.Socket;
  received(): Buffer;
  /** Resolves once `count` bytes have arrived (or the socket closed), with what arrived. */
  bytes(count: number): Promise<Buffer>;
  /** Resolves with everything once the socket closed. */
  closed(): Promise<Buffer>;
}

let echo: net.Server;
let echoPort: number;
const sockets = new Set<net.Socket>();
const proxies: RunningProxy[] = [];

beforeAll(async () => {
  echo = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as net.AddressInfo).port;
});

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

afterAll(async () => {
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

async function dial(proxy: RunningProxy, secure = false): Promise<Dialled> {
  const socket = secure
    ? tls.connect({ host: proxy.host, port: proxy.port, ca: proxy.ca })
    : net.connect({ host: proxy.host, port: proxy.port });
  sockets.add(socket);
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once(secure ? 'secureConnect' : 'connect', resolve));
  let all = Buffer.alloc(0);
  let done = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  socket.on('data', (chunk: Buffer) => {
    all = Buffer.concat([all, chunk]);
    wake();
  });
  socket.on('close', () => {
    done = true;
    wake();
  });
  const until = (ready: () => boolean) =>
    new Promise<Buffer>((resolve) => {
      const check = () => {
        if (!ready() && !done) return;
        waiters.delete(check);
        resolve(all);
      };
      waiters.add(check);
      check();
    });
  return {
    socket,
    received: () => all,
    bytes: (count) => until(() => all.length >= count),
    closed: () => until(() => false),
  };
}

async function socks(options: Parameters<typeof startSocksProxy>[0] = {}): Promise<RunningProxy> {
  const proxy = await startSocksProxy(options);
  proxies.push(proxy);
  return proxy;
}

async function http(options: Parameters<typeof startHttpProxy>[0] = {}): Promise<RunningProxy> {
  const proxy = await startHttpProxy(options);
  proxies.push(proxy);
  return proxy;
}

const bytes = (...values: number[]): Buffer => Buffer.from(values);
const port = (value: number): number[] => [value >> 8, value & 0xff];
const socks5Ipv4 = (target: number): Buffer => bytes(5, 1, 0, 1, 127, 0, 0, 1, ...port(target));

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

describe('startSocksProxy', () => {
  it('tunnels SOCKS5 without authentication and records what the client sent', async () => {
    const proxy = await socks();
    expect(proxy.url).toBe(`socks5h://127.0.0.1:${proxy.port}`);
    const client = await dial(proxy);
    client.socket.write(bytes(5, 1, 0));
    expect([...(await client.bytes(2))]).toEqual([5, 0]);
    client.socket.write(socks5Ipv4(echoPort));
    expect([...(await client.bytes(12))].slice(0, 2)).toEqual([5, 0]);
    client.socket.write('hello');
    expect((await client.bytes(17)).subarray(12).toString()).toBe('hello');
    expect(proxy.requests).toBe(1);
    expect(proxy.tunnels).toHaveLength(1);
    expect(proxy.tunnels[0]).toMatchObject({
      protocol: 'socks5',
      host: '127.0.0.1',
      port: echoPort,
      username: undefined,
    });
    expect(Buffer.from(proxy.tunnels[0]?.forwarded ?? []).toString()).toBe('hello');
  });

  it('requires the user name and password when given auth', async () => {
    const proxy = await socks({ auth });
    const noMethod = await dial(proxy);
    noMethod.socket.write(bytes(5, 1, 0));
    expect([...(await noMethod.closed())]).toEqual([5, 0xff]);

    const wrong = await dial(proxy);
    wrong.socket.write(bytes(5, 1, 2));
    await wrong.bytes(2);
    wrong.socket.write(
      Buffer.concat([bytes(1, 3), Buffer.from('ann'), bytes(2), Buffer.from('no')]),
    );
    expect([...(await wrong.closed())]).toEqual([5, 2, 1, 1]);

    const right = await dial(proxy);
    right.socket.write(bytes(5, 1, 2));
    await right.bytes(2);
    right.socket.write(
      Buffer.concat([bytes(1, 3), Buffer.from('ann'), bytes(6), Buffer.from('s3cret')]),
    );
    expect([...(await right.bytes(4))]).toEqual([5, 2, 1, 0]);
    // A domain name this time.
    right.socket.write(
      Buffer.concat([bytes(5, 1, 0, 3, 9), Buffer.from('localhost'), bytes(...port(echoPort))]),
    );
    expect((await right.bytes(14))[5]).toBe(0);
    expect(proxy.tunnels[0]).toMatchObject({ host: 'localhost', username: 'ann' });
  });

  it('answers SOCKS5 "connection refused" for a closed target', async () => {
    const proxy = await socks();
    const client = await dial(proxy);
    client.socket.write(bytes(5, 1, 0));
    await client.bytes(2);
    client.socket.write(socks5Ipv4(await closedPort()));
    expect([...(await client.closed())].slice(2, 4)).toEqual([5, 5]);
    expect(proxy.tunnels).toEqual([]);
  });

  it('tunnels SOCKS4 (an address) and SOCKS4a (a name), checking the user id', async () => {
    const proxy = await socks({ auth });
    const four = await dial(proxy);
    four.socket.write(
      Buffer.concat([bytes(4, 1, ...port(echoPort), 127, 0, 0, 1), Buffer.from('ann\0')]),
    );
    expect([...(await four.bytes(8))].slice(0, 2)).toEqual([0, 90]);
    four.socket.write('four');
    expect((await four.bytes(12)).subarray(8).toString()).toBe('four');

    const fourA = await dial(proxy);
    fourA.socket.write(
      Buffer.concat([
        bytes(4, 1, ...port(echoPort), 0, 0, 0, 1),
        Buffer.from('ann\0localhost\0early'),
      ]),
    );
    expect((await fourA.bytes(13)).subarray(8).toString()).toBe('early');
    expect(proxy.tunnels.map(({ protocol, host, username }) => [protocol, host, username])).toEqual(
      [
        ['socks4', '127.0.0.1', 'ann'],
        ['socks4a', 'localhost', 'ann'],
      ],
    );
    expect(Buffer.from(proxy.tunnels[1]?.forwarded ?? []).toString()).toBe('early');

    const stranger = await dial(proxy);
    stranger.socket.write(Buffer.concat([bytes(4, 1, 0, 25, 127, 0, 0, 1), Buffer.from('bob\0')]));
    expect([...(await stranger.closed())].slice(0, 2)).toEqual([0, 93]);
  });

  it('refuses SOCKS4 BIND, a closed target, and a request that never ends', async () => {
    const proxy = await socks();
    const bind = await dial(proxy);
    bind.socket.write(bytes(4, 2, 0, 25, 127, 0, 0, 1, 0));
    expect([...(await bind.closed())].slice(0, 2)).toEqual([0, 91]);

    const closed = await dial(proxy);
    closed.socket.write(bytes(4, 1, ...port(await closedPort()), 127, 0, 0, 1, 0));
    expect([...(await closed.closed())].slice(0, 2)).toEqual([0, 91]);

    const endless = await dial(proxy);
    endless.socket.write(
      Buffer.concat([bytes(4, 1, 0, 25, 0, 0, 0, 1, 0), Buffer.alloc(1100, 'a')]),
    );
    expect(await endless.closed()).toHaveLength(0);
  });

  it('closes a connection that speaks neither SOCKS4 nor SOCKS5', async () => {
    const proxy = await socks();
    const client = await dial(proxy);
    client.socket.write('GET / HTTP/1.1\r\n\r\n');
    expect(await client.closed()).toHaveLength(0);
  });
});

describe('startHttpProxy', () => {
  it('tunnels CONNECT, forwarding bytes sent with the request, and records them', async () => {
    const proxy = await http();
    expect([proxy.url, proxy.ca]).toEqual([`http://127.0.0.1:${proxy.port}`, undefined]);
    const client = await dial(proxy);
    client.socket.write(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\nHost: x\r\n\r\nearly`);
    const head = 'HTTP/1.1 200 Connection established\r\n\r\n';
    expect((await client.bytes(head.length + 5)).toString()).toBe(`${head}early`);
    client.socket.write('late');
    expect((await client.bytes(head.length + 9)).toString()).toBe(`${head}earlylate`);
    expect(proxy.tunnels[0]).toMatchObject({ protocol: 'http', host: '127.0.0.1', port: echoPort });
    expect(Buffer.from(proxy.tunnels[0]?.forwarded ?? []).toString()).toBe('earlylate');
  });

  it('answers 407 without the right Basic credentials, and tunnels with them', async () => {
    const proxy = await http({ auth });
    for (const header of [
      '',
      `Proxy-Authorization: Basic ${Buffer.from('ann:no').toString('base64')}\r\n`,
    ]) {
      const client = await dial(proxy);
      client.socket.write(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n${header}\r\n`);
      const answer = (await client.closed()).toString();
      expect(answer).toMatch(/^HTTP\/1\.1 407 Proxy Authentication Required\r\n/);
      expect(answer).toContain('Proxy-Authenticate: Basic realm="test-servers"\r\n');
    }
    const client = await dial(proxy);
    const token = Buffer.from('ann:s3cret').toString('base64');
    client.socket.write(
      `CONNECT [::ffff:127.0.0.1]:${echoPort} HTTP/1.1\r\nProxy-Authorization: Basic ${token}\r\n\r\n`,
    );
    expect((await client.bytes(12)).toString()).toMatch(/^HTTP\/1\.1 200/);
    expect(proxy.requests).toBe(3);
    expect(proxy.tunnels).toHaveLength(1);
    expect(proxy.tunnels[0]).toMatchObject({ host: '::ffff:127.0.0.1', username: 'ann' });
  });

  it.each([
    ['a malformed authority', 'CONNECT no-port HTTP/1.1\r\n\r\n', /^HTTP\/1\.1 400 /],
    ['port 0', 'CONNECT 127.0.0.1:0 HTTP/1.1\r\n\r\n', /^HTTP\/1\.1 400 /],
    [
      'another method',
      'GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n',
      /^HTTP\/1\.1 405 /,
    ],
  ])('answers %s', async (_name, request, answer) => {
    const proxy = await http();
    const client = await dial(proxy);
    client.socket.write(request);
    expect((await client.closed()).toString()).toMatch(answer);
  });

  it('answers 502 for a closed target', async () => {
    const proxy = await http();
    const client = await dial(proxy);
    client.socket.write(`CONNECT 127.0.0.1:${await closedPort()} HTTP/1.1\r\n\r\n`);
    expect((await client.closed()).toString()).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
  });

  it('speaks TLS with tls: true, trusted through its own CA', async () => {
    const proxy = await http({ tls: true });
    expect(proxy.url).toBe(`https://127.0.0.1:${proxy.port}`);
    expect(proxy.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const client = await dial(proxy, true);
    client.socket.write(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n\r\n`);
    expect((await client.bytes(12)).toString()).toMatch(/^HTTP\/1\.1 200/);
  });

  it('closes open tunnels on close()', async () => {
    const proxy = await http();
    const client = await dial(proxy);
    client.socket.write(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n\r\n`);
    await client.bytes(12);
    await proxy.close();
    await client.closed();
    expect(client.socket.destroyed).toBe(true);
  });
});
