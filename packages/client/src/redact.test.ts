import { Buffer } from 'node:buffer';
import { inspect } from 'node:util';
import { createPlain, createXoauth2 } from '@smtp/protocol';
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import {
  base64Fragment,
  createSecrets,
  MIN_BASE64_FRAGMENT,
  REDACTED,
  redactCommandLine,
} from './redact.ts';

const params = propertyRuns(300);
const b64 = (text: string | Uint8Array): string => Buffer.from(text).toString('base64');

describe('base64Fragment', () => {
  it('is the part of the base64 that only the secret decides, at each alignment', () => {
    const secret = Buffer.from('hunter22');
    for (const alignment of [0, 1, 2] as const) {
      const fragment = base64Fragment(secret, alignment);
      expect(fragment.length).toBeGreaterThanOrEqual(MIN_BASE64_FRAGMENT);
      for (const before of ['', 'a', 'ab', 'abc'].filter((p) => p.length % 3 === alignment)) {
        for (const after of ['', 'x', 'xy', 'xyz']) {
          expect(b64(Buffer.concat([Buffer.from(before), secret, Buffer.from(after)]))).toContain(
            fragment,
          );
        }
      }
    }
  });

  it('is empty when the secret is too short to decide a whole character', () => {
    expect(base64Fragment(new Uint8Array([1]), 1)).toBe('');
  });
});

