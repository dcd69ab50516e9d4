import { describe, expect, it } from 'vitest';
import { newMessageId, receivedAtOfId } from './message-id.ts';

describe('message ids', () => {
  it('carry their time, and sort in time order as text', () => {
    const at = Date.UTC(2026, 11, 5, 12, 0, 0, 123);
    const id = newMessageId(at);
    expect(id).toMatch(/^20261205T120000123Z-[0-9a-f]{8}$/);
    expect(receivedAtOfId(id)).toBe(at);
    expect(newMessageId(at) < newMessageId(at + 1)).toBe(true);
    expect(newMessageId(at)).not.toBe(id);
  });

  it('give no time for a name the inbox did not make', () => {
    for (const name of ['older', 'demo-20261205T120000-abc123', '20261305T120000123Z-0000000g']) {
      expect(receivedAtOfId(name)).toBeUndefined();
    }
    expect(receivedAtOfId('20261399T999999999Z-00000000')).toBeUndefined();
  });
});
