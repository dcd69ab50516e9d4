import { latin1 } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { Attachment } from './attachment.ts';
import {
  ContentError,
  InvalidAddressError,
  InvalidHeaderError,
  InvalidMessageError,
} from './errors.ts';
import { Message, type MessageOptions } from './message.ts';

const base: MessageOptions = {
  from: 'Ana <ana@example.com>',
  to: 'bob@example.org',
  subject: 'Hello',
  text: 'Hi Bob!',
  date: new Date(Date.UTC(2026, 10, 28, 19, 36, 7)),
};

async function text(
  message: Message,
  options?: Parameters<Message['toBytes']>[0],
): Promise<string> {
  return latin1(await message.toBytes(options));
}

function headerBlock(raw: string): string {
  return raw.slice(0, raw.indexOf('\r\n\r\n') + 2);
}

function headerNames(raw: string): string[] {
  return [...headerBlock(raw).matchAll(/^([^\s:]+):/gm)].map((m) => m[1] as string);
}

describe('Message from options', () => {
  it('writes the headers in order, Date and Message-ID always, and a 7bit text body', async () => {
    const raw = await text(new Message({ ...base, messageId: '<id-1@example.com>' }));
    expect(raw).toBe(
      'From: Ana <ana@example.com>\r\n' +
        'To: bob@example.org\r\n' +
        'Subject: Hello\r\n' +
        'Date: Sat, 28 Nov 2026 19:36:07 +0000\r\n' +
        'Message-ID: <id-1@example.com>\r\n' +
        'MIME-Version: 1.0\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Transfer-Encoding: 7bit\r\n' +
        '\r\n' +
        'Hi Bob!',
    );
  });

  it('generates a random Message-ID in the sender domain, in A-labels, kept across serialisations', async () => {
    const message = new Message({ ...base, from: 'ana@bücher.example', sender: 's@exämple.org' });
    expect(message.messageId).toMatch(/^<[0-9a-f]{32}@xn--exmple-cua\.org>$/);
    const first = await text(message);
    expect(await text(message)).toBe(first);
    expect(first).toContain(`Message-ID: ${message.messageId}\r\n`);
    expect(new Message({ ...base }).messageId).not.toBe(new Message({ ...base }).messageId);
    expect(new Message().messageId).toBeUndefined();
  });

  it('uses the current time when no date is given', async () => {
    const raw = await text(new Message({ ...base, date: undefined as never }));
    expect(raw).toMatch(/^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000\r$/m);
  });

  it('never writes Bcc, and writes Sender, Cc, Reply-To, threading and priority headers', async () => {
    const raw = await text(
      new Message({
        ...base,
        sender: 'sec@example.com',
        cc: ['c1@example.org', { name: 'Zoë', address: 'c2@example.org' }],
        bcc: 'secret@example.net',
        replyTo: 'replies@example.com',
        inReplyTo: 'parent@example.com',
        references: ['<root@example.com>', 'parent@example.com'],
        priority: 'high',
        headers: { 'X-Campaign': 'spring', 'X-Multi': ['a', 'b'] },
      }),
    );
    expect(raw).not.toMatch(/bcc|secret/i);
    expect(headerNames(raw)).toEqual([
      'From',
      'Sender',
      'To',
      'Cc',
      'Reply-To',
      'Subject',
      'Date',
      'Message-ID',
      'In-Reply-To',
      'References',
      'X-Priority',
      'Importance',
      'X-Campaign',
      'X-Multi',
      'X-Multi',
      'MIME-Version',
      'Content-Type',
      'Content-Transfer-Encoding',
    ]);
    expect(raw).toContain('Cc: c1@example.org, =?UTF-8?Q?Zo=C3=AB?= <c2@example.org>\r\n');
    expect(raw).toContain('In-Reply-To: <parent@example.com>\r\n');
    expect(raw).toContain('References: <root@example.com> <parent@example.com>\r\n');
    expect(raw).toContain('X-Priority: 1 (Highest)\r\nImportance: high\r\n');
  });

  it('writes low priority, and nothing for normal', async () => {
    expect(await text(new Message({ ...base, priority: 'low' }))).toContain(
      'X-Priority: 5 (Lowest)\r\nImportance: low\r\n',
    );
    expect(await text(new Message({ ...base, priority: 'normal' }))).not.toContain('Priority');
  });

  it('encodes a non-ASCII subject and encoded-word look-alikes', async () => {
    const raw = await text(new Message({ ...base, subject: 'Grüße =?utf-8?q?fake?=' }));
    expect(raw).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(raw).not.toContain('=?utf-8?q?fake?=');
  });

  it('allows an empty subject', async () => {
    expect(await text(new Message({ ...base, subject: '' }))).toContain('Subject:\r\n');
  });

  it('chooses the body encoding from the content and the 8BITMIME option', async () => {
    const message = new Message({ ...base, text: 'Grüße aus Köln, sagt die ganze Familie' });
    expect(await text(message)).toContain('Content-Transfer-Encoding: quoted-printable');
    expect(await text(message, { allow8Bit: true })).toContain('Content-Transfer-Encoding: 8bit');
    expect(message.envelope({ allow8Bit: true }).needs8BitMime).toBe(true);
    expect(message.envelope().needs8BitMime).toBe(false);
  });

  it('makes bare LF in text CRLF, and sends NUL in text as quoted-printable, never 7bit', async () => {
    expect(await text(new Message({ ...base, text: 'a\nb\rc' }))).toMatch(/\r\n\r\na\r\nb\r\nc$/);
    const raw = await text(new Message({ ...base, text: 'null \0 byte in a text' }));
    expect(raw).toContain('Content-Transfer-Encoding: quoted-printable');
    expect(raw).toContain('=00');
  });

  it('refuses unknown options and options of the wrong type', () => {
    expect(() => new Message({ ...base, colour: 'red' } as never)).toThrow(InvalidMessageError);
    expect(() => new Message(42 as never)).toThrow(InvalidMessageError);
    expect(() => new Message({ ...base, priority: 'urgent' as never })).toThrow(/priority/);
    expect(() => new Message({ ...base, date: new Date('nope') })).toThrow(InvalidMessageError);
    expect(() => new Message({ ...base, attachments: 'x' as never })).toThrow(/attachments/);
    expect(() => new Message({ ...base, text: 42 as never })).toThrow(InvalidMessageError);
    expect(() => new Message({ ...base, messageId: 42 as never })).toThrow(InvalidMessageError);
    expect(() => new Message({ ...base, subject: 42 as never })).toThrow(InvalidMessageError);
  });
});

