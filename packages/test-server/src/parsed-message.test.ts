import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from './parsed-message.ts';
import { type RunningSmtpServer, startSmtpServer } from './smtp-server.ts';
import { deliver } from './testing/deliver.ts';
import { ATTACHMENT_BYTES, plainMessage, richMessage } from './testing/messages.ts';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('parseMessage', () => {
  let server: RunningSmtpServer;
  beforeAll(async () => {
    server = await startSmtpServer();
  });
  afterAll(() => server.close());

  it('parses a captured multipart message as a mail program shows it', async () => {
    await deliver(server, {
      from: 'ana@example.com',
      to: ['bob@example.org'],
      message: richMessage(),
    });
    const [received] = server.messages;
    if (received === undefined) throw new Error('no message captured');
    const parsed = await parseMessage(received);

    expect(parsed.subject).toBe('Olá, mundo');
    expect(parsed.from).toEqual({ name: 'Ana María', address: 'ana@example.com' });
    expect(parsed.to).toEqual([
      { name: 'Bob', address: 'bob@example.org' },
      { name: '', address: 'carol@example.org' },
    ]);
    // The group's members are listed as mailboxes.
    expect(parsed.cc).toEqual([
      { name: '', address: 'dan@example.org' },
      { name: 'Eve', address: 'eve@example.org' },
    ]);
    expect(parsed.bcc).toEqual([]);
    expect(parsed.replyTo).toEqual([{ name: '', address: 'replies@example.com' }]);
    expect(parsed.messageId).toBe('<rich@example.com>');
    expect(parsed.date?.toISOString()).toBe('2026-12-05T12:00:00.000Z');
    expect(parsed.text?.trim()).toBe('Olá, mundo!');
    expect(parsed.html).toContain('<b>mundo</b>');

    expect(parsed.attachments).toHaveLength(2);
    const [logo, resume] = parsed.attachments;
    expect(logo).toMatchObject({
      filename: 'logo.png',
      contentType: 'image/png',
      disposition: 'inline',
      contentId: 'logo@example.com',
    });
    expect(new TextDecoder().decode(logo?.content)).toBe('not really a png');
    expect(resume).toMatchObject({
      filename: 'résumé.pdf',
      contentType: 'application/pdf',
      disposition: 'attachment',
    });
    expect(resume?.contentId).toBeUndefined();
    expect(resume?.content).toEqual(ATTACHMENT_BYTES);
  });

  it('lists every header in order and finds one by name in any case', async () => {
    const parsed = await parseMessage(encode(richMessage()));
    expect(parsed.headers.slice(0, 2)).toEqual([
      { name: 'From', value: '=?utf-8?q?Ana_Mar=C3=ADa?= <ana@example.com>' },
      { name: 'To', value: 'Bob <bob@example.org>, carol@example.org' },
    ]);
    expect(parsed.headers.filter((header) => header.name === 'X-Custom')).toHaveLength(2);
    expect(parsed.header('x-custom')).toBe('first');
    expect(parsed.header('SUBJECT')).toBe('=?utf-8?b?T2zDoSwgbXVuZG8=?=');
    expect(parsed.header('X-Missing')).toBeUndefined();
  });

  it('parses each byte array once, and omits what the message does not have', async () => {
    const raw = encode('Subject: bare\r\nDate: not a date\r\n\r\nbody\r\n');
    const first = parseMessage(raw);
    expect(parseMessage(raw)).toBe(first);
    const parsed = await first;
    expect(parsed.subject).toBe('bare');
    expect(parsed.from).toBeUndefined();
    expect(parsed.date).toBeUndefined();
    expect(parsed.messageId).toBeUndefined();
    expect(parsed.html).toBeUndefined();
    expect(parsed.to).toEqual([]);
    expect(parsed.attachments).toEqual([]);
  });

  it('reads a plain message', async () => {
    const parsed = await parseMessage(encode(plainMessage({ subject: 'Plain' })));
    expect(parsed).toMatchObject({
      subject: 'Plain',
      from: { name: 'Ann', address: 'ann@example.com' },
      text: 'Hello Bob.\n',
    });
  });
});
