import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortError } from './errors/abort-error.ts';
import { TimeoutError } from './errors/timeout-error.ts';
import { guard, isDeadline, isTimeout, timeLeft } from './timeouts.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('guard', () => {
  it('resolves with what the operation settles, and cleans up once', async () => {
    const cleanup = vi.fn();
    const value = await guard<number>(
      { timeoutMs: 1000, phase: 'read', signal: undefined },
      ({ resolve }) => {
        setTimeout(() => resolve(7), 1);
        return cleanup;
      },
    );
    expect(value).toBe(7);
    expect(cleanup).toHaveBeenCalledOnce();
  });

  it('cleans up an operation that settled synchronously', async () => {
    const cleanup = vi.fn();
    await expect(
      guard({ timeoutMs: 1000, phase: 'read', signal: undefined }, ({ reject }) => {
        reject(new Error('at once'));
        return cleanup;
      }),
    ).rejects.toThrow('at once');
    expect(cleanup).toHaveBeenCalledOnce();
  });

  it('rejects with a TimeoutError naming the phase when the deadline passes', async () => {
    vi.useFakeTimers();
    const cleanup = vi.fn();
    const waiting = guard({ timeoutMs: 250, phase: 'greeting', signal: undefined }, () => cleanup);
    vi.advanceTimersByTime(250);
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'greeting', timeoutMs: 250 });
    expect(cleanup).toHaveBeenCalledOnce();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears its timer when the operation settles first', async () => {
    vi.useFakeTimers();
    let settle: ((value: number) => void) | undefined;
    const waiting = guard<number>(
      { timeoutMs: 60_000, phase: 'read', signal: undefined },
      ({ resolve }) => {
        settle = resolve;
        return undefined;
      },
    );
    expect(vi.getTimerCount()).toBe(1);
    settle?.(1);
    await waiting;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sets no timer for an infinite deadline', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const waiting = guard(
      { timeoutMs: Number.POSITIVE_INFINITY, phase: 'read', signal: controller.signal },
      () => undefined,
    );
    expect(vi.getTimerCount()).toBe(0);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
  });

  it('rejects with an AbortError whose cause is the signal reason, and removes its listener', async () => {
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const reason = new Error('stop');
    const waiting = guard(
      { timeoutMs: 1000, phase: 'write', signal: controller.signal },
      () => undefined,
    );
    controller.abort(reason);
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SMTP_ABORTED', phase: 'write', cause: reason });
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
  });

  it('refuses at once when the signal already fired, without starting the operation', async () => {
    const start = vi.fn();
    const onInterrupt = vi.fn((error: Error) => error);
    await expect(
      guard({ timeoutMs: 1000, phase: 'connect', signal: AbortSignal.abort(), onInterrupt }, start),
    ).rejects.toBeInstanceOf(AbortError);
    expect(start).not.toHaveBeenCalled();
    expect(onInterrupt).toHaveBeenCalledOnce();
  });

  it('lets onInterrupt replace the error and act on it', async () => {
    vi.useFakeTimers();
    const replaced = new Error('replaced');
    const waiting = guard(
      { timeoutMs: 10, phase: 'read', signal: undefined, onInterrupt: () => replaced },
      () => undefined,
    );
    vi.advanceTimersByTime(10);
    await expect(waiting).rejects.toBe(replaced);
  });

  it('turns an exception thrown by start into a rejection', async () => {
    await expect(
      guard({ timeoutMs: 1000, phase: 'read', signal: undefined }, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });

  it('ignores settling twice', async () => {
    const value = await guard<number>(
      { timeoutMs: 1000, phase: 'read', signal: undefined },
      ({ resolve, reject }) => {
        resolve(1);
        resolve(2);
        reject(new Error('late'));
        return undefined;
      },
    );
    expect(value).toBe(1);
  });
});