describe('header injection is refused at the call that brings it', () => {
  const crlf = 'x\r\nBcc: victim@example.net';
  it.each([
    ['subject', () => new Message({ ...base, subject: crlf }), InvalidHeaderError],
    ['classic subject', () => new Message('a@example.com', crlf), InvalidHeaderError],
    [
      'display name',
      () => new Message({ ...base, to: { name: crlf, address: 'b@example.org' } }),
      InvalidAddressError,
    ],
    [
      'address',
      () => new Message({ ...base, to: 'b@example.org\r\nBcc: v@example.net' }),
      InvalidAddressError,
    ],
    ['custom header value', () => new Message(base).setHeader('X-A', crlf), InvalidHeaderError],
    [
      'custom header name',
      () => new Message(base).addHeader('X-A\r\nBcc', 'v'),
      InvalidHeaderError,
    ],
    [
      'reserved header',
      () => new Message(base).setHeader('bcc', 'v@example.net'),
      InvalidHeaderError,
    ],
    ['owned header', () => new Message(base).setHeader('Subject', 'again'), InvalidHeaderError],
    ['filename', () => new Message(base).attach(crlf, 'text/plain', 'x'), InvalidHeaderError],
    [
      'content type',
      () => new Message(base).attach('a.txt', 'text/plain\r\nX: y', 'x'),
      InvalidHeaderError,
    ],
    ['in-reply-to', () => new Message({ ...base, inReplyTo: `<a@b>${crlf}` }), InvalidHeaderError],
    ['content id', () => new Attachment({ content: 'x', contentId: crlf }), InvalidHeaderError],
    [
      'part header',
      () => new Attachment({ content: 'x', headers: [['X-A', crlf]] }),
      InvalidHeaderError,
    ],
  ] as const)('%s', (_what, build, type) => {
    expect(build).toThrow(type);
  });
});

