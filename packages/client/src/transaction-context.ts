/**
 * The values a transaction's stages share (transaction.ts, data-body.ts, bdat-body.ts): what a
 * transaction needs, what the envelope stage hands the body stage, and what comes back. In a
 * module of their own so the stages import them without importing each other.
 */
import type { Capabilities } from '@smtp/protocol';
import type { DataWatch } from './data-watch.ts';
import type { RecipientRefusal, ReplyInfo } from './errors.ts';
import type { ClientLog } from './logging.ts';
import type { ResolvedClientOptions } from './options.ts';
import type { Secrets } from './redact.ts';
import type { Wire } from './wire.ts';

/** A recipient and the server's reply to its RCPT. */
export interface RecipientReply {
  readonly recipient: string;
  readonly reply: ReplyInfo;
}

/** Every reply of a transaction, by stage. */
export interface TransactionReplies {
  /** The reply to MAIL FROM. */
  readonly mail: ReplyInfo;
  /** The reply to each RCPT TO, accepted ones included, in the order sent. */
  readonly rcpt: readonly RecipientReply[];
  /** The `354` to DATA (absent with BDAT). */
  readonly data?: ReplyInfo;
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
    'pipelining' | 'chunkSize' | 'requireAllRecipients' | 'timeouts'
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
}

/** What the body stage needs from the envelope stage. */
export interface Envelope {
  readonly accepted: readonly string[];
  readonly rejected: readonly RecipientRefusal[];
}

/** What the body stage returns. */
export interface BodyResult {
  readonly reply: ReplyInfo;
  readonly size: number;
}
