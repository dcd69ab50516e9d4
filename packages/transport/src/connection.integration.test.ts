/**
 * The transport against real servers (test-servers' smtp-server): plain TCP over IPv4 and IPv6,
 * a UNIX socket, implicit TLS with the good certificate and with each bad one, SNI, client
 * certificates, a whole message streamed through DATA, and pipelined replies.
 */
import { randomBytes } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import {
  createDataEncoder,
  encodeData,
  encodeEhlo,
  encodeMailFrom,
  encodeQuit,
  encodeRcptTo,
  parseEhlo,
} from '@smtp/protocol';
import {
  createTestCertificates,
  type RunningSmtpServer,
  startSmtpServer,
  type TestCertificates,
} from 'test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect } from './connect.ts';
import type { Connection } from './connection.ts';
import { TRANSPORT_CHANNELS, type TransportEvent } from './events.ts';
import { activeResources, decode, encode, hasIpv6Loopback, leftovers } from './testing/net.ts';

let certs: TestCertificates;
const ipv6 = await hasIpv6Loopback();
const opened: Connection[] = [];
let before: Map<string, number>;

beforeAll(async () => {
  certs = await createTestCertificates();
});

afterEach(async () => {
  for (const connection of opened.splice(0)) connection.destroy();
});

function track(connection: Connection): Connection {
  opened.push(connection);
  return connection;
}

/** Greeting, EHLO, QUIT: the smallest honest dialogue. */
async function dialogue(connection: Connection): Promise<void> {
  const greeting = await connection.readReply({ phase: 'greeting', timeoutMs: 5000 });
  expect(greeting.code).toBe(220);
  await connection.write(encodeEhlo('client.example'));
  const ehlo = await connection.readReply({ phase: 'ehlo', timeoutMs: 5000 });
  expect(ehlo.code).toBe(250);
  await connection.write(encodeQuit());
  expect((await connection.readReply({ phase: 'quit' })).code).toBe(221);
  await connection.close();
  expect(connection.destroyed).toBe(true);
}

/** `net.Socket`'s `_writev`, which the stream calls when corked chunks leave together. */
interface SocketWritev {
  _writev(chunks: { chunk: unknown }[], callback: (error?: Error | null) => void): void;
}
// The real one, called through by the spy that counts socket writes.
const originalWritev = (net.Socket.prototype as unknown as SocketWritev)._writev;