describe('the classic builder', () => {
  it('builds the same kind of message step by step', async () => {
    const message = new Message('Ana <ana@example.com>', 'Report')
      .addTo('bob@example.org')
      .addCc(['carol@example.org'])
      .addBcc({ address: 'dave@example.net' })
      .setBody('<p>Hi</p>', undefined, 'text/html')
      .setBody('Hi', '7bit')
      .attach('data.csv', undefined, 'a,b\n1,2\n')
      .attach('blob.bin', 'application/octet-stream', new Uint8Array([0, 1, 2]), 'base64', {
        'X-Note': 'n',
      })
      .attach({ filename: 'x.txt', content: 'x' })
      .setHeader('X-A', '1')
      .setHeader('x-a', '2')
      .addHeader('X-B', '3')
      .important()
      .requestReadReceipt();
    const raw = await text(message);
    expect(raw).toContain('Content-Type: multipart/mixed;');
    expect(raw).toContain('Content-Type: multipart/alternative;');
    expect(raw).toContain('Content-Type: text/csv; charset=utf-8; name=data.csv');
    expect(raw).toContain('X-Note: n\r\n');
    expect(raw).toContain('Disposition-Notification-To: Ana <ana@example.com>\r\n');
    expect(raw).toContain('X-a: 2\r\n'.replace('X-a', 'x-a'));
    expect(raw).not.toContain('X-A: 1');
    expect(raw).toContain('X-B: 3\r\n');
    expect(raw).toContain('X-Priority: 1 (Highest)');
    expect(message.envelope().to).toEqual([
      'bob@example.org',
      'carol@example.org',
      'dave@example.net',
    ]);
  });

  it('accepts a mailbox object or an array as the author', () => {
    expect(new Message({ address: 'a@example.com' }, 'S').messageId).toMatch(/@example\.com>$/);
    expect(new Message(['a@example.com']).messageId).toMatch(/@example\.com>$/);
  });

  it('sends read receipts to a given address', async () => {
    const raw = await text(new Message(base).requestReadReceipt('receipts@example.com'));
    expect(raw).toContain('Disposition-Notification-To: receipts@example.com\r\n');
  });

  it('records delivery receipt wishes in the envelope, not in the headers', async () => {
    const message = new Message(base).requestDeliveryReceipt();
    expect(message.envelope().dsn).toEqual({ notify: ['SUCCESS', 'FAILURE'], ret: 'HDRS' });
    expect(await text(message)).not.toMatch(/notify|dsn/i);
    expect(new Message({ ...base, dsn: { ret: 'FULL' } }).envelope().dsn?.ret).toBe('FULL');
    expect(new Message(base).envelope().dsn).toBeUndefined();
  });

  it('refuses a forced 7bit the content cannot take, at the call', async () => {
    await expect(new Message(base).setBody('é', '7bit').toBytes()).rejects.toThrow(ContentError);
    expect(() => new Message(base).setBody('x', 'binary' as never)).toThrow(InvalidMessageError);
  });
});

describe('validate', () => {
  it('names every problem at once', () => {
    try {
      new Message().validate();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidMessageError);
      expect((error as InvalidMessageError).code).toBe('SMTP_MIME_INVALID_MESSAGE');
      expect((error as InvalidMessageError).problems).toEqual([
        'no sender: set from',
        'no recipient: add to, cc or bcc',
        'no body and no attachment: set text or html, or attach something',
      ]);
    }
  });

  it('names a missing sender when the options have none', () => {
    expect(() => new Message({ to: 'b@example.com', text: 'Hi' }).validate()).toThrow(
      /no sender: set from/,
    );
  });

  it('asks for a Sender when From has several authors', () => {
    expect(() => new Message({ ...base, from: 'a@example.com, b@example.com' }).validate()).toThrow(
      /sender/,
    );
    expect(() =>
      new Message({
        ...base,
        from: 'a@example.com, b@example.com',
        sender: 'a@example.com',
      }).validate(),
    ).not.toThrow();
  });

  it('accepts a message with only an attachment, or only a Bcc', () => {
    expect(() =>
      new Message({
        from: 'a@example.com',
        bcc: 'b@example.org',
        attachments: [{ content: 'x' }],
      }).validate(),
    ).not.toThrow();
  });

  it('runs before stream(), toBytes() and envelope()', async () => {
    expect(() => new Message().stream()).toThrow(InvalidMessageError);
    await expect(new Message().toBytes()).rejects.toThrow(InvalidMessageError);
    expect(() => new Message().envelope()).toThrow(InvalidMessageError);
  });

  it('refuses a sender that is not exactly one mailbox', () => {
    expect(() => new Message({ ...base, sender: 'a@example.com, b@example.com' })).toThrow(
      InvalidAddressError,
    );
  });
});

