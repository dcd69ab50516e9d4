import { brand } from './brand.ts';

/** Codes of {@link TransportUsageError}. */
export type TransportUsageErrorCode =
  /** An option is missing, out of range or contradicts another. Raised before any I/O. */
  | 'SMTP_TRANSPORT_INVALID_OPTIONS'
  /** A method was called when it cannot work (`upgradeToTls` twice, or with reads pending). */
  | 'SMTP_TRANSPORT_INVALID_STATE';

/**
 * The transport was called in a way it cannot honour: a programming error, never something a
 * server can cause. Options errors come before any socket is opened; a state error leaves the
 * connection as it was.
 */
export class TransportUsageError extends Error {
  override readonly name = 'TransportUsageError' as const;
  readonly code: TransportUsageErrorCode;

  constructor(code: TransportUsageErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    brand(this);
  }
}