describe('plain TCP', () => {
  let v4: RunningSmtpServer;
  beforeAll(async () => {
    v4 = await startSmtpServer({ host: '127.0.0.1' });
  });
  afterAll(async () => {
    await v4.close();
  });

  it('talks to a server over IPv4 and leaves nothing behind', async () => {
    before = activeResources();
    const events: TransportEvent[] = [];
    const connection = track(
      await connect({ host: '127.0.0.1', port: v4.port, onEvent: (event) => events.push(event) }),
    );
    expect(connection.remoteAddress).toBe('127.0.0.1');
    expect(connection.remotePort).toBe(v4.port);
    expect(connection.localAddress).toBe('127.0.0.1');
    expect(connection.secure).toBe(false);
    expect(connection.tls).toBeUndefined();
    await dialogue(connection);
    const usage = connection.usage;
    expect(usage.bytesSent).toBe(encodeEhlo('client.example').length + encodeQuit().length);
    expect(usage.bytesReceived).toBeGreaterThan(20);
    expect(usage.replies).toBe(3);
    expect(usage.writes).toBe(2);
    expect(usage.connectMs).toBeGreaterThan(0);
    expect(usage.waitMs).toBeGreaterThan(0);
    expect(events.map((event) => event.type)).toEqual([
      'connect',
      'data',
      'data',
      'data',
      'data',
      'data',
      'close',
    ]);
    expect(events.filter((e) => e.type === 'data').every((e) => !('data' in e))).toBe(true);
    expect(await leftovers(before)).toEqual([]);
  });

  it.skipIf(!ipv6)('talks to a server over IPv6 (::1)', async () => {
    const server = await startSmtpServer({ host: '::1' });
    try {
      const connection = track(await connect({ host: '::1', port: server.port }));
      expect(connection.remoteAddress).toBe('::1');
      await dialogue(connection);
    } finally {
      await server.close();
    }
  });
  if (!ipv6) it('skips the IPv6 test: this machine has no IPv6 loopback', () => {});

  it('talks to a server on a UNIX socket', async () => {
    const socketPath = join(
      tmpdir(),
      `smtp-transport-${process.pid}-${randomBytes(4).toString('hex')}.sock`,
    );
    const server = await startSmtpServer({ socketPath });
    try {
      const connection = track(await connect({ path: socketPath }));
      expect(connection.path).toBe(socketPath);
      await dialogue(connection);
    } finally {
      await server.close();
    }
  });

  it('reads pipelined replies in order, and streams a message through DATA', async () => {
    const connection = track(await connect({ host: '127.0.0.1', port: v4.port }));
    await connection.readReply({ phase: 'greeting' });
    await connection.write(encodeEhlo('client.example'));
    expect(parseEhlo(await connection.readReply()).pipelining).toBe(true);
    // One write, three commands; then three reads.
    const batch = [
      encodeMailFrom('ann@example.com'),
      encodeRcptTo('bob@example.com'),
      encodeData(),
    ];
    await connection.write(Buffer.concat(batch));
    expect((await connection.readReply({ phase: 'mail' })).code).toBe(250);
    expect((await connection.readReply({ phase: 'rcpt' })).code).toBe(250);
    expect((await connection.readReply({ phase: 'data' })).code).toBe(354);

    const body = 'Subject: streamed\r\n\r\n.leading dot\r\nline two\r\n';
    async function* message(): AsyncGenerator<Uint8Array> {
      const encoder = createDataEncoder();
      for (const piece of body.match(/.{1,7}/gs) ?? []) yield encoder.push(encode(piece));
      yield encoder.end();
    }
    const written = await connection.writeStream(message());
    expect(written).toBe(body.length + 1 + 3);
    expect((await connection.readReply({ phase: 'data-end' })).code).toBe(250);
    expect(decode(v4.messages.at(-1)?.raw ?? new Uint8Array())).toBe(body);
    await connection.write(encodeQuit());
    await connection.readReply();
    await connection.close();
  });

  it('sends stream chunks made without I/O in one socket write, and later ones as they come', async () => {
    const connection = track(await connect({ host: '127.0.0.1', port: v4.port }));
    expect((await connection.readReply({ phase: 'greeting' })).code).toBe(220);
    await connection.write(encodeEhlo('client.example'));
    await connection.readReply();
    await connection.write(
      Buffer.concat([encodeMailFrom('ann@example.com'), encodeRcptTo('bob@example.com')]),
    );
    await connection.readReply();
    await connection.readReply();
    await connection.write(encodeData());
    expect((await connection.readReply()).code).toBe(354);

    // Count the socket-level writes (`_writev` when several chunks leave at once).
    const socketWrites: number[] = [];
    const writev = vi
      .spyOn(net.Socket.prototype as unknown as SocketWritev, '_writev')
      .mockImplementation(function (this: net.Socket, chunks, callback) {
        socketWrites.push(chunks.length);
        originalWritev.call(this, chunks, callback);
      });
    const encoder = createDataEncoder();
    async function* message(): AsyncGenerator<Uint8Array> {
      yield encoder.push(encode('Subject: corked\r\n\r\none\r\n'));
      yield encoder.push(encode('two\r\n'));
      // A source that waits for I/O: what came before has left by now.
      await new Promise((resolve) => setTimeout(resolve, 20));
      yield encoder.push(encode('three\r\n'));
      yield encoder.end();
    }
    try {
      await connection.writeStream(message());
      // The last chunks leave when the socket is uncorked, on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      writev.mockRestore();
    }
    expect(socketWrites).toEqual([2, 2]);
    expect((await connection.readReply({ phase: 'data-end' })).code).toBe(250);
    expect(decode(v4.messages.at(-1)?.raw ?? new Uint8Array())).toBe(
      'Subject: corked\r\n\r\none\r\ntwo\r\nthree\r\n',
    );
    await connection.close();
  });

  it('publishes events on diagnostics_channel, without data bytes', async () => {
    const seen: { name: string; message: unknown }[] = [];
    const subscribers = Object.values(TRANSPORT_CHANNELS).map((name) => {
      const onMessage = (message: unknown): void => {
        seen.push({ name, message });
      };
      diagnosticsChannel.subscribe(name, onMessage);
      return () => diagnosticsChannel.unsubscribe(name, onMessage);
    });
    try {
      const connection = track(await connect({ host: '127.0.0.1', port: v4.port }));
      await dialogue(connection);
    } finally {
      for (const unsubscribe of subscribers) unsubscribe();
    }
    const names = seen.map((entry) => entry.name);
    expect(names[0]).toBe('smtp:transport:connect');
    expect(names).toContain('smtp:transport:data');
    expect(names.at(-1)).toBe('smtp:transport:close');
    for (const { message } of seen) expect(message).not.toHaveProperty('data');
  });

  it('puts the bytes in data events only with includeData', async () => {
    const events: TransportEvent[] = [];
    const connection = track(
      await connect({
        host: '127.0.0.1',
        port: v4.port,
        includeData: true,
        onEvent: (event) => events.push(event),
      }),
    );
    await dialogue(connection);
    const out = events.find((event) => event.type === 'data' && event.direction === 'out');
    expect(out?.type === 'data' && decode(out.data ?? new Uint8Array())).toBe(
      'EHLO client.example\r\n',
    );
  });

  it('reports a slow reply with its figures', async () => {
    const server = await startSmtpServer({ replyDelayMs: { ehlo: 150 } });
    try {
      const events: TransportEvent[] = [];
      const connection = track(
        await connect({
          host: '127.0.0.1',
          port: server.port,
          slowOperationMs: 100,
          onEvent: (event) => events.push(event),
        }),
      );
      await connection.readReply();
      await connection.write(encodeEhlo('client.example'));
      await connection.readReply({ phase: 'ehlo' });
      const slow = events.filter((event) => event.type === 'slow');
      expect(slow).toHaveLength(1);
      expect(slow[0]).toMatchObject({
        type: 'slow',
        operation: 'read',
        exceeded: ['slowOperationMs'],
        slowOperationMs: 100,
      });
      expect(slow[0]?.type === 'slow' && slow[0].durationMs).toBeGreaterThanOrEqual(100);
    } finally {
      await server.close();
    }
  });
});

