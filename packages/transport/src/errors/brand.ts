/**
 * The brand every `@smtp` error carries: `Symbol.for('smtp.error')`, so `isSmtpError` from any
 * `@smtp` package (or any copy of one) recognises transport errors without importing them.
 */

const smtpErrorBrand = Symbol.for('smtp.error');

/** Marks `error` as an `@smtp` error. Non-enumerable, so it never shows in JSON or inspect. */
export function brand(error: Error): void {
  Object.defineProperty(error, smtpErrorBrand, { value: true });
}
