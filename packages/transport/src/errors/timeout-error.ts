import { brand } from './brand.ts';

/**
 * What was being waited for when a deadline passed: `connect` (DNS and TCP), `tls` (a handshake),
 * `read` (a reply, unless the caller named the phase: `greeting`, `mail`, `data-end`...),
 * `write` (the socket accepting bytes), `body-source` (the caller's content stream in
 * `writeStream` producing its next chunk), `close` (a graceful close).
 */
export type TimeoutPhase =
  | 'connect'
  | 'tls'
  | 'read'
  | 'write'
  | 'body-source'
  | 'close'
  | (string & {});

/**
 * A deadline passed. Deadlines run from the start of the operation and are not extended by
 * activity, so a server that trickles one byte at a time still hits them (docs/security.md INV-8).
 * The connection is destroyed.
 */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError' as const;
  readonly code = 'SMTP_TIMEOUT' as const;
  /** What was being waited for. */
  readonly phase: TimeoutPhase;
  /**
   * How long the wait was allowed, in milliseconds: its timeout, or what was left of the
   * caller's `deadline` when that came first (0 when the deadline had already passed).
   */
  readonly timeoutMs: number;

  constructor(phase: TimeoutPhase, timeoutMs: number, options?: ErrorOptions) {
    super(`SMTP ${phase} timed out after ${timeoutMs} ms`, options);
    this.phase = phase;
    this.timeoutMs = timeoutMs;
    brand(this);
  }
}
