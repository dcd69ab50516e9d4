/**
 * A sliding-window rate limit: at most `limit` starts in any window of `intervalMs`. The pool
 * asks it before a message is started, never after. Why a log of start times and not a counter
 * reset each interval: the counter lets `2 × limit` through around a boundary (a full burst at
 * the end of one interval, another at the start of the next); the log does not.
 *
 * The log is a ring of `limit` timestamps: a start is allowed when fewer than `limit` starts
 * were recorded, or when the oldest of the last `limit` is at least `intervalMs` old, which is
 * exactly "no half-open window `[t, t + intervalMs)` holds more than `limit` starts".
 */
export class RateLimiter {
  readonly limit: number;
  readonly intervalMs: number;
  readonly #starts: Float64Array;
  #next = 0;
  #count = 0;

  constructor(limit: number, intervalMs: number) {
    this.limit = limit;
    this.intervalMs = intervalMs;
    this.#starts = new Float64Array(limit);
  }

  /** The earliest time (same clock as `now`) a start is allowed: `now` or later. */
  allowedAt(now: number): number {
    if (this.#count < this.limit) return now;
    // The ring is full: #next is the oldest of the last `limit` starts.
    const oldest = this.#starts[this.#next] as number;
    return Math.max(now, oldest + this.intervalMs);
  }

  /** Records a start at `now`; the caller checked {@link allowedAt} first. */
  record(now: number): void {
    this.#starts[this.#next] = now;
    this.#next = (this.#next + 1) % this.limit;
    if (this.#count < this.limit) this.#count++;
  }
}
