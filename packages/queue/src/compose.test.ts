import { Message } from '@smtp/mime';
import { describe, expect, it } from 'vitest';
import { compose } from './compose.ts';

const LIMIT = 1024 * 1024;

describe('compose', () => {
  it('serialises a message once, 7-bit safe, with its envelope and Message-ID', async () => {
    const message = new Message({
      from: 'ann@example.com',
      to: 'bob@example.org',
      bcc: 'cy@example.org',
      subject: 'Grüße',
      text: 'Grüße aus Köln',
    });
    const composed = await compose(message, LIMIT);
    expect(composed.from).toBe('ann@example.com');
    expect(composed.to).toEqual(['bob@example.org', 'cy@example.org']);
    expect(composed.messageId).toBe(message.messageId);
    const text = Buffer.from(composed.bytes).toString('latin1');
    expect(text).toContain(`Message-ID: ${message.messageId}`);
    expect([...composed.bytes].every((byte) => byte < 128)).toBe(true);
    expect(text).not.toMatch(/^Bcc:/im);
  });

  it('keeps the DSN wishes of a message', async () => {
    const message = new Message({ from: 'a@example.com', to: 'b@example.org', text: 'x' });
    message.requestDeliveryReceipt({ notify: ['FAILURE'], ret: 'HDRS' });
    expect((await compose(message, LIMIT)).dsn).toMatchObject({ notify: ['FAILURE'], ret: 'HDRS' });
  });

  it('takes raw content as a string, bytes or a stream, with its Message-ID', async () => {
    const text = 'Message-ID: <raw@example.com>\r\nSubject: raw\r\n\r\nMessage-ID: <not@body>\r\n';
    async function* stream(): AsyncGenerator<string | Uint8Array> {
      yield text.slice(0, 10);
      yield Buffer.from(text.slice(10));
    }
    for (const raw of [text, Buffer.from(text), stream()]) {
      const composed = await compose(
        { envelope: { from: '', to: 'b@example.org' }, raw, body: '8BITMIME' },
        LIMIT,
      );
      expect(Buffer.from(composed.bytes).toString()).toBe(text);
      expect(composed).toMatchObject({
        from: '',
        to: ['b@example.org'],
        messageId: '<raw@example.com>',
        body: '8BITMIME',
      });
    }
  });

  it('finds no Message-ID in raw content without one', async () => {
    const composed = await compose(
      { envelope: { from: 'a@example.com', to: ['b@example.org'] }, raw: 'Subject: x\n\nbody' },
      LIMIT,
    );
    expect(composed.messageId).toBeUndefined();
  });

  it('refuses raw content without recipients, and content over the limit', async () => {
    await expect(
      compose({ envelope: { from: 'a@example.com', to: [] }, raw: 'x' }, LIMIT),
    ).rejects.toMatchObject({ code: 'SMTP_QUEUE_INVALID_OPTIONS' });
    await expect(
      compose(
        { envelope: { from: 'a@example.com', to: 'b@example.org' }, raw: 'x'.repeat(11) },
        10,
      ),
    ).rejects.toMatchObject({ code: 'SMTP_QUEUE_MESSAGE_TOO_LARGE' });
    await expect(
      compose({ from: 'a@example.com', to: 'b@example.org', text: 'x'.repeat(100) }, 50),
    ).rejects.toMatchObject({ code: 'SMTP_QUEUE_MESSAGE_TOO_LARGE' });
  });

  it('reads a streamed attachment once, stopping at the limit', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled++;
        yield new Uint8Array(1000);
      }
    }
    const message = new Message({ from: 'a@example.com', to: 'b@example.org', text: 'x' });
    message.attach({ filename: 'big.bin', content: endless() });
    await expect(compose(message, 20_000)).rejects.toMatchObject({
      code: 'SMTP_QUEUE_MESSAGE_TOO_LARGE',
    });
    expect(pulled).toBeLessThan(40);
  });
});
