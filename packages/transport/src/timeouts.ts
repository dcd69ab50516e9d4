/**
 * Deadlines and aborts for every wait in the transport.
 *
 * A wait is given a deadline measured from its start, never an inactivity timeout: a server
 * that trickles one byte a second must not keep a read alive forever (docs/security.md INV-8). The
 * timer is unref'd, so an idle deadline never holds the process open, and it is cleared, with
 * the abort listener removed, however the wait ends.
 *
 * A wait may also be given an absolute `deadline` (on the `performance.now()` clock) shared by
 * several waits: the client gives one to a whole phase (a pipelined batch's writes and reads,
 * a message body's chunks). The earlier of the two ends the wait; a deadline already passed
 * ends it at once. {@link guard} is the one place that arms a timer.
 */
import { performance } from 'node:perf_hooks';
import { AbortError } from './errors/abort-error.ts';
import { TimeoutError, type TimeoutPhase } from './errors/timeout-error.ts';

/**
 * The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days); Node fires a longer one
 * after 1 ms instead. A wait allowed longer than this is not timed at all.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** How one wait may end early. */
export interface GuardOptions {
  /** Milliseconds from now; `Infinity` or `undefined` for no timeout of its own. */
  readonly timeoutMs: number | undefined;
  /**
   * An absolute deadline on the `performance.now()` clock, in ms (`Infinity` for none). The
   * earlier of this and `timeoutMs` ends the wait; when it has already passed, the wait
   * rejects at once with a {@link TimeoutError} (`timeoutMs` 0) and `start` is not called.
   */
  readonly deadline?: number | undefined;
  /** Named in the {@link TimeoutError} or {@link AbortError}. */
  readonly phase: TimeoutPhase;
  /** The caller's signal, if any. */
  readonly signal: AbortSignal | undefined;
  /**
   * Called with the timeout or abort error before the wait rejects with what it returns; the
   * connection destroys itself here.
   */
  readonly onInterrupt?: (error: TimeoutError | AbortError) => Error;
}

/** Settles the guarded wait; later calls are ignored. */
export interface Settle<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * Runs `start` and waits for it to settle, or for the deadline, or for the signal. `start`
 * returns a cleanup function (remove listeners), called exactly once whatever happens.
 */
export function guard<T>(
  options: GuardOptions,
  start: (settle: Settle<T>) => (() => void) | undefined,
): Promise<T> {
  return new Promise<T>((resolvePromise, rejectPromise) => {
    const { phase, signal, onInterrupt } = options;
    const waitMs = timeLeft(options.timeoutMs, options.deadline);
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cleanup: (() => void) | undefined;

    const finish = (): void => {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      cleanup?.();
      cleanup = undefined;
    };
    const settle: Settle<T> = {
      resolve(value) {
        if (settled) return;
        finish();
        resolvePromise(value);
      },
      reject(error) {
        if (settled) return;
        finish();
        rejectPromise(error);
      },
    };
    const interrupt = (error: TimeoutError | AbortError): void => {
      if (settled) return;
      settle.reject(onInterrupt === undefined ? error : onInterrupt(error));
    };
    function onAbort(): void {
      interrupt(new AbortError(phase, { cause: signal?.reason }));
    }

    if (signal?.aborted) {
      settled = true;
      rejectPromise((onInterrupt ?? ((e) => e))(new AbortError(phase, { cause: signal.reason })));
      return;
    }
    if (waitMs <= 0) {
      settled = true;
      rejectPromise((onInterrupt ?? ((e) => e))(new TimeoutError(phase, 0)));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (waitMs <= MAX_TIMER_MS) {
      timer = setTimeout(() => interrupt(new TimeoutError(phase, waitMs)), waitMs);
      timer.unref();
    }
    try {
      cleanup = start(settle);
    } catch (error) {
      settle.reject(error);
    }
    // `start` may have settled synchronously, before its cleanup was known.
    if (settled && cleanup !== undefined) {
      cleanup();
      cleanup = undefined;
    }
  });
}

/**
 * How long a wait may last: the earlier of `timeoutMs` from now and `deadline`, in whole
 * milliseconds rounded up (so a timer never fires before the deadline), 0 when the deadline has
 * passed, `Infinity` when neither bounds it.
 */
export function timeLeft(
  timeoutMs: number | undefined,
  deadline: number | undefined,
  now: number = performance.now(),
): number {
  const own = timeoutMs ?? Number.POSITIVE_INFINITY;
  if (deadline === undefined || deadline === Number.POSITIVE_INFINITY) return own;
  return Math.min(own, Math.max(0, Math.ceil(deadline - now)));
}

/** True for a timeout option: a positive number, `Infinity` included. */
export function isTimeout(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && !Number.isNaN(value);
}

/**
 * True for a deadline option: absent, or a time on the `performance.now()` clock (`Infinity`
 * for none; a time in the past is valid and fails the wait at once). `NaN` is not.
 */
export function isDeadline(value: unknown): value is number | undefined {
  return value === undefined || (typeof value === 'number' && !Number.isNaN(value));
}
