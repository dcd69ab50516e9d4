/**
 * DKIM signing end to end: what the test server received is verified by an independent verifier
 * (mailauth, with a resolver that answers the test keys' TXT records), for both algorithms and
 * every way content reaches the client: a Message from options, a raw string, a raw stream
 * spooled in memory and on disk, a streamed Message with a file over 4 MiB (read twice), two
 * signatures, a pool, and dryRun. SIZE= counts the signature; a signing failure writes nothing;
 * the spool file is gone after every end; a read-once source is not sent again on a new
 * connection.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createDkimSigner, dkimDnsRecord, generateDkimKey } from '@smtp/dkim';
import type { Fault, FaultPoint, RunningSmtpServer } from 'test-servers';
import { verifyDkim } from 'test-servers/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message, type SendInput } from './index.ts';
import { resolveClientOptions } from './resolve-options.ts';
import { SPOOL_MEMORY_LIMIT, SPOOL_PREFIX } from './spool.ts';
import { makeDkimKey, type TestDkimKey } from './testing/dkim.ts';
import { FAST, failure, useIntegrationFixtures } from './testing/integration.ts';

const { open, openPool, server } = useIntegrationFixtures({ closeServers: 'afterEach' });

// The spool goes under os.tmpdir(): a folder of this file's own, so what is found there is this
// file's doing (vitest runs each test file in a worker with its own environment).
const originalTmp = process.env.TMPDIR;
const spoolRoot = mkdtempSync(join(tmpdir(), 'smtp-dkim-test-'));
const files = mkdtempSync(join(tmpdir(), 'smtp-dkim-files-'));
beforeAll(() => {
  process.env.TMPDIR = spoolRoot;
});
afterAll(() => {
  if (originalTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = originalTmp;
  rmSync(spoolRoot, { recursive: true, force: true });
  rmSync(files, { recursive: true, force: true });
});

const spoolFolders = (): string[] =>
  readdirSync(spoolRoot).filter((name) => name.startsWith(SPOOL_PREFIX));

let rsa: TestDkimKey;
let ed25519: TestDkimKey;
beforeAll(async () => {
  [rsa, ed25519] = await Promise.all([makeDkimKey('rsa', 'rsa1'), makeDkimKey('ed25519', 'ed1')]);
}, 60_000);
const keyOf = (algorithm: 'rsa' | 'ed25519'): TestDkimKey => (algorithm === 'rsa' ? rsa : ed25519);

const HEADERS =
  'From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: Raw\r\nMessage-ID: <raw-1@example.com>\r\n';

/** A raw message of about `octets` octets: headers, then lines of text. */
function rawText(octets: number): string {
  const line = `${'The quick brown fox jumps over the lazy dog. '.repeat(2)}\r\n`;
  return `${HEADERS}\r\n${line.repeat(Math.max(1, Math.ceil(octets / line.length)))}`;
}

/** `text` as an async iterable of 64 KiB chunks, calling `atEnd` before it ends. */
async function* chunked(text: string, atEnd: () => void = () => {}): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += 65_536) yield bytes.subarray(at, at + 65_536);
  atEnd();
}

const raw = (body: string | AsyncIterable<Uint8Array>) => ({
  envelope: { from: 'ann@example.com', to: 'bob@example.com' },
  raw: body,
});

const mail = (extra: Record<string, unknown> = {}) => ({
  from: 'Ann <ann@example.com>',
  to: 'bob@example.com',
  subject: 'Signed',
  text: 'Hello Bob,\n\nall well?  \n\n\n',
  ...extra,
});

/** A server that announces SIZE, so MAIL carries `SIZE=`. */
const sizedServer = (extra: Parameters<typeof server>[0] = {}) =>
  server({ size: 64 * 1024 * 1024, ...extra });

const client = (s: RunningSmtpServer, dkim: unknown, extra: Record<string, unknown> = {}) =>
  open({ url: s.url, name: 'dkim.test', timeouts: FAST, dkim: dkim as never, ...extra });

