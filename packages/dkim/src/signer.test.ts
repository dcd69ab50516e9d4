import { inspect } from 'node:util';
import { dkimVerdicts } from 'test-servers/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ED25519_PUBLIC, ED25519_SEED } from './__fixtures__/rfc8463.ts';
import * as api from './index.ts';
import {
  createDkimSigner,
  type DkimSigner,
  type DkimSignerOptions,
  isSmtpError,
  signWithAll,
} from './index.ts';
import { selectHeaders } from './signer.ts';
import { bytesOf } from './testing/canon-oracle.ts';

const base: DkimSignerOptions = {
  domain: 'example.com',
  selector: 's1',
  privateKey: ED25519_SEED,
};
const MESSAGE = 'From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nHello.\r\n';
const timestamp = new Date('2026-12-03T10:00:00Z');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isSmtpError(error)) return error.code;
    throw error;
  }
  throw new Error('did not throw');
}

/** The tags of a field, white space removed. */
function tags(field: string): Record<string, string> {
  const value = field.slice(field.indexOf(':') + 1).replace(/\s+/g, '');
  return Object.fromEntries(
    value
      .split(';')
      .map((tag) => [tag.slice(0, tag.indexOf('=')), tag.slice(tag.indexOf('=') + 1)]),
  );
}

let signer: DkimSigner;
beforeAll(async () => {
  signer = await createDkimSigner(base);
});

describe('the public API', () => {
  it('exports exactly the agreed names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'DkimError',
      'createDkimSigner',
      'dkimDnsRecord',
      'generateDkimKey',
      'isSmtpError',
      'signWithAll',
    ]);
  });

  it('has branded errors with a stable code', () => {
    const error = new api.DkimError('SMTP_DKIM_INVALID_OPTION', 'x');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DkimError');
    expect(api.isSmtpError(error)).toBe(true);
    expect(api.isSmtpError(new Error('x'))).toBe(false);
    expect(api.isSmtpError(null)).toBe(false);
    expect(api.isSmtpError('SMTP_DKIM_INVALID_OPTION')).toBe(false);
    expect(JSON.stringify(error)).toBe('{"name":"DkimError","code":"SMTP_DKIM_INVALID_OPTION"}');
  });
});

