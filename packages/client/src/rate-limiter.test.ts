import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.ts';

describe('RateLimiter', () => {
  it('allows `limit` starts at once, then the next when the oldest leaves the window', () => {
    const limiter = new RateLimiter(3, 100);
    for (const now of [0, 1, 2]) {
      expect(limiter.allowedAt(now)).toBe(now);
      limiter.record(now);
    }
    expect(limiter.allowedAt(50)).toBe(100);
    limiter.record(100);
    expect(limiter.allowedAt(100)).toBe(101);
    expect(limiter.allowedAt(500)).toBe(500);
  });

  it('never lets more than `limit` starts into any half-open window (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 60 }),
        (limit, interval, gaps) => {
          const limiter = new RateLimiter(limit, interval);
          const starts: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            // A greedy caller: asks, waits exactly until allowed, starts.
            now = limiter.allowedAt(now + gap);
            limiter.record(now);
            starts.push(now);
          }
          for (let i = 0; i + limit < starts.length; i++) {
            expect((starts[i + limit] as number) - (starts[i] as number)).toBeGreaterThanOrEqual(
              interval,
            );
          }
        },
      ),
      { seed: 42 },
    );
  });
});
