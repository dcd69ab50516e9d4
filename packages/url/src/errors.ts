/**
 * Errors raised by `@smtp/url`.
 *
 * One class, {@link UrlError}, with a stable string `code` per failure. Like every `@smtp` error
 * it extends `Error` directly and carries the brand `Symbol.for('smtp.error')`, so
 * {@link isSmtpError} recognises errors from any `@smtp` package, even across duplicate installs,
 * without importing them.
 *
 * Messages never quote the input: a malformed URL may hold a password in any position, so they
 * name the part that is wrong (and the scheme, when it is the scheme that is unknown) instead.
 */

const smtpErrorBrand = Symbol.for('smtp.error');

function brand(error: Error): void {
  // Non-enumerable, so the brand never shows in JSON.stringify or util.inspect output.
  Object.defineProperty(error, smtpErrorBrand, { value: true });
}

/**
 * True for any error raised by an `@smtp` package, whichever copy of it was loaded.
 *
 * @example
 * ```ts
 * try {
 *   parseSmtpUrl(process.env.SMTP_URL ?? '');
 * } catch (error) {
 *   if (isSmtpError(error)) console.error(error.code);
 *   else throw error;
 * }
 * ```
 */
export function isSmtpError(value: unknown): value is Error & { readonly code: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[smtpErrorBrand] === true
  );
}

/**
 * Codes of {@link UrlError}: what is wrong with an SMTP URL or a proxy URL, or with a value to
 * format as one.
 */
export type UrlErrorCode =
  /**
   * The text is not shaped like an SMTP URL: not a string, whitespace or control characters, a
   * character that must be percent-encoded, more than one `@`, `smtp:` without `//`, a security
   * that does not match the scheme (formatting).
   */
  | 'SMTP_URL_MALFORMED'
  /** The scheme is not in `SMTP_SCHEMES` (`PROXY_SCHEMES` for a proxy URL); the message lists the known ones. */
  | 'SMTP_URL_UNKNOWN_SCHEME'
  /** Nothing where the host or socket path belongs (`smtp://`, `smtp://user:pass@:25`). */
  | 'SMTP_URL_EMPTY_HOST'
  /** The host is not a DNS name, dotted-quad IPv4, bracketed IPv6 or percent-encoded socket path. */
  | 'SMTP_URL_INVALID_HOST'
  /** The port is empty, not decimal digits, outside 1-65535, or given with a socket path. */
  | 'SMTP_URL_INVALID_PORT'
  /** Credentials without a user name (`smtp://:secret@host`, `smtp://@host`). */
  | 'SMTP_URL_MISSING_USER'
  /** A user name without a password, or with an empty one (`smtp://user@host`). */
  | 'SMTP_URL_MISSING_PASSWORD'
  /**
   * Proxy credentials the proxy protocol cannot carry: a password for `socks4a`, a user or
   * password over 255 bytes for SOCKS5 (RFC 1929), a `:` in an HTTP proxy's user (RFC 7617), NUL
   * in a SOCKS4 user id.
   */
  | 'SMTP_URL_INVALID_CREDENTIALS'
  /** A `%` not followed by two hex digits, or percent-encoded bytes that are not UTF-8. */
  | 'SMTP_URL_INVALID_PERCENT_ENCODING'
  /** A path other than empty or `/`, a query or a fragment: SMTP URLs define none of them. */
  | 'SMTP_URL_UNSUPPORTED_PART';

/**
 * An SMTP URL cannot be parsed, or a value cannot be formatted as one.
 *
 * It covers syntax only: it does not say whether the host resolves, the port listens or the
 * credentials are accepted. Its message never contains the password or any other part of the
 * input except an unknown scheme name.
 */
export class UrlError extends Error {
  override readonly name = 'UrlError' as const;
  readonly code: UrlErrorCode;

  constructor(code: UrlErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    brand(this);
  }
}
