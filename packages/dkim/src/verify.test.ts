/**
 * Every signature verified by an independent verifier (mailauth), for both algorithms, all four
 * canonicalisation pairs, and messages that stress canonicalisation; tampering breaks them.
 */
import { type DkimRecords, dkimVerdicts } from 'test-servers/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDkimSigner, dkimDnsRecord, generateDkimKey, signWithAll } from './index.ts';
import type { DkimSigner, DkimSignerOptions } from './signer-types.ts';
import { bytesOf, concat, onTheWire } from './testing/canon-oracle.ts';

const DOMAIN = 'example.com';
const records: Record<string, string> = {};
const privateKeys: Record<'ed25519' | 'rsa', string> = { ed25519: '', rsa: '' };

beforeAll(async () => {
  for (const algorithm of ['ed25519', 'rsa'] as const) {
    const key = await generateDkimKey({ algorithm });
    privateKeys[algorithm] = key.privateKey;
    const record = dkimDnsRecord({
      selector: algorithm,
      domain: DOMAIN,
      algorithm: key.algorithm,
      publicKey: key.publicKey,
    });
    records[record.name] = record.value;
  }
});

function signer(
  algorithm: 'ed25519' | 'rsa',
  options: Partial<DkimSignerOptions> = {},
): Promise<DkimSigner> {
  return createDkimSigner({
    domain: DOMAIN,
    selector: algorithm,
    privateKey: privateKeys[algorithm],
    ...options,
  });
}

const HEADERS =
  'From: Alice <alice@example.com>\r\nTo: Bob <bob@example.net>\r\nSubject: Hello\r\nDate: Thu, 3 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n';

/** Messages as given to the signer (latin-1 strings: one char per octet). */
const MESSAGES: Record<string, string> = {
  'folded headers': `From: Alice\r\n <alice@example.com>\r\nTo: Bob <bob@example.net>,\r\n\tCarol <carol@example.net>\r\nSubject: A subject that is\r\n  folded   twice\r\n\tand more\r\nDate: Thu, 3 Dec 2026 10:00:00 +0000\r\n\r\nBody.\r\n`,
  'trailing white space': `From: alice@example.com  \r\nSubject:   Hi \t \r\nTo:bob@example.net\t\r\n\r\nLine one  \r\nLine\t\ttwo \t\r\n \t\r\nEnd. \r\n`,
  'empty lines at the end of the body': `${HEADERS}\r\nLast line.\r\n\r\n\r\n\r\n`,
  'an empty body': `${HEADERS}\r\n`,
  'an unterminated last line': `${HEADERS}\r\nNo CRLF at the end`,
  '8-bit content': `${HEADERS}Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCaf\xe9 cr\xe8me br\xfbl\xe9e \xff\x80\r\n`,
  // UTF-8 without the octet 0xA0: see 'a UTF-8 header holding the octet 0xA0' below.
  'UTF-8 headers': `From: =?utf-8?q?Z=C3=B6e?= <zoe@example.com>\r\nTo: J\xc3\xbcrgen <j\xc3\xbcrgen@b\xc3\xbccher.example>\r\nSubject: Gr\xc3\xbc\xc3\x9fe \xe5\xa5\xbd \xf0\x9f\x93\xa8  \xd0\x9f\xd1\x80\xd0\xb8\r\n\r\nGr\xc3\xbc\xc3\x9fe!\r\n`,
  'bare LF line ends':
    'From: alice@example.com\nTo: bob@example.net\nSubject: LF\n\nOne\nTwo  \n\n\n',
  'bare CR and mixed line ends':
    'From: alice@example.com\rSubject: CR\r\n\rOne\r\rTwo\n\r\nThree\r',
  'repeated and List-* fields': `Received: from a\r\nFrom: alice@example.com\r\nTo: one@example.net\r\nTo: two@example.net\r\nList-Id: <list.example.com>\r\nList-Unsubscribe: <mailto:u@example.com>\r\nReceived: from b\r\nSubject: list\r\n\r\nHi list.\r\n`,
  'a multipart message': `${HEADERS}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nText.\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo='.repeat(2)}\r\n--b1--\r\n`,
};

const CANONICALIZATIONS = [
  'relaxed/relaxed',
  'relaxed/simple',
  'simple/relaxed',
  'simple/simple',
] as const;

