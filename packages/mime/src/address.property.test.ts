import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import {
  addressNeedsSmtpUtf8,
  formatAddressSpec,
  isGroup,
  type Mailbox,
  normalizeAddresses,
  parseAddressList,
  parseMailbox,
  toAsciiAddress,
} from './address.ts';
import { InvalidAddressError } from './errors.ts';

// What no name or address may hold: controls (tab included), DEL, C1, U+2028/U+2029 and lone
// surrogates. Written independently of the implementation's check.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|\p{Cs}/gu;
const ATEXT = "A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~";
const DOT_ATOM_TEXT = new RegExp(
  `^[${ATEXT}\\u{80}-\\u{10FFFF}]+(?:\\.[${ATEXT}\\u{80}-\\u{10FFFF}]+)*$`,
  'u',
);
const WORDS = new RegExp(
  `^[${ATEXT}\\u{80}-\\u{10FFFF}]+(?: [${ATEXT}\\u{80}-\\u{10FFFF}]+)*$`,
  'u',
);
const encoder = new TextEncoder();

/** Test-only: RFC 5322 quoted-string of `text`, escaping `"`, `\` and, at random, others. */
function quoted(text: string, escapeAll: boolean): string {
  const body = escapeAll
    ? Array.from(text, (char) => `\\${char}`).join('')
    : text.replace(/["\\]/g, '\\$&');
  return `"${body}"`;
}

/** Test-only: the canonical local part (least quoting), independently of the implementation. */
function canonicalLocal(content: string): string {
  return DOT_ATOM_TEXT.test(content) ? content : quoted(content, false);
}

const safeText = (maxLength: number) =>
  fc.string({ unit: 'binary', maxLength }).map((text) => text.replace(FORBIDDEN, 'x'));

const atomCharacter = fc.oneof(
  fc.constantFrom(...`abcXYZ019!#$%&'*+-/=?^_\`{|}~`.split('')),
  fc.constantFrom('ü', 'é', '例', 'ж', '😀'),
);
const atom = fc.array(atomCharacter, { minLength: 1, maxLength: 8 }).map((chars) => chars.join(''));

const localPart = fc.oneof(
  fc
    .array(atom, { minLength: 1, maxLength: 4 })
    .map((atoms) => ({ content: atoms.join('.'), written: atoms.join('.') })),
  fc
    .tuple(
      safeText(20).filter((text) => text.length > 0),
      fc.boolean(),
    )
    .map(([content, escapeAll]) => ({ content, written: quoted(content, escapeAll) })),
);

const labelCharacter = fc.constantFrom(
  ...'abcxyz0129'.split(''),
  'ä',
  'ö',
  'ü',
  'é',
  'ñ',
  '例',
  '子',
  'ж',
);
const labelRun = fc.array(labelCharacter, { minLength: 1, maxLength: 10 }).map((c) => c.join(''));
const label = fc
  .tuple(labelRun, fc.option(labelRun, { nil: undefined }))
  .map(([head, tail]) => (tail === undefined ? head : `${head}-${tail}`));
const topLabel = fc
  .array(fc.constantFrom('c', 'o', 'm', 'x', 'ü', '广', '告'), { minLength: 2, maxLength: 6 })
  .map((c) => c.join(''));
const domain = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.array(label, { maxLength: 3 }), topLabel)
      .map(([labels, top]) => [...labels, top].join('.')),
  },
  { weight: 1, arbitrary: fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `[192.0.${a}.${b}]`) },
  { weight: 1, arbitrary: fc.constantFrom('[IPv6:2001:db8::1]', '[IPv6:::ffff:192.0.2.1]') },
);

const nameArbitrary = fc.oneof(
  safeText(30),
  fc.array(atom, { minLength: 1, maxLength: 4 }).map((w) => w.join(' ')),
);

