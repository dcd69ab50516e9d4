/**
 * The inbox's one error class: options it cannot use, an address it cannot listen on (a catcher
 * started twice on 1025 must say which port is taken, not throw Node's bare `EADDRINUSE`), and a
 * folder it cannot use.
 */

/** The codes of {@link InboxError}. */
export type InboxErrorCode =
  /** An option out of range or of the wrong kind; nothing was started. */
  | 'SMTP_TEST_SERVER_INVALID_OPTIONS'
  /** The SMTP or HTTP side could not listen (port in use, not allowed, address missing). */
  | 'SMTP_TEST_SERVER_LISTEN_FAILED'
  /** The `dir` cannot be used, or a message could not be written to or deleted from it. */
  | 'SMTP_TEST_SERVER_STORAGE_FAILED';

/** The inbox could not start; `code` says why, `cause` holds Node's error where there is one. */
export class InboxError extends Error {
  override readonly name = 'InboxError';
  readonly code: InboxErrorCode;
  /** With `SMTP_TEST_SERVER_LISTEN_FAILED`: the side that could not listen. */
  readonly side: 'SMTP' | 'HTTP' | undefined;

  constructor(
    code: InboxErrorCode,
    message: string,
    options?: ErrorOptions & { readonly side?: 'SMTP' | 'HTTP' },
  ) {
    super(message, options);
    this.code = code;
    this.side = options?.side;
  }
}

const LISTEN_REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is in use',
  EACCES: 'this user may not listen on that port',
  EADDRNOTAVAIL: 'this machine has no such address',
  EAFNOSUPPORT: 'this machine has no such address',
};

/**
 * Node's listen failure as an {@link InboxError} naming the side and the address; anything else
 * (a bug, not the machine) is returned as it is.
 */
export function listenError(
  error: unknown,
  side: 'SMTP' | 'HTTP',
  host: string,
  port: number,
): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === undefined ? undefined : LISTEN_REASONS[code];
  if (reason === undefined) return error;
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new InboxError(
    'SMTP_TEST_SERVER_LISTEN_FAILED',
    `cannot listen for ${side} on ${address}: ${reason} (${code})`,
    { cause: error, side },
  );
}
