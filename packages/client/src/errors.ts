/**
 * Errors raised by `@smtp/client`, and the re-export of every other `@smtp` package's errors so
 * a user of the client imports them all from one place.
 *
 * Every class extends `Error` directly, has a literal `name`, a stable `code` and the brand
 * `Symbol.for('smtp.error')` that `isSmtpError` checks across packages and duplicate installs.
 * No message, property or cause of these errors ever carries a password, a token or their base64
 * forms (docs/security.md INV-10); server text in them is sanitised.
 */
import type { EnhancedStatusCode, OauthServerError } from '@smtp/protocol';

export { DkimError, type DkimErrorCode } from '@smtp/dkim';
export {
  ContentError,
  type ContentErrorCode,
  InvalidAddressError,
  type InvalidAddressErrorCode,
  InvalidHeaderError,
  type InvalidHeaderErrorCode,
  InvalidMessageError,
  type InvalidMessageErrorCode,
} from '@smtp/mime';
export {
  InvalidInputError,
  type InvalidInputErrorCode,
  isSmtpError,
  ProtocolError,
  type ProtocolErrorCode,
  SaslError,
  type SaslErrorCode,
} from '@smtp/protocol';
export {
  AbortError,
  ConnectionError,
  type ConnectionErrorCode,
  ProxyError,
  type ProxyErrorCode,
  TimeoutError,
  type TimeoutPhase,
  TlsError,
  type TlsFailureReason,
  TransportUsageError,
  type TransportUsageErrorCode,
} from '@smtp/transport';
export { UrlError, type UrlErrorCode } from '@smtp/url';

const smtpErrorBrand = Symbol.for('smtp.error');

function brand(error: Error): void {
  // Non-enumerable, so the brand never shows in JSON.stringify or util.inspect output.
  Object.defineProperty(error, smtpErrorBrand, { value: true });
}

/** The SMTP command that drew a reply, with any argument that could hold a secret removed. */
export type SmtpCommandName =
  | 'greeting'
  | 'EHLO'
  | 'HELO'
  | 'LHLO'
  | 'STARTTLS'
  | 'AUTH'
  | 'MAIL'
  | 'RCPT'
  | 'DATA'
  | 'BDAT'
  | 'message'
  | 'RSET'
  | 'NOOP'
  | 'QUIT';

/** A server reply as errors and results carry it: sanitised text, never raw bytes. */
export interface ReplyInfo {
  /** The three-digit reply code. */
  readonly code: number;
  /** The RFC 3463 enhanced status code, when the server sent one. */
  readonly enhanced?: EnhancedStatusCode;
  /** The reply's lines, control and escape characters replaced (INV-10). */
  readonly lines: readonly string[];
  /** The lines joined with a space, without the enhanced code. */
  readonly text: string;
  /** The command that drew the reply. */
  readonly command: SmtpCommandName;
}

/** Codes of {@link SmtpReplyError}. */
export type SmtpReplyErrorCode =
  /** The server answered with a 4xx or 5xx reply where the client needed a positive one. */
  'SMTP_REPLY';

/**
 * The server refused a command with a 4xx (temporary) or 5xx (permanent) reply. `reply` says
 * which command and what the server said; `temporary` is true for 4xx.
 */
export class SmtpReplyError extends Error {
  override readonly name = 'SmtpReplyError' as const;
  readonly code: SmtpReplyErrorCode = 'SMTP_REPLY';
  readonly reply: ReplyInfo;
  /** True for a 4xx reply: the same request may succeed later. */
  readonly temporary: boolean;

  constructor(reply: ReplyInfo, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reply = reply;
    this.temporary = reply.code >= 400 && reply.code < 500;
    brand(this);
  }
}

/** Codes of {@link SecurityError}: a rule of the security contract (docs/security.md) stopped the client. */
export type SecurityErrorCode =
  /** TLS is required (scheme, `security`, or credentials) and the link could not be secured (INV-1). */
  | 'SMTP_TLS_REQUIRED'
  /** Credentials would go over plaintext or to an unverified certificate without the explicit opt-in (INV-4). */
  | 'SMTP_AUTH_INSECURE'
  /** Credentials are configured but the server offers no AUTH mechanism the client can use (decision 6). */
  | 'SMTP_AUTH_UNAVAILABLE'
  /** The message needs SMTPUTF8 (a UTF-8 address) and the server does not offer it. */
  | 'SMTP_SMTPUTF8_UNAVAILABLE'
  /** REQUIRETLS was asked for and the server does not offer it, or the link is not TLS (RFC 8689). */
  | 'SMTP_REQUIRETLS_UNAVAILABLE'
  /** The message is larger than the server's SIZE limit (RFC 1870); nothing was sent. */
  | 'SMTP_MESSAGE_TOO_LARGE';

/**
 * The client refused to go on because doing so would break one of its promises: TLS when it is
 * required, credentials only over verified TLS, no unauthenticated mail when auth was asked for,
 * no message the server cannot take. Raised before the offending bytes are written.
 */
export class SecurityError extends Error {
  override readonly name = 'SecurityError' as const;
  readonly code: SecurityErrorCode;

  constructor(code: SecurityErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    brand(this);
  }
}

/** Codes of {@link AuthError}. */
export type AuthErrorCode =
  /** The server refused the credentials (535, 534, 538 ...). No weaker mechanism is tried (INV-4). */
  'SMTP_AUTH_FAILED';