describe('implicit TLS', () => {
  const servers: Partial<
    Record<'server' | 'expired' | 'wrongName' | 'untrusted', RunningSmtpServer>
  > = {};
  beforeAll(async () => {
    for (const certificate of ['server', 'expired', 'wrongName', 'untrusted'] as const) {
      servers[certificate] = await startSmtpServer({
        host: 'localhost',
        security: 'implicit',
        certificate,
      });
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((server) => server.close()));
  });
  const port = (name: keyof typeof servers): number => servers[name]?.port ?? 0;

  it('verifies the good certificate by the configured name, with SNI and TLS 1.2 or later', async () => {
    before = activeResources();
    const events: TransportEvent[] = [];
    const connection = track(
      await connect({
        host: 'localhost',
        port: port('server'),
        tls: 'implicit',
        tlsOptions: { ca: certs.ca.cert },
        onEvent: (event) => events.push(event),
      }),
    );
    expect(connection.secure).toBe(true);
    expect(connection.tls).toMatchObject({
      authorized: true,
      authorizationError: undefined,
      servername: 'localhost',
      verifiedName: 'localhost',
    });
    expect(['TLSv1.2', 'TLSv1.3']).toContain(connection.tls?.protocol);
    expect(connection.tls?.cipher.name).toBeTruthy();
    expect(connection.tls?.peerCertificate?.subjectAltName).toContain('DNS:localhost');
    expect(connection.usage.tlsMs).toBeGreaterThan(0);
    expect(events.find((event) => event.type === 'tls')).toMatchObject({
      upgrade: false,
      authorized: true,
    });
    await dialogue(connection);
    expect(await leftovers(before)).toEqual([]);
  });

  it('verifies an IP address against the IP SAN and sends no SNI', async () => {
    const connection = track(
      await connect({
        host: '127.0.0.1',
        port: port('server'),
        tls: 'implicit',
        tlsOptions: { ca: certs.ca.cert },
      }),
    );
    expect(connection.tls).toMatchObject({
      authorized: true,
      servername: undefined,
      verifiedName: '127.0.0.1',
    });
    await dialogue(connection);
  });

  it.each([
    ['untrusted', 'certificate-untrusted', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['expired', 'certificate-expired', 'CERT_HAS_EXPIRED'],
    ['wrongName', 'certificate-name-mismatch', 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ] as const)('refuses the %s certificate with reason %s (%s)', async (name, reason, tlsCode) => {
    before = activeResources();
    const error = await connect({
      host: 'localhost',
      port: port(name),
      tls: 'implicit',
      tlsOptions: { ca: certs.ca.cert },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'TlsError',
      code: 'SMTP_TLS_HANDSHAKE',
      reason,
      tlsCode,
      servername: 'localhost',
    });
    expect(await leftovers(before)).toEqual([]);
  });

  it("checks the configured servername, not Node's 'localhost' default", async () => {
    const error = await connect({
      host: '127.0.0.1',
      port: port('server'),
      tls: 'implicit',
      servername: 'mail.example.com',
      tlsOptions: { ca: certs.ca.cert },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: 'certificate-name-mismatch',
      servername: 'mail.example.com',
    });
  });

  it('connects to a bad certificate only when verification is explicitly off, and says so', async () => {
    const connection = track(
      await connect({
        host: 'localhost',
        port: port('expired'),
        tls: 'implicit',
        tlsOptions: { ca: certs.ca.cert, rejectUnauthorized: false },
      }),
    );
    expect(connection.tls).toMatchObject({
      authorized: false,
      authorizationError: 'CERT_HAS_EXPIRED',
    });
    await dialogue(connection);
  });

  it('reports a name mismatch as unauthorized when verification is off', async () => {
    const connection = track(
      await connect({
        host: 'localhost',
        port: port('wrongName'),
        tls: 'implicit',
        tlsOptions: { ca: certs.ca.cert, rejectUnauthorized: false },
      }),
    );
    expect(connection.tls).toMatchObject({
      authorized: false,
      authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    connection.destroy();
  });

  it('passes a client certificate through', async () => {
    const server = await startSmtpServer({ security: 'implicit', requireClientCertificate: true });
    try {
      const connection = track(
        await connect({
          host: '127.0.0.1',
          port: server.port,
          tls: 'implicit',
          tlsOptions: { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key },
        }),
      );
      await dialogue(connection);
    } finally {
      await server.close();
    }
  });
});

describe('SNI and protocol versions, seen from a node:tls server', () => {
  let server: tls.Server;
  let port: number;
  const seen: (string | false)[] = [];
  beforeAll(async () => {
    server = tls.createServer({ key: certs.server.key, cert: certs.server.cert }, (socket) => {
      seen.push(socket.servername ?? false);
      socket.end('220 sni test\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends the DNS name as SNI', async () => {
    const connection = track(
      await connect({
        host: '127.0.0.1',
        port,
        tls: 'implicit',
        servername: 'localhost',
        tlsOptions: { ca: certs.ca.cert },
      }),
    );
    expect((await connection.readReply()).code).toBe(220);
    expect(seen.at(-1)).toBe('localhost');
  });

  it('sends no SNI for an IP address (RFC 6066 section 3)', async () => {
    const connection = track(
      await connect({
        host: '127.0.0.1',
        port,
        tls: 'implicit',
        tlsOptions: { ca: certs.ca.cert },
      }),
    );
    expect((await connection.readReply()).code).toBe(220);
    expect(seen.at(-1)).toBe(false);
  });

  it('refuses a server limited to TLS 1.1 (minimum TLS 1.2)', async () => {
    const old = tls.createServer({
      key: certs.server.key,
      cert: certs.server.cert,
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
    });
    old.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    try {
      const error = await connect({
        host: '127.0.0.1',
        port: (old.address() as { port: number }).port,
        tls: 'implicit',
        tlsOptions: { ca: certs.ca.cert },
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SMTP_TLS_HANDSHAKE', reason: 'protocol' });
    } finally {
      await new Promise<void>((resolve) => old.close(() => resolve()));
    }
  });
});
