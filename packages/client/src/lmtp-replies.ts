/**
 * LMTP's replies after the end of data (RFC 2033 section 4.2, and section 4.3 for
 * `BDAT ... LAST`): one reply for each recipient the server accepted at RCPT, in RCPT order,
 * each saying whether the message was delivered to that recipient. The body stages (data-body.ts,
 * bdat-body.ts, the BDAT batch in transaction.ts) read the first as SMTP's final reply and hand it
 * here; this module reads the rest and turns them into the transaction's per-recipient result.
 *
 * Decisions (docs/outcomes.md, "LMTP"; INV-9 and decision 8 in docs/security.md):
 * - Each reply is its recipient's final reply: a 2xx delivers the message to it; a 4xx or 5xx
 *   refuses it, and the recipient is in `rejected` with that reply (`command` `message` or
 *   `BDAT`), its RCPT reply staying in `replies.rcpt`. A `421` refuses its recipient and says the
 *   server is closing: no reply after it will come.
 * - Every reply came: the result is `accepted` or `partial` when one recipient got the message,
 *   and its `reply` is the first such recipient's; else `rejected`, `temporary` only when every
 *   refusal (at RCPT or after the data) was a 4xx, as when SMTP refuses every recipient.
 * - Some did not come (the connection lost, a reply's `dataFinal` deadline, an abort, a reply no
 *   recipient can have drawn): `unknown`. The recipients whose reply came keep it, in the
 *   `SendError`'s `accepted` (and `finalReplies`) or `rejected`; the others are in `unknown`.
 *   None of them is reported delivered, and the message is never sent again by itself: a resend
 *   would reach the recipients who have it a second time.
 * - Each reply has the `dataFinal` deadline from when the one before it came: an LMTP server
 *   delivers to one mailbox after the other, and each delivery may take as long as SMTP's whole
 *   message.
 */
import type { Reply } from '@smtp/protocol';
import type { RecipientRefusal, RecipientReply, ReplyInfo, SendError } from './errors.ts';
import type { ClientLog } from './logging.ts';
import { failure, isTemporaryReply, refusal, replyError, withRecipients } from './outcome.ts';
import type { Secrets } from './redact.ts';
import { verdict } from './replies.ts';
import { toReplyInfo } from './reply-info.ts';
import type { BodyResult, Delivery, Envelope, TransactionContext } from './transaction-context.ts';
import { waitFor } from './wait.ts';
import type { Wire } from './wire.ts';

/** The command whose end drew the replies: the DATA terminator, or `BDAT ... LAST`. */
export type EndOfData = 'message' | 'BDAT';

/** What was read after the data: the replies in recipient order, and why they stopped short. */
export interface RecipientReplies {
  /** One per recipient accepted at RCPT, in RCPT order, as far as they came. */
  readonly replies: readonly Reply[];
  /** Why the reading stopped before the last reply, if it did (a `421` stops it too). */
  readonly failure: unknown;
}

/**
 * Reads the replies owed after `first` (already read): `count` in all, each within `timeoutMs`
 * of the one before. A reply its command does not allow ends the reading as a protocol error,
 * without being counted; a `421` ends it after being counted, and drops the connection. Never
 * throws: when the reading stops short the connection is dropped (the dialogue is out of step)
 * and `failure` says why.
 */
export async function readRecipientReplies(
  wire: Wire,
  command: EndOfData,
  first: Reply,
  count: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  secrets: Secrets,
): Promise<RecipientReplies> {
  const replies: Reply[] = [];
  let next = first;
  try {
    for (;;) {
      const meaning = verdict(command, next);
      replies.push(next);
      if (meaning === 'closing') {
        wire.connection.destroy();
        if (replies.length === count) return { replies, failure: undefined };
        const reply = toReplyInfo(next, command, secrets);
        const why =
          'The server is closing the connection before its replies for the other recipients';
        return { replies, failure: replyError(reply, secrets, why) };
      }
      if (replies.length === count) return { replies, failure: undefined };
      next = await wire.read(command, waitFor(timeoutMs, signal));
    }
  } catch (error) {
    wire.connection.destroy();
    return { replies, failure: error };
  }
}

