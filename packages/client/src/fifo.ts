/**
 * A FIFO lock: tasks run one at a time, in call order. A task still waiting whose signal aborts
 * leaves the queue at once; `failAll` empties it (the owner was destroyed). The client uses it
 * so that the commands of two calls never interleave on its one connection.
 */
import { AbortError } from '@smtp/transport';

interface Waiter {
  start(): void;
  fail(error: Error): void;
}

/** Runs tasks one after another in call order. */
export class Fifo {
  #busy = false;
  readonly #waiters: Waiter[] = [];

  /** Calls waiting for their turn (the running one not counted). */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Runs `task` once every task queued before it is done. */
  async run<T>(signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    if (signal?.aborted === true) throw new AbortError('queue', { cause: signal.reason });
    if (this.#busy) await this.#turn(signal);
    else this.#busy = true;
    try {
      return await task();
    } finally {
      const next = this.#waiters.shift();
      if (next === undefined) this.#busy = false;
      else next.start();
    }
  }

  /** Fails every waiting task with `error` (the running one is not touched). */
  failAll(error: Error): void {
    for (const waiter of this.#waiters.splice(0)) waiter.fail(error);
  }

  #turn(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.#waiters.indexOf(waiter);
        if (at !== -1) this.#waiters.splice(at, 1);
        reject(new AbortError('queue', { cause: signal?.reason }));
      };
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }
}