/**
 * Authentication failed. Carries the server's reply and, for XOAUTH2 and OAUTHBEARER, the error
 * the server explained in its challenge (`status`, `scope`: why the token was refused), never
 * the credentials.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError' as const;
  readonly code: AuthErrorCode = 'SMTP_AUTH_FAILED';
  /** The mechanism that was used. */
  readonly mechanism: string;
  readonly reply: ReplyInfo | undefined;
  /** The OAuth server's decoded, sanitised error (RFC 7628 section 3.2.2), when it sent one. */
  readonly oauthError: OauthServerError | undefined;

  constructor(
    mechanism: string,
    reply: ReplyInfo | undefined,
    message: string,
    options?: ErrorOptions & { readonly oauthError?: OauthServerError | undefined },
  ) {
    super(message, options);
    this.mechanism = mechanism;
    this.reply = reply;
    this.oauthError = options?.oauthError;
    brand(this);
  }
}

/** Codes of {@link ClientStateError}. */
export type ClientStateErrorCode =
  /** The client was closed or destroyed; it takes no more work. */
  | 'SMTP_CLIENT_CLOSED'
  /** An option or argument is invalid (the message says which and why). */
  | 'SMTP_CLIENT_INVALID_OPTIONS'
  /** `SmtpPool`: the queue holds `maxQueued` messages and the send asked not to wait for room. */
  | 'SMTP_POOL_QUEUE_FULL';

/** The client cannot do what was asked in its current state, or was configured wrongly. */
export class ClientStateError extends Error {
  override readonly name = 'ClientStateError' as const;
  readonly code: ClientStateErrorCode;

  constructor(code: ClientStateErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    brand(this);
  }
}

/**
 * What happened to a message whose `send()` failed (docs/security.md INV-9):
 * - `rejected`: the server definitively refused it (a 4xx or 5xx to MAIL, every RCPT, DATA or the
 *   end of data); `temporary` on the error tells 4xx from 5xx.
 * - `not-sent`: it failed before the end of data was fully written; the server has not accepted it.
 * - `unknown`: the end of data was written and no final reply came; the server may have
 *   delivered it. Never retried automatically (decision 8).
 */
export type FailedOutcome = 'rejected' | 'not-sent' | 'unknown';

/**
 * The per-recipient refusal that a send result or a SendError reports: the reply to RCPT, or with
 * LMTP the recipient's own reply after the data (`reply.command` is then `message` or `BDAT`).
 */
export interface RecipientRefusal {
  readonly recipient: string;
  readonly reply: ReplyInfo;
}

/** A recipient and a reply of the server about it (to its RCPT, or with LMTP after the data). */
export interface RecipientReply {
  readonly recipient: string;
  readonly reply: ReplyInfo;
}

/**
 * `send()` failed. `code` is the code of what went wrong underneath (`SMTP_REPLY`,
 * `SMTP_TIMEOUT`, `SMTP_CONNECTION_RESET`, `SMTP_TLS_REQUIRED`, ...), so callers switch on one
 * field whatever layer failed; `cause` holds that error. `outcome` says whether the message may
 * have been delivered, and `accepted`, `rejected` and `unknown` say it per recipient: with LMTP
 * (RFC 2033) the server answers for each recipient after the data, so a connection lost between
 * those replies leaves some recipients delivered, some refused and the rest `unknown`
 * (docs/outcomes.md, "LMTP").
 */
export class SendError extends Error {
  override readonly name = 'SendError' as const;
  readonly code: string;
  readonly outcome: FailedOutcome;
  /** The final or failing reply, when the server sent one. */
  readonly reply: ReplyInfo | undefined;
  /** Recipients the server refused before the failure (with LMTP, after the data too). */
  readonly rejected: readonly RecipientRefusal[];
  /**
   * Recipients the server accepted the message for before the failure: only LMTP, whose server
   * answers for each recipient after the data, can accept some and then fail. They have the
   * message: never send it to them again. Empty otherwise.
   */
  readonly accepted: readonly string[];
  /**
   * Recipients who may or may not have the message: non-empty exactly when `outcome` is
   * `unknown`. Every recipient not refused for SMTP; with LMTP, those whose reply after the data
   * did not come.
   */
  readonly unknown: readonly string[];
  /**
   * LMTP: the replies after the data that came before the failure, one per recipient, in RCPT
   * order (those in `accepted` and those refused after the data). Empty otherwise.
   */
  readonly finalReplies: readonly RecipientReply[];
  /** True when a 4xx reply (or a failure before any reply) makes a later retry reasonable. */
  readonly temporary: boolean;
  /** Attempts made: 1, or more when `SmtpPool` retried; the error is the last attempt's. */
  readonly attempts: number;

  constructor(
    details: {
      readonly code: string;
      readonly outcome: FailedOutcome;
      readonly reply?: ReplyInfo;
      readonly rejected?: readonly RecipientRefusal[];
      readonly accepted?: readonly string[];
      readonly unknown?: readonly string[];
      readonly finalReplies?: readonly RecipientReply[];
      readonly temporary: boolean;
      readonly attempts?: number;
    },
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = details.code;
    this.outcome = details.outcome;
    this.reply = details.reply;
    this.rejected = details.rejected ?? [];
    this.accepted = details.accepted ?? [];
    this.unknown = details.unknown ?? [];
    this.finalReplies = details.finalReplies ?? [];
    this.temporary = details.temporary;
    this.attempts = details.attempts ?? 1;
    brand(this);
  }
}
