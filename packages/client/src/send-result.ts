/**
 * What a successful `send()` returns, built in one place from the transaction that ran, and the
 * queue id read from the server's final reply.
 */
import type { RecipientRefusal, ReplyInfo } from './errors.ts';
import type { SentTransaction } from './smtp-connection.ts';
import type { TransactionReplies } from './transaction-context.ts';

/** Where the time of one `send()` went, in milliseconds. */
export interface SendTimings {
  /** Connecting, greeting, EHLO, STARTTLS and AUTH, when this send opened the connection. */
  readonly connectMs?: number;
  /** RSET (on a kept connection), MAIL, RCPT and DATA up to the `354` (or up to the first BDAT). */
  readonly envelopeMs: number;
  /** The message bytes and the final reply. */
  readonly dataMs: number;
  /** The whole call, waiting in the queue included. */
  readonly totalMs: number;
}

/**
 * The result of a `send()` that the server accepted for at least one recipient.
 *
 * `outcome` is `accepted` when every recipient was accepted, `partial` when some were refused
 * (each in `rejected`, with its reply); a send that no recipient got fails with a `SendError`
 * instead (docs/security.md INV-9). With LMTP a recipient is accepted by its own reply after the
 * data (`replies.final`), and one refused there is in `rejected` with that reply.
 */
export interface SendResult {
  readonly outcome: 'accepted' | 'partial';
  /** Recipients the server accepted, as sent in RCPT TO. */
  readonly accepted: readonly string[];
  /** Recipients the server refused, each with its reply. */
  readonly rejected: readonly RecipientRefusal[];
  /**
   * The final reply (to the end of data, or to `BDAT ... LAST`); with LMTP, the first delivered
   * recipient's.
   */
  readonly reply: ReplyInfo;
  /**
   * Every reply of the transaction by stage: MAIL, each RCPT (accepted ones too), DATA, and with
   * LMTP each recipient's reply after the data (`final`).
   */
  readonly replies: TransactionReplies;
  /** The server's queue id, when its final reply names one; see {@link parseQueueId}. */
  readonly queueId?: string;
  /** The Message-ID header of the message (a `Message`; absent for raw input). */
  readonly messageId?: string;
  /** The server's EHLO (or HELO, or LMTP's LHLO) reply on this connection. */
  readonly ehlo: ReplyInfo;
  /** The envelope as sent: reverse path and every recipient given to RCPT TO. */
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
  /** Octets written for the body (after dot-stuffing, terminator or BDAT framing excluded). */
  readonly size: number;
  /** Attempts it took: 1, or more when `SmtpPool` retried after a temporary failure. */
  readonly attempts: number;
  readonly timings: SendTimings;
  /** With `dryRun` only: the exact bytes that would have been written (commands and data). */
  readonly bytes?: Uint8Array;
}

/**
 * The final-reply forms the queue id is read from, most specific first. The text is the reply's
 * text without its enhanced status code.
 *
 * | server              | final reply text                                                  |
 * | ------------------- | ----------------------------------------------------------------- |
 * | Postfix, many       | `Ok: queued as 4Bx1yZ2bQZz9sNm`                                   |
 * | Exim                | `OK id=1rAbCd-000Ab1-2C`                                          |
 * | Microsoft Exchange  | `<msg-id> [InternalId=12884901890, Hostname=EX01] Queued mail...` |
 * | Gmail               | `OK  1700000000 a640c23a62f3a-a9c1si123.45 - gsmtp`               |
 * | Sendmail            | `4AB1cD2e012345 Message accepted for delivery`                    |
 * | qmail               | `ok 1700000000 qp 12345`                                          |
 * | Amazon SES          | `Ok 0100018c2a1b2c3d-12345678-abcd-...-000000`                    |
 */
const QUEUE_ID_FORMS: readonly (readonly [hint: string, form: RegExp])[] = [
  ['queued as', /\bqueued as ([A-Za-z0-9][A-Za-z0-9._:/+=-]*)/i],
  ['id=', /\bid=([A-Za-z0-9][A-Za-z0-9._-]*)/i],
  ['[internalid=', /\[InternalId=([0-9]+)/],
  ['gsmtp', /^OK\s+[0-9]+\s+(\S+)\s+-\s+gsmtp\b/i],
  [
    ' message accepted for delivery',
    /^([A-Za-z0-9][A-Za-z0-9._-]*) Message accepted for delivery\b/i,
  ],
  ['qp ', /\bqp ([0-9]+)\b/],
  ['ok', /^Ok\s+([0-9a-f]{8,}(?:-[0-9a-f]+)+)\s*$/i],
];

/**
 * The queue id the server names in its final reply, or `undefined` (see the table above; smtp
 * servers that say only `250 OK` name none).
 */
export function parseQueueId(text: string): string | undefined {
  // Each form runs only when the lower-cased text holds its literal part (its hint), which any
  // match needs: one reply per message, and most match none or the first form, so the other
  // expressions are never run (nor compiled, in a process that just started).
  const lower = text.toLowerCase();
  for (const [hint, form] of QUEUE_ID_FORMS) {
    if (!lower.includes(hint)) continue;
    const match = form.exec(text);
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}

/**
 * The result of a transaction that ran (see {@link SendResult}). `queueId` and `messageId` are
 * absent, not `undefined`, when there is none (docs/outcomes.md).
 */
export function toSendResult(
  sent: SentTransaction,
  ehlo: ReplyInfo,
  attempts: number,
  timings: SendTimings,
): SendResult {
  const queueId = parseQueueId(sent.reply.text);
  const { prepared } = sent.plan;
  const messageId = prepared.messageId;
  return {
    outcome: sent.rejected.length === 0 ? 'accepted' : 'partial',
    accepted: sent.accepted,
    rejected: sent.rejected,
    reply: sent.reply,
    replies: sent.replies,
    ...(queueId === undefined ? {} : { queueId }),
    ...(messageId === undefined ? {} : { messageId }),
    ehlo,
    envelope: { from: prepared.from, to: prepared.to },
    size: sent.size,
    attempts,
    timings,
  };
}
