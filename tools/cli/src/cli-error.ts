/**
 * The one error class of the CLI itself: input the user gave that cannot be used (a missing file,
 * a malformed `--header`, a missing password). It carries a stable `code` like the `@smtp`
 * errors, and always maps to exit code 2.
 */

/** The codes of {@link CliInputError}. */
export type CliInputErrorCode =
  | 'SMTP_CLI_USAGE'
  | 'SMTP_CLI_FILE'
  | 'SMTP_CLI_HEADER'
  | 'SMTP_CLI_CREDENTIALS';

/** Input the user gave that cannot be used; nothing was sent. */
export class CliInputError extends Error {
  override readonly name = 'CliInputError' as const;
  readonly code: CliInputErrorCode;

  constructor(code: CliInputErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
