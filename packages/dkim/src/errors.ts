/**
 * Errors raised by `@smtp/dkim`.
 *
 * One class, {@link DkimError}, with a stable string `code` per failure. Like every `@smtp` error
 * it extends `Error` directly and carries the brand `Symbol.for('smtp.error')`, so
 * {@link isSmtpError} recognises errors from any `@smtp` package, even across duplicate installs,
 * without importing them. (This package is a leaf: it cannot import the brand from another
 * `@smtp` package, so it repeats these few lines.)
 *
 * Messages never quote a private key, nor any part of the PEM text or seed it came from
 * (docs/security.md INV-10, decision 11): they name what is wrong instead.
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
 *   await createDkimSigner({ domain: 'example.com', selector: 's1', privateKey: 'not a key' });
 * } catch (error) {
 *   if (isSmtpError(error)) console.error(error.code); // SMTP_DKIM_INVALID_KEY
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

/** Codes of {@link DkimError}. */
export type DkimErrorCode =
  /**
   * An option or argument that cannot be used: a domain, selector or identity that is not a
   * valid name (or an identity outside `d=`), a header list without `From` or with a name that is
   * not a field name, an `expiresIn` that is not a positive whole number of seconds, an unknown
   * algorithm or canonicalisation, a source or chunk of the wrong type, an invalid timestamp.
   */
  | 'SMTP_DKIM_INVALID_OPTION'
  /**
   * Not a private key this package can read (PEM PKCS#8 RSA or Ed25519, PEM PKCS#1 RSA, a base64
   * 32-byte Ed25519 seed), an encrypted key, or a key of another algorithm than the one asked.
   */
  | 'SMTP_DKIM_INVALID_KEY'
  /** An RSA key under 1024 bits (RFC 8301 section 3.2): refused. Under 2048 bits only warns. */
  | 'SMTP_DKIM_WEAK_KEY'
  /**
   * The message cannot be signed: a header line that is not a field (and not a continuation), a
   * header section over 1 MiB, no `From` field.
   */
  | 'SMTP_DKIM_INVALID_MESSAGE'
  /** The source threw while it was read; `cause` holds what it threw. */
  | 'SMTP_DKIM_SOURCE_READ'
  /** The runtime's WebCrypto lacks what is needed (Ed25519 on an older runtime). */
  | 'SMTP_DKIM_UNSUPPORTED';

/**
 * A DKIM key, option, message or source that cannot be used. Its message never contains the
 * private key or any part of it.
 */
export class DkimError extends Error {
  override readonly name = 'DkimError' as const;
  readonly code: DkimErrorCode;

  constructor(code: DkimErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    brand(this);
  }
}
