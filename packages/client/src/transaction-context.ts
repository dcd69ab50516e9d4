/**
 * The values a transaction's stages share (transaction.ts, data-body.ts, bdat-body.ts): what a
 * transaction needs, what the envelope stage hands the body stage, and what comes back. In a
 * module of their own so the stages import them without importing each other.
 */
import type { Capabilities } from '@smtp/protocol';
import type { DataWatch } from './data-watch.ts';
import type { RecipientRefusal, RecipientReply, ReplyInfo } from './errors.ts';
import type { ClientLog } from './logging.ts';
import type { ResolvedClientOptions } from './options.ts';
import type { Secrets } from './redact.ts';
import type { Wire } from './wire.ts';

export type { RecipientReply } from './errors.ts';

/** Every reply of a transaction, by stage. */
export interface TransactionReplies {
  /** The reply to MAIL FROM. */
  readonly mail: ReplyInfo;
  /** The reply to each RCPT TO, accepted ones included, in the order sent. */
  readonly rcpt: readonly RecipientReply[];
  /** The `354` to DATA (absent with BDAT). */
  readonly data?: ReplyInfo;
  /**
   * LMTP only: the reply after the end of data for each recipient RCPT accepted, in RCPT order
   * (RFC 2033 section 4.2; section 4.3 for `BDAT ... LAST`). Each recipient's own final reply:
   * the RCPT reply stays in `rcpt`, and a recipient refused here is in `rejected` with this one.
   */
  readonly final?: readonly RecipientReply[];
}

/** What a successful transaction returns. */
export interface TransactionResult {
  readonly accepted: readonly string[];
  readonly rejected: readonly RecipientRefusal[];
  /** The final reply (to the end of data, or to `BDAT ... LAST`). */
  readonly reply: ReplyInfo;
  readonly replies: TransactionReplies;
  /** Octets written for the content (DATA: as on the wire; BDAT: the payloads). */
  readonly size: number;
  readonly envelopeMs: number;
  readonly dataMs: number;
}

/** What a transaction needs besides its plan. */
export interface TransactionContext {
  readonly wire: Wire;
  readonly capabilities: Capabilities;
  readonly options: Pick<
    ResolvedClientOptions,
    'pipelining' | 'chunkSize' | 'requireAllRecipients' | 'timeouts' | 'protocol'
  >;
  readonly log: ClientLog;
  readonly secrets: Secrets;
  /** The caller's signal for this send. */
  readonly signal: AbortSignal | undefined;
  /** Aborted when the connection is destroyed: ends waits that are not on the socket. */
  readonly lifetime: AbortSignal | undefined;
  /** The connection was idle before this transaction (see the module docblock). */
  readonly reused: boolean;
  /** The connection's early-reply watch for DATA (data-watch.ts), made once per connection. */
  readonly dataWatch: DataWatch;
  /** `SendOptions.beforeEndOfData`: awaited just before the end of data is handed over. */
  readonly beforeEndOfData: (() => void | Promise<void>) | undefined;
}

/** What the body stage needs from the envelope stage. */
export interface Envelope {
  readonly accepted: readonly string[];
  readonly rejected: readonly RecipientRefusal[];
  /** Every RCPT reply, in the order sent: LMTP matches its replies after the data to them. */
  readonly rcpt: readonly RecipientReply[];
}

/** What the body stage returns. */
export interface BodyResult {
  readonly reply: ReplyInfo;
  readonly size: number;
  /** LMTP only: the recipients as their replies after the data left them (lmtp-replies.ts). */
  readonly delivery?: Delivery;
}

/**
 * The recipients of an LMTP transaction once every reply after the data came: `accepted` by
 * their own reply, `rejected` at RCPT or by their own reply (in RCPT order), and `final`, each
 * RCPT-accepted recipient with its reply after the data.
 */
export interface Delivery {
  readonly accepted: readonly string[];
  readonly rejected: readonly RecipientRefusal[];
  readonly final: readonly RecipientReply[];
}
