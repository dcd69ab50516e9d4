/**
 * The `dkim` option: what the constructor checks (shape, domain, selector, key present), how
 * option objects become signers (once, lazily, the promise kept, a key error kept too), and that
 * the keys never show in JSON, `inspect`, a definition or a scrubbed line.
 */
import { inspect } from 'node:util';
import { createDkimSigner, DkimError, type DkimSigner, generateDkimKey } from '@smtp/dkim';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DkimSigners } from './dkim-signers.ts';
import { ClientStateError } from './errors.ts';
import { createSecrets, registerDkimKeys } from './redact.ts';
import { resolveClientOptions } from './resolve-options.ts';
import { SmtpClient } from './smtp-client.ts';
import { failureSync } from './testing/integration.ts';

let pem: string;
let signer: DkimSigner;
beforeAll(async () => {
  pem = (await generateDkimKey({ algorithm: 'ed25519' })).privateKey;
  signer = await createDkimSigner({ domain: 'example.com', selector: 's1', privateKey: pem });
});

const options = (extra: Record<string, unknown> = {}) => ({
  domain: 'example.com',
  selector: 'mail',
  privateKey: pem,
  ...extra,
});
const resolve = (dkim: unknown) =>
  resolveClientOptions({ host: 'mx.example.com', dkim: dkim as never });
const refused = (dkim: unknown) => failureSync(() => resolve(dkim));
const bodyLines = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('-'));

describe('the dkim option: checked at construction', () => {
  it('takes options, a signer, a key file read as bytes, and a list of them in order', () => {
    expect(resolve(options()).dkim?.describe()).toEqual([
      { domain: 'example.com', selector: 'mail' },
    ]);
    expect(resolve(signer).dkim?.describe()).toEqual([
      { domain: 'example.com', selector: 's1', algorithm: 'ed25519-sha256' },
    ]);
    const list = resolve([
      signer,
      options({ privateKey: Buffer.from(pem), algorithm: 'ed25519-sha256' }),
      options({ domain: 'bücher.example', selector: 'sel_2.brand' }),
    ]).dkim as DkimSigners;
    expect(list.count).toBe(3);
    expect(list.describe().map((d) => d.selector)).toEqual(['s1', 'mail', 'sel_2.brand']);
    expect(resolve(undefined).dkim).toBeUndefined();
  });

  it('copies the options: a change to the caller object afterwards changes nothing', () => {
    const given = options();
    const resolved = resolve(given);
    given.domain = 'other.example';
    expect(resolved.dkim?.describe()[0]?.domain).toBe('example.com');
  });

  it.each([
    ['[]', () => [], /dkim must name at least one signer/],
    ['"key"', () => 'key', /dkim must be an object/],
    ['[options(), 7]', () => [options(), 7], /dkim\[1\] must be an object/],
    ['domain: ""', () => options({ domain: '' }), /dkim\.domain must be a domain name/],
    [
      'domain: "exa mple.com"',
      () => options({ domain: 'exa mple.com' }),
      /dkim\.domain must be a domain name/,
    ],
    [
      'domain: "[192.0.2.1]"',
      () => options({ domain: '[192.0.2.1]' }),
      /dkim\.domain must be a domain name/,
    ],
    ['domain: 42', () => options({ domain: 42 }), /dkim\.domain must be a domain name/],
    ['selector: ""', () => options({ selector: '' }), /dkim\.selector must be a selector/],
    [
      'selector: "a;b=c"',
      () => options({ selector: 'a;b=c' }),
      /dkim\.selector must be a selector/,
    ],
    ['selector: "a..b"', () => options({ selector: 'a..b' }), /dkim\.selector must be a selector/],
    ['privateKey: ""', () => options({ privateKey: '' }), /dkim\.privateKey must be PEM text/],
    [
      'privateKey: new Uint8Array()',
      () => options({ privateKey: new Uint8Array() }),
      /dkim\.privateKey must be PEM text/,
    ],
    [
      'privateKey: undefined',
      () => options({ privateKey: undefined }),
      /dkim\.privateKey must be PEM text/,
    ],
    [
      'algorithm: "rsa-sha1"',
      () => options({ algorithm: 'rsa-sha1' }),
      /dkim\.algorithm must be rsa-sha256 or ed25519-sha256/,
    ],
    [
      'privatekey: "x"',
      () => options({ privatekey: 'x' }),
      /unknown option "dkim\.privatekey": did you mean privateKey\?/,
    ],
    [
      'a signer with domain "a b"',
      () => ({ ...signer, sign: signer.sign, domain: 'a b' }),
      /dkim\.domain must be a domain name/,
    ],
    [
      'a signer with algorithm "x"',
      () => ({ domain: 'example.com', selector: 's', algorithm: 'x', sign() {} }),
      /dkim\.algorithm/,
    ],
  ])('refuses %s', (_label, dkim, message) => {
    const error = refused(dkim());
    expect(error).toBeInstanceOf(ClientStateError);
    expect(error.code).toBe('SMTP_CLIENT_INVALID_OPTIONS');
    expect(error.message).toMatch(message);
  });

  it('never quotes a value in its message: a key in the wrong field stays out of it', () => {
    const error = refused(options({ domain: pem }));
    for (const line of bodyLines(pem)) expect(error.message).not.toContain(line);
    expect(error.cause).toBeUndefined();
  });
});