/** What the server receives: the field, then the message as the DATA encoder sends it. */
function received(field: string, message: string): string {
  return field + onTheWire(message);
}

describe('signatures verify with mailauth', () => {
  const cases = (['ed25519', 'rsa'] as const).flatMap((algorithm) =>
    CANONICALIZATIONS.map((c) => [algorithm, c] as const),
  );

  it.each(cases)('%s, %s, every message', async (algorithm, canonicalization) => {
    const s = await signer(algorithm, { canonicalization });
    for (const [name, message] of Object.entries(MESSAGES)) {
      const field = await s.sign(bytesOf(message));
      expect(field).toContain(`a=${algorithm}-sha256; c=${canonicalization};`);
      expect(await dkimVerdicts(received(field, message), records), name).toEqual(['pass']);
    }
  });

  it('a UTF-8 header holding the octet 0xA0: RFC 6376 white space is SP and HTAB only', async () => {
    // U+4F60 is E4 BD A0 in UTF-8. RFC 6376 section 3.4.2 reduces only SP and HTAB (WSP), as
    // OpenDKIM does; mailauth 4.13.3 reads header octets as latin-1 and its /\s+/ also takes
    // 0xA0 (NBSP) for white space, so for it the relaxed header hash differs. Simple header
    // canonicalisation, which changes nothing, verifies.
    const message = `From: a@example.com\r\nSubject: \xe4\xbd\xa0\xe5\xa5\xbd\r\n\r\nHi.\r\n`;
    const simpleHeader = await signer('rsa', { canonicalization: 'simple/relaxed' });
    expect(
      await dkimVerdicts(received(await simpleHeader.sign(bytesOf(message)), message), records),
    ).toEqual(['pass']);
    const relaxed = await signer('rsa');
    const result = await dkimVerdicts(
      received(await relaxed.sign(bytesOf(message)), message),
      records,
    );
    expect(result).toEqual(['fail (bad signature)']);
  });

  it('signs a message without an empty line (no body) as one with an empty body', async () => {
    // mailauth finds no header section without the empty line, so this one is compared instead.
    const timestamp = new Date('2026-12-03T10:00:00Z');
    for (const canonicalization of CANONICALIZATIONS) {
      const s = await signer('ed25519', { canonicalization });
      expect(await s.sign(HEADERS, { timestamp })).toBe(
        await s.sign(`${HEADERS}\r\n`, { timestamp }),
      );
      const unterminated = HEADERS.slice(0, -2);
      expect(await s.sign(unterminated, { timestamp })).toBe(
        await s.sign(`${HEADERS}\r\n`, { timestamp }),
      );
    }
  });

  it('signs the same whichever SHA-256 implementation hashes', async () => {
    const timestamp = new Date('2026-12-03T10:00:00Z');
    for (const algorithm of ['ed25519', 'rsa'] as const) {
      for (const canonicalization of CANONICALIZATIONS) {
        const auto = await signer(algorithm, { canonicalization });
        const portable = await signer(algorithm, { canonicalization, implementation: 'portable' });
        for (const message of Object.values(MESSAGES)) {
          expect(await portable.sign(bytesOf(message), { timestamp })).toBe(
            await auto.sign(bytesOf(message), { timestamp }),
          );
        }
      }
    }
  });

  it('dual signatures (Ed25519 then RSA) over one pass both verify', async () => {
    const signers = [await signer('ed25519'), await signer('rsa', { canonicalization: 'simple' })];
    const message = MESSAGES['folded headers'] as string;
    const fields = await signWithAll(bytesOf(message), signers);
    expect(fields.match(/^DKIM-Signature:/gm)).toHaveLength(2);
    expect(fields.indexOf('a=ed25519-sha256')).toBeLessThan(fields.indexOf('a=rsa-sha256'));
    expect(await dkimVerdicts(received(fields, message), records)).toEqual(['pass', 'pass']);
  });

  it('verifies with x= before the expiry, and i=, and l=', async () => {
    const s = await signer('ed25519', {
      expiresIn: 3600,
      identity: 'alice+tag=x@mail.example.com',
      bodyLength: true,
    });
    const message = MESSAGES['trailing white space'] as string;
    const field = await s.sign(message);
    expect(field).toMatch(/ x=\d+;/);
    expect(field).toContain(' i=alice+tag=3Dx@mail.example.com;');
    expect(field).toMatch(/ l=\d+;/);
    expect(await dkimVerdicts(received(field, message), records)).toEqual(['pass']);
  });

  it('gives the same signature for a message fed one byte at a time, as text or bytes', async () => {
    const s = await signer('ed25519', { canonicalization: 'relaxed/simple' });
    const timestamp = new Date('2026-12-03T10:00:00Z');
    for (const message of Object.values(MESSAGES)) {
      const bytes = bytesOf(message);
      const expected = await s.sign(bytes, { timestamp });
      const oneByOne = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
      expect(await s.sign(oneByOne, { timestamp })).toBe(expected);
      const field = await s.sign(
        (async function* () {
          yield* oneByOne;
        })(),
        { timestamp },
      );
      expect(field).toBe(expected);
    }
    // Text is UTF-8: the same as its bytes.
    const text = 'From: z\u00f6e@example.com\r\nSubject: \u4f60\u597d\r\n\r\n\u00e9t\u00e9\r\n';
    const utf8 = new TextEncoder().encode(text);
    expect(await s.sign(text, { timestamp })).toBe(await s.sign(utf8, { timestamp }));
    expect(await s.sign([...text], { timestamp })).toBe(await s.sign(utf8, { timestamp }));
  });
});

