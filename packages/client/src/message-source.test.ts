/** What send() accepts, turned into an envelope and a byte source. */
import { describe, expect, it } from 'vitest';
import { Message } from './index.ts';
import { normalizeInput, prepareMessage } from './message-source.ts';

const text = async (source: AsyncIterable<Uint8Array>): Promise<string> => {
  let out = '';
  for await (const chunk of source) out += new TextDecoder().decode(chunk);
  return out;
};
const offers = { allow8Bit: true, smtpUtf8Offered: true, allowFileAccess: true };

describe('normalizeInput', () => {
  it('builds a Message from options and validates it before any I/O', () => {
    expect(
      normalizeInput({ from: 'a@example.com', to: 'b@example.com', text: 'x' }),
    ).toBeInstanceOf(Message);
    expect(() => normalizeInput({ from: 'a@example.com', text: 'x' })).toThrow(/recipient/);
  });

  it('checks a raw envelope with the command grammar (INV-5)', () => {
    expect(() =>
      normalizeInput({ envelope: { from: 'a@example.com', to: 'b@ex ample.com' }, raw: 'x' }),
    ).toThrow();
    expect(() => normalizeInput({ envelope: { from: 'a@example.com', to: [] }, raw: 'x' })).toThrow(
      /recipient/,
    );
    expect(() =>
      normalizeInput({
        envelope: { from: 'a@example.com', to: 'b@example.com' },
        raw: 42 as unknown as string,
      }),
    ).toThrow(/raw/);
  });

  it('accepts the null reverse path for raw input', () => {
    const input = normalizeInput({ envelope: { from: '', to: 'b@example.com' }, raw: 'x' });
    expect(prepareMessage(input, offers).from).toBe('');
  });
});

describe('prepareMessage', () => {
  it('raw bytes: size known, 8-bit detected, UTF-8 domains as A-labels when SMTPUTF8 is not needed', async () => {
    const prepared = prepareMessage(
      normalizeInput({
        envelope: { from: 'a@bücher.example', to: 'b@example.com' },
        raw: 'Grüße\r\n',
      }),
      offers,
    );
    expect(prepared.from).toBe('a@xn--bcher-kva.example');
    expect(prepared.smtpUtf8).toBe(false);
    expect(prepared.body).toBe('8BITMIME');
    expect(prepared.size).toBe(9);
    expect(await text(prepared.content())).toBe('Grüße\r\n');
  });

  it('a UTF-8 local part needs SMTPUTF8', () => {
    const prepared = prepareMessage(
      normalizeInput({ envelope: { from: 'a@example.com', to: 'jörg@bücher.example' }, raw: 'x' }),
      offers,
    );
    expect(prepared.smtpUtf8).toBe(true);
    expect(prepared.to).toEqual(['jörg@bücher.example']);
  });

  it('a raw stream: size unknown, string chunks encoded', async () => {
    async function* chunks() {
      yield 'Subject: s\r\n';
      yield new TextEncoder().encode('\r\nbody\r\n');
    }
    const prepared = prepareMessage(
      normalizeInput({ envelope: { from: 'a@example.com', to: 'b@example.com' }, raw: chunks() }),
      offers,
    );
    expect(prepared.size).toBeUndefined();
    expect(prepared.body).toBe('7BIT');
    expect(await text(prepared.content())).toBe('Subject: s\r\n\r\nbody\r\n');
  });

  it('a raw stream: each chunk copied, a Buffer too, so a caller reusing its buffer changes nothing', async () => {
    const buffer = Buffer.from('Subject: s\r\n\r\nfirst\r\n');
    async function* reused() {
      yield buffer;
      buffer.fill(0x58);
      yield buffer;
    }
    const prepared = prepareMessage(
      normalizeInput({ envelope: { from: 'a@example.com', to: 'b@example.com' }, raw: reused() }),
      offers,
    );
    const seen: Uint8Array[] = [];
    for await (const chunk of prepared.content()) seen.push(chunk);
    expect(new TextDecoder().decode(seen[0])).toBe('Subject: s\r\n\r\nfirst\r\n');
    expect(prepared.rereadable).toBe(false);
  });

  it('says whether the content can be read again', () => {
    const envelope = { from: 'a@example.com', to: 'b@example.com' };
    expect(prepareMessage(normalizeInput({ envelope, raw: 'x' }), offers).rereadable).toBe(true);
    const mail = { from: 'a@example.com', to: 'b@example.com', text: 'x' };
    expect(prepareMessage(new Message(mail), offers).rereadable).toBe(true);
    async function* once() {
      yield 'x';
    }
    const streamed = new Message({ ...mail, attachments: [{ filename: 'a', content: once() }] });
    expect(prepareMessage(streamed, offers).rereadable).toBe(false);
    const file = new Message({ ...mail, attachments: [{ path: '/nonexistent/file.bin' }] });
    expect(prepareMessage(file, offers).rereadable).toBe(true);
  });

  it('a Message: envelope, Message-ID, DSN wishes; 8bit only when allowed', async () => {
    const message = new Message({
      from: 'a@example.com',
      to: 'b@example.com',
      bcc: 'c@example.com',
      text: 'Grüße',
      dsn: { notify: ['FAILURE'] },
    });
    const with8 = prepareMessage(message, offers);
    expect(with8.to).toEqual(['b@example.com', 'c@example.com']);
    expect(with8.body).toBe('8BITMIME');
    expect(with8.messageId).toBe(message.messageId);
    expect(with8.dsn?.notify).toEqual(['FAILURE']);
    const without = prepareMessage(message, {
      allow8Bit: false,
      smtpUtf8Offered: false,
      allowFileAccess: true,
    });
    expect(without.body).toBe('7BIT');
    expect(/[^\x00-\x7f]/.test(await text(without.content()))).toBe(false);
  });
});
