/**
 * Proxies to tunnel through, on 127.0.0.1 and an OS-chosen port, closable down to the last
 * socket (client sides and target sides alike):
 *
 * - {@link startSocksProxy}: SOCKS5 (RFC 1928, with RFC 1929 user name and password) through
 *   `@pondwader/socks5-server`, and SOCKS4/SOCKS4a on the same port (our own few lines: the
 *   library speaks SOCKS5 only). The first byte of a connection picks the version.
 * - {@link startHttpProxy}: an HTTP CONNECT proxy (RFC 9110 section 9.3.6) on `node:http`, with
 *   optional `Proxy-Authorization: Basic` and optional TLS to the proxy itself.
 *
 * Both record every tunnel they open: the target as the client asked for it, the user it
 * authenticated as, and every byte the client sent through the tunnel after it opened, so a
 * test can check that the proxy saw only ciphertext (a TLS record, `0x16 0x03`, first; no
 * `EHLO` or `MAIL FROM` after STARTTLS).
 *
 * The https proxy presents the `untrusted` test certificate (names `localhost`, `127.0.0.1` and
 * `::1`, signed by the second test CA): trust {@link RunningProxy.ca} for the proxy and the test
 * CA for the SMTP server, so a client that mixed the two up fails.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { Socks5Server } from '@pondwader/socks5-server';
import { createTestCertificates, pickCertificate } from '@smtp/test-server';

/** A user name and password the proxy requires. */
export interface ProxyAuth {
  readonly username: string;
  readonly password: string;
}

/** One tunnel the proxy opened (the target accepted the connection). */
export interface ProxyTunnel {
  /** How the client asked: `socks5`, `socks4a` (a name), `socks4` (an IPv4 address), `http`. */
  readonly protocol: 'socks5' | 'socks4' | 'socks4a' | 'http';
  /** The target host as the client sent it: a name, or an IP address (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** The SOCKS5 or HTTP user name, or the SOCKS4 user id, the client gave; else `undefined`. */
  readonly username: string | undefined;
  /** Every byte the client sent through the tunnel after it opened, in order (a copy). */
  readonly forwarded: Uint8Array;
}

/** A running proxy. */
export interface RunningProxy {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `socks5h://127.0.0.1:port`, `http://...` or `https://...`, without credentials. */
  readonly url: string;
  /** For an https proxy, the CA that signed its certificate (PEM); else `undefined`. */
  readonly ca: string | undefined;
  /** The tunnels opened so far, in order. */
  readonly tunnels: readonly ProxyTunnel[];
  /** Handshakes (SOCKS greetings, HTTP CONNECT requests) received so far, refused ones included. */
  readonly requests: number;
  /** Closes the listener and destroys every socket, client and target side. */
  close(): Promise<void>;
}

/** Options of {@link startSocksProxy}. */
export interface SocksProxyOptions {
  /** Require this user (SOCKS5: user name and password; SOCKS4: the user id = `username`). */
  readonly auth?: ProxyAuth;
}

/** Options of {@link startHttpProxy}. */
export interface HttpProxyOptions {
  /** Require `Proxy-Authorization: Basic` with this user; else answer `407`. */
  readonly auth?: ProxyAuth;
  /** Speak TLS to the client (an https proxy), with the `untrusted` test certificate. */
  readonly tls?: boolean;
}

function ignore(): void {}

/** What a proxy keeps track of: its sockets (to close them) and its tunnels. */
class Ledger {
  readonly sockets = new Set<Duplex>();
  readonly tunnels: ProxyTunnel[] = [];
  requests = 0;

  track<T extends Duplex>(socket: T): T {
    this.sockets.add(socket);
    socket.on('error', ignore);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  }

  /** Records a tunnel and pipes both ways, keeping a copy of what the client sends. */
  relay(
    client: Duplex,
    target: net.Socket,
    tunnel: Omit<ProxyTunnel, 'forwarded'>,
    first?: Buffer,
  ): void {
    const chunks: Buffer[] = [];
    this.tunnels.push({
      ...tunnel,
      get forwarded() {
        return new Uint8Array(Buffer.concat(chunks));
      },
    });
    if (first !== undefined && first.length > 0) {
      chunks.push(first);
      target.write(first);
    }
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
    });
    client.pipe(target);
    target.pipe(client);
    client.once('close', () => target.destroy());
    target.once('close', () => client.destroy());
  }

  async close(server: net.Server): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/** Connects to the target; resolves once connected, rejects with the socket error. */
