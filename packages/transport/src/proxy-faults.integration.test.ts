/**
 * Hostile and broken proxies, played by raw `node:net` servers: every way a SOCKS or HTTP proxy
 * can answer wrong, stall, close or reset maps to its `ProxyError` code (or `AbortError`) within
 * the connect deadline, leaves nothing behind, and never shows the proxy password or the
 * `Proxy-Authorization` value in an error (message, `inspect`, JSON) or an event.
 */
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import { startBlackhole } from 'test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from './connect.ts';
import type { TransportEvent } from './events.ts';
import type { ConnectOptions } from './options.ts';
import type { ProxyProtocol } from './proxy/proxy-options.ts';
import {
  activeResources,
  closedPort,
  type InlineServer,
  leftovers,
  listen,
  sleep,
} from './testing/net.ts';

const USER = 'proxy-user';
const PASSWORD = 'pr0xy-S3CRET-pw';
const TOKEN = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

/** One answer per chunk the client sends (each proxy message arrives as one chunk here). */
type Step = (socket: net.Socket, chunk: Buffer) => void;

interface Hostile {
  readonly server: InlineServer;
  /** Everything the client sent, Latin-1. */
  received: string;
  connections: number;
}

const running: InlineServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function hostile(steps: readonly Step[]): Promise<Hostile> {
  const state = { received: '', connections: 0 } as Hostile;
  const server = await listen((socket) => {
    state.connections++;
    let step = 0;
    socket.on('data', (chunk: Buffer) => {
      state.received += chunk.toString('latin1');
      steps[step++]?.(socket, chunk);
    });
  });
  running.push(server);
  return Object.assign(state, { server });
}

const bytes = (...values: number[]): Buffer => Buffer.from(values);
/** A SOCKS5 reply: version, code, reserved, IPv4 0.0.0.0, port 0. */
const socks5Reply = (code: number): Buffer => bytes(5, code, 0, 1, 0, 0, 0, 0, 0, 0);
const socks4Reply = (code: number): Buffer => bytes(0, code, 0, 0, 0, 0, 0, 0);
const write =
  (...chunks: (Buffer | string)[]): Step =>
  (socket) => {
    for (const chunk of chunks) socket.write(chunk);
  };

interface Outcome {
  readonly error: unknown;
  readonly events: TransportEvent[];
  readonly elapsedMs: number;
}

/** Connects through the hostile proxy and returns what failed, checking no secret leaked. */
async function through(
  proxy: Hostile,
  protocol: ProxyProtocol,
  options: Partial<ConnectOptions> & { credentials?: boolean } = {},
  signal?: AbortSignal,
): Promise<Outcome> {
  const { credentials = false, ...rest } = options;
  const events: TransportEvent[] = [];
  const started = performance.now();
  const error = await connect(
    {
      host: 'smtp.example',
      port: 25,
      connectTimeoutMs: 3000,
      onEvent: (event) => events.push(event),
      includeData: true,
      ...rest,
      proxy: {
        protocol,
        host: '127.0.0.1',
        port: proxy.server.port,
        ...(credentials ? { username: USER, password: PASSWORD } : {}),
        ...rest.proxy,
      },
    },
    signal === undefined ? {} : { signal },
  ).then(
    (connection) => {
      connection.destroy();
      return undefined;
    },
    (caught: unknown) => caught,
  );
  const elapsedMs = performance.now() - started;
  expectNoSecrets(error, events);
  return { error, events, elapsedMs };
}

function expectNoSecrets(error: unknown, events: readonly TransportEvent[]): void {
  const shown = [
    error instanceof Error ? error.message : '',
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error),
    inspect(events, { depth: 10 }),
  ].join('\n');
  expect(shown).not.toContain(PASSWORD);
  expect(shown).not.toContain(TOKEN);
}

