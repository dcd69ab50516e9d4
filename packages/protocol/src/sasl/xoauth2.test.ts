import { describe, expect, it } from 'vitest';
import type { SaslErrorCode } from '../errors.ts';
import { createXoauth2 } from './xoauth2.ts';

const saslError = (code: SaslErrorCode) => expect.objectContaining({ name: 'SaslError', code });

/** Google's documented error challenge: {"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}. */
const GOOGLE_ERROR =
  'eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==';

const options = {
  user: 'someuser@example.com',
  accessToken: 'ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg',
};

describe('createXoauth2', () => {
  it("reproduces the initial response of Google's XOAUTH2 documentation", () => {
    const xoauth2 = createXoauth2(options);
    expect(xoauth2.name).toBe('XOAUTH2');
    expect(xoauth2.start()).toBe(
      'dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==',
    );
    expect(xoauth2.serverError).toBeUndefined();
    xoauth2.finish();
  });

  it('answers the error challenge with an empty line and exposes the decoded error', () => {
    const xoauth2 = createXoauth2(options);
    xoauth2.start();
    expect(xoauth2.step(GOOGLE_ERROR)).toBe('');
    expect(xoauth2.serverError).toEqual({
      text: '{"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}',
      status: '401',
      schemes: 'Bearer',
      scope: 'https://mail.google.com/',
    });
  });

  it('refuses a second challenge', () => {
    const xoauth2 = createXoauth2(options);
    xoauth2.start();
    xoauth2.step(GOOGLE_ERROR);
    expect(() => xoauth2.step(GOOGLE_ERROR)).toThrow(saslError('SMTP_SASL_TOO_MANY_ROUNDS'));
  });

  it('refuses an error challenge that is not base64', () => {
    const xoauth2 = createXoauth2(options);
    xoauth2.start();
    expect(() => xoauth2.step('{"status":"401"}')).toThrow(
      saslError('SMTP_SASL_MALFORMED_CHALLENGE'),
    );
  });

  it.each([
    ['an empty user', { user: '', accessToken: 't' }],
    ['an empty token', { user: 'u', accessToken: '' }],
    ['a \\x01 in the user', { user: 'u\u0001auth=Bearer x', accessToken: 't' }],
    ['a \\x01 in the token', { user: 'u', accessToken: 't\u0001\u0001' }],
    ['a CR LF in the token', { user: 'u', accessToken: 't\r\nQUIT' }],
    ['a DEL in the user', { user: 'u\u007f', accessToken: 't' }],
  ])('refuses %s', (_title, invalid) => {
    expect(() => createXoauth2(invalid)).toThrow(saslError('SMTP_SASL_INVALID_CREDENTIALS'));
  });
});
