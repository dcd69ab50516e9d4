/**
 * One mail transaction on an open connection (RFC 5321 section 3.3), run from its plan
 * (transaction-plan.ts): the envelope in the batches envelope-batch.ts builds, each batch's
 * replies read and held to their commands by replies.ts, then the content with DATA
 * (data-body.ts) or BDAT (bdat-body.ts), and the final reply.
 *
 * Outcomes (INV-9 in docs/security.md): a refusal read in step is `rejected`; a failure before
 * the end of data was handed to the transport is `not-sent`; after it, without a final reply,
 * `unknown`. A transaction that did not complete is reset (reset.ts) before the send reports.
 * After a protocol error, a timeout or an abort the connection is destroyed here or by the
 * transport, and never reused.
 *
 * On a reused connection the first reply has one more meaning: a `421` or a closed connection
 * before it is the server dropping the idle connection just as the client spoke
 * (`StaleConnectionError`, stale.ts), and the client tries once on a new connection.
 */
import type { Reply } from '@smtp/protocol';
import { runBdat } from './bdat-body.ts';
import { sendData } from './data-body.ts';
import { batchShape, DATA_BATCH, envelopeBatches } from './envelope-batch.ts';
import type { RecipientRefusal, SendError } from './errors.ts';
import { failure, isTemporaryReply, refusal } from './outcome.ts';
import { expectQuiet, readReplies, verdict } from './replies.ts';
import { toReplyInfo } from './reply-info.ts';
import { resetTransaction } from './reset.ts';
import { isConnectionGone, StaleConnectionError } from './stale.ts';
import type {
  Envelope,
  RecipientReply,
  TransactionContext,
  TransactionResult,
} from './transaction-context.ts';
import type { TransactionPlan } from './transaction-plan.ts';
import { waitFor } from './wait.ts';

/**
 * Runs a planned transaction. Resolves with the recipients and replies; throws a `SendError`
 * with its outcome, or {@link StaleConnectionError} (nothing of the message was sent).
 */