describe('a hostile SOCKS5 proxy', () => {
  it.each([
    [
      'a wrong version byte in the method reply',
      [write(bytes(4, 0))],
      false,
      { code: 'SMTP_PROXY_PROTOCOL', message: /SOCKS version 4, not 5/ },
    ],
    [
      'no acceptable method, without credentials',
      [write(bytes(5, 0xff))],
      false,
      { code: 'SMTP_PROXY_AUTH', message: /no credentials are configured/ },
    ],
    [
      'no acceptable method, with credentials',
      [write(bytes(5, 0xff))],
      true,
      { code: 'SMTP_PROXY_AUTH', message: /neither no authentication nor/ },
    ],
    [
      'a method nobody offered (GSSAPI)',
      [write(bytes(5, 1))],
      false,
      { code: 'SMTP_PROXY_PROTOCOL', message: /not offered \(1\)/ },
    ],
    [
      'the password refused',
      [write(bytes(5, 2)), write(bytes(1, 1))],
      true,
      { code: 'SMTP_PROXY_AUTH', message: /refused the user name and password/ },
    ],
    [
      '"host unreachable"',
      [write(bytes(5, 0)), write(socks5Reply(4))],
      false,
      {
        code: 'SMTP_PROXY_REFUSED',
        replyCode: 4,
        message: /smtp\.example:25: host unreachable \(SOCKS5 reply 4\)/,
      },
    ],
    [
      '"connection refused" after user and password',
      [write(bytes(5, 2)), write(bytes(1, 0)), write(socks5Reply(5))],
      true,
      { code: 'SMTP_PROXY_REFUSED', replyCode: 5, message: /connection refused/ },
    ],
    [
      'an unassigned reply code',
      [write(bytes(5, 0)), write(socks5Reply(0x20))],
      false,
      { code: 'SMTP_PROXY_REFUSED', replyCode: 0x20, message: /unassigned reply code/ },
    ],
    [
      'a wrong version byte in the final reply',
      [write(bytes(5, 0)), write(bytes(4, 0, 0, 1, 0, 0, 0, 0, 0, 0))],
      false,
      { code: 'SMTP_PROXY_PROTOCOL', message: /SOCKS version 4, not 5/ },
    ],
    [
      'an unknown address type',
      [write(bytes(5, 0)), write(bytes(5, 0, 0, 9, 0, 0, 0, 0, 0, 0))],
      false,
      { code: 'SMTP_PROXY_PROTOCOL', message: /unknown address type/ },
    ],
    [
      'a close in the middle of the handshake',
      [write(bytes(5, 0)), ((socket) => socket.end()) as Step],
      false,
      { code: 'SMTP_PROXY_CLOSED', message: /closed the connection during the SOCKS handshake/ },
    ],
    [
      'a reset in the middle of the handshake',
      [write(bytes(5, 0)), ((socket) => socket.resetAndDestroy()) as Step],
      false,
      { code: 'SMTP_PROXY_CLOSED', cause: { code: 'SMTP_CONNECTION_RESET' } },
    ],
  ] as const)('%s', async (_name, steps, credentials, expected) => {
    const before = activeResources();
    const proxy = await hostile(steps);
    const { error, events } = await through(proxy, 'socks5h', { credentials });
    expect(error).toMatchObject({
      name: 'ProxyError',
      protocol: 'socks5h',
      step: 'handshake',
      ...expected,
    });
    expect(events.map((event) => event.type)).toEqual(['connect', 'error']);
    await proxy.server.close();
    expect(await leftovers(before)).toEqual([]);
  });

  it('hands the greeting that came with the reply to readReply', async () => {
    const proxy = await hostile([
      write(bytes(5, 0)),
      write(Buffer.concat([socks5Reply(0), Buffer.from('220 socks greeting\r\n')])),
    ]);
    const events: TransportEvent[] = [];
    const connection = await connect({
      host: 'smtp.example',
      port: 25,
      proxy: { protocol: 'socks5h', host: '127.0.0.1', port: proxy.server.port },
      onEvent: (event) => events.push(event),
    });
    const greeting = await connection.readReply({ phase: 'greeting', timeoutMs: 2000 });
    expect([greeting.code, greeting.text]).toEqual([220, 'socks greeting']);
    // The handshake's bytes are not data events; the greeting is.
    expect(events.filter((event) => event.type === 'data')).toEqual([
      expect.objectContaining({ direction: 'in', size: 20 }),
    ]);
    connection.destroy();
  });

  it('times out a proxy that never answers, at the connect deadline', async () => {
    const proxy = await hostile([]);
    const { error, elapsedMs } = await through(proxy, 'socks5h', { connectTimeoutMs: 300 });
    expect(error).toMatchObject({
      name: 'ProxyError',
      code: 'SMTP_PROXY_TIMEOUT',
      step: 'handshake',
      message: expect.stringMatching(/within connectTimeoutMs \(300 ms\)/),
    });
    expect(elapsedMs).toBeLessThan(1500);
  });

  it('gets one deadline for the whole tunnel, not one per step', async () => {
    // Each answer comes well within 500 ms of the last; together they take longer.
    const later =
      (ms: number, reply: Buffer): Step =>
      (socket) => {
        const timer = setTimeout(() => socket.write(reply), ms);
        socket.once('close', () => clearTimeout(timer));
      };
    const proxy = await hostile([later(300, bytes(5, 0)), later(300, socks5Reply(0))]);
    const { error, elapsedMs } = await through(proxy, 'socks5h', { connectTimeoutMs: 500 });
    expect(error).toMatchObject({ code: 'SMTP_PROXY_TIMEOUT', step: 'handshake' });
    expect(elapsedMs).toBeGreaterThanOrEqual(450);
    expect(elapsedMs).toBeLessThan(1000);
  });

  it('is aborted in the middle of the handshake', async () => {
    const proxy = await hostile([write(bytes(5, 0))]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    const { error } = await through(proxy, 'socks5h', {}, controller.signal);
    expect(error).toMatchObject({ name: 'AbortError', code: 'SMTP_ABORTED', phase: 'connect' });
  });

  it('gets the address this machine resolved, with the lookup and family given (socks5)', async () => {
    const proxy = await hostile([write(bytes(5, 0)), write(socks5Reply(5))]);
    const asked: unknown[] = [];
    const { error } = await through(proxy, 'socks5', {
      family: 4,
      lookup: (hostname, options, callback) => {
        asked.push([hostname, options.family]);
        callback(null, [{ address: '192.0.2.25', family: 4 }]);
      },
    });
    expect(asked).toEqual([['smtp.example', 4]]);
    expect(error).toMatchObject({ code: 'SMTP_PROXY_REFUSED', message: /192\.0\.2\.25:25/ });
    // The request's address: type 1 (IPv4), 192.0.2.25, port 25.
    expect(proxy.received.slice(3)).toBe(
      Buffer.from([5, 1, 0, 1, 192, 0, 2, 25, 0, 25]).toString('latin1'),
    );
  });

  it.each([
    [
      'fails',
      (callback: (error: Error | null, address: string) => void) =>
        callback(Object.assign(new Error('no such name'), { code: 'ENOTFOUND' }), ''),
    ],
    ['finds nothing', (callback: (error: Error | null, address: []) => void) => callback(null, [])],
  ] as const)('reports SMTP_DNS when the local lookup %s (socks5)', async (_name, answer) => {
    const proxy = await hostile([]);
    const { error } = await through(proxy, 'socks5', {
      lookup: (_hostname, _options, callback) => answer(callback as never),
    });
    expect(error).toMatchObject({ name: 'ConnectionError', code: 'SMTP_DNS' });
  });

  it('sends an IPv6 literal as an address, without asking DNS', async () => {
    const proxy = await hostile([write(bytes(5, 0)), write(socks5Reply(1))]);
    const { error } = await through(proxy, 'socks5', { host: '2001:db8::25' });
    expect(error).toMatchObject({ code: 'SMTP_PROXY_REFUSED', message: /\[2001:db8::25\]:25/ });
    expect(proxy.received.charCodeAt(3 + 3)).toBe(4);
  });
});

describe('a hostile SOCKS4a proxy', () => {
  it.each([
    [91, 'SMTP_PROXY_REFUSED', /request rejected or failed/],
    [92, 'SMTP_PROXY_AUTH', /identd/],
    [93, 'SMTP_PROXY_AUTH', /another user id/],
    [0x42, 'SMTP_PROXY_REFUSED', /unassigned reply code/],
  ] as const)('reply %i is %s', async (reply, code, message) => {
    const proxy = await hostile([write(socks4Reply(reply))]);
    const { error } = await through(proxy, 'socks4a', { proxy: { username: USER } as never });
    expect(error).toMatchObject({ name: 'ProxyError', code, replyCode: reply, message });
    // SOCKS4a: 0.0.0.1 for the address, the user id, then the name.
    expect(proxy.received).toBe(`\x04\x01\x00\x19\x00\x00\x00\x01${USER}\x00smtp.example\x00`);
  });

  it('hands the greeting that came with the reply to readReply', async () => {
    const proxy = await hostile([
      write(Buffer.concat([socks4Reply(90), Buffer.from('220 socks4 greeting\r\n')])),
    ]);
    const connection = await connect({
      host: 'smtp.example',
      port: 25,
      proxy: { protocol: 'socks4a', host: '127.0.0.1', port: proxy.server.port },
    });
    const greeting = await connection.readReply({ phase: 'greeting', timeoutMs: 2000 });
    expect([greeting.code, greeting.text]).toEqual([220, 'socks4 greeting']);
    connection.destroy();
  });
});

const CONNECT_HEAD = /^CONNECT smtp\.example:25 HTTP\/1\.1\r\nHost: smtp\.example:25\r\n/;

describe('a hostile HTTP proxy', () => {
  it('answers 407 to every attempt: SMTP_PROXY_AUTH after exactly one CONNECT', async () => {
    const deny: Step = (socket) =>
      socket.write(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"\r\n\r\n',
      );
    const proxy = await hostile([deny, deny, deny]);
    const { error } = await through(proxy, 'http', { credentials: true });
    expect(error).toMatchObject({
      name: 'ProxyError',
      code: 'SMTP_PROXY_AUTH',
      replyCode: 407,
      message: expect.stringMatching(
        /refused the credentials \(407 Proxy Authentication Required\)/,
      ),
    });
    await sleep(50);
    expect(proxy.connections).toBe(1);
    expect(proxy.received.match(/CONNECT /g)).toHaveLength(1);
    // The credentials did go, to the proxy only, as Basic.
    expect(proxy.received).toMatch(CONNECT_HEAD);
    expect(proxy.received).toContain(`\r\nProxy-Authorization: Basic ${TOKEN}\r\n\r\n`);
  });

  it('answers 407 with no credentials configured', async () => {
    const proxy = await hostile([write('HTTP/1.0 407 Auth\r\n\r\n')]);
    const { error } = await through(proxy, 'http');
    expect(error).toMatchObject({ code: 'SMTP_PROXY_AUTH', message: /requires authentication/ });
    expect(proxy.received).not.toContain('Proxy-Authorization');
  });

  it('refuses with a status: SMTP_PROXY_REFUSED, the reason sanitised', async () => {
    const proxy = await hostile([write('HTTP/1.1 403 Forbidden \x1b[31mred\r\nX: y\r\n\r\n')]);
    const { error } = await through(proxy, 'http', { credentials: true });
    expect(error).toMatchObject({ code: 'SMTP_PROXY_REFUSED', replyCode: 403 });
    expect((error as Error).message).toContain('(403 Forbidden \\x1b[31mred)');
    expect((error as Error).message).not.toContain('\x1b');
  });

  it('hands "220 greeting" sent in the same packet as "200" to readReply', async () => {
    const proxy = await hostile([
      write('HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\n220 greeting\r\n'),
    ]);
    const events: TransportEvent[] = [];
    const connection = await connect({
      host: 'smtp.example',
      port: 25,
      proxy: {
        protocol: 'http',
        host: '127.0.0.1',
        port: proxy.server.port,
        username: USER,
        password: PASSWORD,
      },
      onEvent: (event) => events.push(event),
      includeData: true,
    });
    const greeting = await connection.readReply({ phase: 'greeting', timeoutMs: 2000 });
    expect([greeting.code, greeting.text]).toEqual([220, 'greeting']);
    expect(events.map((event) => event.type)).toEqual(['connect', 'proxy', 'data']);
    expectNoSecrets(undefined, events);
    connection.destroy();
  });

  it('trickles a head that never ends: SMTP_PROXY_TIMEOUT at the connect deadline', async () => {
    const proxy = await hostile([
      (socket) => {
        socket.write('HTTP/1.1 200 OK\r\n');
        const timer = setInterval(() => socket.write('X: y\r\n'), 10);
        socket.once('close', () => clearInterval(timer));
      },
    ]);
    const { error, elapsedMs } = await through(proxy, 'http', { connectTimeoutMs: 400 });
    expect(error).toMatchObject({ code: 'SMTP_PROXY_TIMEOUT', step: 'handshake' });
    expect(elapsedMs).toBeLessThan(2000);
  });

  it('floods a head past the cap: SMTP_PROXY_PROTOCOL without waiting for the deadline', async () => {
    const proxy = await hostile([write(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(20_000)}`)]);
    const { error, elapsedMs } = await through(proxy, 'http', { connectTimeoutMs: 10_000 });
    expect(error).toMatchObject({
      code: 'SMTP_PROXY_PROTOCOL',
      message: expect.stringMatching(/longer than 16384 bytes/),
    });
    expect(elapsedMs).toBeLessThan(2000);
  });

  it.each([
    [
      'a malformed status line',
      'HTTP/1.1 2OO OK\r\n\r\n',
      /malformed HTTP status line: "HTTP\/1.1 2OO OK"/,
    ],
    [
      'something that is not HTTP',
      'SSH-2.0-OpenSSH_9.6\r\n',
      /did not answer with an HTTP response/,
    ],
  ])('sends %s: SMTP_PROXY_PROTOCOL', async (_name, reply, message) => {
    const proxy = await hostile([write(reply)]);
    const { error } = await through(proxy, 'http');
    expect(error).toMatchObject({ code: 'SMTP_PROXY_PROTOCOL', message });
  });

  it('closes in the middle of the head: SMTP_PROXY_CLOSED', async () => {
    const before = activeResources();
    const proxy = await hostile([(socket) => socket.end('HTTP/1.1 200 OK\r\n')]);
    const { error } = await through(proxy, 'http');
    expect(error).toMatchObject({
      code: 'SMTP_PROXY_CLOSED',
      message: expect.stringMatching(/closed the connection before answering CONNECT/),
    });
    await proxy.server.close();
    expect(await leftovers(before)).toEqual([]);
  });

  it('resets in the middle of the head: SMTP_PROXY_CLOSED with the reset as the cause', async () => {
    const proxy = await hostile([(socket) => socket.resetAndDestroy()]);
    const { error } = await through(proxy, 'http');
    expect(error).toMatchObject({
      code: 'SMTP_PROXY_CLOSED',
      cause: { name: 'ConnectionError', code: 'SMTP_CONNECTION_RESET' },
    });
  });

  it('is aborted while the answer is awaited', async () => {
    const proxy = await hostile([]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const { error, events } = await through(proxy, 'http', {}, controller.signal);
    expect(error).toMatchObject({ name: 'AbortError', phase: 'connect' });
    expect(events.at(-1)).toMatchObject({ type: 'error', phase: 'connect' });
  });

  it('relays bytes before implicit TLS started: SMTP_PROXY_PROTOCOL, nothing handed to TLS', async () => {
    const proxy = await hostile([write('HTTP/1.1 200 OK\r\n\r\n220 plaintext\r\n')]);
    const { error } = await through(proxy, 'http', { tls: 'implicit' });
    expect(error).toMatchObject({
      code: 'SMTP_PROXY_PROTOCOL',
      message: expect.stringMatching(/relayed 15 byte\(s\) before the TLS handshake/),
    });
  });

  it('brackets an IPv6 target in the CONNECT request', async () => {
    const proxy = await hostile([write('HTTP/1.1 502\r\n\r\n')]);
    const { error } = await through(proxy, 'http', { host: '2001:db8::25' });
    expect(error).toMatchObject({
      code: 'SMTP_PROXY_REFUSED',
      replyCode: 502,
      message:
        'The HTTP proxy 127.0.0.1:' +
        proxy.server.port +
        ' would not connect to [2001:db8::25]:25 (502)',
    });
    expect(proxy.received).toBe(
      'CONNECT [2001:db8::25]:25 HTTP/1.1\r\nHost: [2001:db8::25]:25\r\n\r\n',
    );
  });
});

describe('an unreachable or silent proxy', () => {
  it('is not listening: SMTP_PROXY_UNREACHABLE, the refusal as the cause', async () => {
    const port = await closedPort();
    const events: TransportEvent[] = [];
    const error = await connect({
      host: 'smtp.example',
      port: 25,
      proxy: { protocol: 'socks5h', host: '127.0.0.1', port, username: USER, password: PASSWORD },
      onEvent: (event) => events.push(event),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'ProxyError',
      code: 'SMTP_PROXY_UNREACHABLE',
      step: 'connect',
      cause: { name: 'ConnectionError', code: 'SMTP_CONNECTION_REFUSED' },
    });
    expect(events).toEqual([expect.objectContaining({ type: 'error', phase: 'connect' })]);
    expectNoSecrets(error, events);
  });

  it('never accepts: SMTP_PROXY_TIMEOUT at the connect deadline', async () => {
    const blackhole = await startBlackhole();
    try {
      const started = performance.now();
      const error = await connect({
        host: 'smtp.example',
        port: 25,
        connectTimeoutMs: 300,
        proxy: { protocol: 'http', host: blackhole.host, port: blackhole.port },
      }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'SMTP_PROXY_TIMEOUT', step: 'connect' });
      expect(performance.now() - started).toBeLessThan(1500);
      const aborted = await connect(
        {
          host: 'smtp.example',
          port: 25,
          proxy: { protocol: 'http', host: blackhole.host, port: blackhole.port },
        },
        { signal: AbortSignal.timeout(50) },
      ).catch((caught: unknown) => caught);
      expect(aborted).toMatchObject({ name: 'AbortError', phase: 'connect' });
    } finally {
      await blackhole.close();
    }
  });

  it('never finishes TLS (https): SMTP_PROXY_TIMEOUT, or AbortError when aborted', async () => {
    const proxy = await hostile([]);
    const { error } = await through(proxy, 'https', { connectTimeoutMs: 300 });
    expect(error).toMatchObject({ code: 'SMTP_PROXY_TIMEOUT', step: 'tls' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const aborted = await through(proxy, 'https', {}, controller.signal);
    expect(aborted.error).toMatchObject({ name: 'AbortError', phase: 'connect' });
  });

  it('closes during TLS (https): SMTP_PROXY_UNREACHABLE with the TlsError', async () => {
    const proxy = await hostile([(socket) => socket.end()]);
    const { error } = await through(proxy, 'https');
    expect(error).toMatchObject({
      code: 'SMTP_PROXY_UNREACHABLE',
      step: 'tls',
      cause: { name: 'TlsError', servername: '127.0.0.1' },
    });
  });
});
