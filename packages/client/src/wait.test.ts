import { AbortError, TimeoutError } from '@smtp/transport';
import { describe, expect, it } from 'vitest';
import { settleWithin, transportWait, waitFor } from './wait.ts';

const never = () => new Promise<never>(() => {});

describe('waitFor and transportWait', () => {
  it('an absolute deadline from now; the signal passed on only when there is one', () => {
    const before = performance.now();
    const wait = waitFor(1000, undefined);
    expect(wait.deadline).toBeGreaterThanOrEqual(before + 1000);
    expect(transportWait(wait)).toEqual({ deadline: wait.deadline });
    const signal = new AbortController().signal;
    expect(transportWait(waitFor(5, signal)).signal).toBe(signal);
  });
});

describe('settleWithin', () => {
  it('passes a value or a failure through', async () => {
    await expect(
      settleWithin(Promise.resolve(7), waitFor(100, undefined), 'x', () => {}),
    ).resolves.toBe(7);
    await expect(
      settleWithin(Promise.reject(new Error('no')), waitFor(100, undefined), 'x', () => {}),
    ).rejects.toThrow('no');
  });

  it('times out at the deadline, calling interrupt first', async () => {
    const seen: Error[] = [];
    const error = await settleWithin(never(), waitFor(20, undefined), 'body-source', (e) =>
      seen.push(e),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).phase).toBe('body-source');
    expect(seen).toEqual([error]);
  });

  it('a deadline already passed fails at once', async () => {
    const error = await settleWithin(
      never(),
      { deadline: 0, signal: undefined },
      'x',
      () => {},
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('no deadline: waits without a timer until the promise settles', async () => {
    const value = await settleWithin(
      new Promise((resolve) => setTimeout(() => resolve('late'), 20)),
      { deadline: Number.POSITIVE_INFINITY, signal: undefined },
      'x',
      () => {},
    );
    expect(value).toBe('late');
  });

  it('aborts with the signal, before or while waiting', async () => {
    const aborted = await settleWithin(
      never(),
      waitFor(1000, AbortSignal.abort()),
      'x',
      () => {},
    ).catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(AbortError);
    const controller = new AbortController();
    const pending = settleWithin(never(), waitFor(1000, controller.signal), 'x', () => {}).catch(
      (e: unknown) => e,
    );
    controller.abort();
    expect(await pending).toBeInstanceOf(AbortError);
  });

  it('ends with the lifetime signal too (the owner destroyed), before or while waiting', async () => {
    const gone = new AbortController();
    gone.abort();
    const before = await settleWithin(
      never(),
      waitFor(1000, undefined),
      'x',
      () => {},
      gone.signal,
    ).catch((e: unknown) => e);
    expect(before).toBeInstanceOf(AbortError);
    const lifetime = new AbortController();
    const pending = settleWithin(
      never(),
      waitFor(1000, undefined),
      'x',
      () => {},
      lifetime.signal,
    ).catch((e: unknown) => e);
    lifetime.abort();
    expect(await pending).toBeInstanceOf(AbortError);
  });
});
