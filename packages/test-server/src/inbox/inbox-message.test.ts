import { describe, expect, it, vi } from 'vitest';
import { summarize } from './inbox-message.ts';

vi.mock('../parsed-message.ts', () => ({
  parseMessage: () => Promise.reject(new Error('unparsable')),
}));

describe('summarize', () => {
  it('gives a message that does not parse a line from its envelope', async () => {
    const raw = new TextEncoder().encode('anything');
    expect(
      await summarize('id-1', raw, 5, { mailFrom: 'a@example.com', rcptTo: ['b@example.org'] }),
    ).toEqual({
      id: 'id-1',
      from: 'a@example.com',
      to: ['b@example.org'],
      subject: '',
      size: 8,
      receivedAt: 5,
    });
    expect(await summarize('id-2', raw, 5)).toMatchObject({ from: '', to: [] });
  });
});
