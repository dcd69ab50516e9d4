/**
 * Random messages, serialised and parsed back by two independent parsers (mailparser's
 * simpleParser and postal-mime): every field, every attachment byte for byte, and no header
 * other than the ones expected.
 */
import fc from 'fast-check';
import { type AddressObject, simpleParser } from 'mailparser';
import PostalMime from 'postal-mime';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import type { AttachmentOptions } from './attachment.ts';
import { InvalidAddressError, InvalidHeaderError } from './errors.ts';
import { Message } from './message.ts';

const letters = fc.constantFrom(
  ...'abcXYZ019 .,-_=?!"\'()<>@;:\\/[]*'.split(''),
  'é',
  'ß',
  'ü',
  'Ж',
  'д',
  '中',
  '文',
  '😀',
  'ا',
  'ל',
  '\u0301',
  '=?',
  '?=',
  '=?utf-8?q?x?=',
);
const words = (max: number) =>
  fc
    .array(fc.string({ unit: letters, minLength: 1, maxLength: 12 }), {
      minLength: 1,
      maxLength: max,
    })
    .map((parts) => parts.join(' ').replace(/\s+/g, ' ').trim())
    .filter((s) => s !== '');
const longWord = fc.constantFrom('x'.repeat(120), 'ü'.repeat(90), `${'abc'.repeat(40)}😀`);
const subject = fc.oneof(words(12), longWord, fc.constant(''));
const localPart = fc.constantFrom('ana', 'bob.smith', 'x+tag', "o'neil", 'q_1');
const domain = fc.constantFrom('example.com', 'example.org', 'sub.example.net');
const mailbox = fc.record(
  {
    name: words(4),
    address: fc.tuple(localPart, domain).map(([l, d]) => `${l}@${d}`),
  },
  { requiredKeys: ['address'] },
);
const bodyText = fc
  .array(
    fc.oneof(
      words(10),
      fc.constant(''),
      longWord,
      fc.constant('.'),
      fc.constant('From here'),
      fc.constant('tab\there'),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((lines) => lines.join('\n'));
const filename = fc.oneof(
  fc.constantFrom('a.bin', 'photo.png', 'report.pdf'),
  // Encoded-word look-alikes included: readers must get them back literally.
  fc.constant('=?utf-8?q?x?= a.dat'),
  words(6).map((w) => `${w.replace(/[\\/"]/g, '_')}.dat`),
  fc.constant(`${'très_long_nom_'.repeat(8)}😀.bin`),
);
const attachment = fc.record({
  filename,
  content: fc.uint8Array({ maxLength: 3000 }),
  inline: fc.boolean(),
});

const messageInput = fc.record({
  from: mailbox,
  to: fc.array(mailbox, { minLength: 1, maxLength: 3 }),
  cc: fc.array(mailbox, { maxLength: 2 }),
  subject,
  text: fc.option(bodyText, { nil: undefined }),
  html: fc.option(
    bodyText.map((t) => `<p>${t}</p>`),
    { nil: undefined },
  ),
  attachments: fc.array(attachment, { maxLength: 3 }),
  allow8Bit: fc.boolean(),
});

type Input = typeof messageInput extends fc.Arbitrary<infer T> ? T : never;

function build(input: Input): { message: Message; attachments: AttachmentOptions[] } {
  const attachments = input.attachments.map((a, i) => ({
    filename: a.filename,
    content: a.content,
    ...(a.inline ? { contentId: `part${i}@example.com` } : {}),
  }));
  const hasBody = input.text !== undefined || input.html !== undefined;
  return {
    attachments,
    message: new Message({
      from: input.from,
      to: input.to,
      ...(input.cc.length > 0 ? { cc: input.cc } : {}),
      bcc: 'hidden@example.net',
      subject: input.subject,
      ...(input.text !== undefined ? { text: input.text } : {}),
      ...(input.html !== undefined ? { html: input.html } : {}),
      ...(hasBody || attachments.length > 0 ? {} : { text: 'fallback' }),
      attachments,
    }),
  };
}

const normalize = (text: string | undefined) =>
  (text ?? '').replace(/\r\n/g, '\n').replace(/\n+$/, '');
const mailboxes = (list: readonly { name?: string; address: string }[]) =>
  list.map((m) => ({ name: m.name ?? '', address: m.address }));
const fromMailparser = (value: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value])
    .flatMap((v) => v.value)
    .map((m) => ({ name: m.name, address: m.address ?? '' }));

function expectedHeaders(input: Input, multipart: boolean): string[] {
  return [
    'from',
    'to',
    ...(input.cc.length > 0 ? ['cc'] : []),
    'subject',
    'date',
    'message-id',
    'mime-version',
    'content-type',
    ...(multipart ? [] : ['content-transfer-encoding']),
  ].sort();
}

describe('random messages parsed back by mailparser and postal-mime', () => {
  it('give back every field, every attachment byte for byte, and no extra header', async () => {
    await fc.assert(
      fc.asyncProperty(messageInput, async (input) => {
        const { message, attachments } = build(input);
        const bytes = await message.toBytes({ allow8Bit: input.allow8Bit });
        const raw = Buffer.from(bytes);
        for (const line of raw.toString('latin1').split('\r\n'))
          expect(line.length).toBeLessThanOrEqual(998);

        const parsed = await simpleParser(raw);
        const postal = await PostalMime.parse(bytes);
        const effectiveText =
          input.text ??
          (input.html === undefined && attachments.length === 0 ? 'fallback' : undefined);
        const multipart =
          [effectiveText, input.html].filter((b) => b !== undefined).length > 1 ||
          attachments.length > 0;

        // Headers: exactly the expected set, Bcc never.
        // mailparser leaves an empty header (`Subject:`) out of its map.
        expect([...parsed.headers.keys()].sort()).toEqual(
          expectedHeaders(input, multipart).filter((h) => h !== 'subject' || input.subject !== ''),
        );
        expect(postal.headers.map((h) => h.key).sort()).toEqual(expectedHeaders(input, multipart));
        expect(raw.toString('latin1')).not.toContain('hidden@example.net');

        expect(parsed.subject ?? '').toBe(input.subject);
        expect(postal.subject ?? '').toBe(input.subject);
        expect(fromMailparser(parsed.from)).toEqual(mailboxes([input.from]));
        expect(fromMailparser(parsed.to)).toEqual(mailboxes(input.to));
        expect(fromMailparser(parsed.cc)).toEqual(mailboxes(input.cc));
        expect(postal.from && { name: postal.from.name, address: postal.from.address }).toEqual(
          mailboxes([input.from])[0],
        );
        expect((postal.to ?? []).map((m) => ({ name: m.name, address: m.address }))).toEqual(
          mailboxes(input.to),
        );
        expect((postal.cc ?? []).map((m) => ({ name: m.name, address: m.address }))).toEqual(
          mailboxes(input.cc),
        );

        if (effectiveText !== undefined) {
          expect(normalize(parsed.text)).toBe(normalize(effectiveText));
          expect(normalize(postal.text)).toBe(normalize(effectiveText));
        }
        if (input.html !== undefined) {
          expect(normalize(parsed.html || undefined)).toBe(normalize(input.html));
          expect(normalize(postal.html)).toBe(normalize(input.html));
        }

        const related = input.html !== undefined;
        expect(parsed.attachments).toHaveLength(attachments.length);
        expect(postal.attachments).toHaveLength(attachments.length);
        // Inline parts with HTML sit in the multipart/related, before the mixed attachments.
        const ordered = related
          ? [
              ...attachments.filter((a) => a.contentId !== undefined),
              ...attachments.filter((a) => a.contentId === undefined),
            ]
          : attachments;
        ordered.forEach((a, i) => {
          const m = parsed.attachments[i];
          const p = postal.attachments[i];
          expect(m?.filename).toBe(a.filename);
          // postal-mime decodes encoded words twice, so a filename that merely looks like one
          // (`=?utf-8?q?x?=`, sent here in the RFC 2231 form and as an encoded word) comes out
          // decoded once more; mailparser above gets it back literally.
          if (!a.filename?.includes('=?')) expect(p?.filename).toBe(a.filename);
          expect(new Uint8Array(m?.content ?? [])).toEqual(a.content);
          expect(new Uint8Array(p?.content as ArrayBuffer)).toEqual(a.content);
          if (a.contentId !== undefined) {
            expect(m?.contentId).toBe(`<${a.contentId}>`);
            expect(p?.contentId).toBe(`<${a.contentId}>`);
            expect(p?.disposition).toBe('inline');
            if (related) expect(m?.related).toBe(true);
          } else {
            expect(p?.disposition).toBe('attachment');
          }
        });
      }),
      propertyRuns(60),
    );
  }, 120_000);
});

describe('adversarial input', () => {
  it('refuses CR, LF, NUL and other controls in every header-bound value', () => {
    fc.assert(
      fc.property(
        words(3),
        fc.constantFrom('\r', '\n', '\r\n', '\0', '\x1b', '\x7f', '\u0085'),
        words(3),
        fc.constantFrom('subject', 'name', 'header', 'filename'),
        (before, control, after, where) => {
          const value = `${before}${control}${after}`;
          const attempt = () => {
            const message = new Message({ from: 'a@example.com', to: 'b@example.org', text: 'x' });
            if (where === 'subject') return new Message({ from: 'a@example.com', subject: value });
            if (where === 'name')
              return new Message({ from: { name: value, address: 'a@example.com' } });
            if (where === 'header') return message.setHeader('X-Test', value);
            return message.attach(value, 'application/pdf', 'x');
          };
          expect(attempt).toThrow(where === 'name' ? InvalidAddressError : InvalidHeaderError);
        },
      ),
      propertyRuns(200),
    );
  });
});
