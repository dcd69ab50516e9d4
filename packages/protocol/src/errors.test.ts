import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, isSmtpError, ProtocolError, SaslError } from './errors.ts';

describe('errors', () => {
  it.each([
    [new ProtocolError('SMTP_PROTOCOL_MALFORMED_REPLY', 'bad'), 'ProtocolError'],
    [new InvalidInputError('SMTP_INVALID_CHARACTER', 'bad'), 'InvalidInputError'],
    [new SaslError('SMTP_SASL_STATE', 'bad'), 'SaslError'],
  ])('%s carries its name, code and the cross-package brand', (error, name) => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toMatch(/^SMTP_/);
    expect(isSmtpError(error)).toBe(true);
  });

  it('keeps the brand out of JSON and inspect output', () => {
    const error = new ProtocolError('SMTP_PROTOCOL_INVALID_BYTE', 'NUL in reply');
    expect(JSON.stringify(error)).not.toContain('smtp.error');
    expect(inspect(error)).not.toContain('smtp.error');
  });

  it('passes the cause through', () => {
    const cause = new Error('root');
    expect(new SaslError('SMTP_SASL_STATE', 'x', { cause }).cause).toBe(cause);
  });

  it('recognises an error branded by another copy of the package, and nothing else', () => {
    const foreign = Object.assign(new Error('x'), { code: 'SMTP_X' });
    Object.defineProperty(foreign, Symbol.for('smtp.error'), { value: true });
    expect(isSmtpError(foreign)).toBe(true);
    expect(isSmtpError(new Error('plain'))).toBe(false);
    expect(isSmtpError(null)).toBe(false);
    expect(isSmtpError('SMTP_X')).toBe(false);
  });
});
