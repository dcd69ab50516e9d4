/**
 * STARTTLS (RFC 3207) against test-servers: the good certificate by name and by IP, each bad
 * certificate refused, and the response-injection cases of docs/security.md INV-2 against the
 * scripted server: bytes after the 220 in the same write, in a later write, and during the
 * handshake. In every refused case TLS never starts and nothing is left behind.
 */
import { encodeEhlo, encodeQuit, encodeStarttls, parseEhlo } from '@smtp/protocol';
import {
  createTestCertificates,
  type RunningSmtpServer,
  type ScriptStep,
  startScriptedServer,
  startSmtpServer,
  type TestCertificates,
} from 'test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './connect.ts';
import type { Connection } from './connection.ts';
import type { TransportEvent } from './events.ts';
import { activeResources, decode, leftovers, sleep } from './testing/net.ts';

let certs: TestCertificates;
const opened: Connection[] = [];

beforeAll(async () => {
  certs = await createTestCertificates();
});

afterEach(() => {
  for (const connection of opened.splice(0)) connection.destroy();
});

/** Connects, reads the greeting, sends EHLO and STARTTLS, and reads the 220. */
async function startTlsReady(
  host: string,
  port: number,
  options: {
    servername?: string;
    rejectUnauthorized?: false;
    onEvent?: (event: TransportEvent) => void;
  } = {},
): Promise<Connection> {
  const connection = await connect({
    host,
    port,
    ...(options.servername === undefined ? {} : { servername: options.servername }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    tlsOptions: {
      ca: certs.ca.cert,
      ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: false }),
    },
    readTimeoutMs: 5000,
  });
  opened.push(connection);
  await connection.readReply({ phase: 'greeting' });
  await connection.write(encodeEhlo('client.example'));
  const ehlo = parseEhlo(await connection.readReply({ phase: 'ehlo' }));
  expect(ehlo.startTls).toBe(true);
  await connection.write(encodeStarttls());
  expect((await connection.readReply({ phase: 'starttls' })).code).toBe(220);
  return connection;
}