function openTarget(ledger: Ledger, host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const target = ledger.track(net.connect({ host, port }));
    target.setNoDelay(true);
    target.once('connect', () => {
      target.off('error', reject);
      resolve(target);
    });
    target.once('error', reject);
  });
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** SOCKS5 reply codes for a target that could not be reached (RFC 1928 section 6). */
function socks5Status(
  error: unknown,
): 'CONNECTION_REFUSED' | 'HOST_UNREACHABLE' | 'GENERAL_FAILURE' {
  const code = (error as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') return 'CONNECTION_REFUSED';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
    return 'HOST_UNREACHABLE';
  }
  return 'GENERAL_FAILURE';
}

/** The most a SOCKS4 request may take before it is refused: far more than any real one. */
const MAX_SOCKS4_REQUEST = 1024;

/**
 * SOCKS4 and SOCKS4a: `VN=4 CD=1 DSTPORT DSTIP USERID NUL [DOMAIN NUL]`, the domain present when
 * DSTIP is `0.0.0.x` with x not 0. Answers `VN=0` with 90 (granted), 91 (rejected or failed) or
 * 93 (a user id other than the one required).
 */
function serveSocks4(ledger: Ledger, socket: net.Socket, auth: ProxyAuth | undefined): void {
  let buffer = Buffer.alloc(0);
  const reply = (code: number): Buffer => Buffer.from([0, code, 0, 0, 0, 0, 0, 0]);
  const onData = (chunk: Buffer): void => {
    buffer = Buffer.concat([buffer, chunk]);
    if (buffer.length > MAX_SOCKS4_REQUEST) {
      socket.destroy();
      return;
    }
    const request = parseSocks4(buffer);
    if (request === undefined) return;
    socket.off('data', onData);
    socket.pause();
    ledger.requests++;
    if (request.command !== 1) {
      socket.end(reply(91));
      return;
    }
    if (auth !== undefined && request.userId !== auth.username) {
      socket.end(reply(93));
      return;
    }
    openTarget(ledger, request.host, request.port).then(
      (target) => {
        socket.write(reply(90));
        ledger.relay(
          socket,
          target,
          {
            protocol: request.domain ? 'socks4a' : 'socks4',
            host: request.host,
            port: request.port,
            username: request.userId === '' ? undefined : request.userId,
          },
          buffer.subarray(request.length),
        );
        socket.resume();
      },
      () => socket.end(reply(91)),
    );
  };
  socket.on('data', onData);
  socket.resume();
}

interface Socks4Request {
  readonly command: number;
  readonly port: number;
  readonly host: string;
  readonly domain: boolean;
  readonly userId: string;
  /** Bytes the request took. */
  readonly length: number;
}

function parseSocks4(buffer: Buffer): Socks4Request | undefined {
  if (buffer.length < 9) return undefined;
  const userEnd = buffer.indexOf(0, 8);
  if (userEnd < 0) return undefined;
  const userId = buffer.subarray(8, userEnd).toString('utf8');
  const ip = [...buffer.subarray(4, 8)];
  const domain = ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0;
  const base = { command: buffer[1] as number, port: buffer.readUInt16BE(2), userId };
  if (!domain) return { ...base, host: ip.join('.'), domain, length: userEnd + 1 };
  const nameEnd = buffer.indexOf(0, userEnd + 1);
  if (nameEnd < 0) return undefined;
  const host = buffer.subarray(userEnd + 1, nameEnd).toString('utf8');
  return { ...base, host, domain, length: nameEnd + 1 };
}

/**
 * Starts a SOCKS proxy speaking SOCKS5 and SOCKS4/4a on one port. With `auth`, SOCKS5 requires
 * that user name and password (a wrong pair is answered `01 01` and closed; a client offering
 * no user/password method gets `05 FF`), and SOCKS4 that user id (else reply 93). A target that
 * cannot be reached is answered with the matching SOCKS5 reply (5 refused, 4 host unreachable,
 * 1 otherwise) or SOCKS4 reply 91.
 *
 * @example
 * const proxy = await startSocksProxy({ auth: { username: 'ann', password: 's3cret' } });
 * // connect({ host: 'localhost', port, proxy: { protocol: 'socks5h', host: proxy.host, port: proxy.port, ... } })
 * expect(proxy.tunnels[0]).toMatchObject({ host: 'localhost', username: 'ann' });
 * await proxy.close();
 */