describe('createSecrets', () => {
  it('replaces a registered secret with <redacted>', () => {
    const secrets = createSecrets();
    secrets.add('s3cret-pass');
    expect(secrets.scrub('user alice pass s3cret-pass end')).toBe(
      `user alice pass ${REDACTED} end`,
    );
  });

  it('leaves text alone when nothing is registered or nothing matches', () => {
    const secrets = createSecrets();
    expect(secrets.scrub('hello')).toBe('hello');
    secrets.add('s3cret-pass');
    expect(secrets.scrub('hello')).toBe('hello');
    expect(secrets.scrub('')).toBe('');
  });

  it('ignores empty secrets and payloads', () => {
    const secrets = createSecrets();
    secrets.add('');
    secrets.addPayload(new Uint8Array(0));
    secrets.addPayload('');
    expect(secrets.size).toBe(0);
  });

  it('finds the secret in base64 at every alignment', () => {
    const secrets = createSecrets();
    secrets.add('correct horse battery');
    for (const prefix of ['', 'a', 'ab']) {
      for (const suffix of ['', '1', '12']) {
        const encoded = b64(`${prefix}correct horse battery${suffix}`);
        const scrubbed = secrets.scrub(`AUTH XYZ ${encoded}`);
        expect(scrubbed).toContain(REDACTED);
        expect(scrubbed).not.toContain(base64Fragment(Buffer.from('correct horse battery'), 0));
      }
    }
  });

  it('finds the secret in base64url and percent-encoded forms', () => {
    const secrets = createSecrets();
    const secret = 'p@ss/wörd?>>>~~~';
    secrets.add(secret);
    const url = Buffer.from(`x${secret}`).toString('base64url');
    expect(secrets.scrub(url)).toContain(REDACTED);
    expect(secrets.scrub(`smtp://u:${encodeURIComponent(secret)}@h`)).toBe(
      `smtp://u:${REDACTED}@h`,
    );
  });

  it('hides the base64 of a PLAIN initial response, even for a short password', () => {
    const secrets = createSecrets();
    secrets.add('pw');
    const payload = '\u0000alice\u0000pw';
    secrets.addPayload(payload);
    const initial = createPlain({ username: 'alice', password: 'pw' }).start() as string;
    expect(initial).toBe(b64(payload));
    expect(secrets.scrub(`AUTH PLAIN ${initial}`)).toBe(`AUTH PLAIN ${REDACTED}`);
  });

  it('hides the base64 of an XOAUTH2 payload given as bytes', () => {
    const secrets = createSecrets();
    const payload = Buffer.from('user=a@b\u0001auth=Bearer tok\u0001\u0001');
    secrets.addPayload(payload);
    const initial = createXoauth2({ user: 'a@b', accessToken: 'tok' }).start() as string;
    expect(secrets.scrub(initial)).toBe(REDACTED);
  });

  it('hides a secret with a control character in its sanitised form too', () => {
    const secrets = createSecrets();
    secrets.add('ab\u0001cd');
    expect(secrets.scrub('x ab\\x01cd y')).toBe(`x ${REDACTED} y`);
  });

  it('hides overlapping secrets whole', () => {
    const secrets = createSecrets();
    secrets.add('abcd');
    secrets.add('cdefgh');
    expect(secrets.scrub('xxabcdefghyy')).toBe(`xx${REDACTED}yy`);
    expect(secrets.scrub('abcd abcd')).toBe(`${REDACTED} ${REDACTED}`);
  });

  it('counts registered strings once', () => {
    const secrets = createSecrets();
    secrets.add('same-secret');
    const size = secrets.size;
    secrets.add('same-secret');
    expect(secrets.size).toBe(size);
  });

  it('shows no secret in JSON.stringify or util.inspect of the registry', () => {
    const secrets = createSecrets();
    secrets.add('topsecretvalue');
    expect(JSON.stringify(secrets)).not.toContain('topsecretvalue');
    expect(inspect(secrets, { showHidden: true, depth: 10 })).not.toContain('topsecretvalue');
  });

  it('never leaves any part of a registered secret outside a marker', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.nat(3)), { maxLength: 8 }),
        (list, recipe) => {
          const secrets = createSecrets();
          for (const secret of list) secrets.add(secret);
          // Text built from noise and the secrets themselves, raw and base64-encoded.
          const text = recipe
            .map((part) => {
              if (typeof part === 'string') return part;
              const secret = list[part % list.length] as string;
              return part % 2 === 0 ? secret : b64(`::${secret}`);
            })
            .join('');
          const pieces = secrets.scrub(text).split(REDACTED);
          for (const piece of pieces) {
            for (const secret of list) expect(piece).not.toContain(secret);
          }
        },
      ),
      params,
    );
  });

  it('never leaves a base64 form of a secret of 4 or more bytes, at any alignment', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 4, maxLength: 30 }),
        fc.string({ maxLength: 5 }),
        fc.string({ maxLength: 5 }),
        (secret, before, after) => {
          const secrets = createSecrets();
          secrets.add(secret);
          const encoded = b64(`${before}${secret}${after}`);
          const bytes = Buffer.from(secret);
          const alignment = (Buffer.byteLength(before) % 3) as 0 | 1 | 2;
          const fragment = base64Fragment(bytes, alignment);
          for (const piece of secrets.scrub(encoded).split(REDACTED)) {
            expect(piece).not.toContain(fragment);
          }
        },
      ),
      params,
    );
  });
});

describe('redactCommandLine', () => {
  it('keeps AUTH and the mechanism and hides the initial response', () => {
    expect(redactCommandLine('AUTH PLAIN AHVzZXIAcGFzcw==\r\n', false)).toBe(
      'AUTH PLAIN <redacted>',
    );
    expect(redactCommandLine('auth xoauth2 dXNlcj1h', true)).toBe('auth xoauth2 <redacted>');
  });

  it('keeps an AUTH line without an initial response', () => {
    expect(redactCommandLine('AUTH LOGIN\r\n', false)).toBe('AUTH LOGIN');
    expect(redactCommandLine('AUTH CRAM-MD5', true)).toBe('AUTH CRAM-MD5');
  });

  it('hides a sensitive SASL continuation line entirely', () => {
    expect(redactCommandLine('cGFzc3dvcmQ=\r\n', true)).toBe(REDACTED);
    expect(redactCommandLine('', true)).toBe(REDACTED);
  });

  it('returns other commands as written, without the line end', () => {
    expect(redactCommandLine('MAIL FROM:<a@b> SIZE=12\r\n', false)).toBe('MAIL FROM:<a@b> SIZE=12');
    expect(redactCommandLine('AUTHORIZE me', false)).toBe('AUTHORIZE me');
    expect(redactCommandLine('*', false)).toBe('*');
  });
});
