import { brand } from './brand.ts';
import type { TimeoutPhase } from './timeout-error.ts';

/**
 * The caller's `AbortSignal` fired while the transport waited. The signal's `reason` is the
 * `cause`. The connection (or the connection attempt) is destroyed.
 */
export class AbortError extends Error {
  override readonly name = 'AbortError' as const;
  readonly code = 'SMTP_ABORTED' as const;
  /** What was being waited for: the same names as {@link TimeoutError.phase}. */
  readonly phase: TimeoutPhase;

  constructor(phase: TimeoutPhase, options?: ErrorOptions) {
    super(`SMTP ${phase} aborted`, options);
    this.phase = phase;
    brand(this);
  }
}