describe('tampering breaks verification', () => {
  const message = `${HEADERS}\r\nPay 10 EUR to account 123.\r\n`;
  let signed: Record<'ed25519' | 'rsa', string>;

  beforeAll(async () => {
    signed = {
      ed25519: received(await (await signer('ed25519')).sign(message), message),
      rsa: received(
        await (await signer('rsa', { canonicalization: 'simple/simple' })).sign(message),
        message,
      ),
    };
  });

  const tamper: Record<string, (text: string) => string> = {
    'a signed header changed': (text) => text.replace('Subject: Hello', 'Subject: Hellp'),
    'the body changed': (text) => text.replace('10 EUR', '90 EUR'),
    'a line appended to the body': (text) => `${text}And 1000 more.\r\n`,
    'a second From added above': (text) =>
      text.replace('From: Alice', 'From: Mallory <m@evil.example>\r\nFrom: Alice'),
    'a second From added at the top': (text) => `From: Mallory <m@evil.example>\r\n${text}`,
    'a second From added below': (text) =>
      text.replace('Subject: Hello', 'Subject: Hello\r\nFrom: Mallory <m@evil.example>'),
    'the To field removed': (text) => text.replace('To: Bob <bob@example.net>\r\n', ''),
  };

  for (const algorithm of ['ed25519', 'rsa'] as const) {
    it(`${algorithm}: the untouched message passes`, async () => {
      expect(await dkimVerdicts(signed[algorithm], records)).toEqual(['pass']);
    });
    for (const [what, change] of Object.entries(tamper)) {
      it(`${algorithm}: ${what} does not pass`, async () => {
        const result = await dkimVerdicts(change(signed[algorithm]), records);
        expect(result).toHaveLength(1);
        expect(result[0]).toMatch(/^(fail|neutral)/);
      });
    }
  }

  it('l= lets content be appended (why it is off by default)', async () => {
    const withLength = received(
      await (await signer('ed25519', { bodyLength: true })).sign(message),
      message,
    );
    expect(await dkimVerdicts(`${withLength}Appended by anyone.\r\n`, records)).toEqual(['pass']);
  });

  it('a signature whose x= has passed does not pass', async () => {
    const field = await (await signer('ed25519', { expiresIn: 60 })).sign(message, {
      timestamp: new Date(Date.now() - 3600_000),
    });
    const result = await dkimVerdicts(received(field, message), records);
    expect(result[0]).toMatch(/^neutral/);
  });
});

describe('records', () => {
  it('are what mailauth reads', () => {
    const names: DkimRecords = records;
    expect(Object.keys(names).sort()).toEqual([
      'ed25519._domainkey.example.com',
      'rsa._domainkey.example.com',
    ]);
    expect(concat('a', new Uint8Array([0x62]))).toEqual(new Uint8Array([0x61, 0x62]));
  });
});