describe('STARTTLS against smtp-server', () => {
  const servers: Partial<
    Record<'server' | 'expired' | 'wrongName' | 'untrusted', RunningSmtpServer>
  > = {};
  beforeAll(async () => {
    for (const certificate of ['server', 'expired', 'wrongName', 'untrusted'] as const) {
      servers[certificate] = await startSmtpServer({
        host: 'localhost',
        security: 'starttls',
        certificate,
      });
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((server) => server.close()));
  });
  const port = (name: keyof typeof servers): number => servers[name]?.port ?? 0;

  it('upgrades with the good certificate, verified as localhost with SNI, then talks over TLS', async () => {
    const before = activeResources();
    const events: TransportEvent[] = [];
    const connection = await startTlsReady('localhost', port('server'), {
      onEvent: (e) => events.push(e),
    });
    const info = await connection.upgradeToTls();
    expect(info).toMatchObject({
      authorized: true,
      servername: 'localhost',
      verifiedName: 'localhost',
    });
    expect(['TLSv1.2', 'TLSv1.3']).toContain(info.protocol);
    expect(connection.secure).toBe(true);
    expect(connection.tls).toBe(info);
    expect(events.find((e) => e.type === 'tls')).toMatchObject({ upgrade: true, authorized: true });
    // EHLO again, over TLS: the server sees it as secure.
    await connection.write(encodeEhlo('client.example'));
    expect(parseEhlo(await connection.readReply()).startTls).toBe(false);
    await connection.write(encodeQuit());
    expect((await connection.readReply()).code).toBe(221);
    await connection.close();
    const ehlos = servers.server?.commands.filter((c) => c.command === 'EHLO') ?? [];
    expect(ehlos.at(-1)?.secure).toBe(true);
    expect(await leftovers(before)).toEqual([]);
  });

  it('verifies 127.0.0.1 against the IP SAN without SNI', async () => {
    const connection = await startTlsReady('127.0.0.1', port('server'));
    expect(await connection.upgradeToTls()).toMatchObject({
      authorized: true,
      servername: undefined,
      verifiedName: '127.0.0.1',
    });
    await connection.close();
  });

  it.each([
    ['untrusted', 'certificate-untrusted', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['expired', 'certificate-expired', 'CERT_HAS_EXPIRED'],
    ['wrongName', 'certificate-name-mismatch', 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ] as const)('refuses the %s certificate with reason %s (%s)', async (name, reason, tlsCode) => {
    const before = activeResources();
    const connection = await startTlsReady('localhost', port(name));
    const error = await connection.upgradeToTls().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TlsError', code: 'SMTP_TLS_HANDSHAKE', reason, tlsCode });
    expect(connection.destroyed).toBe(true);
    expect(connection.secure).toBe(false);
    await expect(connection.readReply()).rejects.toMatchObject({
      code: 'SMTP_CONNECTION_CLOSED',
      cause: error,
    });
    expect(await leftovers(before)).toEqual([]);
  });

  it("checks the configured servername on the upgraded socket, not Node's 'localhost' default", async () => {
    const connection = await startTlsReady('127.0.0.1', port('server'), {
      servername: 'mail.example.com',
    });
    await expect(connection.upgradeToTls()).rejects.toMatchObject({
      reason: 'certificate-name-mismatch',
      servername: 'mail.example.com',
    });
  });

  it('upgrades to a bad certificate only with verification explicitly off, reporting it', async () => {
    const connection = await startTlsReady('localhost', port('untrusted'), {
      rejectUnauthorized: false,
    });
    expect(await connection.upgradeToTls()).toMatchObject({
      authorized: false,
      authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    await connection.close();
  });

  it('takes a per-upgrade servername', async () => {
    const connection = await startTlsReady('127.0.0.1', port('server'));
    expect(await connection.upgradeToTls({ servername: 'localhost' })).toMatchObject({
      authorized: true,
      servername: 'localhost',
    });
    await connection.close();
  });

  it('refuses a second upgrade and an upgrade while a read is pending', async () => {
    const connection = await startTlsReady('localhost', port('server'));
    const reading = connection.readReply({ timeoutMs: 2000 });
    await expect(connection.upgradeToTls()).rejects.toMatchObject({
      code: 'SMTP_TRANSPORT_INVALID_STATE',
    });
    expect(connection.destroyed).toBe(false);
    connection.destroy();
    await expect(reading).rejects.toMatchObject({ code: 'SMTP_CONNECTION_CLOSED' });

    const twice = await startTlsReady('localhost', port('server'));
    await twice.upgradeToTls();
    await expect(twice.upgradeToTls()).rejects.toMatchObject({
      code: 'SMTP_TRANSPORT_INVALID_STATE',
    });
    await twice.close();
  });
});

describe('STARTTLS response injection (INV-2)', () => {
  const opening: ScriptStep[] = [
    { send: '220 scripted ESMTP\r\n' },
    { expect: /^EHLO / },
    { send: '250-scripted\r\n250 STARTTLS\r\n' },
    { expect: 'STARTTLS' },
  ];

  /** What the client sent after STARTTLS: a TLS ClientHello starts with 0x16. */
  function sentAfterStartTls(received: Uint8Array): string {
    const text = decode(received);
    return text.slice(text.indexOf('STARTTLS\r\n') + 'STARTTLS\r\n'.length);
  }

  async function run(
    steps: ScriptStep[],
    beforeUpgrade: (connection: Connection) => Promise<void> = async () => {},
  ): Promise<{ error: unknown; received: Uint8Array; connection: Connection }> {
    const before = activeResources();
    const server = await startScriptedServer([...opening, ...steps]);
    try {
      const connection = await startTlsReady('127.0.0.1', server.port);
      await beforeUpgrade(connection);
      const error = await connection.upgradeToTls({ timeoutMs: 1000 }).catch((e: unknown) => e);
      expect(connection.destroyed).toBe(true);
      expect(connection.secure).toBe(false);
      await sleep(20);
      return { error, received: server.received(0), connection };
    } finally {
      await server.close();
      expect(await leftovers(before)).toEqual([]);
    }
  }

  it('refuses a complete reply injected in the same write as the 220', async () => {
    const { error, received } = await run(
      [{ send: '220 go ahead\r\n250 injected\r\n' }, { readUntilClose: true }].slice(
        0,
      ) as ScriptStep[],
    );
    expect(error).toMatchObject({
      name: 'ProtocolError',
      code: 'SMTP_PROTOCOL_STARTTLS_INJECTION',
    });
    expect(sentAfterStartTls(received)).toBe('');
  });

  it('refuses a partial line injected in the same write as the 220', async () => {
    const { error, received } = await run([
      { send: '220 go ahead\r\n250 inj' },
      { readUntilClose: true },
    ]);
    expect(error).toMatchObject({ code: 'SMTP_PROTOCOL_STARTTLS_INJECTION' });
    expect((error as Error).message).toContain('sent 7 byte(s)');
    expect(sentAfterStartTls(received)).toBe('');
  });

  it('refuses bytes injected in a later write, before the handshake', async () => {
    const { error, received } = await run(
      [
        { send: '220 go ahead\r\n' },
        { delay: 20 },
        { send: '250 injected later\r\n' },
        { readUntilClose: true },
      ],
      // The client has read the 220 and not started TLS yet when the bytes come.
      () => sleep(150),
    );
    expect(error).toMatchObject({ code: 'SMTP_PROTOCOL_STARTTLS_INJECTION' });
    expect(sentAfterStartTls(received)).toBe('');
  });

  it('refuses bytes injected in a later write while the socket was paused with a reply queued', async () => {
    // The client reads the 220 late: it is queued (socket paused) when the injection comes.
    const server = await startScriptedServer([
      ...opening,
      { send: '220 go ahead\r\n' },
      { delay: 30 },
      { send: '250 injected\r\n' },
      { readUntilClose: true },
    ]);
    try {
      const connection = await connect({
        host: '127.0.0.1',
        port: server.port,
        readTimeoutMs: 2000,
      });
      opened.push(connection);
      await connection.readReply();
      await connection.write(encodeEhlo('client.example'));
      await connection.readReply();
      await connection.write(encodeStarttls());
      await sleep(150);
      expect((await connection.readReply()).code).toBe(220);
      await expect(connection.upgradeToTls()).rejects.toMatchObject({
        code: 'SMTP_PROTOCOL_STARTTLS_INJECTION',
      });
      expect(connection.destroyed).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('fails the handshake, typed, when plaintext arrives while TLS is starting', async () => {
    // The server never speaks TLS: it answers the ClientHello with a plaintext reply.
    const { error } = await run([
      { send: '220 go ahead\r\n' },
      { delay: 30 },
      { send: '250 not tls\r\n' },
      { readUntilClose: true },
    ]);
    expect(error).toMatchObject({
      name: 'TlsError',
      code: 'SMTP_TLS_HANDSHAKE',
      reason: 'protocol',
    });
  });

  it('upgrades when nothing follows the 220', async () => {
    const server = await startScriptedServer([
      ...opening,
      { send: '220 go ahead\r\n' },
      { upgradeToTls: true },
      { expect: /^EHLO / },
      { send: '250 secure now\r\n' },
      { readUntilClose: true },
    ]);
    try {
      const connection = await startTlsReady('localhost', server.port);
      expect((await connection.upgradeToTls()).authorized).toBe(true);
      await connection.write(encodeEhlo('client.example'));
      expect((await connection.readReply()).text).toBe('secure now');
      await connection.close();
      await server.done;
    } finally {
      await server.close();
    }
  });
});
