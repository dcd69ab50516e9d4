import { describe, expect, it } from 'vitest';
import type { SaslErrorCode } from '../errors.ts';
import { createPlain } from './plain.ts';

const saslError = (code: SaslErrorCode) => expect.objectContaining({ name: 'SaslError', code });
const decoded = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

describe('createPlain', () => {
  it('sends RFC 4616 section 4 example ("tim" / "tanstaaftanstaaf") as its initial response', () => {
    const plain = createPlain({ username: 'tim', password: 'tanstaaftanstaaf' });
    expect(plain.name).toBe('PLAIN');
    expect(plain.start()).toBe('AHRpbQB0YW5zdGFhZnRhbnN0YWFm');
    plain.finish();
  });

  it('puts the authzid first when given (RFC 4616 section 4, "Ursel" acting as "Kurt")', () => {
    const plain = createPlain({ username: 'Kurt', password: 'xipj3plmq', authzid: 'Ursel' });
    expect(decoded(plain.start() as string)).toBe('Ursel\u0000Kurt\u0000xipj3plmq');
  });

  it('encodes non-ASCII credentials as UTF-8', () => {
    const plain = createPlain({ username: 'jörg', password: 'pässwörd' });
    expect(decoded(plain.start() as string)).toBe('\u0000jörg\u0000pässwörd');
  });

  it('refuses any challenge after the initial response', () => {
    const plain = createPlain({ username: 'tim', password: 'tanstaaftanstaaf' });
    plain.start();
    expect(() => plain.step('')).toThrow(saslError('SMTP_SASL_TOO_MANY_ROUNDS'));
  });

  it.each([
    ['an empty username', { username: '', password: 'p' }],
    ['an empty password', { username: 'u', password: '' }],
    ['a NUL in the username', { username: 'u\u0000x', password: 'p' }],
    ['a NUL in the password', { username: 'u', password: 'p\u0000x' }],
    ['a NUL in the authzid', { username: 'u', password: 'p', authzid: 'a\u0000' }],
  ])('refuses %s', (_title, options) => {
    expect(() => createPlain(options)).toThrow(saslError('SMTP_SASL_INVALID_CREDENTIALS'));
  });
});
