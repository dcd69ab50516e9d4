/**
 * Errors raised by `@smtp/protocol`.
 *
 * Every class extends `Error` directly, carries a stable string `code` and the brand
 * `Symbol.for('smtp.error')`, so {@link isSmtpError} recognises errors from any `@smtp` package,
 * even across duplicate installs, without importing them.
 */

const smtpErrorBrand = Symbol.for('smtp.error');

function brand(error: Error): void {
  // Non-enumerable, so the brand never shows in JSON.stringify or util.inspect output.
  Object.defineProperty(error, smtpErrorBrand, { value: true });
}

/** True for any error raised by an `@smtp` package, whichever copy of it was loaded. */
export function isSmtpError(value: unknown): value is Error & { readonly code: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[smtpErrorBrand] === true
  );
}

/** Codes of {@link ProtocolError}: what was wrong with the bytes the server sent. */
export type ProtocolErrorCode =
  /** A reply line is not `NNN`, `NNN-text` or `NNN text` with a code from 200 to 599. */
  | 'SMTP_PROTOCOL_MALFORMED_REPLY'
  /** The lines of one multi-line reply carry different codes. */
  | 'SMTP_PROTOCOL_INCONSISTENT_CODE'
  /** A NUL, or a CR not followed by LF, in a reply. */
  | 'SMTP_PROTOCOL_INVALID_BYTE'
  /** A reply line is longer than the parser's `maxLineLength`. */
  | 'SMTP_PROTOCOL_LINE_TOO_LONG'
  /** A reply has more lines than `maxLines`, or more bytes than `maxReplySize`. */
  | 'SMTP_PROTOCOL_REPLY_TOO_LARGE'
  /** The parser was used after it had already failed; call `reset()` first. */
  | 'SMTP_PROTOCOL_PARSER_FAILED'
  /** A reply that was parsed correctly does not make sense where it arrived (EHLO, SASL). */
  | 'SMTP_PROTOCOL_UNEXPECTED_REPLY'
  /**
   * Bytes arrived after the STARTTLS `220` and before the TLS handshake (docs/security.md
   * INV-2): they would be read as if they came over TLS (response injection, CVE-2011-0411).
   * Raised by the transport, which never starts TLS then.
   */
  | 'SMTP_PROTOCOL_STARTTLS_INJECTION';

/**
 * The server sent bytes that are not valid SMTP, or more than the configured bounds allow.
 *
 * It does not cover replies that are well formed but negative (a `550`): those are values, and
 * the client turns them into its own errors.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError' as const;
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    brand(this);
  }
}

/** Codes of {@link InvalidInputError}: which caller-supplied value could not be encoded. */
export type InvalidInputErrorCode =
  /** CR, LF, NUL, another C0 control or DEL where the protocol forbids it. */
  | 'SMTP_INVALID_CHARACTER'
  /** A mailbox (reverse or forward path) that breaks RFC 5321 syntax. */
  | 'SMTP_INVALID_MAILBOX'
  /** A domain or address literal that breaks RFC 5321 syntax (EHLO/HELO, mailboxes). */
  | 'SMTP_INVALID_DOMAIN'
  /** An ESMTP parameter name or value that breaks its RFC's grammar. */
  | 'SMTP_INVALID_PARAMETER'
  /** UTF-8 where only ASCII is allowed (SMTPUTF8 not requested). */
  | 'SMTP_INVALID_NON_ASCII'
  /** A command line, or a message line in DATA, longer than RFC 5321 allows. */
  | 'SMTP_INVALID_LINE_TOO_LONG'
  /** A BDAT chunk size, SIZE value, configured bound or other number outside its range. */
  | 'SMTP_INVALID_NUMBER'
  /** A streaming encoder used after `end()`: a caller bug, reported before any byte is made. */
  | 'SMTP_INVALID_STATE';

/**
 * A value given by the caller cannot be put on the wire safely (RFC 5321 grammar, or an attempt
 * to inject CR/LF). Raised before any byte is produced, so nothing has been sent.
 */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError' as const;
  readonly code: InvalidInputErrorCode;

  constructor(code: InvalidInputErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    brand(this);
  }
}

/** Codes of {@link SaslError}. */
export type SaslErrorCode =
  /** The server asked for more challenge rounds than the mechanism allows (INV-8). */
  | 'SMTP_SASL_TOO_MANY_ROUNDS'
  /** A server challenge that is not valid base64 or not valid for the mechanism. */
  | 'SMTP_SASL_MALFORMED_CHALLENGE'
  /** SCRAM: the server's signature does not prove it knows the password. */
  | 'SMTP_SASL_SERVER_SIGNATURE_MISMATCH'
  /** The mechanism cannot be used with what it was given (missing password, bad nonce...). */
  | 'SMTP_SASL_INVALID_CREDENTIALS'
  /** The server ended the exchange with an error inside the mechanism (SCRAM `e=`). */
  | 'SMTP_SASL_SERVER_REJECTED'
  /** A step was called after the mechanism finished or failed. */
  | 'SMTP_SASL_STATE';

/** A SASL exchange cannot go on. Never carries a password, token or their base64 forms. */
export class SaslError extends Error {
  override readonly name = 'SaslError' as const;
  readonly code: SaslErrorCode;

  constructor(code: SaslErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    brand(this);
  }
}
