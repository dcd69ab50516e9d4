import { brand } from './brand.ts';

/** Codes of {@link ConnectionError}: how the socket failed. */
export type ConnectionErrorCode =
  /** Nobody listens on that address and port (`ECONNREFUSED`), or the UNIX socket refused. */
  | 'SMTP_CONNECTION_REFUSED'
  /** The host name could not be resolved (`ENOTFOUND`, `EAI_AGAIN`, `EAI_FAIL`, ...). */
  | 'SMTP_DNS'
  /** The peer reset the connection (`ECONNRESET`, `EPIPE`). */
  | 'SMTP_CONNECTION_RESET'
  /**
   * The connection is closed: the peer closed it before or in the middle of a reply, or it was
   * closed or destroyed earlier (by the caller, or after another error) and is used again.
   */
  | 'SMTP_CONNECTION_CLOSED'
  /** Any other socket error (`EHOSTUNREACH`, `ENETUNREACH`, `ENOENT` for a socket path, ...). */
  | 'SMTP_CONNECTION_FAILED';

/** Details of a {@link ConnectionError}. */
export interface ConnectionErrorDetails {
  /** The operating system's error code (`ECONNREFUSED`, `ENOTFOUND`...), when there was one. */
  readonly socketCode?: string;
  /** The system call that failed (`connect`, `getaddrinfo`, `read`, `write`). */
  readonly syscall?: string;
  /** Bytes of an incomplete reply received before the peer closed (0: between replies). */
  readonly partialReplyBytes?: number;
}

/**
 * The socket failed or is closed. The connection is destroyed and cannot be used again.
 *
 * It does not cover deadlines ({@link TimeoutError}), TLS handshakes ({@link TlsError}),
 * aborts ({@link AbortError}) or malformed replies (`ProtocolError` from `@smtp/protocol`).
 */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError' as const;
  readonly code: ConnectionErrorCode;
  /** The operating system's error code, when there was one. */
  readonly socketCode: string | undefined;
  /** The system call that failed, when known. */
  readonly syscall: string | undefined;
  /** Bytes of an incomplete reply received before the peer closed, when it closed. */
  readonly partialReplyBytes: number | undefined;

  constructor(
    code: ConnectionErrorCode,
    message: string,
    details: ConnectionErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.socketCode = details.socketCode;
    this.syscall = details.syscall;
    this.partialReplyBytes = details.partialReplyBytes;
    brand(this);
  }
}
