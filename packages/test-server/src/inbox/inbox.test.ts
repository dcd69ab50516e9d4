/**
 * The inbox over real sockets: mail delivered by hand over SMTP (this package may not use
 * `@smtp/client`), read back through the HTTP API as the page reads it. What a browser does with
 * the headers (the sandbox, the policies) is proven by the CLI's browser test; here, that every
 * response carries them.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '../testing/deliver.ts';
import { ATTACHMENT_BYTES, plainMessage, richMessage } from '../testing/messages.ts';
import { type RunningInbox, type StartInboxOptions, startInbox } from './inbox.ts';
import { InboxError } from './inbox-error.ts';
import type { InboxMessageSummary } from './inbox-message.ts';
import type { InboxMessageDetail } from './message-detail.ts';
import { PAGE_SCRIPT } from './page-script.ts';
import { PAGE_STYLE } from './page-style.ts';

interface HttpResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
}

interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** `false`: send no Host header at all. */
  readonly setHost?: boolean;
}

function request(url: string, options: RequestOptions = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        setHost: options.setHost ?? true,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body,
            text: body.toString('utf8'),
          });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

async function getJson<T>(url: string): Promise<T> {
  const response = await request(url);
  expect(response.status, response.text).toBe(200);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  return JSON.parse(response.text) as T;
}

/** The events of one `/api/events` stream, in order. */
interface EventReader {
  next(type: string, timeoutMs?: number): Promise<unknown>;
  readonly headers: http.IncomingHttpHeaders;
  close(): void;
}

function openEvents(inbox: RunningInbox): Promise<EventReader> {
  return new Promise((resolve, reject) => {
    const events: { type: string; data: string }[] = [];
    let buffered = '';
    let wake: (() => void) | undefined;
    const outgoing = http.get(`${inbox.url}api/events`, (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffered += chunk;
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          // Lines end at LF only (the event-stream format); a regex's `m` would also end them at U+2028.
          const lines = block.split('\n');
          const type = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length);
          const data = lines.find((line) => line.startsWith('data: '))?.slice('data: '.length);
          if (type !== undefined && data !== undefined) events.push({ type, data });
        }
        wake?.();
      });
      resolve({
        headers: response.headers,
        async next(type, timeoutMs = 3000) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const index = events.findIndex((event) => event.type === type);
            if (index >= 0) {
              const [event] = events.splice(0, index + 1).slice(-1);
              return JSON.parse(event?.data ?? 'null');
            }
            if (Date.now() > deadline) throw new Error(`no ${type} event within ${timeoutMs} ms`);
            await new Promise<void>((done) => {
              wake = done;
              setTimeout(done, 50);
            });
          }
        },
        close: () => outgoing.destroy(),
      });
    });
    outgoing.on('error', reject);
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

const inboxes: RunningInbox[] = [];
const readers: EventReader[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await Promise.all(inboxes.splice(0).map((inbox) => inbox.close()));
});

async function start(options: StartInboxOptions = {}): Promise<RunningInbox> {
  const inbox = await startInbox(options);
  inboxes.push(inbox);
  return inbox;
}

async function events(inbox: RunningInbox): Promise<EventReader> {
  const reader = await openEvents(inbox);
  readers.push(reader);
  return reader;
}

/** Delivers `message` and waits until the inbox lists it; returns its list line. */
async function send(
  inbox: RunningInbox,
  message: string,
  envelope = { from: 'ann@example.com', to: ['bob@example.org'] },
): Promise<InboxMessageSummary> {
  const before = new Set(inbox.messages().map((line) => line.id));
  await deliver(inbox.smtp, { ...envelope, message });
  const isNew = (line: InboxMessageSummary | undefined) =>
    line !== undefined && !before.has(line.id);
  await until(() => isNew(inbox.messages()[0]), 'the message to be stored');
  return inbox.messages()[0] as InboxMessageSummary;
}

/** A CSP header as a map of directive name to its sources. */
function directives(csp: string | string[] | undefined): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const part of String(csp ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name !== undefined && name !== '') result.set(name, sources);
  }
  return result;
}

const hostile = (subject: string, html: string): string =>
  [
    'From: Mallory <mallory@example.com>',
    'To: bob@example.org',
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    '',
  ].join('\r\n');