export async function startSocksProxy(options: SocksProxyOptions = {}): Promise<RunningProxy> {
  const { auth } = options;
  const ledger = new Ledger();
  const socks5 = new Socks5Server();
  if (auth !== undefined) {
    socks5.setAuthHandler(
      (connection) =>
        connection.username === auth.username && connection.password === auth.password,
    );
  }
  socks5.setConnectionHandler((connection, sendStatus) => {
    ledger.requests++;
    const client = connection.socket;
    client.on('error', ignore);
    if (connection.command !== 'connect') {
      sendStatus('COMMAND_NOT_SUPPORTED');
      return;
    }
    client.pause();
    openTarget(ledger, connection.destAddress, connection.destPort).then(
      (target) => {
        sendStatus('REQUEST_GRANTED');
        ledger.relay(client, target, {
          protocol: 'socks5',
          host: connection.destAddress,
          port: connection.destPort,
          username: connection.username,
        });
        client.resume();
      },
      (error: unknown) => sendStatus(socks5Status(error)),
    );
  });
  const server = net.createServer((socket) => {
    ledger.track(socket);
    socket.setNoDelay(true);
    // The first byte says which SOCKS: put it back for whoever reads the request.
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first[0] === 5) socks5._handleConnection(socket);
      else if (first[0] === 4) serveSocks4(ledger, socket, auth);
      else socket.destroy();
    });
  });
  const port = await listen(server);
  return {
    host: '127.0.0.1',
    port,
    url: `socks5h://127.0.0.1:${port}`,
    ca: undefined,
    get tunnels() {
      return ledger.tunnels;
    },
    get requests() {
      return ledger.requests;
    },
    close: () => ledger.close(server),
  };
}

/** `host:port` of a CONNECT request, the host without IPv6 brackets; `undefined` if malformed. */
function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(authority);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (match[1] ?? match[2]) as string, port };
}

/** The user of a `Basic` credential, when it matches `auth`; `false` when it does not. */
function basicUser(header: string | undefined, auth: ProxyAuth): string | false {
  const match = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (match === null) return false;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const username = decoded.slice(0, colon);
  return colon >= 0 && username === auth.username && decoded.slice(colon + 1) === auth.password
    ? username
    : false;
}

function answer(client: Duplex, status: string, headers: readonly string[] = []): void {
  client.end(
    [`HTTP/1.1 ${status}`, ...headers, 'Content-Length: 0', 'Connection: close', '', ''].join(
      '\r\n',
    ),
  );
}

/**
 * Starts an HTTP CONNECT proxy. With `auth`, a request without the right `Proxy-Authorization:
 * Basic` is answered `407` (with `Proxy-Authenticate: Basic`) and the connection closed. A
 * target that cannot be reached gets `502`; a malformed authority `400`; any method but CONNECT
 * `405`. With `tls`, clients must trust {@link RunningProxy.ca}.
 *
 * @example
 * const proxy = await startHttpProxy({ tls: true });
 * // connect({ ..., proxy: { protocol: 'https', host: proxy.host, port: proxy.port, tlsOptions: { ca: proxy.ca } } })
 * await proxy.close();
 */
export async function startHttpProxy(options: HttpProxyOptions = {}): Promise<RunningProxy> {
  const { auth } = options;
  const ledger = new Ledger();
  const certificates = options.tls === true ? await createTestCertificates() : undefined;
  const server =
    certificates === undefined
      ? http.createServer()
      : https.createServer(pickCertificate(certificates, 'untrusted'));
  server.on('connection', (socket: net.Socket) => {
    ledger.track(socket);
  });
  server.on('request', (_request: http.IncomingMessage, response: http.ServerResponse) => {
    response.writeHead(405, { Connection: 'close' }).end();
  });
  server.on('connect', (request: http.IncomingMessage, client: Duplex, head: Buffer) => {
    ledger.requests++;
    ledger.track(client);
    let username: string | undefined;
    if (auth !== undefined) {
      const user = basicUser(request.headers['proxy-authorization'], auth);
      if (user === false) {
        answer(client, '407 Proxy Authentication Required', [
          'Proxy-Authenticate: Basic realm="test-servers"',
        ]);
        return;
      }
      username = user;
    }
    const target = parseAuthority(request.url ?? '');
    if (target === undefined) {
      answer(client, '400 Bad Request');
      return;
    }
    client.pause();
    openTarget(ledger, target.host, target.port).then(
      (socket) => {
        client.write('HTTP/1.1 200 Connection established\r\n\r\n');
        ledger.relay(client, socket, { protocol: 'http', ...target, username }, head);
        client.resume();
      },
      () => answer(client, '502 Bad Gateway'),
    );
  });
  const port = await listen(server);
  const scheme = certificates === undefined ? 'http' : 'https';
  return {
    host: '127.0.0.1',
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    ca: certificates?.untrusted.ca,
    get tunnels() {
      return ledger.tunnels;
    },
    get requests() {
      return ledger.requests;
    },
    close: () => ledger.close(server),
  };
}
