/** The queue id forms read from final replies (the table in send-result.ts). */
import { describe, expect, it } from 'vitest';
import { parseQueueId } from './send-result.ts';

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
