import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createSmtpCredentials } from './credentials.ts';

const secret = 'hunter2-SECRET';

describe('createSmtpCredentials', () => {
  it('exposes the user name and the password to code that asks for them', () => {
    const credentials = createSmtpCredentials('alice', secret);
    expect(credentials.username).toBe('alice');
    expect(credentials.password).toBe(secret);
  });

  it('redacts the password in JSON.stringify', () => {
    expect(JSON.stringify(createSmtpCredentials('alice', secret))).toBe(
      '{"username":"alice","password":"[REDACTED]"}',
    );
  });

  it('redacts the password in util.inspect, even with showHidden', () => {
    const credentials = createSmtpCredentials('alice', secret);
    expect(inspect(credentials)).toBe("{ username: 'alice', password: '[REDACTED]' }");
    expect(inspect(credentials, { showHidden: true, depth: null })).not.toContain(secret);
    expect(inspect({ nested: { credentials } }, { depth: null })).not.toContain(secret);
  });

  it('leaves the password out of enumeration and object spread', () => {
    const credentials = createSmtpCredentials('alice', secret);
    expect(Object.keys(credentials)).toEqual(['username']);
    expect({ ...credentials }).toEqual({ username: 'alice' });
  });

  it('returns a frozen object', () => {
    const credentials = createSmtpCredentials('alice', secret);
    expect(Object.isFrozen(credentials)).toBe(true);
    expect(() => {
      (credentials as { password: string }).password = 'other';
    }).toThrow(TypeError);
  });
});
