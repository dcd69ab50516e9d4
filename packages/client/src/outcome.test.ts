/**
 * What a `SendError` says per recipient once it is copied: the pool's attempts keep it, and an
 * `unknown` failure always names who may have the message (INV-9).
 */
import { describe, expect, it } from 'vitest';
import { type ReplyInfo, SendError } from './errors.ts';
import { withAttempts, withRecipients, withUnknownRecipients } from './outcome.ts';

const reply = (code: number): ReplyInfo => ({ code, lines: ['x'], text: 'x', command: 'RCPT' });
const envelope = ['a@example.com', 'b@example.com', 'a@example.com', 'c@example.com'].map(
  (recipient) => ({ recipient }),
);
const unknown = (rejected: readonly string[] = []) =>
  new SendError(
    {
      code: 'SMTP_TIMEOUT',
      outcome: 'unknown',
      temporary: false,
      rejected: rejected.map((recipient) => ({ recipient, reply: reply(550) })),
    },
    'The message may have been delivered',
    { cause: new Error('underneath') },
  );

describe('withUnknownRecipients', () => {
  it('names every recipient not refused when the end of data may have reached the server', () => {
    const error = withUnknownRecipients(unknown(['a@example.com']), envelope) as SendError;
    // A recipient given twice and refused once stays once.
    expect(error.unknown).toEqual(['b@example.com', 'a@example.com', 'c@example.com']);
    expect(error.accepted).toEqual([]);
    expect(error).toMatchObject({ code: 'SMTP_TIMEOUT', outcome: 'unknown', attempts: 1 });
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('keeps the stack of the failure', () => {
    const original = unknown();
    const copy = withUnknownRecipients(original, envelope) as SendError;
    expect(copy.stack).toBe(original.stack);
  });

  it('leaves alone what already names them, what is not unknown, and what is not a SendError', () => {
    const named = withRecipients(unknown(), { unknown: ['c@example.com'] });
    expect(withUnknownRecipients(named, envelope)).toBe(named);
    const refused = new SendError(
      { code: 'SMTP_REPLY', outcome: 'rejected', temporary: true },
      'x',
    );
    expect(withUnknownRecipients(refused, envelope)).toBe(refused);
    const other = new Error('other');
    expect(withUnknownRecipients(other, envelope)).toBe(other);
  });
});

describe('withRecipients', () => {
  it('replaces the message when given one, and then makes a stack of its own', () => {
    const original = unknown();
    const copy = withRecipients(original, { unknown: ['a@example.com'] }, 'replies missing');
    expect(copy.message).toBe('replies missing');
    expect(copy.stack).not.toBe(original.stack);
    expect(copy.stack).toContain('replies missing');
    expect(withRecipients(original, {}).message).toBe(original.message);
  });
});

describe('withAttempts', () => {
  it('keeps what the error says per recipient', () => {
    const lmtp = withRecipients(unknown(['b@example.com']), {
      accepted: ['a@example.com'],
      unknown: ['c@example.com'],
      finalReplies: [{ recipient: 'a@example.com', reply: { ...reply(250), command: 'message' } }],
    });
    const copy = withAttempts(lmtp, 3);
    expect(copy).toMatchObject({
      attempts: 3,
      accepted: ['a@example.com'],
      unknown: ['c@example.com'],
      rejected: [{ recipient: 'b@example.com' }],
    });
    expect(copy.finalReplies).toHaveLength(1);
    expect(withAttempts(copy, 3)).toBe(copy);
  });
});