describe('the signature field', () => {
  it('has t= always, the default header list present, From over-signed, no x= or l=', async () => {
    const field = await signer.sign(MESSAGE, { timestamp });
    expect(field.startsWith('DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;')).toBe(
      true,
    );
    expect(field.endsWith('\r\n')).toBe(true);
    expect(
      field
        .slice(0, -2)
        .split('\r\n')
        .every((line) => line.length <= 78),
    ).toBe(true);
    const t = tags(field);
    expect(t).toMatchObject({ v: '1', d: 'example.com', s: 's1', t: '1796292000' });
    expect(t.h).toBe('from:to:subject:from');
    expect(t.x).toBeUndefined();
    expect(t.l).toBeUndefined();
    expect(t.i).toBeUndefined();
  });

  it('writes x= as t= plus expiresIn, l= when asked, and i=', async () => {
    const s = await createDkimSigner({
      ...base,
      expiresIn: 86400,
      bodyLength: true,
      identity: 'Bounces@Mail.Example.com',
    });
    const t = tags(await s.sign(MESSAGE, { timestamp }));
    expect(t.x).toBe(String(1796292000 + 86400));
    expect(t.l).toBe(String('Hello.\r\n'.length));
    expect(t.i).toBe('Bounces@mail.example.com');
  });

  it('writes c= with both names; one name alone is the header one, simple for the body', async () => {
    const s = await createDkimSigner({ ...base, canonicalization: 'relaxed' });
    expect(tags(await s.sign(MESSAGE)).c).toBe('relaxed/simple');
    const t = await createDkimSigner({ ...base, canonicalization: 'simple' });
    expect(tags(await t.sign(MESSAGE)).c).toBe('simple/simple');
  });

  it('uses the current time by default', async () => {
    const before = Math.floor(Date.now() / 1000);
    const t = Number(tags(await signer.sign(MESSAGE)).t);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('writes the domain and selector in A-labels, lower case', async () => {
    const s = await createDkimSigner({ ...base, domain: 'Bücher.Example', selector: 'Mäil.S2026' });
    expect(s.domain).toBe('xn--bcher-kva.example');
    expect(s.selector).toMatch(/^xn--mil-[a-z0-9]+\.s2026$/);
    const t = tags(await s.sign(MESSAGE));
    expect(t.d).toBe('xn--bcher-kva.example');
    expect(t.s).toBe(s.selector);
  });
});

describe('header selection (RFC 6376 5.4)', () => {
  const section = (text: string) => {
    const fields = text
      .split('\r\n')
      .filter((line) => line !== '')
      .map((line) => ({ name: line.slice(0, line.indexOf(':')).toLowerCase(), start: 0, end: 0 }));
    return { bytes: new Uint8Array(0), fields };
  };

  it('signs the default fields present, every List-* field, and From once more', () => {
    const header = section(
      'Received: x\r\nFrom: a\r\nList-Id: l\r\nTo: b\r\nTo: c\r\nX-Mailer: m\r\nList-Unsubscribe: u\r\nContent-Type: t\r\nList-Id: l2\r\n',
    );
    expect(selectHeaders(header, undefined, ['from'])).toEqual([
      'from',
      'to',
      'to',
      'content-type',
      'list-id',
      'list-id',
      'list-unsubscribe',
      'from',
    ]);
  });

  it('signs a caller list as given, and over-signs names that are absent too', () => {
    const header = section('From: a\r\nSubject: s\r\nX-Custom: 1\r\nList-Id: l\r\n');
    expect(
      selectHeaders(header, ['from', 'x-custom', 'reply-to'], ['from', 'reply-to', 'subject']),
    ).toEqual(['from', 'x-custom', 'subject', 'from', 'reply-to', 'subject']);
    expect(selectHeaders(header, ['from'], [])).toEqual(['from']);
  });

  it('picks repeated fields from the bottom up, as a verifier does', async () => {
    const s = await createDkimSigner({ ...base, headers: ['From', 'Subject'], oversign: [] });
    const message = 'From: a@example.com\r\nSubject: top\r\nSubject: bottom\r\n\r\n';
    const field = await s.sign(message);
    expect(tags(field).h).toBe('from:subject:subject');
    const records = { 's1._domainkey.example.com': `v=DKIM1; k=ed25519; p=${ED25519_PUBLIC}` };
    expect(await dkimVerdicts(field + message, records)).toEqual(['pass']);
    // Swapping the two fields changes what each h= entry points at.
    const swapped = 'From: a@example.com\r\nSubject: bottom\r\nSubject: top\r\n\r\n';
    expect((await dkimVerdicts(field + swapped, records))[0]).toMatch(/^fail/);
  });
});

describe('secrets', () => {
  it("shows domain, selector and algorithm only in a signer's JSON and inspect", async () => {
    const pem = (await api.generateDkimKey({ algorithm: 'ed25519' })).privateKey;
    const s = await createDkimSigner({ ...base, privateKey: pem, identity: '@example.com' });
    expect(JSON.stringify(s)).toBe(
      '{"domain":"example.com","selector":"s1","algorithm":"ed25519-sha256"}',
    );
    for (const text of [
      inspect(s),
      inspect(s, { showHidden: true, depth: 10 }),
      inspect({ nested: [s] }, { depth: 10 }),
    ]) {
      expect(text).toContain("domain: 'example.com'");
      expect(text).toContain("selector: 's1'");
      expect(text).toContain("algorithm: 'ed25519-sha256'");
      expect(text).not.toMatch(/PRIVATE|CryptoKey|identity|key/i);
    }
    expect(inspect(s)).toBe(
      "DkimSigner { domain: 'example.com', selector: 's1', algorithm: 'ed25519-sha256' }",
    );
    expect(Object.keys(s)).toEqual(['domain', 'selector', 'algorithm']);
    expect(Object.isFrozen(s)).toBe(true);
  });
});

describe('options', () => {
  const bad: [string, Partial<Record<keyof DkimSignerOptions, unknown>>][] = [
    ['a domain with a space', { domain: 'exa mple.com' }],
    ['a one-label domain', { domain: 'localhost' }],
    ['an empty domain', { domain: '' }],
    ['a domain that is not a string', { domain: 42 }],
    ['a domain with a bad label', { domain: '-bad.example.com' }],
    ['a domain with a semicolon', { domain: 'example.com;x=1' }],
    ['a domain too long', { domain: `${'a.'.repeat(130)}com` }],
    ['an IDN that cannot be converted', { domain: 'ex\u00e4mple.c/om' }],
    ['an IDN that URL refuses', { domain: 'xn--a.\u00e4.com' }],
    ['a selector with an underscore', { selector: 'sel_1' }],
    ['a selector with a space', { selector: 's 1' }],
    ['an empty selector', { selector: '' }],
    ['an identity without @', { identity: 'example.com' }],
    ['an identity outside d=', { identity: '@evil.example' }],
    ['an identity at a look-alike domain', { identity: '@notexample.com' }],
    ['an identity with a control character', { identity: 'a\r\nb@example.com' }],
    ['an identity that is not a string', { identity: 1 }],
    ['expiresIn zero', { expiresIn: 0 }],
    ['expiresIn negative', { expiresIn: -5 }],
    ['expiresIn fractional', { expiresIn: 1.5 }],
    ['expiresIn not a number', { expiresIn: '3600' }],
    ['headers without From', { headers: ['To', 'Subject'] }],
    ['headers not an array', { headers: 'From' }],
    ['a header name with a colon', { headers: ['From', 'X:Y'] }],
    ['a header name with a space', { headers: ['From', 'X Y'] }],
    ['a header name that is not a string', { headers: ['From', 7] }],
    ['DKIM-Signature in headers', { headers: ['From', 'DKIM-Signature'] }],
    ['oversign not an array', { oversign: 'From' }],
    ['an unknown algorithm', { algorithm: 'rsa-sha1' }],
    ['an unknown canonicalisation', { canonicalization: 'relaxed/loose' }],
    ['three canonicalisation names', { canonicalization: 'relaxed/relaxed/relaxed' }],
    ['a canonicalisation that is not a string', { canonicalization: 1 }],
    ['bodyLength not a boolean', { bodyLength: 'yes' }],
    ['onWarning not a function', { onWarning: 'console' }],
    ['an unknown implementation', { implementation: 'wasm' }],
  ];

  it.each(bad)('refuses %s (SMTP_DKIM_INVALID_OPTION)', async (_what, change) => {
    const options = { ...base, ...change } as DkimSignerOptions;
    expect(await codeOf(createDkimSigner(options))).toBe('SMTP_DKIM_INVALID_OPTION');
  });

  it('refuses a missing options object', async () => {
    expect(await codeOf(createDkimSigner(undefined as unknown as DkimSignerOptions))).toBe(
      'SMTP_DKIM_INVALID_OPTION',
    );
  });

  it('accepts header names in any case, repeated, and an empty oversign list', async () => {
    const s = await createDkimSigner({
      ...base,
      headers: ['FROM', 'from', 'Subject'],
      oversign: [],
    });
    expect(tags(await s.sign(MESSAGE)).h).toBe('from:subject');
  });

  it('encodes an identity local part in DKIM quoted-printable', async () => {
    const s = await createDkimSigner({ ...base, identity: 'j\u00fcrgen;x=y z@example.com' });
    expect(tags(await s.sign(MESSAGE)).i).toBe('j=C3=BCrgen=3Bx=3Dy=20z@example.com');
  });

  it('refuses bad signing arguments', async () => {
    expect(await codeOf(signWithAll(MESSAGE, []))).toBe('SMTP_DKIM_INVALID_OPTION');
    expect(await codeOf(signWithAll(MESSAGE, 'x' as unknown as DkimSigner[]))).toBe(
      'SMTP_DKIM_INVALID_OPTION',
    );
    const fake = { domain: 'example.com', selector: 's', algorithm: 'rsa-sha256', sign: () => '' };
    expect(await codeOf(signWithAll(MESSAGE, [fake as unknown as DkimSigner]))).toBe(
      'SMTP_DKIM_INVALID_OPTION',
    );
    expect(await codeOf(signWithAll(MESSAGE, [null as unknown as DkimSigner]))).toBe(
      'SMTP_DKIM_INVALID_OPTION',
    );
    for (const bad of [new Date(Number.NaN), new Date(-1000), '2026-01-01']) {
      expect(await codeOf(signer.sign(MESSAGE, { timestamp: bad as unknown as Date }))).toBe(
        'SMTP_DKIM_INVALID_OPTION',
      );
    }
  });
});

describe('messages that cannot be signed', () => {
  it('refuses a message without From (SMTP_DKIM_INVALID_MESSAGE)', async () => {
    expect(await codeOf(signer.sign('To: b@example.net\r\n\r\nHi.\r\n'))).toBe(
      'SMTP_DKIM_INVALID_MESSAGE',
    );
    expect(await codeOf(signer.sign('\r\nOnly a body.\r\n'))).toBe('SMTP_DKIM_INVALID_MESSAGE');
    expect(await codeOf(signer.sign(''))).toBe('SMTP_DKIM_INVALID_MESSAGE');
  });

  it('refuses a body given without a header section', async () => {
    expect(await codeOf(signer.sign('Hello Bob,\r\nhow are you?\r\n'))).toBe(
      'SMTP_DKIM_INVALID_MESSAGE',
    );
  });

  it('refuses a header section over 1 MiB, and stops reading the source', async () => {
    let pulled = 0;
    let closed = false;
    const source = (function* () {
      try {
        yield bytesOf('From: a@example.com\r\n');
        while (true) {
          pulled++;
          yield bytesOf(`X-Pad: ${'x'.repeat(4000)}\r\n`);
        }
      } finally {
        closed = true;
      }
    })();
    expect(await codeOf(signer.sign(source))).toBe('SMTP_DKIM_INVALID_MESSAGE');
    expect(pulled).toBeLessThan(300);
    expect(closed).toBe(true);
  });
});
