import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import {
  type DsnNotify,
  encodeAuth,
  encodeBdat,
  encodeEhlo,
  encodeHelo,
  encodeLhlo,
  encodeMailFrom,
  encodeRcptTo,
  encodeSaslResponse,
  encodeVrfy,
  type MailFromParameters,
  type RcptToParameters,
} from './commands.ts';
import { InvalidInputError } from './errors.ts';
import { validateMailbox } from './mailbox.ts';

const runs = propertyRuns(300);

/** Strings from the characters that matter to command syntax and injection, often near-valid. */
const tricky = fc.string({
  unit: fc.constantFrom(
    'a',
    'b',
    'Z',
    '0',
    '.',
    '@',
    '-',
    '_',
    '+',
    '=',
    '"',
    '\\',
    '[',
    ']',
    ':',
    ',',
    ' ',
    '<',
    '>',
    '\r',
    '\n',
    '\u0000',
    '\t',
    '\u007f',
    '\u0085',
    '\u2028',
    'é',
    '用',
    '\ud800',
  ),
  maxLength: 40,
});
/** A mailbox or domain that is often valid, with a dangerous character slipped in at times. */
const piece = (chars: readonly string[]) =>
  fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: 8 });
const nearValid = fc
  .tuple(
    piece(['a', 'b', '0', '+', '-', '_', 'é']),
    fc.array(piece(['a', 'b', '0', 'ü']), { minLength: 1, maxLength: 3 }),
    fc.boolean(),
    fc.option(
      fc.constantFrom('\r', '\n', '\r\n', '\u0000', '\u007f', ' ', '>', '\u2028', '.', '-'),
      {
        nil: undefined,
        freq: 2,
      },
    ),
    fc.nat(),
  )
  .map(([local, labels, withLocal, inject, at]) => {
    const domain = labels.join('.');
    const value = withLocal ? `${local}@${domain}` : domain;
    if (inject === undefined) return value;
    const index = at % (value.length + 1);
    return `${value.slice(0, index)}${inject}${value.slice(index)}`;
  });
/** Anything, or something close to what the encoders accept. */
const anyString = fc.oneof(fc.string({ unit: 'binary' }), tricky, nearValid, nearValid, nearValid);
const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-9, 0, 9, 2 ** 53));
const anyBoolean = fc.boolean();

const mailParams: fc.Arbitrary<MailFromParameters> = fc.record(
  {
    size: anyNumber,
    body: fc.oneof(fc.constantFrom('7BIT', '8BITMIME', 'BINARYMIME'), anyString),
    smtpUtf8: anyBoolean,
    ret: fc.oneof(fc.constantFrom('FULL', 'HDRS'), anyString),
    envid: anyString,
    requireTls: anyBoolean,
    mtPriority: anyNumber,
    extra: fc.dictionary(anyString, fc.oneof(anyString, fc.constant(true as const)), {
      maxKeys: 3,
    }),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<MailFromParameters>;

const rcptParams: fc.Arbitrary<RcptToParameters> = fc.record(
  {
    notify: fc.array(fc.oneof(fc.constantFrom('NEVER', 'SUCCESS', 'FAILURE', 'DELAY'), anyString), {
      maxLength: 4,
    }) as fc.Arbitrary<DsnNotify[]>,
    orcpt: anyString,
    smtpUtf8: anyBoolean,
    extra: fc.dictionary(anyString, fc.oneof(anyString, fc.constant(true as const)), {
      maxKeys: 3,
    }),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<RcptToParameters>;

/** Exactly one CRLF, at the end, and no other control octet or DEL anywhere (INV-5). */
function expectOneLine(line: Uint8Array): void {
  const end = line.length - 2;
  expect(end).toBeGreaterThanOrEqual(0);
  expect([line[end], line[end + 1]]).toEqual([0x0d, 0x0a]);
  for (let i = 0; i < end; i++) {
    const byte = line[i] as number;
    expect(byte >= 0x20 && byte !== 0x7f).toBe(true);
  }
}

/** Runs `encode`; it must either throw InvalidInputError or return one safe line. */
function safely(encode: () => Uint8Array): Uint8Array | undefined {
  try {
    const line = encode();
    expectOneLine(line);
    return line;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return undefined;
  }
}

describe('command encoder properties', () => {
  it('no encoder ever lets a CR, LF or other control from an argument onto the wire', () => {
    fc.assert(
      fc.property(
        anyString,
        anyString,
        mailParams,
        rcptParams,
        anyBoolean,
        (a, b, mail, rcpt, utf8) => {
          safely(() => encodeEhlo(a));
          safely(() => encodeHelo(a));
          safely(() => encodeLhlo(a));
          safely(() => encodeMailFrom(a, mail));
          safely(() => encodeRcptTo(a, rcpt));
          safely(() => encodeVrfy(a, { smtpUtf8: utf8 }));
          safely(() => encodeAuth(a, b));
          safely(() => encodeAuth(a));
          safely(() => encodeSaslResponse(a));
        },
      ),
      runs,
    );
  });

  it('arbitrary numbers in BDAT give a valid line or SMTP_INVALID_NUMBER', () => {
    fc.assert(
      fc.property(anyNumber, anyBoolean, (size, last) => {
        const line = safely(() => encodeBdat(size, last));
        if (line === undefined)
          expect(() => encodeBdat(size, last)).toThrow(
            expect.objectContaining({ code: 'SMTP_INVALID_NUMBER' }),
          );
      }),
      runs,
    );
  });

  it('MT-PRIORITY is RFC 6710 priority-value for -9..9 and SMTP_INVALID_NUMBER otherwise', () => {
    fc.assert(
      fc.property(fc.oneof(anyNumber, fc.integer({ min: -12, max: 12 })), (priority) => {
        const line = safely(() => encodeMailFrom('a@b.c', { mtPriority: priority }));
        if (line === undefined) {
          expect(Number.isInteger(priority) && priority >= -9 && priority <= 9).toBe(false);
          expect(() => encodeMailFrom('a@b.c', { mtPriority: priority })).toThrow(
            expect.objectContaining({ code: 'SMTP_INVALID_NUMBER' }),
          );
          return;
        }
        const value = /^MAIL FROM:<a@b\.c> MT-PRIORITY=(.*)\r\n$/.exec(
          new TextDecoder().decode(line),
        )?.[1];
        // priority-value: an optional sign and one digit; no "+" is sent, nor "-0".
        expect(value).toMatch(/^(?:-?[1-9]|0)$/);
        expect(Number(value)).toBe(priority === 0 ? 0 : priority);
      }),
      runs,
    );
  });

  it('a path that is sent is a valid mailbox, carried verbatim between the brackets', () => {
    fc.assert(
      fc.property(anyString, anyBoolean, (path, smtpUtf8) => {
        const line = safely(() => encodeRcptTo(path, { smtpUtf8 }));
        if (line === undefined || /^postmaster$/i.test(path)) return;
        expect(() => validateMailbox(path, { smtpUtf8 })).not.toThrow();
        expect(new TextDecoder().decode(line)).toBe(`RCPT TO:<${path}>\r\n`);
      }),
      runs,
    );
  });
});
