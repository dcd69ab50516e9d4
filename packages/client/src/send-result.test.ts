/** The queue id forms read from final replies (the table in send-result.ts). */
import { describe, expect, it } from 'vitest';
import type { ReplyInfo } from './errors.ts';
import { parseQueueId, toSendResult } from './send-result.ts';
import type { SentTransaction } from './smtp-connection.ts';

describe('parseQueueId', () => {
  it.each([
    ['Ok: queued as 4Bx1yZ2bQZz9sNm', '4Bx1yZ2bQZz9sNm'],
    ['OK id=1rAbCd-000Ab1-2C', '1rAbCd-000Ab1-2C'],
    [
      '<a@b> [InternalId=12884901890, Hostname=EX01.example.com] Queued mail for delivery',
      '12884901890',
    ],
    ['OK  1700000000 a640c23a62f3a-a9c1si123.45 - gsmtp', 'a640c23a62f3a-a9c1si123.45'],
    ['4AB1cD2e012345 Message accepted for delivery', '4AB1cD2e012345'],
    ['ok 1700000000 qp 12345', '12345'],
    [
      'Ok 0100018c2a1b2c3d-12345678-abcd-4ef0-9abc-def012345678-000000',
      '0100018c2a1b2c3d-12345678-abcd-4ef0-9abc-def012345678-000000',
    ],
  ])('%s', (text, id) => {
    expect(parseQueueId(text)).toBe(id);
  });

  it.each(['OK', 'OK: message queued', 'Message accepted', ''])('none in %j', (text) => {
    expect(parseQueueId(text)).toBeUndefined();
  });
});

describe('toSendResult', () => {
  const info = (text: string) => ({ code: 250, text }) as unknown as ReplyInfo;
  const sent = (text: string, messageId: string | undefined) =>
    ({
      accepted: ['b@example.com'],
      rejected: [],
      reply: info(text),
      replies: { mail: info('OK'), rcpt: [] },
      size: 7,
      envelopeMs: 1,
      dataMs: 1,
      plan: { prepared: { from: 'a@example.com', to: ['b@example.com'], messageId } },
    }) as unknown as SentTransaction;
  const timings = { envelopeMs: 1, dataMs: 1, totalMs: 2 };
  const keys = (queueId: boolean, messageId: boolean) => [
    'outcome',
    'accepted',
    'rejected',
    'reply',
    'replies',
    ...(queueId ? ['queueId'] : []),
    ...(messageId ? ['messageId'] : []),
    'ehlo',
    'envelope',
    'size',
    'attempts',
    'timings',
  ];

  it.each([
    ['Ok: queued as Q1', '<m@example.com>'],
    ['Ok: queued as Q1', undefined],
    ['OK', '<m@example.com>'],
    ['OK', undefined],
  ])('%j, messageId %j: absent when none, the keys in one order', (text, messageId) => {
    const result = toSendResult(sent(text, messageId), info('EHLO'), 1, timings);
    const queueId = parseQueueId(text);
    expect(Object.keys(result)).toEqual(keys(queueId !== undefined, messageId !== undefined));
    expect(result.queueId).toBe(queueId);
    expect(result.messageId).toBe(messageId);
    expect(result).toMatchObject({
      outcome: 'accepted',
      envelope: { from: 'a@example.com', to: ['b@example.com'] },
      size: 7,
      attempts: 1,
      timings,
    });
  });
});