export async function runTransaction(
  context: TransactionContext,
  plan: TransactionPlan,
): Promise<TransactionResult> {
  const { wire, options, secrets } = context;
  const { timeouts } = options;
  const started = performance.now();
  const shape = batchShape(
    plan,
    context.capabilities.pipelining && options.pipelining,
    options.requireAllRecipients,
  );
  // One deadline for the envelope phase: a command's worth per command in it (RFC 5321
  // section 4.5.3.2 gives each its own), so a trickling server cannot stretch it further.
  const envelopeWait = waitFor(timeouts.command * (1 + plan.rcpts.length), context.signal);
  const dataWait = () => waitFor(timeouts.dataInit, context.signal);
  const replies: Reply[] = [];
  try {
    for (const batch of envelopeBatches(plan, shape)) {
      expectQuiet(wire, 'before the envelope');
      await wire.write(batch.bytes, envelopeWait);
      await readReplies(wire, batch.commands, envelopeWait, replies, dataWait);
      const last = replies[replies.length - 1] as Reply;
      if (last.code === 421) break;
      // Without PIPELINING a refused MAIL ends the transaction: no RCPT follows it.
      if (!shape.pipelined && replies.length === 1 && verdict('MAIL', last) !== 'ok') break;
    }
  } catch (error) {
    throw beforeContent(context, error, replies.length);
  }
  closingCheck(context, replies, plan);

  const mail = replies[0] as Reply;
  const mailInfo = toReplyInfo(mail, 'MAIL', secrets);
  const dataInBatch = shape.dataInBatch ? replies[plan.rcpts.length + 1] : undefined;
  if (verdict('MAIL', mail) !== 'ok') {
    // A refused MAIL opens no transaction, so there is nothing to reset, unless a server
    // accepted a pipelined RCPT all the same.
    const anyRcpt = replies
      .slice(1, plan.rcpts.length + 1)
      .some((r) => verdict('RCPT', r) === 'ok');
    if (anyRcpt || dataInBatch?.code === 354) await abandon(context, dataInBatch);
    throw refusal(secrets, mailInfo, [], 'The server refused the sender');
  }
  const rcpt: RecipientReply[] = [];
  const accepted: string[] = [];
  const rejected: RecipientRefusal[] = [];
  plan.rcpts.forEach(({ recipient }, index) => {
    const reply = replies[index + 1] as Reply;
    const info = toReplyInfo(reply, 'RCPT', secrets);
    rcpt.push({ recipient, reply: info });
    if (verdict('RCPT', reply) === 'ok') accepted.push(recipient);
    else rejected.push({ recipient, reply: info });
  });
  if (accepted.length === 0) {
    await abandon(context, dataInBatch);
    const first = rejected[0] as RecipientRefusal;
    throw refusal(
      secrets,
      first.reply,
      rejected,
      'The server refused every recipient',
      rejected.every((r) => isTemporaryReply(r.reply)),
    );
  }
  if (rejected.length > 0 && options.requireAllRecipients) {
    await resetTransaction(wire, waitFor(timeouts.command, context.signal));
    throw refusal(
      secrets,
      (rejected[0] as RecipientRefusal).reply,
      rejected,
      `The server refused ${rejected.length} recipient(s) and requireAllRecipients is set; nothing was sent`,
    );
  }
  if (rejected.length > 0 && context.log.enabled) {
    context.log.info('some recipients refused', {
      accepted: accepted.length,
      rejected: rejected.length,
    });
  }
  const envelope: Envelope = { accepted, rejected };

  if (plan.bdat) {
    const envelopeMs = performance.now() - started;
    const bdat = await runBdat(context, plan, envelope);
    return {
      accepted,
      rejected,
      reply: bdat.reply,
      replies: { mail: mailInfo, rcpt },
      size: bdat.size,
      envelopeMs,
      dataMs: performance.now() - started - envelopeMs,
    };
  }

  let dataReply = dataInBatch;
  if (dataReply === undefined) {
    const wait = dataWait();
    try {
      expectQuiet(wire, 'before DATA');
      await wire.write(DATA_BATCH.bytes, wait);
      dataReply = await wire.read('DATA', wait);
      verdict('DATA', dataReply);
    } catch (error) {
      throw beforeContent(context, error, Number.POSITIVE_INFINITY, rejected);
    }
  }
  const dataInfo = toReplyInfo(dataReply, 'DATA', secrets);
  const dataVerdict = verdict('DATA', dataReply);
  if (dataVerdict === 'closing') {
    wire.connection.destroy();
    throw refusal(secrets, dataInfo, rejected, 'The server is closing the connection');
  }
  if (dataVerdict === 'refused') {
    await resetTransaction(wire, waitFor(timeouts.command, context.signal));
    throw refusal(secrets, dataInfo, rejected, 'The server refused DATA');
  }
  try {
    expectQuiet(wire, 'after the 354 to DATA');
  } catch (error) {
    throw beforeContent(context, error, Number.POSITIVE_INFINITY, rejected);
  }
  const envelopeMs = performance.now() - started;
  const data = await sendData(context, plan, envelope);
  return {
    accepted,
    rejected,
    reply: data.reply,
    replies: { mail: mailInfo, rcpt, data: dataInfo },
    size: data.size,
    envelopeMs,
    dataMs: performance.now() - started - envelopeMs,
  };
}

/**
 * A `421` among the envelope replies: the server is closing. On a reused connection, as the
 * very first reply, it is the idle connection being dropped (stale.ts); otherwise a temporary
 * refusal of this message.
 */
function closingCheck(
  context: TransactionContext,
  replies: readonly Reply[],
  plan: TransactionPlan,
): void {
  const at = replies.findIndex((reply) => reply.code === 421);
  if (at === -1) return;
  context.wire.connection.destroy();
  const reply = replies[at] as Reply;
  const command = at === 0 ? 'MAIL' : at <= plan.rcpts.length ? 'RCPT' : 'DATA';
  const error = refusal(
    context.secrets,
    toReplyInfo(reply, command, context.secrets),
    [],
    'The server is closing the connection',
  );
  if (context.reused && at === 0) throw new StaleConnectionError(error);
  throw error;
}

/**
 * A failure before any content was written: `not-sent`, the connection dropped; or, on a reused
 * connection that closed before its first reply, a stale connection.
 */
function beforeContent(
  context: TransactionContext,
  error: unknown,
  repliesRead: number,
  rejected: readonly RecipientRefusal[] = [],
): SendError | StaleConnectionError {
  context.wire.connection.destroy();
  if (context.reused && repliesRead === 0 && isConnectionGone(error)) {
    return new StaleConnectionError(error);
  }
  return failure(context.secrets, error, 'not-sent', rejected);
}

/**
 * Ends a transaction that will not carry content: a DATA the server already started (`354`)
 * cannot be ended without sending a message, so that connection is dropped; otherwise RSET.
 */
async function abandon(context: TransactionContext, dataReply: Reply | undefined): Promise<void> {
  if (dataReply !== undefined && dataReply.code === 354) {
    context.wire.connection.destroy();
    return;
  }
  await resetTransaction(context.wire, waitFor(context.options.timeouts.command, context.signal));
}