describe('guard with a deadline', () => {
  it('ends the wait at the deadline when it comes before timeoutMs', async () => {
    vi.useFakeTimers();
    const waiting = guard(
      { timeoutMs: 60_000, deadline: performance.now() + 100, phase: 'mail', signal: undefined },
      () => undefined,
    );
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(100);
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SMTP_TIMEOUT', phase: 'mail' });
    expect((error as TimeoutError).timeoutMs).toBeLessThanOrEqual(100);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends the wait at timeoutMs when it comes before the deadline', async () => {
    vi.useFakeTimers();
    const waiting = guard(
      { timeoutMs: 50, deadline: performance.now() + 60_000, phase: 'read', signal: undefined },
      () => undefined,
    );
    vi.advanceTimersByTime(50);
    await expect(waiting).rejects.toMatchObject({ phase: 'read', timeoutMs: 50 });
  });

  it('rejects at once when the deadline passed, without starting the operation or a timer', async () => {
    vi.useFakeTimers();
    const start = vi.fn();
    const onInterrupt = vi.fn((error: Error) => error);
    const waiting = guard(
      {
        timeoutMs: 1000,
        deadline: performance.now() - 1,
        phase: 'rcpt',
        signal: undefined,
        onInterrupt,
      },
      start,
    );
    expect(vi.getTimerCount()).toBe(0);
    await expect(waiting).rejects.toMatchObject({
      code: 'SMTP_TIMEOUT',
      phase: 'rcpt',
      timeoutMs: 0,
    });
    expect(start).not.toHaveBeenCalled();
    expect(onInterrupt).toHaveBeenCalledOnce();
  });

  it('rejects a passed deadline with the TimeoutError itself when there is no onInterrupt', async () => {
    const error = await guard(
      { timeoutMs: undefined, deadline: 0, phase: 'tls', signal: undefined },
      () => undefined,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('reports an abort before a passed deadline', async () => {
    await expect(
      guard(
        { timeoutMs: 1000, deadline: 0, phase: 'read', signal: AbortSignal.abort() },
        () => undefined,
      ),
    ).rejects.toBeInstanceOf(AbortError);
  });

  it('arms no timer for an Infinity deadline and no timeout, nor for one beyond a timer’s reach', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const waits = [
      guard(
        {
          timeoutMs: undefined,
          deadline: Number.POSITIVE_INFINITY,
          phase: 'read',
          signal: controller.signal,
        },
        () => undefined,
      ),
      guard({ timeoutMs: 2 ** 31, phase: 'read', signal: controller.signal }, () => undefined),
    ];
    expect(vi.getTimerCount()).toBe(0);
    controller.abort();
    for (const waiting of waits) await expect(waiting).rejects.toBeInstanceOf(AbortError);
  });
});

describe('timeLeft', () => {
  it.each([
    [1000, undefined, 0, 1000],
    [undefined, undefined, 0, Number.POSITIVE_INFINITY],
    [1000, Number.POSITIVE_INFINITY, 0, 1000],
    [1000, 500, 0, 500],
    [100, 500, 0, 100],
    [undefined, 500, 0, 500],
    [1000, 100.2, 0, 101],
    [1000, 100, 100, 0],
    [1000, 100, 250, 0],
    [1000, Number.NEGATIVE_INFINITY, 0, 0],
  ])('timeoutMs %s, deadline %s, at %s: %s ms', (timeoutMs, deadline, now, expected) => {
    expect(timeLeft(timeoutMs, deadline, now)).toBe(expected);
  });

  it('measures from performance.now() by default', () => {
    const left = timeLeft(undefined, performance.now() + 10_000);
    expect(left).toBeGreaterThan(9000);
    expect(left).toBeLessThanOrEqual(10_000);
  });
});

describe('isDeadline', () => {
  it.each([
    [undefined, true],
    [0, true],
    [-5, true],
    [1234.5, true],
    [Number.POSITIVE_INFINITY, true],
    [Number.NaN, false],
    ['10', false],
    [null, false],
  ])('%s -> %s', (value, expected) => {
    expect(isDeadline(value)).toBe(expected);
  });
});

describe('isTimeout', () => {
  it.each([
    [1, true],
    [0.5, true],
    [Number.POSITIVE_INFINITY, true],
    [0, false],
    [-1, false],
    [Number.NaN, false],
    ['10', false],
  ])('%s -> %s', (value, expected) => {
    expect(isTimeout(value)).toBe(expected);
  });
});