/** The recipients once every reply came, and the reply the result carries. */
export interface DeliveryResult {
  readonly delivery: Delivery;
  /** The first delivered recipient's reply: the result's `reply`, and its queue id. */
  readonly reply: ReplyInfo;
}

/**
 * Matches the replies read to the recipients RCPT accepted, in order, and decides (see the
 * module docblock): the delivery when every reply came and one recipient got the message; else
 * throws the `SendError`, `rejected` or `unknown`.
 *
 * @param rcpt Every RCPT reply of the transaction, in the order sent.
 */
export function deliveryOf(
  command: EndOfData,
  rcpt: readonly RecipientReply[],
  read: RecipientReplies,
  secrets: Secrets,
  log: ClientLog,
): DeliveryResult {
  const accepted: string[] = [];
  const rejected: RecipientRefusal[] = [];
  const unknown: string[] = [];
  const final: RecipientReply[] = [];
  let refusedAfter = 0;
  let next = 0;
  for (const entry of rcpt) {
    if (!isPositive(entry.reply.code)) {
      rejected.push(entry);
      continue;
    }
    const reply = read.replies[next++];
    if (reply === undefined) {
      unknown.push(entry.recipient);
      continue;
    }
    const info = toReplyInfo(reply, command, secrets);
    final.push({ recipient: entry.recipient, reply: info });
    if (isPositive(info.code)) {
      accepted.push(entry.recipient);
    } else {
      rejected.push({ recipient: entry.recipient, reply: info });
      refusedAfter++;
    }
  }
  if (unknown.length > 0) {
    if (log.enabled) {
      log.info('replies after the data missing', {
        accepted: accepted.length,
        rejected: rejected.length,
        unknown: unknown.length,
      });
    }
    const error = failure(secrets, read.failure, 'unknown', rejected);
    const why = read.failure instanceof Error ? read.failure.message : String(read.failure);
    const message = secrets.scrub(
      `The message may have been delivered to ${unknown.length} recipient(s) whose reply after the data did not come (${accepted.length} delivered, ${rejected.length} refused): ${why}`,
    );
    throw withRecipients(error, { accepted, unknown, finalReplies: final }, message);
  }
  if (refusedAfter > 0 && log.enabled) {
    log.info('some recipients refused after the data', {
      accepted: accepted.length,
      rejected: refusedAfter,
    });
  }
  const first = final.find((entry) => isPositive(entry.reply.code));
  if (first === undefined) {
    throw withRecipients(everyRecipientRefused(secrets, final, rejected), { finalReplies: final });
  }
  return { delivery: { accepted, rejected, final }, reply: first.reply };
}

/**
 * Reads the rest of the replies after the data, `first` being the first recipient's, and returns
 * the body stage's result with the delivery; throws the `SendError` when no recipient got the
 * message or a reply did not come.
 */
export async function lmtpDelivery(
  context: TransactionContext,
  command: EndOfData,
  first: Reply,
  envelope: Envelope,
  size: number,
): Promise<BodyResult> {
  const { wire, options, secrets, signal, log } = context;
  const read = await readRecipientReplies(
    wire,
    command,
    first,
    envelope.accepted.length,
    options.timeouts.dataFinal,
    signal,
    secrets,
  );
  const { delivery, reply } = deliveryOf(command, envelope.rcpt, read, secrets, log);
  // A reply no recipient drew, already waiting: the dialogue is out of step from here on. The
  // replies read were in order, so they stand.
  if (wire.pendingReplies > 0) wire.connection.destroy();
  return { reply, size, delivery };
}

/** No recipient got the message: refused, with the first refusal after the data as `reply`. */
function everyRecipientRefused(
  secrets: Secrets,
  final: readonly RecipientReply[],
  rejected: readonly RecipientRefusal[],
): SendError {
  const first = final[0] as RecipientReply;
  return refusal(
    secrets,
    first.reply,
    rejected,
    'The server refused the message for every recipient',
    rejected.every((entry) => isTemporaryReply(entry.reply)),
  );
}

function isPositive(code: number): boolean {
  return code >= 200 && code < 300;
}
