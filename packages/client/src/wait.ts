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
    const within = new Within(resolve, reject, interrupt, phase, signal, lifetime, left);
    promise.then(
      (value) => within.resolved(value),
      (error: unknown) => within.rejected(error),
    );
  });
}

const ONCE = { once: true } as const;

/**
 * One {@link settleWithin} wait. A class rather than closures: the final reply of every message
 * is read through here, and one object per wait, itself the abort listener (`handleEvent`) and
 * the timer's argument, replaces a closure per listener, per timer and per way of ending. The
 * usual path (the constructor, then `resolved`) is two small functions for the JIT.
 */
class Within<T> {
  readonly #resolve: (value: T) => void;
  readonly #reject: (error: unknown) => void;
  readonly #interrupt: (error: Error) => void;
  readonly #phase: string;
  readonly #signal: AbortSignal | undefined;
  readonly #lifetime: AbortSignal | undefined;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;

  /** Arms the deadline (`left` ms, none when infinite) and listens to both signals. */
  constructor(
    resolve: (value: T) => void,
    reject: (error: unknown) => void,
    interrupt: (error: Error) => void,
    phase: string,
    signal: AbortSignal | undefined,
    lifetime: AbortSignal | undefined,
    left: number,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#interrupt = interrupt;
    this.#phase = phase;
    this.#signal = signal;
    this.#lifetime = lifetime;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (Number.isFinite(left)) {
      timer = setTimeout(onDeadline, left, this, left);
      timer.unref();
    }
    this.#timer = timer;
    signal?.addEventListener('abort', this, ONCE);
    lifetime?.addEventListener('abort', this, ONCE);
  }

  /** The caller's signal or the lifetime aborted (an `EventTarget` listener object). */
  handleEvent(event: Event): void {
    const source = event.target === this.#signal ? this.#signal : this.#lifetime;
    this.fail(new AbortError(this.#phase, { cause: source?.reason }));
  }

  timedOut(left: number): void {
    this.fail(new TimeoutError(this.#phase, Math.round(left)));
  }

  resolved(value: T): void {
    // #done() written out: this runs once per message and is then one function, not two.
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#signal?.removeEventListener('abort', this);
    this.#lifetime?.removeEventListener('abort', this);
    this.#resolve(value);
  }

  rejected(error: unknown): void {
    this.#done();
    this.#reject(error);
  }

  fail(error: Error): void {
    this.#done();
    this.#interrupt(error);
    this.#reject(error);
  }

  #done(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#signal?.removeEventListener('abort', this);
    this.#lifetime?.removeEventListener('abort', this);
  }
}

function onDeadline(within: { timedOut(left: number): void }, left: number): void {
  within.timedOut(left);
}

function ignore(): void {}
