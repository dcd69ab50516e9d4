import { SendError } from '@smtp/client';
import { describe, expect, it } from 'vitest';
import { decide } from './decide.ts';

const markFailure = new Error('redis away');
const isMarkFailure = (cause: unknown) => cause === markFailure;

function sendError(
  outcome: 'rejected' | 'not-sent' | 'unknown',
  temporary: boolean,
  extra: { accepted?: string[]; unknown?: string[]; cause?: unknown } = {},
): SendError {
  return new SendError(
    {
      code: 'SMTP_REPLY',
      outcome,
      rejected: [],
      temporary,
      ...(extra.accepted === undefined ? {} : { accepted: extra.accepted }),
      ...(extra.unknown === undefined ? {} : { unknown: extra.unknown }),
    },
    'failed',
    extra.cause === undefined ? undefined : { cause: extra.cause },
  );
}

describe('decide', () => {
  it.each([
    ['a 4xx refusal', sendError('rejected', true), 'retry'],
    ['a 5xx refusal', sendError('rejected', false), 'fail'],
    ['not-sent, temporary (refused, reset)', sendError('not-sent', true), 'retry'],
    ['not-sent, final (a certificate, invalid input)', sendError('not-sent', false), 'fail'],
    [
      'not-sent because the end-of-data record failed',
      sendError('not-sent', false, { cause: markFailure }),
      'retry',
    ],
    ['unknown', sendError('unknown', false), 'hold'],
    [
      'LMTP: some recipients delivered',
      sendError('rejected', true, { accepted: ['a@example.com'] }),
      'hold',
    ],
    [
      'LMTP: some recipients owed a reply',
      sendError('rejected', true, { unknown: ['a@example.com'] }),
      'hold',
    ],
    ['an error that is not a SendError', new Error('bug'), 'fail'],
  ] as const)('%s: %s', (_label, error, decision) => {
    expect(decide(error, isMarkFailure)).toBe(decision);
  });
});
