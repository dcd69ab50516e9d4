/**
 * How long a phase of the dialogue may take, and who may cut it short: every wait in the client
 * is given a {@link Wait} as an argument (never a field someone set earlier), so the deadline
 * and the signal that bound it are visible at the call.
 *
 * A deadline is absolute (on the `performance.now()` clock) and belongs to a phase, not to a
 * single read: the replies to a pipelined batch, or the chunks of a message body, all share the
 * one deadline of their phase, so a server that trickles replies cannot stretch it (INV-8 in
 * docs/security.md).
 *
 * Waits on the socket are bounded by the transport, which takes the same deadline. Waits that
 * are not on the socket (a caller's token provider, a caller's content stream during BDAT, the
 * final reply read while the body is still being written) go through {@link settleWithin},
 * the one place the client arms a timer of its own.
 */
import { AbortError, TimeoutError } from '@smtp/transport';

/** The bounds of one phase: an absolute deadline and the caller's signal, if any. */
export interface Wait {
  /** `performance.now()` time by which the phase must be over; `Infinity` for none. */
  readonly deadline: number;
  /** The caller's signal for the operation this phase belongs to. */
  readonly signal: AbortSignal | undefined;
}

/** A phase that starts now and may last `timeoutMs`. */
export function waitFor(timeoutMs: number, signal: AbortSignal | undefined): Wait {
  return { deadline: performance.now() + timeoutMs, signal };
}

/** The transport's wait options for a phase. */
export function transportWait(wait: Wait): { deadline: number; signal?: AbortSignal } {
  return wait.signal === undefined
    ? { deadline: wait.deadline }
    : { deadline: wait.deadline, signal: wait.signal };
}

/**
 * Waits for `promise` within `wait`: rejects with `TimeoutError` (`phase`) when the deadline
 * passes and with `AbortError` when the signal aborts, after calling `interrupt` so the caller
 * can tear down what the promise was waiting on (the connection). The timer and the listener
 * are removed however it ends; a promise that settles later is ignored. `lifetime` is a second
 * signal with the same effect: the owner's (a connection being destroyed).
 */
export function settleWithin<T>(
  promise: Promise<T>,
  wait: Wait,
  phase: string,
  interrupt: (error: Error) => void,
  lifetime?: AbortSignal,
): Promise<T> {
  const { deadline, signal } = wait;
  const aborted =
    signal?.aborted === true ? signal : lifetime?.aborted === true ? lifetime : undefined;
  if (aborted !== undefined) {
    const error = new AbortError(phase, { cause: aborted.reason });
    interrupt(error);
    promise.catch(ignore);
    return Promise.reject(error);
  }
  const left = deadline - performance.now();
  if (left <= 0) {
    const error = new TimeoutError(phase, 0);
    interrupt(error);
    promise.catch(ignore);
    return Promise.reject(error);
  }
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      lifetime?.removeEventListener('abort', onEnd);
    };
    const fail = (error: Error): void => {
      done();
      interrupt(error);
      reject(error);
    };
    function onAbort(): void {
      fail(new AbortError(phase, { cause: signal?.reason }));
    }
    function onEnd(): void {
      fail(new AbortError(phase, { cause: lifetime?.reason }));
    }
    if (Number.isFinite(left)) {
      timer = setTimeout(() => fail(new TimeoutError(phase, Math.round(left))), left);
      timer.unref();
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    lifetime?.addEventListener('abort', onEnd, { once: true });
    promise.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}

function ignore(): void {}
