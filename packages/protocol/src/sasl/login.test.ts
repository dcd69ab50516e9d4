import { describe, expect, it } from 'vitest';
import type { SaslErrorCode } from '../errors.ts';
import { createLogin } from './login.ts';

const saslError = (code: SaslErrorCode) => expect.objectContaining({ name: 'SaslError', code });
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('createLogin', () => {
  it('answers "Username:" then "Password:" (draft-murchison-sasl-login section 2)', () => {
    const login = createLogin({ username: 'tim', password: 'tanstaaftanstaaf' });
    expect(login.name).toBe('LOGIN');
    expect(login.start()).toBeUndefined();
    expect(login.step('VXNlcm5hbWU6')).toBe('dGlt');
    expect(login.step('UGFzc3dvcmQ6')).toBe('dGFuc3RhYWZ0YW5zdGFhZg==');
    login.finish();
  });

  it('answers by round, not by what the prompt says', () => {
    const login = createLogin({ username: 'tim', password: 'secret' });
    login.start();
    expect(login.step(b64('Password:'))).toBe(b64('tim'));
    expect(login.step(b64('Username:'))).toBe(b64('secret'));
  });

  it('accepts empty and unusual prompts', () => {
    const login = createLogin({ username: 'tim', password: 'secret' });
    login.start();
    expect(login.step('')).toBe(b64('tim'));
    expect(login.step(b64('Mot de passe\u00a0:'))).toBe(b64('secret'));
  });

  it('refuses a third challenge', () => {
    const login = createLogin({ username: 'tim', password: 'secret' });
    login.start();
    login.step('');
    login.step('');
    expect(() => login.step('')).toThrow(saslError('SMTP_SASL_TOO_MANY_ROUNDS'));
  });

  it('refuses a prompt that is not base64', () => {
    const login = createLogin({ username: 'tim', password: 'secret' });
    login.start();
    expect(() => login.step('Username:')).toThrow(saslError('SMTP_SASL_MALFORMED_CHALLENGE'));
  });
});