describe('startInbox: the API', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'inbox-api-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on loopback, OS-chosen ports, with quiet SMTP defaults for a long run', async () => {
    const inbox = await start();
    expect(inbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(inbox.smtp.url).toBe(`smtp://127.0.0.1:${inbox.smtp.port}`);
    const client = await deliver(inbox.smtp, {
      from: 'ann@example.com',
      to: ['bob@example.org'],
      message: plainMessage({ subject: 'quiet' }),
    });
    expect(client).toMatch(/^250 /);
    expect(inbox.smtp.commands).toEqual([]);
    await until(() => inbox.messages().length === 1, 'the message');
    expect(await getJson(`${inbox.url}api/messages`)).toEqual(inbox.messages());
  });

  it('serves on ::1 when asked', async () => {
    const inbox = await start({ http: { host: '::1' } });
    expect(inbox.url).toMatch(/^http:\/\/\[::1\]:\d+\/$/);
    expect((await request(inbox.url)).status).toBe(200);
  });

  it('lists messages newest first with from, to, subject, size and time', async () => {
    const inbox = await start();
    const first = await send(inbox, plainMessage({ subject: 'first' }));
    const second = await send(inbox, richMessage(), {
      from: 'bounce@example.com',
      to: ['bob@example.org', 'hidden@example.org'],
    });
    const list = await getJson<InboxMessageSummary[]>(`${inbox.url}api/messages`);
    expect(list.map((line) => line.subject)).toEqual(['Olá, mundo', 'first']);
    expect(list[0]).toEqual({
      id: second.id,
      from: 'Ana María <ana@example.com>',
      to: ['Bob <bob@example.org>', 'carol@example.org'],
      subject: 'Olá, mundo',
      size: Buffer.byteLength(richMessage()),
      receivedAt: expect.any(Number),
    });
    expect(list[1]?.id).toBe(first.id);
    expect(first.receivedAt).toBeLessThanOrEqual(second.receivedAt);
  });

  it('gives one message: envelope, headers, text, HTML presence and attachments', async () => {
    const inbox = await start();
    const line = await send(inbox, richMessage(), {
      from: 'bounce@example.com',
      to: ['bob@example.org', 'hidden@example.org'],
    });
    const detail = await getJson<InboxMessageDetail>(
      `${inbox.url}api/messages/${encodeURIComponent(line.id)}`,
    );
    expect(detail).toMatchObject({
      id: line.id,
      from: 'Ana María <ana@example.com>',
      cc: ['dan@example.org', 'Eve <eve@example.org>'],
      date: '2026-12-05T12:00:00.000Z',
      messageId: '<rich@example.com>',
      envelope: {
        mailFrom: 'bounce@example.com',
        rcptTo: ['bob@example.org', 'hidden@example.org'],
      },
      text: 'Olá, mundo!\n',
      hasHtml: true,
    });
    expect(detail.headers.filter((header) => header.name === 'X-Custom')).toEqual([
      { name: 'X-Custom', value: 'first' },
      { name: 'X-Custom', value: 'second' },
    ]);
    expect(detail.attachments).toEqual([
      {
        index: 0,
        filename: 'logo.png',
        contentType: 'image/png',
        size: Buffer.byteLength('not really a png'),
        disposition: 'inline',
        contentId: 'logo@example.com',
        url: `/api/messages/${line.id}/attachments/0`,
      },
      {
        index: 1,
        filename: 'résumé.pdf',
        contentType: 'application/pdf',
        size: ATTACHMENT_BYTES.length,
        disposition: 'attachment',
        contentId: null,
        url: `/api/messages/${line.id}/attachments/1`,
      },
    ]);
  });

  it('a message with no text, no From and no Subject still gets a line, from the envelope', async () => {
    const inbox = await start();
    const line = await send(inbox, 'X-Nothing: here\r\n\r\n', {
      from: 'robot@example.com',
      to: ['ops@example.org'],
    });
    expect(line).toMatchObject({ from: 'robot@example.com', to: ['ops@example.org'], subject: '' });
    const detail = await getJson<InboxMessageDetail>(`${inbox.url}api/messages/${line.id}`);
    expect(detail).toMatchObject({ text: null, hasHtml: false, date: null, messageId: null });
    expect((await request(`${inbox.url}api/messages/${line.id}/html`)).status).toBe(404);
  });

  it('serves an attachment as a download: exact bytes, its type, its name (RFC 6266/8187)', async () => {
    const inbox = await start();
    const line = await send(inbox, richMessage());
    const response = await request(`${inbox.url}api/messages/${line.id}/attachments/1`);
    expect(response.status).toBe(200);
    expect(Buffer.compare(response.body, Buffer.from(ATTACHMENT_BYTES))).toBe(0);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-length']).toBe(String(ATTACHMENT_BYTES.length));
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`,
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    // Even an inline image is a download at its own URL: nothing of a message renders in the origin.
    const inline = await request(`${inbox.url}api/messages/${line.id}/attachments/0`);
    expect(inline.headers['content-disposition']).toBe('attachment; filename="logo.png"');
    expect(inline.text).toBe('not really a png');
    for (const missing of ['2', 'x', '-1', '1.0', '9999999']) {
      expect(
        (await request(`${inbox.url}api/messages/${line.id}/attachments/${missing}`)).status,
      ).toBe(404);
    }
  });

  it('sanitises what a message claims: a hostile file name and type', async () => {
    const inbox = await start();
    const line = await send(
      inbox,
      [
        'Subject: tricky',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'see attached',
        '--b',
        'Content-Type: text/html;;; "><script>',
        'Content-Disposition: attachment; filename="../../etc/pass\\"wd%.txt"',
        '',
        '<script>alert(1)</script>',
        '--b',
        'Content-Type: application/octet-stream',
        'Content-Disposition: attachment',
        '',
        'nameless',
        '--b--',
        '',
      ].join('\r\n'),
    );
    const detail = await getJson<InboxMessageDetail>(`${inbox.url}api/messages/${line.id}`);
    const [named, nameless] = detail.attachments;
    expect(named?.filename).not.toMatch(/[/\\]/);
    expect(nameless?.filename).toBe('attachment-2');
    const response = await request(`${inbox.url}api/messages/${line.id}/attachments/0`);
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="[^/\\]*"/);
    expect(response.headers['content-type']).toMatch(/^[a-z]+\/[a-z.+-]+$/);
    expect(directives(response.headers['content-security-policy']).has('sandbox')).toBe(true);
  });

  it('serves the source as message/rfc822, byte for byte, as a download', async () => {
    const inbox = await start();
    const message = richMessage();
    const line = await send(inbox, message);
    const response = await request(`${inbox.url}api/messages/${line.id}/raw`);
    expect(response.status).toBe(200);
    expect(response.text).toBe(message);
    expect(response.headers['content-type']).toBe('message/rfc822');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="${line.id}.eml"`);
  });

  it('deletes one message, then all, and says 404 for what is gone', async () => {
    const inbox = await start();
    const first = await send(inbox, plainMessage({ subject: 'one' }));
    const second = await send(inbox, plainMessage({ subject: 'two' }));
    await send(inbox, plainMessage({ subject: 'three' }));
    const one = await request(`${inbox.url}api/messages/${first.id}`, { method: 'DELETE' });
    expect([one.status, JSON.parse(one.text)]).toEqual([200, { deleted: 1 }]);
    expect(inbox.messages().map((line) => line.subject)).toEqual(['three', 'two']);
    expect((await request(`${inbox.url}api/messages/${first.id}`)).status).toBe(404);
    expect((await request(`${inbox.url}api/messages/${first.id}/raw`)).status).toBe(404);
    expect((await request(`${inbox.url}api/messages/${first.id}/html`)).status).toBe(404);
    expect((await request(`${inbox.url}api/messages/${first.id}/attachments/0`)).status).toBe(404);
    expect(
      (await request(`${inbox.url}api/messages/${first.id}`, { method: 'DELETE' })).status,
    ).toBe(404);
    const all = await request(`${inbox.url}api/messages`, { method: 'DELETE' });
    expect([all.status, JSON.parse(all.text)]).toEqual([200, { deleted: 2 }]);
    expect(inbox.messages()).toEqual([]);
    expect((await request(`${inbox.url}api/messages/${second.id}`)).status).toBe(404);
  });

  it('keeps at most `limit` messages in memory, dropping the oldest (500 by default)', async () => {
    const inbox = await start({ limit: 2 });
    const reader = await events(inbox);
    const first = await send(inbox, plainMessage({ subject: 'm1' }));
    await send(inbox, plainMessage({ subject: 'm2' }));
    await send(inbox, plainMessage({ subject: 'm3' }));
    expect(inbox.messages().map((line) => line.subject)).toEqual(['m3', 'm2']);
    expect((await request(`${inbox.url}api/messages/${first.id}`)).status).toBe(404);
    expect(await reader.next('deleted')).toEqual({ ids: [first.id] });
  });

  it('tells the page about every change as Server-Sent Events', async () => {
    const inbox = await start();
    const reader = await events(inbox);
    expect(reader.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(reader.headers['cache-control']).toBe('no-store');
    await deliver(inbox.smtp, {
      from: 'ann@example.com',
      to: ['bob@example.org'],
      message: plainMessage({ subject: 'live\u2028news' }),
    });
    const added = (await reader.next('added')) as InboxMessageSummary;
    expect(added).toMatchObject({ subject: 'live\u2028news', from: 'Ann <ann@example.com>' });
    expect(inbox.messages()[0]).toEqual(added);
    await request(`${inbox.url}api/messages/${added.id}`, { method: 'DELETE' });
    expect(await reader.next('deleted')).toEqual({ ids: [added.id] });
    await request(`${inbox.url}api/messages`, { method: 'DELETE' });
    expect(await reader.next('cleared')).toEqual({});
    const head = await request(`${inbox.url}api/events`, { method: 'HEAD' });
    expect([head.status, head.body.length]).toEqual([200, 0]);
  });

  it('answers 503 past 64 open event streams, each one a socket held open', async () => {
    const inbox = await start();
    const open = await Promise.all(Array.from({ length: 64 }, () => events(inbox)));
    expect(open).toHaveLength(64);
    const refused = await request(`${inbox.url}api/events`);
    expect([refused.status, refused.headers['retry-after']]).toEqual([503, '10']);
    expect(JSON.parse(refused.text)).toEqual({ error: 'too many open event streams' });
  });

  it('closes with its event streams open, and close() is idempotent', async () => {
    const inbox = await startInbox();
    const reader = await openEvents(inbox);
    await Promise.all([inbox.close(), inbox.close()]);
    reader.close();
    await expect(request(inbox.url)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('startInbox: a folder of .eml files', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(os.tmpdir(), 'inbox-dir-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes each message as one .eml file, lists the folder again after a restart, deletes files', async () => {
    const dir = join(root, 'restart');
    const inbox = await start({ dir });
    const message = richMessage();
    const line = await send(inbox, message);
    await inbox.close();
    const files = await readdir(dir);
    expect(files).toEqual([`${line.id}.eml`]);
    expect(await readFile(join(dir, files[0] as string), 'utf8')).toBe(message);

    const again = await start({ dir });
    expect(again.messages()).toEqual([{ ...line }]);
    const detail = await getJson<InboxMessageDetail>(`${again.url}api/messages/${line.id}`);
    expect(detail.envelope).toBeNull();
    expect(detail.subject).toBe('Olá, mundo');
    const second = await send(again, plainMessage({ subject: 'second' }));
    expect(again.messages().map((entry) => entry.id)).toEqual([second.id, line.id]);
    await request(`${again.url}api/messages/${line.id}`, { method: 'DELETE' });
    expect(await readdir(dir)).toEqual([`${second.id}.eml`]);
    await request(`${again.url}api/messages`, { method: 'DELETE' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('lists .eml files it did not write, by modification time, and leaves other files alone', async () => {
    const dir = join(root, 'foreign');
    await mkdir(dir);
    await writeFile(join(dir, 'newer.eml'), plainMessage({ subject: 'newer' }));
    await writeFile(join(dir, 'older.eml'), plainMessage({ subject: 'older' }));
    await writeFile(join(dir, 'notes.txt'), 'not mail');
    await writeFile(join(dir, '.eml'), 'a name with no id');
    const older = new Date('2026-01-02T03:04:05.000Z');
    await utimes(join(dir, 'older.eml'), older, older);
    const inbox = await start({ dir });
    const list = inbox.messages();
    expect(list.map((line) => [line.id, line.subject])).toEqual([
      ['newer', 'newer'],
      ['older', 'older'],
    ]);
    expect(list[1]?.receivedAt).toBe(older.getTime());
    const raw = await request(`${inbox.url}api/messages/older/raw`);
    expect(raw.text).toBe(plainMessage({ subject: 'older' }));
    expect(raw.headers['content-disposition']).toBe('attachment; filename="older.eml"');
    await request(`${inbox.url}api/messages`, { method: 'DELETE' });
    expect((await readdir(dir)).sort()).toEqual(['.eml', 'notes.txt']);
  });

  it('with a limit, deletes the oldest files past it, on start and as mail arrives', async () => {
    const dir = join(root, 'limited');
    const first = await start({ dir });
    const a = await send(first, plainMessage({ subject: 'a' }));
    const b = await send(first, plainMessage({ subject: 'b' }));
    const c = await send(first, plainMessage({ subject: 'c' }));
    await first.close();
    const limited = await start({ dir, limit: 2 });
    expect(limited.messages().map((line) => line.id)).toEqual([c.id, b.id]);
    expect((await readdir(dir)).sort()).toEqual([`${b.id}.eml`, `${c.id}.eml`]);
    const d = await send(limited, plainMessage({ subject: 'd' }));
    expect((await readdir(dir)).sort()).toEqual([`${c.id}.eml`, `${d.id}.eml`]);
    expect(a.id < b.id).toBe(true);
  });

  it('reports a message it accepted but could not write, through onError', async () => {
    const dir = join(root, 'vanishing');
    const errors: InboxError[] = [];
    const inbox = await start({ dir, onError: (error) => errors.push(error) });
    await rm(dir, { recursive: true });
    await deliver(inbox.smtp, {
      from: 'ann@example.com',
      to: ['bob@example.org'],
      message: plainMessage({ subject: 'lost' }),
    });
    await until(() => errors.length === 1, 'the storage error');
    expect(errors[0]).toBeInstanceOf(InboxError);
    expect(errors[0]?.code).toBe('SMTP_TEST_SERVER_STORAGE_FAILED');
    expect(errors[0]?.message).toMatch(
      /from <ann@example\.com> was accepted but could not be stored/,
    );
    expect(inbox.messages()).toEqual([]);
  });

  it('says 404 for a file removed behind its back, 500 with the reason for one it cannot read', async () => {
    const dir = join(root, 'tampered');
    const inbox = await start({ dir });
    const gone = await send(inbox, plainMessage({ subject: 'gone' }));
    const odd = await send(inbox, plainMessage({ subject: 'odd' }));
    await rm(join(dir, `${gone.id}.eml`));
    expect((await request(`${inbox.url}api/messages/${gone.id}/raw`)).status).toBe(404);
    expect((await request(`${inbox.url}api/messages/${gone.id}`)).status).toBe(404);
    await rm(join(dir, `${odd.id}.eml`));
    await mkdir(join(dir, `${odd.id}.eml`));
    const broken = await request(`${inbox.url}api/messages/${odd.id}`);
    expect(broken.status).toBe(500);
    expect(JSON.parse(broken.text).error).toMatch(/EISDIR/);
    expect(broken.headers['x-content-type-options']).toBe('nosniff');
  });

  it('without onError, a message it could not store is a process warning', async () => {
    const dir = join(root, 'warned');
    const inbox = await start({ dir });
    await rm(dir, { recursive: true });
    const warning = new Promise<Error>((resolve) => process.once('warning', resolve));
    await deliver(inbox.smtp, {
      from: 'ann@example.com',
      to: ['bob@example.org'],
      message: plainMessage({ subject: 'lost' }),
    });
    const error = await warning;
    expect(error.name).toBe('InboxError');
    expect(error.message).toMatch(/was accepted but could not be stored/);
  });

  it('refuses a dir that is a file, with a typed error', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    const error = await startInbox({ dir: file }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InboxError);
    expect(error).toMatchObject({ code: 'SMTP_TEST_SERVER_STORAGE_FAILED' });
    expect((error as Error).message).toContain(`cannot use ${file} as the inbox folder`);
  });
});

describe('startInbox: bad options and busy ports', () => {
  it.each([
    [{ limit: 0 }, /limit must be a whole number/],
    [{ limit: 1.5 }, /limit must be a whole number/],
    [{ dir: '' }, /dir must be a folder path/],
    [{ http: { port: 70_000 } }, /http\.port must be a whole number from 0 to 65535/],
    [{ http: { host: '0.0.0.0' } }, /http\.host must be 127\.0\.0\.1 or ::1/],
  ])('refuses %j', async (options, message) => {
    const error = await startInbox(options as StartInboxOptions).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InboxError);
    expect(error).toMatchObject({ code: 'SMTP_TEST_SERVER_INVALID_OPTIONS', message });
  });

  it('says which port is in use, and leaves nothing listening behind', async () => {
    const taken = await start();
    const smtpPort = taken.smtp.port;
    const httpPort = Number(new URL(taken.url).port);
    const smtpBusy = await startInbox({ smtp: { port: smtpPort } }).catch(
      (caught: unknown) => caught,
    );
    expect(smtpBusy).toBeInstanceOf(InboxError);
    expect(smtpBusy).toMatchObject({
      code: 'SMTP_TEST_SERVER_LISTEN_FAILED',
      side: 'SMTP',
      message: `cannot listen for SMTP on 127.0.0.1:${smtpPort}: the port is in use (EADDRINUSE)`,
    });
    // The HTTP side fails after the SMTP side started: that SMTP server is closed again.
    const probe = await start();
    const freeSmtpPort = probe.smtp.port;
    await probe.close();
    const httpBusy = await startInbox({
      smtp: { port: freeSmtpPort },
      http: { port: httpPort },
    }).catch((caught: unknown) => caught);
    expect(httpBusy).toMatchObject({
      code: 'SMTP_TEST_SERVER_LISTEN_FAILED',
      side: 'HTTP',
      message: `cannot listen for HTTP on 127.0.0.1:${httpPort}: the port is in use (EADDRINUSE)`,
    });
    const reuse = await start({ smtp: { port: freeSmtpPort } });
    expect(reuse.smtp.port).toBe(freeSmtpPort);
  });

  it('passes other start failures on as they are', async () => {
    await expect(startInbox({ smtp: { port: -1 } })).rejects.toThrow(RangeError);
  });
});

describe('startInbox: the security of the page', () => {
  let inbox: RunningInbox;
  let rich: InboxMessageSummary;
  beforeAll(async () => {
    inbox = await startInbox();
    await deliver(inbox.smtp, {
      from: 'ann@example.com',
      to: ['bob@example.org'],
      message: richMessage(),
    });
    await until(() => inbox.messages().length === 1, 'the message');
    rich = inbox.messages()[0] as InboxMessageSummary;
  });
  afterAll(async () => {
    await inbox.close();
  });

  it('serves the page with a strict policy that allows its own inline script and style by hash', async () => {
    const page = await request(inbox.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = directives(page.headers['content-security-policy']);
    const script = /<script>([\s\S]*)<\/script>/.exec(page.text)?.[1];
    const style = /<style>([\s\S]*)<\/style>/.exec(page.text)?.[1];
    expect(script).toBe(PAGE_SCRIPT);
    expect(style).toBe(PAGE_STYLE);
    const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual([sha(PAGE_SCRIPT)]);
    expect(csp.get('style-src')).toEqual([sha(PAGE_STYLE)]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('frame-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'none'"]);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    // No external resource: nothing but our own origin's API is named anywhere.
    expect(page.text).not.toMatch(/\b(?:src|href)=["']?(?:https?:)?\/\//);
  });

  it('shows the message in an iframe sandboxed without scripts or same-origin', async () => {
    const page = (await request(inbox.url)).text;
    const frames = [...page.matchAll(/<iframe\b[^>]*>/g)].map((match) => match[0]);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatch(/\ssandbox=""/);
    expect(frames[0]).not.toMatch(/allow-/);
  });

  it('builds the list from text only: no HTML parsing of anything a message says', () => {
    expect(PAGE_SCRIPT).not.toMatch(
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|eval\(|new Function/,
    );
    expect(PAGE_SCRIPT).toContain('textContent');
  });

  it('keeps a hostile subject as data: JSON in the API, never in the page itself', async () => {
    const subject = '<img src=x onerror=alert(1)>';
    const local = await start();
    const line = await send(local, hostile(subject, '<p>hi</p>'));
    expect(line.subject).toBe(subject);
    const list = await request(`${local.url}api/messages`);
    expect(list.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(list.text)[0].subject).toBe(subject);
    const page = (await request(local.url)).text;
    expect(page).not.toContain('onerror');
    expect(page).toContain(`<code id="smtp-url">${local.smtp.url}</code>`);
  });

  it('serves the message HTML under a policy that loads nothing and runs nothing', async () => {
    const response = await request(`${inbox.url}api/messages/${rich.id}/html`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['x-dns-prefetch-control']).toBe('off');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    const csp = directives(response.headers['content-security-policy']);
    expect(Object.fromEntries(csp)).toEqual({
      'default-src': ["'none'"],
      'img-src': ['data:'],
      'style-src': ["'unsafe-inline'"],
      'font-src': ['data:'],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'self'"],
      sandbox: [],
    });
  });

  it('turns cid: images into data: URLs, so inline images show with nothing fetched', async () => {
    const response = await request(`${inbox.url}api/messages/${rich.id}/html`);
    const png = Buffer.from('not really a png').toString('base64');
    expect(response.text).toBe(
      `<p>Olá, <b>mundo</b>! <img src="data:image/png;base64,${png}"></p>\n`,
    );
  });

  it('sends the protective headers with every response, errors included', async () => {
    for (const path of ['api/messages', `api/messages/${rich.id}`, 'nope', 'api/messages/x/raw']) {
      const response = await request(`${inbox.url}${path}`);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['content-security-policy']).toBe(
        "default-src 'none'; frame-ancestors 'none'; sandbox",
      );
    }
  });

  it.each([
    'evil.example',
    'evil.example:80',
    '127.0.0.1.nip.io',
    'localhost.evil.example',
    '[::2]',
  ])('refuses Host %j with 403 (DNS rebinding)', async (host) => {
    const response = await request(inbox.url, { headers: { host } });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.text)).toEqual({
      error: 'this inbox answers only to localhost, 127.0.0.1 and [::1]',
    });
    expect(response.text).not.toContain('Inbox');
  });

  it('refuses a request with no Host at all (node:http answers 400 before the inbox sees it)', async () => {
    expect((await request(inbox.url, { setHost: false })).status).toBe(400);
  });

  it.each(['localhost', 'LOCALHOST:8025', '127.0.0.1', '[::1]:1'])(
    'answers Host %j',
    async (host) => {
      expect((await request(inbox.url, { headers: { host } })).status).toBe(200);
    },
  );

  it('refuses requests from another origin or a sandboxed frame; the page’s own pass', async () => {
    const url = `${inbox.url}api/messages/${rich.id}`;
    for (const origin of [
      'http://evil.example',
      'null',
      'http://localhost:1',
      'https://127.0.0.1',
    ]) {
      const response = await request(url, { method: 'DELETE', headers: { origin } });
      expect(response.status, origin).toBe(403);
    }
    expect(inbox.messages()).toHaveLength(1);
    const own = new URL(inbox.url).origin;
    expect((await request(url, { headers: { origin: own } })).status).toBe(200);
  });

  it('answers GET, HEAD and DELETE only: 405 with Allow, 404 for unknown paths', async () => {
    const post = await request(inbox.url, { method: 'POST' });
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD, DELETE']);
    const options = await request(`${inbox.url}api/messages`, { method: 'OPTIONS' });
    expect(options.status).toBe(405);
    const deletePage = await request(inbox.url, { method: 'DELETE' });
    expect([deletePage.status, deletePage.headers.allow]).toEqual([405, 'GET, HEAD']);
    const deleteRaw = await request(`${inbox.url}api/messages/${rich.id}/raw`, {
      method: 'DELETE',
    });
    expect(deleteRaw.status).toBe(405);
    for (const path of [
      'index.html',
      'api',
      'api/nope',
      'api/messages/',
      `api/messages/${rich.id}/nope`,
      `api/messages/${rich.id}/attachments/0/more`,
      'api/messages/%E0%A4%A',
    ]) {
      expect((await request(`${inbox.url}${path}`)).status, path).toBe(404);
    }
    const head = await request(`${inbox.url}api/messages`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(2);
    expect(inbox.messages()).toHaveLength(1);
  });

  it('ignores a query string', async () => {
    expect((await request(`${inbox.url}api/messages?x=1`)).status).toBe(200);
  });
});