/** The one message received: it verified with every key, and SIZE= was its size. */
async function expectSigned(s: RunningSmtpServer, keys: readonly TestDkimKey[]) {
  expect(s.messages).toHaveLength(1);
  const received = s.messages[0] as RunningSmtpServer['messages'][number];
  const verified = await verifyDkim(
    received.raw,
    keys.map((key) => key.record),
  );
  expect(verified.map((v) => v.result)).toEqual(keys.map(() => 'pass'));
  expect(verified.map((v) => v.selector)).toEqual(keys.map((key) => key.options.selector));
  expect(received.envelope.mailParams.SIZE).toBe(String(received.raw.length));
  return received;
}

describe('DKIM: what the server received verifies', () => {
  for (const algorithm of ['rsa', 'ed25519'] as const) {
    describe(algorithm, () => {
      it('a message built from options, SIZE= counting the signature', async () => {
        const s = await sizedServer();
        const key = keyOf(algorithm);
        const result = await client(s, key.options).send(mail());
        const received = await expectSigned(s, [key]);
        const text = Buffer.from(received.raw).toString('latin1');
        expect(text.startsWith('DKIM-Signature: ')).toBe(true);
        expect(text).toContain(`a=${key.algorithm}`);
        expect(result.size).toBeGreaterThanOrEqual(received.raw.length);
      });

      it('a raw string', async () => {
        const s = await sizedServer();
        await client(s, keyOf(algorithm).options).send(raw(rawText(2000)));
        await expectSigned(s, [keyOf(algorithm)]);
      });

      it('a raw stream under 1 MiB: spooled in memory, no file', async () => {
        const s = await sizedServer();
        const seen: string[][] = [];
        const body = chunked(rawText(SPOOL_MEMORY_LIMIT / 2), () => seen.push(spoolFolders()));
        await client(s, keyOf(algorithm).options).send(raw(body));
        await expectSigned(s, [keyOf(algorithm)]);
        expect(seen).toEqual([[]]);
      });

      it('a raw stream over 1 MiB: spooled to a 0600 file, removed after the transaction', async () => {
        const s = await sizedServer();
        let during: { folder: string; mode: number } | undefined;
        const body = chunked(rawText(3 * SPOOL_MEMORY_LIMIT), () => {
          const folder = spoolFolders()[0] as string;
          const [file] = readdirSync(join(spoolRoot, folder));
          during = { folder, mode: statSync(join(spoolRoot, folder, file as string)).mode };
        });
        await client(s, keyOf(algorithm).options).send(raw(body));
        await expectSigned(s, [keyOf(algorithm)]);
        expect(during?.mode !== undefined && during.mode & 0o777).toBe(0o600);
        expect(statSync(join(spoolRoot, during?.folder as string), { throwIfNoEntry: false })).toBe(
          undefined,
        );
        expect(spoolFolders()).toEqual([]);
      });

      it('a streamed Message with a file attachment over 4 MiB: read twice, nothing spooled', async () => {
        const s = await sizedServer();
        const path = join(files, `big-${algorithm}.bin`);
        writeFileSync(path, Buffer.alloc(4 * 1024 * 1024 + 123, 0x5a));
        const message = new Message(mail({ attachments: [{ path }] }));
        expect(message.rereadable).toBe(true);
        await client(s, keyOf(algorithm).options).send(message);
        const received = await expectSigned(s, [keyOf(algorithm)]);
        expect(received.raw.length).toBeGreaterThan(4 * 1024 * 1024);
        expect(spoolFolders()).toEqual([]);
      });
    });
  }

  it('a Message with a stream part is spooled (it can be read once)', async () => {
    const s = await sizedServer();
    async function* part() {
      yield Buffer.alloc(2 * SPOOL_MEMORY_LIMIT, 0x41);
    }
    const message = new Message(mail({ attachments: [{ filename: 'a.bin', content: part() }] }));
    expect(message.rereadable).toBe(false);
    await client(s, ed25519.options).send(message);
    await expectSigned(s, [ed25519]);
    expect(spoolFolders()).toEqual([]);
  });

  it('two signatures, Ed25519 then RSA: both verify, the first on top', async () => {
    const s = await sizedServer();
    await client(s, [ed25519.options, rsa.options]).send(mail());
    const received = await expectSigned(s, [ed25519, rsa]);
    const fields = Buffer.from(received.raw)
      .toString('latin1')
      .split('\r\n')
      .filter((line) => line.startsWith('DKIM-Signature:'));
    expect(fields).toHaveLength(2);
    expect(fields[0]).toContain('a=ed25519-sha256');
  });

  it('a DkimSigner made with @smtp/dkim, and a Uint8Array key (a key file read)', async () => {
    const s = await sizedServer();
    const signer = await createDkimSigner(rsa.options);
    const fromFile = { ...ed25519.options, privateKey: Buffer.from(ed25519.privateKey) };
    await client(s, [signer, fromFile]).send(mail());
    await expectSigned(s, [rsa, ed25519]);
  });

  it('through SmtpPool: every message signed, raw streams included', async () => {
    const s = await sizedServer();
    const pool = openPool({ url: s.url, name: 'dkim.test', timeouts: FAST, dkim: rsa.options });
    const inputs: SendInput[] = [
      mail({ subject: 'one' }),
      raw(rawText(500)),
      raw(chunked(rawText(2 * SPOOL_MEMORY_LIMIT))),
      mail({ subject: 'four' }),
    ];
    const results = await Promise.all(inputs.map((input) => pool.send(input)));
    expect(results.map((r) => r.outcome)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(s.messages).toHaveLength(4);
    for (const received of s.messages) {
      expect((await verifyDkim(received.raw, [rsa.record])).map((v) => v.result)).toEqual(['pass']);
      expect(received.envelope.mailParams.SIZE).toBe(String(received.raw.length));
    }
    expect(spoolFolders()).toEqual([]);
  });

  it('dryRun returns the signed bytes: the DKIM-Signature field, then the message', async () => {
    const dry = open({ url: 'smtp://mail.example.com', dryRun: true, dkim: [rsa.options] });
    const result = await dry.send(mail());
    const wire = Buffer.from(result.bytes as Uint8Array).toString('latin1');
    const content = wire.slice(wire.indexOf('DATA\r\n') + 'DATA\r\n'.length, -'\r\n.\r\n'.length);
    expect(content.startsWith('DKIM-Signature: ')).toBe(true);
    // Undo the dot-stuffing, as a server does.
    const message = content.replace(/\r\n\.\./g, '\r\n.');
    expect((await verifyDkim(message, [rsa.record])).map((v) => v.result)).toEqual(['pass']);
  });
});

describe('DKIM: key warnings', () => {
  it("an RSA key under 2048 bits signs, and the warning goes to the client's log", async () => {
    const s = await sizedServer();
    const weak = await generateDkimKey({ algorithm: 'rsa', bits: 1024 });
    const key: TestDkimKey = {
      algorithm: weak.algorithm,
      privateKey: weak.privateKey,
      options: { domain: 'example.com', selector: 'weak1', privateKey: weak.privateKey },
      record: dkimDnsRecord({
        selector: 'weak1',
        domain: 'example.com',
        algorithm: weak.algorithm,
        publicKey: weak.publicKey,
      }),
    };
    const lines: string[] = [];
    const c = open(
      { url: s.url, name: 'dkim.test', timeouts: FAST, dkim: key.options },
      { log: (line) => lines.push(line) },
    );
    await c.send(mail());
    await c.send(mail());
    expect(s.messages).toHaveLength(2);
    for (const received of s.messages) {
      expect((await verifyDkim(received.raw, [key.record])).map((v) => v.result)).toEqual(['pass']);
    }
    // Once: the signer is made on the first send and kept.
    expect(lines.filter((line) => line.startsWith('DKIM key warning '))).toHaveLength(1);
  });
});

describe('DKIM: failures', () => {
  it('a key that cannot be read: not-sent, the DkimError code, no MAIL, and every later send too', async () => {
    const s = await server();
    const broken = { domain: 'example.com', selector: 'bad', privateKey: 'not a key at all' };
    const c = client(s, broken);
    for (let n = 0; n < 2; n++) {
      const error = await failure(c.send(mail()));
      expect(error).toMatchObject({ name: 'SendError', outcome: 'not-sent', temporary: false });
      expect(error.code).toBe('SMTP_DKIM_INVALID_KEY');
      expect((error.cause as Error).name).toBe('DkimError');
    }
    expect(s.commands.map((c) => c.command)).not.toContain('MAIL');
    expect(s.messages).toHaveLength(0);
  });

  it('a message that cannot be signed (no header section): not-sent, no MAIL, spool removed', async () => {
    const s = await server();
    const body = chunked(`no header here\r\n${'x'.repeat(70)}\r\n`.repeat(40_000));
    const error = await failure(client(s, ed25519.options).send(raw(body)));
    expect(error.code).toMatch(/^SMTP_DKIM_/);
    expect(error.outcome).toBe('not-sent');
    expect(s.commands.map((c) => c.command)).not.toContain('MAIL');
    expect(spoolFolders()).toEqual([]);
  });

  it('SIZE counts the signature: a message that fits only unsigned is refused before MAIL', async () => {
    const probe = await server();
    await open({ url: probe.url, name: 'dkim.test' }).send(raw(rawText(3000)));
    const unsigned = (probe.messages[0] as RunningSmtpServer['messages'][number]).raw.length;
    const s = await server({ size: unsigned + 10 });
    const error = await failure(client(s, rsa.options).send(raw(rawText(3000))));
    expect(error.code).toBe('SMTP_MESSAGE_TOO_LARGE');
    expect(s.commands.map((c) => c.command)).not.toContain('MAIL');
  });

  it('the spool is removed after a refusal', async () => {
    const s = await server({ rejectRecipients: { 'bob@example.com': 550 } });
    const error = await failure(
      client(s, rsa.options).send(raw(chunked(rawText(2 * SPOOL_MEMORY_LIMIT)))),
    );
    expect(error.outcome).toBe('rejected');
    expect(spoolFolders()).toEqual([]);
  });

  it('an abort while the source is read: SMTP_ABORTED, not-sent, nothing written, spool removed', async () => {
    const s = await server();
    const controller = new AbortController();
    let spooled: string[] = [];
    async function* stalling() {
      yield Buffer.from(rawText(2 * SPOOL_MEMORY_LIMIT));
      spooled = spoolFolders();
      controller.abort();
      await new Promise(() => {}); // never ends: only the abort stops the read
    }
    const error = await failure(
      client(s, rsa.options).send(raw(stalling()), { signal: controller.signal }),
    );
    expect(error).toMatchObject({ code: 'SMTP_ABORTED', outcome: 'not-sent' });
    expect(spooled).toHaveLength(1);
    expect(spoolFolders()).toEqual([]);
    expect(s.commands.map((c) => c.command)).not.toContain('MAIL');
  });

  it('a source that stalls while it is read to sign: SMTP_TIMEOUT (body-source), not-sent', async () => {
    const s = await server();
    async function* stalling() {
      yield Buffer.from(rawText(1000));
      await new Promise(() => {});
    }
    const c = client(s, rsa.options, { timeouts: { ...FAST, dataBlock: 200 } });
    const error = await failure(c.send(raw(stalling())));
    expect(error).toMatchObject({ code: 'SMTP_TIMEOUT', outcome: 'not-sent' });
    expect((error.cause as { phase?: string }).phase).toBe('body-source');
  });

  it('a read-once source is not sent again on a new connection when the server drops the idle one', async () => {
    let mails = 0;
    const s = await server({
      faults: ({ phase }: FaultPoint): Fault | undefined =>
        phase === 'mail' && ++mails === 2 ? { action: 'reply', code: 421 } : undefined,
    });
    const c = client(s, rsa.options);
    await c.send(mail({ subject: 'first' }));
    const error = await failure(c.send(raw(chunked(rawText(4000)))));
    expect(error).toMatchObject({ code: 'SMTP_REPLY', outcome: 'rejected', temporary: true });
    expect(s.totalConnections).toBe(1);
    // A message that can be produced again is, as without DKIM: on a new connection.
    mails = 0;
    await c.send(mail({ subject: 'warm-up' }));
    const again = await c.send(mail({ subject: 'again' }));
    expect(again.outcome).toBe('accepted');
    expect(s.totalConnections).toBe(3);
  });
});

describe('DKIM: the keys stay secret (decision 11, INV-10)', () => {
  it('no log line, error, inspect or JSON of the client, its options or the pool shows a key', async () => {
    const s = await sizedServer();
    // An Ed25519 key given as its base64 seed, and the RSA key as PEM.
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
    const raw32 = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
    const seedKey: TestDkimKey = {
      algorithm: 'ed25519-sha256',
      privateKey: seed.toString('base64'),
      options: { domain: 'example.com', selector: 'seed1', privateKey: seed.toString('base64') },
      record: dkimDnsRecord({
        selector: 'seed1',
        domain: 'example.com',
        algorithm: 'ed25519-sha256',
        publicKey: raw32.toString('base64'),
      }),
    };
    const secrets = [
      seed.toString('base64'),
      rsa.privateKey,
      ...rsa.privateKey.split('\n').filter((line) => line !== '' && !line.startsWith('-')),
    ];
    const lines: string[] = [];
    const logging = { log: (l: string) => lines.push(l), debugLog: (l: string) => lines.push(l) };
    const options = { url: s.url, name: 'dkim.test', timeouts: FAST };
    const c = open({ ...options, dkim: [seedKey.options, rsa.options] }, logging);
    await c.send(mail());
    await expectSigned(s, [seedKey, rsa]);
    // The debug log names each signature, by d=, s= and a=.
    expect(lines).toContain('DKIM-Signature added d=example.com s=seed1 a=ed25519-sha256');
    expect(lines).toContain('DKIM-Signature added d=example.com s=rsa1 a=rsa-sha256');

    // A key that cannot be read: its error, logged and thrown, shows no key either.
    const damaged = rsa.privateKey.replace(/\n[A-Za-z0-9+/]{64}\n/, '\n');
    const broken = open({ ...options, dkim: { ...rsa.options, privateKey: damaged } }, logging);
    const error = await failure(broken.send(mail()));
    expect(error.code).toMatch(/^SMTP_DKIM_/);

    const pool = openPool({ ...options, dkim: [seedKey.options, rsa.options] }, logging);
    await pool.send(mail());
    const shown = [
      ...lines,
      error.message,
      inspect(error, { depth: 10 }),
      JSON.stringify(error),
      inspect(c, { depth: 10, showHidden: true }),
      JSON.stringify(c),
      JSON.stringify(c.info),
      JSON.stringify(c.definition({ includeSecrets: true })),
      inspect(resolveClientOptions({ ...options, dkim: rsa.options }), { depth: 10 }),
      JSON.stringify(resolveClientOptions({ ...options, dkim: rsa.options })),
      inspect(pool, { depth: 10 }),
      JSON.stringify(pool),
      JSON.stringify(pool.definition({ includeSecrets: true })),
    ].join('\n');
    expect(shown).toContain('example.com');
    for (const secret of secrets) expect(shown).not.toContain(secret);
  });
});
