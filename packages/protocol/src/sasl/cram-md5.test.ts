import { describe, expect, it } from 'vitest';
import type { SaslErrorCode } from '../errors.ts';
import { createCramMd5 } from './cram-md5.ts';

const saslError = (code: SaslErrorCode) => expect.objectContaining({ name: 'SaslError', code });
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('createCramMd5', () => {
  it('reproduces the RFC 2195 section 2 example', () => {
    const cram = createCramMd5({ username: 'tim', password: 'tanstaaftanstaaf' });
    expect(cram.name).toBe('CRAM-MD5');
    expect(cram.start()).toBeUndefined();
    // Challenge: <1896.697170952@postoffice.reston.mci.net>
    expect(cram.step('PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+')).toBe(
      'dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw',
    );
    cram.finish();
  });

  it('writes the digest as lowercase hex, zero-padded', () => {
    const cram = createCramMd5({ username: 'u', password: 'p' });
    cram.start();
    const response = Buffer.from(cram.step(b64('<1@x>')), 'base64').toString();
    expect(response).toMatch(/^u [0-9a-f]{32}$/);
  });

  it('refuses an empty challenge, whose answer would be replayable', () => {
    const cram = createCramMd5({ username: 'tim', password: 'tanstaaftanstaaf' });
    cram.start();
    expect(() => cram.step('')).toThrow(saslError('SMTP_SASL_MALFORMED_CHALLENGE'));
  });

  it('refuses a second challenge', () => {
    const cram = createCramMd5({ username: 'tim', password: 'tanstaaftanstaaf' });
    cram.start();
    cram.step(b64('<1@x>'));
    expect(() => cram.step(b64('<2@x>'))).toThrow(saslError('SMTP_SASL_TOO_MANY_ROUNDS'));
  });

  it.each([
    ['an empty username', { username: '', password: 'p' }],
    ['an empty password', { username: 'u', password: '' }],
  ])('refuses %s', (_title, options) => {
    expect(() => createCramMd5(options)).toThrow(saslError('SMTP_SASL_INVALID_CREDENTIALS'));
  });
});