type Style = 'quoted' | 'atoms' | 'encoded' | 'angle-only' | 'bare';
const mailboxCase = fc
  .record({
    name: nameArbitrary,
    local: localPart,
    domain,
    style: fc.constantFrom<Style>('quoted', 'atoms', 'encoded', 'angle-only', 'bare'),
    comment: fc.boolean(),
  })
  .filter(({ local, domain: d }) => {
    const canonical = canonicalLocal(local.content);
    return (
      encoder.encode(canonical).length <= 64 && encoder.encode(`${canonical}@${d}`).length <= 254
    );
  })
  .map(({ name, local, domain: d, style, comment }) => {
    const addrSpec = `${local.written}@${d}`;
    const address = `${canonicalLocal(local.content)}@${d}`;
    const decoration = comment ? ' (a \\(comment\\) (nested))' : '';
    const atomsPossible = WORDS.test(name) && !name.split(' ').some((w) => /^=\?.*\?=$/.test(w));
    let text: string;
    let expected: Mailbox;
    if (style === 'bare' || name === '') {
      // A decoration after a bare address would be read as the legacy name, so none here.
      text = style === 'bare' ? addrSpec : `<${addrSpec}>`;
      expected = { address };
    } else if (style === 'angle-only') {
      text = `${decoration} < ${addrSpec} >${decoration}`;
      expected = { address };
    } else if (style === 'encoded') {
      const base64 = btoa(String.fromCharCode(...encoder.encode(name)));
      text = `=?UTF-8?B?${base64}?=${decoration} <${addrSpec}>${decoration}`;
      expected = { name, address };
    } else if (style === 'atoms' && atomsPossible) {
      text = `${name.split(' ').join(decoration === '' ? ' ' : decoration)} <${addrSpec}>`;
      expected = { name, address };
    } else {
      text = `${quoted(name, false)}${decoration}<${addrSpec}>`;
      expected = { name, address };
    }
    return { text, expected };
  });

/** Runs `action`; true if it returned, false if it threw InvalidAddressError, rethrows others. */
function returnsOrRefuses(action: () => unknown): boolean {
  try {
    action();
    return true;
  } catch (error) {
    if (error instanceof InvalidAddressError) return false;
    throw error;
  }
}

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc
    .array(
      fc.constantFrom(
        'a',
        'b',
        '@',
        '.',
        ',',
        ';',
        ':',
        '<',
        '>',
        '"',
        '\\',
        '(',
        ')',
        '[',
        ']',
        ' ',
        '\t',
        '\r\n',
        '=?',
        '?=',
        '?Q?',
        '?B?',
        'UTF-8',
        'ü',
        '例',
        '1',
        '-',
        '_',
        '\u0000',
        'x@y.example',
        'IPv6:',
        '::',
        '192.0.2.1',
        'xn--',
        '\ud800',
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join('')),
);

describe('address properties', () => {
  it('a formatted mailbox parses back to the same mailbox', () => {
    fc.assert(
      fc.property(mailboxCase, ({ text, expected }) => {
        expect(parseMailbox(text)).toStrictEqual(expected);
      }),
      propertyRuns(500),
    );
  });

  it('a formatted list parses back to the same mailboxes, and the addresses are stable', () => {
    fc.assert(
      fc.property(fc.array(mailboxCase, { minLength: 1, maxLength: 5 }), (cases) => {
        const parsed = parseAddressList(cases.map((c) => c.text).join(' ,'));
        expect(parsed).toStrictEqual(cases.map((c) => c.expected));
        for (const mailbox of parsed as Mailbox[]) {
          expect(formatAddressSpec(mailbox.address, { smtpUtf8: true })).toBe(mailbox.address);
          expect(normalizeAddresses(mailbox)).toStrictEqual([mailbox]);
        }
      }),
      propertyRuns(200),
    );
  });

  it('arbitrary text only ever throws InvalidAddressError, from every entry point', () => {
    fc.assert(
      fc.property(anyText, fc.boolean(), (text, smtpUtf8) => {
        returnsOrRefuses(() => parseAddressList(text));
        returnsOrRefuses(() => parseMailbox(text));
        returnsOrRefuses(() => normalizeAddresses([text, { address: text, name: text }]));
        returnsOrRefuses(() => formatAddressSpec(text, { smtpUtf8 }));
        returnsOrRefuses(() => toAsciiAddress(text));
        returnsOrRefuses(() => addressNeedsSmtpUtf8(text));
      }),
      propertyRuns(1000),
    );
  });

  it('parsed names and addresses never hold controls, and addresses no white space outside quotes', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        let parsed: ReturnType<typeof parseAddressList>;
        try {
          parsed = parseAddressList(text);
        } catch {
          return;
        }
        const mailboxes = parsed.flatMap((entry) => (isGroup(entry) ? entry.members : [entry]));
        for (const { name, address } of mailboxes) {
          expect(address).not.toMatch(FORBIDDEN);
          expect(name ?? '').not.toMatch(FORBIDDEN);
          // Outside a leading quoted local part, no white space at all.
          const unquoted = address.replace(/^"(?:[^"\\]|\\.)*"/u, '');
          expect(unquoted).not.toMatch(/\s/u);
          expect(unquoted.split('@')).toHaveLength(2);
        }
      }),
      propertyRuns(1000),
    );
  });
});
