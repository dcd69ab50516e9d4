import { mkdtemp, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import {
  connectRaw,
  createTestCertificates,
  type RawClient,
  type TestCertificates,
} from '@smtp/test-server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ScriptedServer, type ScriptStep, startScriptedServer } from './scripted-server.ts';

let certs: TestCertificates;
beforeAll(async () => {
  certs = await createTestCertificates();
});

const servers: ScriptedServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(script: ScriptStep[] | ((connection: number) => ScriptStep[]), host?: '::1') {
  const server = await startScriptedServer(script, host ? { host } : {});
  servers.push(server);
  return server;
}

async function connect(server: ScriptedServer): Promise<RawClient> {
  const client = await connectRaw({ host: server.host, port: server.port });
  clients.push(client);
  return client;
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('startScriptedServer', () => {
  it('sends, expects lines (string and RegExp) and records the transcript', async () => {
    const server = await start([
      { send: '220 scripted\r\n' },
      { expect: /^EHLO / },
      { send: '250-one\r\n250 two\r\n' },
      { expect: 'QUIT' },
      { send: '221 bye\r\n' },
      { close: true },
    ]);
    expect(server.url).toBe(`smtp://127.0.0.1:${server.port}`);
    const client = await connect(server);
    expect(await client.readReply()).toBe('220 scripted\r\n');
    expect(await client.command('EHLO me')).toBe('250-one\r\n250 two\r\n');
    expect(await client.command('QUIT')).toBe('221 bye\r\n');
    await client.closed();
    await server.done;
    expect(text(server.received())).toBe('EHLO me\r\nQUIT\r\n');
    expect(
      server.transcript
        .filter((entry) => entry.direction === 'out')
        .map((entry) => text(entry.data)),
    ).toEqual(['220 scripted\r\n', '250-one\r\n250 two\r\n', '221 bye\r\n']);
  });

  it('rejects done when a line does not match, and drops the connection', async () => {
    const server = await start([
      { send: '220 x\r\n' },
      { expect: 'EHLO a' },
      { send: '250 ok\r\n' },
    ]);
    const client = await connect(server);
    await client.readReply();
    client.write('EHLO b\r\n');
    await expect(server.done).rejects.toThrow('step 1: expected "EHLO a", got "EHLO b"');
    await client.closed();
    expect(server.failures.get(0)?.message).toContain('expected');
  });

  it('rejects a line that ends in a bare LF', async () => {
    const server = await start([{ expect: 'NOOP' }]);
    const client = await connect(server);
    client.write('NOOP\n');
    await expect(server.done).rejects.toThrow(/not terminated by CRLF/);
  });

  it('fails a pending expect when the client closes', async () => {
    const server = await start([{ expect: 'NOOP' }]);
    const client = await connect(server);
    client.write('NO');
    client.destroy();
    await expect(server.done).rejects.toThrow(/client closed before a full line \(pending "NO"\)/);
  });

  it('sends bytes exactly, including non-ASCII and a reply split mid-line', async () => {
    const server = await start([
      { send: new Uint8Array([0x32, 0x32, 0x30]) },
      { delay: 40 },
      { send: ' grüße\r\n' },
    ]);
    const client = await connect(server);
    const began = performance.now();
    expect(await client.readReply()).toBe('220 grüße\r\n');
    expect(performance.now() - began).toBeGreaterThanOrEqual(35);
    await server.done;
  });

  it('trickles bytes one write at a time', async () => {
    const server = await start([{ trickle: '220 ok\r\n', intervalMs: 5 }]);
    const client = await connect(server);
    expect(await client.readReply()).toBe('220 ok\r\n');
    await server.done;
    const writes = server.transcript.filter((entry) => entry.direction === 'out');
    expect(writes).toHaveLength(8);
    expect(writes.every((entry) => entry.data.length === 1)).toBe(true);
  });

  it('upgrades to TLS on STARTTLS and carries on inside TLS', async () => {
    const server = await start([
      { send: '220 x\r\n' },
      { expect: 'STARTTLS' },
      { send: '220 go ahead\r\n' },
      { upgradeToTls: true },
      { expect: 'EHLO secure' },
      { send: '250 secure\r\n' },
      { readUntilClose: true },
    ]);
    const client = await connect(server);
    await client.readReply();
    expect(await client.command('STARTTLS')).toBe('220 go ahead\r\n');
    await client.startTls({ ca: [certs.ca.cert], servername: 'localhost' });
    expect(await client.command('EHLO secure')).toBe('250 secure\r\n');
    client.socket.end();
    await server.done;
    expect(text(server.received())).toContain('EHLO secure\r\n');
  });

  it('serves a bad certificate on upgrade', async () => {
    const server = await start([{ upgradeToTls: true, certificate: 'wrongName' }]);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const socket = tls.connect({
        host: server.host,
        port: server.port,
        ca: [certs.ca.cert],
        servername: 'localhost',
      });
      socket.on('error', resolve);
    });
    expect(error.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    await expect(server.done).rejects.toThrow(/TLS handshake|closed during the TLS handshake/);
  });

  it('lets bytes injected after the STARTTLS 220 reach the client in the same write', async () => {
    const server = await start([
      { expect: 'STARTTLS' },
      { send: '220 go ahead\r\n250 injected\r\n' },
      { readUntilClose: true },
    ]);
    const client = await connect(server);
    expect(await client.command('STARTTLS')).toBe('220 go ahead\r\n');
    expect(await client.readReply()).toBe('250 injected\r\n');
  });

  it('resets the connection with destroy', async () => {
    const server = await start([{ send: '220 x\r\n' }, { destroy: true }]);
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const socket = net.connect(server.port, server.host);
      socket.on('error', resolve);
      socket.on('close', () => resolve(undefined));
    });
    expect(error?.code).toBe('ECONNRESET');
    await server.done;
  });

  it('closes gracefully with close', async () => {
    const server = await start([{ close: true }]);
    const client = await connect(server);
    await client.closed();
    await server.done;
  });

  it('runs a script per connection index', async () => {
    const server = await start((connection) => [{ send: `220 connection ${connection}\r\n` }]);
    const first = await connect(server);
    expect(await first.readReply()).toBe('220 connection 0\r\n');
    const second = await connect(server);
    expect(await second.readReply()).toBe('220 connection 1\r\n');
    expect(server.connections).toBe(2);
    expect(text(server.received(1))).toBe('');
  });

  it('binds ::1', async (context) => {
    const server = await startScriptedServer([{ send: '220 six\r\n' }], { host: '::1' }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT') {
          context.skip('this machine has no IPv6 loopback (::1)');
        }
        throw error;
      },
    );
    servers.push(server);
    expect(server.url).toBe(`smtp://[::1]:${server.port}`);
    const client = await connect(server);
    expect(await client.readReply()).toBe('220 six\r\n');
  });

  it('listens on a UNIX socket path, and removes it on close', async () => {
    const folder = await mkdtemp(join(os.tmpdir(), 'scripted-'));
    const path = join(folder, 'lmtp.sock');
    try {
      const server = await startScriptedServer(
        [{ send: '220 local LMTP\r\n' }, { expect: 'QUIT' }],
        { path },
      );
      servers.push(server);
      expect(server).toMatchObject({ host: 'localhost', port: 0, path });
      expect(server.url).toBe(`smtp://${encodeURIComponent(path)}`);
      const client = await connectRaw({ path });
      clients.push(client);
      expect(await client.readReply()).toBe('220 local LMTP\r\n');
      client.write('QUIT\r\n');
      await server.done;
      await server.close();
      await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('close() destroys sockets, cancels a pending delay and fails the script', async () => {
    const handles = () =>
      process
        .getActiveResourcesInfo()
        .filter((name) => /TCP|Timeout/.test(name))
        .sort();
    // Let the sockets of earlier tests (destroyed in afterEach) finish closing first.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = handles();
    const server = await startScriptedServer([
      { send: '220 x\r\n' },
      { delay: 60_000 },
      { send: 'never' },
    ]);
    const client = await connectRaw({ host: server.host, port: server.port });
    await client.readReply();
    await server.close();
    await client.closed();
    await expect(server.done).rejects.toThrow('server closed');
    // Nothing new: every handle now was already there before the server started.
    const left = [...before];
    const added = handles().filter((name) => {
      const at = left.indexOf(name);
      if (at < 0) return true;
      left.splice(at, 1);
      return false;
    });
    expect(added).toEqual([]);
  });
});
