import { ProtocolError } from '@smtp/protocol';
import { AbortError, ConnectionError, TimeoutError } from '@smtp/transport';
import { describe, expect, it } from 'vitest';
import { SecurityError, SendError, SmtpReplyError } from './errors.ts';
import {
  checkRequireTls,
  mayWritePlain,
  mustDiscard,
  securityFor,
  wantsStartTls,
} from './policy.ts';
import { toReplyInfo } from './reply-info.ts';

const reply = toReplyInfo({ code: 550, lines: ['no'], text: 'no' }, 'RCPT');

describe('securityFor (INV-1)', () => {
  it('credentials raise opportunistic to starttls unless allowInsecureAuth', () => {
    expect(securityFor('opportunistic', true, false)).toBe('starttls');
    expect(securityFor('opportunistic', true, true)).toBe('opportunistic');
    expect(securityFor('opportunistic', false, false)).toBe('opportunistic');
    for (const level of ['implicit', 'starttls', 'none'] as const) {
      expect(securityFor(level, true, false)).toBe(level);
    }
  });
});

describe('wantsStartTls (decision 2)', () => {
  it('always for starttls, when offered for opportunistic, never otherwise', () => {
    expect(wantsStartTls('starttls', false)).toBe(true);
    expect(wantsStartTls('opportunistic', true)).toBe(true);
    expect(wantsStartTls('opportunistic', false)).toBe(false);
    expect(wantsStartTls('none', true)).toBe(false);
    expect(wantsStartTls('implicit', true)).toBe(false);
  });
});

describe('mayWritePlain (INV-1)', () => {
  it('anything over TLS', () => {
    expect(mayWritePlain(true, 'starttls', true, false)).toBe(true);
  });
  it('nothing in plaintext where TLS is required by the level', () => {
    expect(mayWritePlain(false, 'starttls', false, false)).toBe(false);
    expect(mayWritePlain(false, 'implicit', false, false)).toBe(false);
  });
  it('with credentials, only with the explicit opt-in', () => {
    expect(mayWritePlain(false, 'opportunistic', true, false)).toBe(false);
    expect(mayWritePlain(false, 'none', true, true)).toBe(true);
    expect(mayWritePlain(false, 'none', false, false)).toBe(true);
  });
});

describe('checkRequireTls (RFC 8689)', () => {
  it('passes over TLS to a server that offers it, and names what is missing otherwise', () => {
    expect(() => checkRequireTls(true, true)).not.toThrow();
    expect(() => checkRequireTls(false, true)).toThrow(/not TLS/);
    expect(() => checkRequireTls(true, false)).toThrow(/does not offer/);
    try {
      checkRequireTls(false, false);
    } catch (error) {
      expect(error).toBeInstanceOf(SecurityError);
      expect((error as SecurityError).code).toBe('SMTP_REQUIRETLS_UNAVAILABLE');
    }
  });
});

describe('mustDiscard (INV-9)', () => {
  it('after a deadline, an abort, a protocol error, a lost connection', () => {
    expect(mustDiscard(new TimeoutError('mail', 10))).toBe(true);
    expect(mustDiscard(new AbortError('mail'))).toBe(true);
    expect(mustDiscard(new ProtocolError('SMTP_PROTOCOL_MALFORMED_REPLY', 'x'))).toBe(true);
    expect(mustDiscard(new ConnectionError('SMTP_CONNECTION_RESET', 'x'))).toBe(true);
  });
  it('after an unknown outcome, or a SendError caused by any of those', () => {
    const unknown = new SendError(
      { code: 'SMTP_TIMEOUT', outcome: 'unknown', temporary: false },
      'x',
    );
    expect(mustDiscard(unknown)).toBe(true);
    const wrapped = new SendError(
      { code: 'SMTP_TIMEOUT', outcome: 'not-sent', temporary: true },
      'x',
      { cause: new TimeoutError('rcpt', 10) },
    );
    expect(mustDiscard(wrapped)).toBe(true);
  });
  it('not after a refusal read in step, or a check before any byte', () => {
    const refused = new SendError(
      { code: 'SMTP_REPLY', outcome: 'rejected', reply, temporary: false },
      'x',
    );
    expect(mustDiscard(refused)).toBe(false);
    expect(mustDiscard(new SmtpReplyError(reply, 'x'))).toBe(false);
    expect(mustDiscard(new SecurityError('SMTP_MESSAGE_TOO_LARGE', 'x'))).toBe(false);
  });
});
