/**
 * The CLI's own errors: input the user gave that cannot be used (a missing file, a malformed
 * `--header`, a missing password), which always maps to exit code 2, and a Redis that `smtp queue`
 * could not use (exit code 5). Both carry a stable `code` like the `@smtp` errors.
 */

/** The codes of {@link CliInputError}. */
export type CliInputErrorCode =
  | 'SMTP_CLI_USAGE'
  | 'SMTP_CLI_FILE'
  | 'SMTP_CLI_HEADER'
  | 'SMTP_CLI_CREDENTIALS'
  /** A `--redis` URL (or `SMTP_REDIS_URL`) that cannot be used. */
  | 'SMTP_CLI_REDIS_URL';

/** Input the user gave that cannot be used; nothing was sent. */
export class CliInputError extends Error {
  override readonly name = 'CliInputError' as const;
  readonly code: CliInputErrorCode;

  constructor(code: CliInputErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * `smtp queue` could not use Redis: it could not be reached, refused the password, or went away
 * during the command. Nothing was queued or changed by the request that failed. The message names
 * Redis by its URL with the password hidden.
 */
export class CliRedisError extends Error {
  override readonly name = 'CliRedisError' as const;
  readonly code = 'SMTP_CLI_REDIS' as const;
}
