import { latin1 } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { Attachment } from './attachment.ts';
import { InvalidHeaderError, InvalidMessageError } from './errors.ts';
import { Message } from './message.ts';

describe('Attachment', () => {
  it('takes the filename from the path and the type from the filename', () => {
    const a = new Attachment({ path: 'C:\\docs\\report.pdf' });
    expect(a.filename).toBe('report.pdf');
    expect(a.contentType.mediaType).toBe('application/pdf');
    expect(a.disposition).toBe('attachment');
    expect(new Attachment({ path: '/tmp/x/photo.png' }).filename).toBe('photo.png');
  });

  it('is inline by default with a Content-ID, and keeps a given disposition', () => {
    expect(new Attachment({ content: 'x', contentId: '<a@b>' })).toMatchObject({
      contentId: 'a@b',
      disposition: 'inline',
    });
    expect(new Attachment({ content: 'x', disposition: 'inline' }).disposition).toBe('inline');
  });

  it('accepts an ArrayBuffer', () => {
    const a = new Attachment({ content: new Uint8Array([1, 2]).buffer as never });
    expect(a.content).toMatchObject({ kind: 'bytes', bytes: new Uint8Array([1, 2]) });
  });

  it.each([
    ['not an object', null],
    ['neither content nor path', {}],
    ['both content and path', { content: 'x', path: '/a' }],
    ['an empty path', { path: '' }],
    ['a path that is not a string', { path: 3 }],
    ['an unusable content', { content: 3 }],
    ['an unusable content object', { content: { path: '' } }],
    ['a bad disposition', { content: 'x', disposition: 'attached' }],
    ['a bad encoding', { content: 'x', encoding: 'uuencode' }],
  ])('refuses %s', (_what, options) => {
    expect(() => new Attachment(options as never)).toThrow(InvalidMessageError);
  });

  it.each([
    ['an empty filename', { content: 'x', filename: '' }],
    ['a filename with a control', { content: 'x', filename: 'a\x01b' }],
    ['a bad content type', { content: 'x', contentType: 'text' }],
    ['a reserved part header', { content: 'x', headers: { 'Content-Type': 'text/plain' } }],
  ])('refuses %s as a header error', (_what, options) => {
    expect(() => new Attachment(options as never)).toThrow(InvalidHeaderError);
  });

  it('takes part headers as a record or as pairs', async () => {
    const raw = latin1(
      await new Message({
        from: 'a@example.com',
        to: 'b@example.org',
        attachments: [
          new Attachment({
            filename: 'a.txt',
            content: 'x',
            headers: [['Content-Description', 'Résumé']],
          }),
          { filename: 'b.txt', content: 'y', headers: { 'X-Tag': ['1', '2'] } },
        ],
      }).toBytes(),
    );
    expect(raw).toContain('Content-Description: =?UTF-8?B?UsOpc3Vtw6k=?=\r\n');
    expect(raw).toContain('X-Tag: 1\r\nX-Tag: 2\r\n');
  });

  it('refuses malformed header lists', () => {
    expect(() => new Attachment({ content: 'x', headers: [['only-name']] as never })).toThrow(
      InvalidMessageError,
    );
    expect(() => new Attachment({ content: 'x', headers: 'X-A: b' as never })).toThrow(
      InvalidMessageError,
    );
    expect(() => new Attachment({ content: 'x', headers: { 'X-A': 3 } as never })).toThrow(
      InvalidMessageError,
    );
  });
});

describe('calendar invites', () => {
  const base = { from: 'a@example.com', to: 'b@example.org', text: 'See the invite.' };
  const ics = 'BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n';

  it('go as a text/calendar alternative with method=REQUEST by default', async () => {
    const raw = latin1(await new Message({ ...base, icalEvent: ics }).toBytes());
    expect(raw).toContain('multipart/alternative');
    expect(raw).toContain('Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n');
  });

  it('take another method', async () => {
    const raw = latin1(
      await new Message({ ...base, icalEvent: { content: ics, method: 'cancel' } }).toBytes(),
    );
    expect(raw).toContain('text/calendar; method=CANCEL');
  });

  it('refuse a bad method or shape', () => {
    expect(() => new Message({ ...base, icalEvent: { content: ics, method: 'RE;QUEST' } })).toThrow(
      InvalidMessageError,
    );
    expect(() => new Message({ ...base, icalEvent: 3 as never })).toThrow(InvalidMessageError);
    expect(() => new Message({ ...base, icalEvent: null as never })).toThrow(InvalidMessageError);
  });
});

describe('gathering small pieces', () => {
  const base = { from: 'a@example.com', to: 'b@example.org', text: 'x' };

  it('gathers many small parts and small stream chunks into larger output chunks', async () => {
    async function* trickle() {
      for (let i = 0; i < 2000; i++) yield 'small chunk of text\n';
    }
    const message = new Message({
      ...base,
      attachments: [
        ...Array.from({ length: 200 }, (_, i) => ({ filename: `f${i}.txt`, content: 'tiny' })),
        { filename: 'trickle.txt', content: trickle() },
      ],
    });
    const sizes: number[] = [];
    for await (const chunk of message.stream()) sizes.push(chunk.length);
    expect(sizes.length).toBeLessThan(20);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(16 * 1024);
  });

  it('reports a non-Error thrown by a source', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1);
      throw 'plain string';
    }
    await expect(
      new Message({ ...base, attachments: [{ content: failing() }] }).toBytes(),
    ).rejects.toThrow(/plain string/);
  });
});
