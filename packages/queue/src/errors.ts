/**
 * Errors raised by `@smtp/queue`. Like every `@smtp` error, {@link QueueError} extends `Error`,
 * carries a stable string `code` and the brand `Symbol.for('smtp.error')`, so `isSmtpError` from
 * any `@smtp` package recognises it. What the client raises while sending (a `SendError` with its
 * outcome) is not wrapped: a job's failure reason is that error's message.
 */

const smtpErrorBrand = Symbol.for('smtp.error');

/** Codes of {@link QueueError}. */
export type QueueErrorCode =
  /** An option of `createOutbox`, `createWorker` or `enqueue` is missing or out of range. */
  | 'SMTP_QUEUE_INVALID_OPTIONS'
  /**
   * A job id that cannot be one: empty, over 256 characters, an integer (BullMQ keeps those for
   * the ids it makes), or holding `:` (its key separator) or a control character.
   */
  | 'SMTP_QUEUE_INVALID_ID'
  /** The composed message is larger than the outbox's `maxMessageSize`; nothing was stored. */
  | 'SMTP_QUEUE_MESSAGE_TOO_LARGE'
  /** `release`, `discard` or `job` named an id the queue does not hold. */
  | 'SMTP_QUEUE_NOT_FOUND'
  /** `release` named a job that is not held as `unknown`. */
  | 'SMTP_QUEUE_NOT_HELD'
  /** A job whose data this version cannot read (not written by `enqueue`, or by a newer one). */
  | 'SMTP_QUEUE_INVALID_JOB'
  /** The outbox or the worker was closed. */
  | 'SMTP_QUEUE_CLOSED';

/** The queue refused a request, or was used after `close()`. */
export class QueueError extends Error {
  override readonly name = 'QueueError' as const;
  readonly code: QueueErrorCode;

  constructor(code: QueueErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    // Non-enumerable, so the brand never shows in JSON.stringify or util.inspect output.
    Object.defineProperty(this, smtpErrorBrand, { value: true });
  }
}
