/**
 * Errors raised by `@smtp/mime`.
 *
 * Every class extends `Error` directly, carries a stable string `code` and the brand
 * `Symbol.for('smtp.error')`, so `isSmtpError` recognises errors from any `@smtp` package, even
 * across duplicate installs, without importing them. (This package is a leaf: it cannot import
 * the brand from another `@smtp` package, so it repeats these few lines.)
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

/** Codes of {@link InvalidAddressError}. */
export type InvalidAddressErrorCode =
  /** The text is not an RFC 5322 address, address list or mailbox, or is ambiguous. */
  | 'SMTP_MIME_INVALID_ADDRESS'
  /** A domain that cannot be converted to A-labels (IDNA) or is not a valid domain. */
  | 'SMTP_MIME_INVALID_DOMAIN';

/**
 * An address given by the caller cannot be parsed or used. Strict on purpose (docs/security.md
 * decision 7): an ambiguous address is refused, never guessed.
 */
export class InvalidAddressError extends Error {
  override readonly name = 'InvalidAddressError' as const;
  readonly code: InvalidAddressErrorCode;

  constructor(code: InvalidAddressErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    brand(this);
  }
}

/** Codes of {@link InvalidHeaderError}. */
export type InvalidHeaderErrorCode =
  /** A header name outside RFC 5322 `ftext`, or one the package owns (`Bcc`, `MIME-Version`...). */
  | 'SMTP_MIME_INVALID_HEADER_NAME'
  /** A header value with CR, LF, NUL, another control or DEL (header injection, INV-5). */
  | 'SMTP_MIME_INVALID_HEADER_VALUE'
  /** A header that cannot be folded to lines of at most 998 octets. */
  | 'SMTP_MIME_HEADER_TOO_LONG'
  /** A MIME parameter (boundary, charset, filename...) that breaks its grammar (INV-7). */
  | 'SMTP_MIME_INVALID_PARAMETER';

/** A header name, value or MIME parameter given by the caller cannot be written safely. */
export class InvalidHeaderError extends Error {
  override readonly name = 'InvalidHeaderError' as const;
  readonly code: InvalidHeaderErrorCode;

  constructor(code: InvalidHeaderErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    brand(this);
  }
}

/** Codes of {@link InvalidMessageError}. */
export type InvalidMessageErrorCode =
  /** `validate()` found the message cannot be sent (see `problems`). */
  | 'SMTP_MIME_INVALID_MESSAGE'
  /** An option or argument of the wrong type or out of range. */
  | 'SMTP_MIME_INVALID_OPTION'
  /**
   * The message would read a file (`{ path }` content) and the caller turned file access off
   * (`validate({ allowFileAccess: false })`, docs/security.md decision 13); nothing was read.
   */
  | 'SMTP_MIME_FILE_ACCESS_DENIED';

/** A message that cannot be sent as it is; `problems` names every issue found, in order. */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError' as const;
  readonly code: InvalidMessageErrorCode;
  readonly problems: readonly string[];

  constructor(
    code: InvalidMessageErrorCode,
    message: string,
    problems: readonly string[] = [message],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.problems = problems;
    brand(this);
  }
}

/** Codes of {@link ContentError}. */
export type ContentErrorCode =
  /** An attachment's or body's source failed while being read (file missing, stream error). */
  | 'SMTP_MIME_CONTENT_READ'
  /** Content that the chosen transfer encoding cannot carry (NUL or long lines in 7bit/8bit). */
  | 'SMTP_MIME_CONTENT_NOT_ENCODABLE'
  /** Encoded input (quoted-printable, base64) that is malformed, for the strict decoders. */
  | 'SMTP_MIME_MALFORMED_ENCODING'
  /** A boundary collision that a fresh boundary could not avoid (INV-7). */
  | 'SMTP_MIME_BOUNDARY_COLLISION';

/** A body or attachment could not be read or encoded. The cause holds the underlying error. */
export class ContentError extends Error {
  override readonly name = 'ContentError' as const;
  readonly code: ContentErrorCode;

  constructor(code: ContentErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    brand(this);
  }
}
