/**
 * Deadlines and aborts for every wait in the transport.
 *
 * A wait is given a deadline measured from its start, never an inactivity timeout: a server
 * that trickles one byte a second must not keep a read alive forever (SECURITY.md INV-8). The
 * timer is unref'd, so an idle deadline never holds the process open, and it is cleared, with
 * the abort listener removed, however the wait ends.
 */
import { AbortError } from './errors/abort-error.ts';
import { TimeoutError, type TimeoutPhase } from './errors/timeout-error.ts';

/** How one wait may end early. */
export interface GuardOptions {
  /** Milliseconds from now; `Infinity` or `undefined` for no deadline. */
  readonly timeoutMs: number | undefined;
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
    const { timeoutMs, phase, signal, onInterrupt } = options;
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
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
      timer = setTimeout(() => interrupt(new TimeoutError(phase, timeoutMs)), timeoutMs);
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

/** True for a deadline option: a positive number, `Infinity` included. */
export function isTimeout(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && !Number.isNaN(value);
}