describe('DkimSigners: signers made once, on first use', () => {
  it('makes the signers on the first call and gives the same promise after', async () => {
    const dkim = resolve([options(), signer]).dkim as DkimSigners;
    const first = dkim.signers(() => {});
    expect(dkim.signers(() => {})).toBe(first);
    const signers = await first;
    expect(signers[1]).toBe(signer);
    expect(signers[0]).toMatchObject({ domain: 'example.com', selector: 'mail' });
  });

  it('keeps a key error: every later call rejects with the same DkimError', async () => {
    const dkim = resolve(options({ privateKey: 'not a key' })).dkim as DkimSigners;
    const error = await dkim.signers(() => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DkimError);
    expect((error as DkimError).code).toBe('SMTP_DKIM_INVALID_KEY');
    await expect(dkim.signers(() => {})).rejects.toBe(error);
  });

  it("sends a key warning to the client's warn, unless the options have an onWarning", async () => {
    const weak = (await generateDkimKey({ algorithm: 'rsa', bits: 1024 })).privateKey;
    const warned: string[] = [];
    await (resolve(options({ privateKey: weak })).dkim as DkimSigners).signers((w) =>
      warned.push(w),
    );
    expect(warned).toHaveLength(1);
    const own: string[] = [];
    const mine = options({ privateKey: weak, onWarning: (w: string) => own.push(w) });
    await (resolve(mine).dkim as DkimSigners).signers((w) => warned.push(w));
    expect(own).toHaveLength(1);
    expect(warned).toHaveLength(1);
  }, 30_000);
});

describe('the keys stay secret (decision 11, INV-10)', () => {
  it('JSON and inspect of the resolved options show domain, selector and algorithm only', () => {
    const resolved = resolve([options(), signer]);
    for (const text of [JSON.stringify(resolved), inspect(resolved, { depth: 10 })]) {
      expect(text).toContain('example.com');
      expect(text).toContain('ed25519-sha256');
      for (const line of bodyLines(pem)) expect(text).not.toContain(line);
      expect(text).not.toContain('privateKey');
    }
  });

  it('a definition names dkim in omitted, with no key', () => {
    const client = new SmtpClient({ host: 'mx.example.com', dkim: options() });
    const definition = client.definition({ includeSecrets: true });
    expect(definition.omitted).toEqual(['dkim']);
    for (const line of bodyLines(pem)) expect(JSON.stringify(definition)).not.toContain(line);
    client.destroy();
  });

  it('registerDkimKeys scrubs the key text, each PEM line and a seed, from any line', () => {
    const secrets = createSecrets();
    const seed = Buffer.alloc(32, 7).toString('base64');
    const dkim = resolve([options(), options({ privateKey: Buffer.from(seed) }), signer])
      .dkim as DkimSigners;
    registerDkimKeys(secrets, dkim);
    registerDkimKeys(secrets, undefined);
    expect(secrets.scrub(`key: ${pem} end`)).toBe('key: <redacted> end');
    for (const line of bodyLines(pem)) {
      expect(secrets.scrub(`[${line}]`)).toBe('[<redacted>]');
    }
    expect(secrets.scrub(`seed=${seed};`)).toBe('seed=<redacted>;');
    expect(secrets.scrub('nothing secret here')).toBe('nothing secret here');
  });
});
