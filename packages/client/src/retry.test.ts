import { describe, expect, it } from 'vitest';
import { SendError } from './errors.ts';
import type { RawMessage } from './message-source.ts';
import { isRetryable, retryDelay, trackReads } from './retry.ts';

const reply = (code: number) => ({ code, lines: [], text: '', command: 'MAIL' as const });
const error = (details: Partial<ConstructorParameters<typeof SendError>[0]>) =>
  new SendError({ code: 'X', outcome: 'not-sent', temporary: true, ...details }, 'x');

describe('isRetryable (decision 8)', () => {
  it('retries temporary failures the server cannot have acted on', () => {
    expect(isRetryable(error({}))).toBe(true);
    expect(isRetryable(error({ outcome: 'rejected', reply: reply(451) }))).toBe(true);
  });
  it('never retries unknown, 5xx, or what is not temporary', () => {
    expect(isRetryable(error({ outcome: 'unknown' }))).toBe(false);
    expect(isRetryable(error({ outcome: 'rejected', reply: reply(550) }))).toBe(false);
    expect(isRetryable(error({ temporary: false }))).toBe(false);
  });
  it('never retries a failure after which a recipient has, or may have, the message (LMTP)', () => {
    const refused = { outcome: 'rejected', reply: reply(451) } as const;
    expect(isRetryable(error({ ...refused, accepted: ['a@example.com'] }))).toBe(false);
    expect(isRetryable(error({ ...refused, unknown: ['b@example.com'] }))).toBe(false);
    expect(isRetryable(error({ ...refused, accepted: [], unknown: [] }))).toBe(true);
  });
});

describe('retryDelay', () => {
  const schedule = { baseDelayMs: 100, maxDelayMs: 1000 };
  it('doubles from the base, capped, with half of it random', () => {
    expect(retryDelay(1, schedule, () => 0)).toBe(50);
    expect(retryDelay(1, schedule, () => 1)).toBe(100);
    expect(retryDelay(3, schedule, () => 1)).toBe(400);
    expect(retryDelay(10, schedule, () => 0.5)).toBe(750);
  });
});

describe('trackReads', () => {
  const envelope = { from: 'a@example.com', to: 'b@example.com' };
  it('bytes and strings can always be produced again', () => {
    expect(trackReads({ envelope, raw: 'x' }).replayable()).toBe(true);
    expect(trackReads({ envelope, raw: new Uint8Array([1]) }).replayable()).toBe(true);
  });
  it('a stream is replayable until it is read, and reads the same chunks', async () => {
    async function* source() {
      yield 'a';
      yield 'b';
    }
    const tracked = trackReads({ envelope, raw: source() });
    expect(tracked.replayable()).toBe(true);
    const chunks: unknown[] = [];
    for await (const chunk of (tracked.message as RawMessage).raw as AsyncIterable<string>) {
      chunks.push(chunk);
    }
    expect(chunks).toEqual(['a', 'b']);
    expect(tracked.replayable()).toBe(false);
  });
});
