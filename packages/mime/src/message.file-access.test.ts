import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Attachment } from './attachment.ts';
import { InvalidMessageError, isSmtpError } from './errors.ts';
import { Message, type MessageOptions } from './message.ts';

// Every open() of a file, to show that a refused message reads nothing.
const opened: string[] = [];
vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...original,
    open: async (...args: Parameters<typeof original.open>) => {
      opened.push(String(args[0]));
      return original.open(...args);
    },
  };
});

let dir = '';
let path = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smtp-mime-access-'));
  path = join(dir, 'secret.txt');
  writeFileSync(path, 'do not send me\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const base: MessageOptions = { from: 'a@example.com', to: 'b@example.org', subject: 's' };
const off = { allowFileAccess: false } as const;

function denied(run: () => unknown): InvalidMessageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(isSmtpError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SMTP_MIME_FILE_ACCESS_DENIED' });
    return error as InvalidMessageError;
  }
  throw new Error('expected SMTP_MIME_FILE_ACCESS_DENIED');
}

describe('file access switch (docs/security.md decision 13)', () => {
  // Every way a message can name a file.
  const ways: [string, () => Message, string, string][] = [
    [
      'a text body { path }',
      () => new Message({ ...base, text: { path: 'x' } }),
      'the text body',
      'x',
    ],
    [
      'an HTML body { path }',
      () => new Message({ ...base, html: { path: 'x' } }),
      'the HTML body',
      'x',
    ],
    [
      'an HTML alternative { path } beside a text body',
      () => new Message({ ...base, text: 'hi', html: { path: 'x' } }),
      'the HTML body',
      'x',
    ],
    [
      'a calendar invite { content: { path } }',
      () => new Message({ ...base, text: 'hi', icalEvent: { content: { path: 'x' } } }),
      'the calendar invite',
      'x',
    ],
    [
      "an attachment's path",
      () => new Message({ ...base, text: 'hi', attachments: [{ path: 'x/report.pdf' }] }),
      'attachment 1 "report.pdf"',
      'x/report.pdf',
    ],
    [
      "an attachment's content { path }",
      () =>
        new Message({
          ...base,
          text: 'hi',
          attachments: [{ filename: 'r.pdf', content: { path: 'x' } }],
        }),
      'attachment 1 "r.pdf"',
      'x',
    ],
    [
      'an inline related part { path } with a Content-ID',
      () =>
        new Message({
          ...base,
          html: '<img src="cid:logo@x">',
          attachments: [{ content: 'a' }, { path: 'x/logo.png', contentId: 'logo@x' }],
        }),
      'inline part 2 "logo.png"',
      'x/logo.png',
    ],
    [
      'an Attachment instance made from a path',
      () => new Message({ ...base, attachments: [new Attachment({ path: 'x/a.bin' })] }),
      'attachment 1 "a.bin"',
      'x/a.bin',
    ],
    [
      'setBody({ path })',
      () => new Message('a@example.com').addTo('b@example.org').setBody({ path: 'x' }),
      'the text body',
      'x',
    ],
    [
      "setBody({ path }, undefined, 'text/html')",
      () =>
        new Message('a@example.com')
          .addTo('b@example.org')
          .setBody({ path: 'x' }, undefined, 'text/html'),
      'the HTML body',
      'x',
    ],
    [
      'attach(name, type, { path })',
      () =>
        new Message('a@example.com')
          .addTo('b@example.org')
          .attach('n.txt', 'text/plain', { path: 'x' }),
      'attachment 1 "n.txt"',
      'x',
    ],
    [
      'attach({ path })',
      () => new Message('a@example.com').addTo('b@example.org').attach({ path: 'x/y.zip' }),
      'attachment 1 "y.zip"',
      'x/y.zip',
    ],
  ];

  for (const [title, make, what, named] of ways) {
    it(`refuses ${title} in validate(), envelope(), stream(), toBytesSync() and toBytes()`, async () => {
      const message = make();
      expect(denied(() => message.validate(off)).problems).toEqual([
        `${what} is read from the file ${JSON.stringify(named)}`,
      ]);
      denied(() => message.envelope(off));
      denied(() => message.stream(off));
      denied(() => message.toBytesSync({ ...off, allow8Bit: true }));
      await expect(message.toBytes(off)).rejects.toMatchObject({
        code: 'SMTP_MIME_FILE_ACCESS_DENIED',
      });
      // Allowed by default, and when asked.
      expect(() => message.validate()).not.toThrow();
      expect(() => message.validate({ allowFileAccess: true })).not.toThrow();
    });
  }

  it('lists every file, and is checked before the other problems', () => {
    const message = new Message({
      from: 'a@example.com',
      text: { path: '/etc/passwd' },
      attachments: [{ path: '/etc/shadow' }, { content: 'fine' }, { path: 'C:\\boot.ini' }],
    });
    const error = denied(() => message.validate(off));
    expect(error.problems).toEqual([
      'the text body is read from the file "/etc/passwd"',
      'attachment 1 "shadow" is read from the file "/etc/shadow"',
      'attachment 3 "boot.ini" is read from the file "C:\\\\boot.ini"',
    ]);
    expect(error.message).toMatch(/^File access is off, and the message names a file: /);
    // Without the switch the same message fails on what it lacks.
    expect(() => message.validate()).toThrow(
      expect.objectContaining({ code: 'SMTP_MIME_INVALID_MESSAGE' }),
    );
  });

  it('quotes a hostile path in the message, controls escaped', () => {
    const error = denied(() =>
      new Message({ ...base, attachments: [{ filename: 'a', path: 'x\r\nBcc: y' }] }).validate(off),
    );
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.problems[0]).toContain('"x\\r\\nBcc: y"');
  });

  it('accepts strings, bytes and streams with file access off', async () => {
    async function* chunks() {
      yield 'streamed';
    }
    const message = new Message({
      ...base,
      text: 'hi',
      html: new TextEncoder().encode('<p>hi</p>'),
      icalEvent: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n',
      attachments: [
        { filename: 'a.txt', content: chunks() },
        { filename: 'b.png', content: new Uint8Array(3), contentId: 'b@x' },
      ],
    });
    expect(() => message.validate(off)).not.toThrow();
    expect(new TextDecoder().decode(await message.toBytes(off))).toContain('streamed');
  });

  it('never fetches a URL: a URL is not content, and a URL in { path } is a file name', () => {
    expect(() => new Message({ ...base, text: new URL('https://example.com/') as never })).toThrow(
      expect.objectContaining({ code: 'SMTP_MIME_INVALID_OPTION' }),
    );
    expect(
      () =>
        new Message({
          ...base,
          attachments: [{ content: { href: 'https://example.com/' } as never }],
        }),
    ).toThrow(expect.objectContaining({ code: 'SMTP_MIME_INVALID_OPTION' }));
    const named = new Message({ ...base, attachments: [{ path: 'https://example.com/x.pdf' }] });
    expect(denied(() => named.validate(off)).problems).toEqual([
      'attachment 1 "x.pdf" is read from the file "https://example.com/x.pdf"',
    ]);
  });

  it('reads nothing when it refuses, and reads the file when allowed', async () => {
    const message = new Message({ ...base, attachments: [{ path }] });
    opened.length = 0;
    denied(() => message.stream(off));
    await expect(message.toBytes(off)).rejects.toBeInstanceOf(InvalidMessageError);
    expect(opened).toEqual([]);
    const raw = new TextDecoder().decode(await message.toBytes());
    expect(raw).toContain('do not send me');
    expect(opened).toEqual([path]);
  });
});
