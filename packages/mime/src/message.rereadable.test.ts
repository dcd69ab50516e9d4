/**
 * `Message.rereadable`: a promise that a second serialisation yields the same bytes (a DKIM
 * signer reads the message once to sign it and once to send it), so each case is checked against
 * what two serialisations really give.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContentError } from './errors.ts';
import { Message, type MessageOptions } from './message.ts';

const dir = mkdtempSync(join(tmpdir(), 'smtp-mime-reread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: MessageOptions = { from: 'ana@example.com', to: 'bob@example.org', subject: 'Hi' };

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  yield* parts;
}

async function serialise(message: Message, options: { allow8Bit?: boolean } = {}) {
  const parts: Uint8Array[] = [];
  for await (const chunk of message.stream(options)) parts.push(chunk.slice());
  return Buffer.concat(parts).toString('latin1');
}

describe('Message.rereadable', () => {
  it('is true for strings, bytes and files, and two serialisations are the same bytes', async () => {
    const path = join(dir, 'report.bin');
    writeFileSync(path, Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 256)));
    const message = new Message({
      ...base,
      text: 'Grüße, the report:\n',
      html: '<p>Grüße</p>',
      attachments: [{ path }, { filename: 'b.bin', content: new Uint8Array([1, 2, 3]) }],
    });
    expect(message.rereadable).toBe(true);
    for (const allow8Bit of [false, true]) {
      const first = await serialise(message, { allow8Bit });
      // A multipart message: its boundaries were drawn by the first serialisation and kept.
      expect(first).toMatch(/boundary="/);
      expect(await serialise(message, { allow8Bit })).toBe(first);
    }
  });

  it('is false when a body, an alternative, a calendar invite or an attachment is a stream', async () => {
    const streamed: MessageOptions[] = [
      { ...base, text: chunks('a') },
      { ...base, text: 'a', html: chunks('<p>a</p>') },
      { ...base, text: 'a', icalEvent: { content: chunks('BEGIN:VCALENDAR\r\n') } },
      { ...base, text: 'a', attachments: [{ filename: 'a.txt', content: chunks('x') }] },
      {
        ...base,
        text: 'a',
        attachments: [{ filename: 'r.txt', content: new Blob(['x']).stream() }],
      },
    ];
    for (const options of streamed) expect(new Message(options).rereadable).toBe(false);
    // And it is right to say so: the second serialisation cannot give the bytes again.
    const message = new Message({ ...base, text: chunks('only once') });
    await serialise(message);
    await expect(serialise(message)).rejects.toThrow(ContentError);
  });

  it('follows changes made after the message was built', () => {
    const message = new Message({ ...base, text: 'a' });
    expect(message.rereadable).toBe(true);
    message.attach('late.txt', 'text/plain', chunks('late'));
    expect(message.rereadable).toBe(false);
  });
});