describe('envelope', () => {
  it('uses Sender, else the first From, as the reverse path', () => {
    expect(new Message(base).envelope().from).toBe('ana@example.com');
    expect(new Message({ ...base, sender: 's@example.com' }).envelope().from).toBe('s@example.com');
  });

  it('deduplicates To, Cc and Bcc ignoring the case of the domain, keeping the first spelling', () => {
    const envelope = new Message({
      ...base,
      to: 'Bob@Example.org, x@bücher.example',
      cc: 'Bob@example.ORG, bob@example.org',
      bcc: 'x@xn--bcher-kva.example',
    }).envelope();
    expect(envelope.to).toEqual(['Bob@Example.org', 'x@xn--bcher-kva.example', 'bob@example.org']);
  });

  it('agrees with the headers on every address (A-labels, or U-labels with SMTPUTF8)', async () => {
    const message = new Message({ ...base, to: 'x@bücher.example' });
    expect(message.envelope().to).toEqual(['x@xn--bcher-kva.example']);
    expect(await text(message)).toContain('To: x@xn--bcher-kva.example\r\n');
    expect(message.envelope({ smtpUtf8: true }).to).toEqual(['x@bücher.example']);
    const raw = new TextDecoder().decode(await message.toBytes({ smtpUtf8: true }));
    expect(raw).toContain('To: x@bücher.example\r\n');
  });

  it('reports SMTPUTF8 for a UTF-8 local part, which cannot be written without it', async () => {
    const message = new Message({ ...base, cc: 'josé@example.org' });
    const envelope = message.envelope();
    expect(envelope.needsSmtpUtf8).toBe(true);
    expect(envelope.to).toContain('josé@example.org');
    await expect(message.toBytes()).rejects.toThrow(InvalidAddressError);
    expect(new TextDecoder().decode(await message.toBytes({ smtpUtf8: true }))).toContain(
      'Cc: josé@example.org',
    );
  });

  it('counts the Reply-To, Sender and read-receipt addresses for SMTPUTF8 too', () => {
    const plain = new Message({ ...base, replyTo: 'r@example.org', sender: 's@example.org' });
    expect(plain.requestReadReceipt('n@example.org').envelope().needsSmtpUtf8).toBe(false);
    expect(new Message(base).requestReadReceipt('josé@example.org').envelope().needsSmtpUtf8).toBe(
      true,
    );
    expect(new Message({ ...base, replyTo: 'josé@example.org' }).envelope().needsSmtpUtf8).toBe(
      true,
    );
  });

  it('takes Bcc alone as the recipients, with no To header', async () => {
    const message = new Message({ from: 'ana@example.com', text: 'hi', bcc: 'hidden@example.org' });
    expect(message.envelope().to).toEqual(['hidden@example.org']);
    const raw = await text(message);
    expect(raw).not.toMatch(/^(To|Bcc):/m);
  });

  it('gives the exact size when all content is known, and none with a stream', async () => {
    const message = new Message({
      ...base,
      attachments: [{ filename: 'a.bin', content: new Uint8Array(1000) }],
    });
    const envelope = message.envelope();
    expect(envelope.size).toBe((await message.toBytes()).length);
    async function* stream() {
      yield new Uint8Array(3);
    }
    expect(
      new Message({ ...base, attachments: [{ content: stream() }] }).envelope().size,
    ).toBeUndefined();
    expect(
      new Message({ ...base, attachments: [{ path: '/nonexistent' }] }).envelope().size,
    ).toBeUndefined();
  });
});
