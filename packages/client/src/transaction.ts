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
 *
 * When the whole message goes in the envelope batch (a single `BDAT n LAST`, envelope-batch.ts),
 * the end of data is handed to the transport with MAIL, so the outcomes shift
 * ({@link runBdatInBatch}): a refused MAIL, or every RCPT refused, is still `rejected` whatever
 * follows, since there is no transaction to deliver; any other failure is `unknown`; and nothing
 * is a stale connection any more, neither a closed connection nor a `421` before the first reply
 * (decision 8: the message was written, so the client does not send it again on its own).
 *
 * LMTP (RFC 2033): the same, except that the end of data draws one reply per recipient RCPT
 * accepted, read by lmtp-replies.ts on every path; the result is then per recipient, from those
 * replies, and a reply that did not come leaves its recipient `unknown`.
 */
import { ProtocolError, type Reply } from '@smtp/protocol';
import { runBdat, sendBdatInBatch } from './bdat-body.ts';
import { sendData } from './data-body.ts';
import { type Batch, batchShape, DATA_BATCH, envelopeBatches } from './envelope-batch.ts';
import type { RecipientRefusal, SendError, SmtpCommandName } from './errors.ts';
import { lmtpDelivery } from './lmtp-replies.ts';
import { failure, isTemporaryReply, refusal } from './outcome.ts';
import { expectQuiet, readReplies, verdict } from './replies.ts';
import { toReplyInfo } from './reply-info.ts';
import { resetTransaction } from './reset.ts';
import { isConnectionGone, StaleConnectionError } from './stale.ts';
import type {
  Delivery,
  Envelope,
  RecipientReply,
  TransactionContext,
  TransactionResult,
} from './transaction-context.ts';
import type { BdatPlan, TransactionPlan } from './transaction-plan.ts';
import { type Wait, waitFor } from './wait.ts';

/**
 * A transaction's result with the plan it ran from. Every path returns it as one literal with
 * `plan` last, so the connection hands it on as it is instead of copying it to add the plan.
 */
export interface PlannedResult extends TransactionResult {
  readonly plan: TransactionPlan;
}

/**
 * Runs a planned transaction. Resolves with the recipients and replies; throws a `SendError`
 * with its outcome, or {@link StaleConnectionError} (nothing of the message was sent).
 */
export async function runTransaction(
  context: TransactionContext,
  plan: TransactionPlan,
): Promise<PlannedResult> {
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
  const rcptCount = plan.rcpts.length;
  const envelopeWait = waitFor(timeouts.command * (1 + rcptCount), context.signal);
  if (shape.bdatInBatch && plan.bdat) {
    const batch = envelopeBatches(plan, shape)[0] as Batch;
    return runBdatInBatch(context, plan, batch, envelopeWait, started);
  }
  const replies: Reply[] = [];
  try {
    const batches = envelopeBatches(plan, shape);
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i] as Batch;
      expectQuiet(wire, 'before the envelope');
      await wire.write(batch.bytes, envelopeWait);
      await readReplies(wire, batch.commands, envelopeWait, replies, timeouts.dataInit);
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
  const dataInBatch = shape.dataInBatch ? replies[rcptCount + 1] : undefined;
  // The RCPT replies read: replies[1] up to replies[rcptEnd - 1].
  const rcptEnd = Math.min(replies.length, rcptCount + 1);
  if (verdict('MAIL', mail) !== 'ok') {
    // A refused MAIL opens no transaction, so there is nothing to reset, unless a server
    // accepted a pipelined RCPT all the same.
    let anyRcpt = false;
    for (let i = 1; i < rcptEnd && !anyRcpt; i++)
      anyRcpt = verdict('RCPT', replies[i] as Reply) === 'ok';
    if (anyRcpt || dataInBatch?.code === 354) await abandon(context, dataInBatch);
    throw refusal(secrets, mailInfo, [], 'The server refused the sender');
  }
  const { rcpt, accepted, rejected } = recipients(context, plan, replies, 1, rcptEnd);
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
  const envelope: Envelope = { accepted, rejected, rcpt };

  if (plan.bdat) {
    const envelopeMs = performance.now() - started;
    const bdat = await runBdat(context, plan, envelope);
    // LMTP: the recipients as their own replies after the data left them (lmtp-replies.ts).
    const delivery = bdat.delivery;
    return {
      accepted: delivery?.accepted ?? accepted,
      rejected: delivery?.rejected ?? rejected,
      reply: bdat.reply,
      replies:
        delivery === undefined
          ? { mail: mailInfo, rcpt }
          : { mail: mailInfo, rcpt, final: delivery.final },
      size: bdat.size,
      envelopeMs,
      dataMs: performance.now() - started - envelopeMs,
      plan,
    };
  }

  let dataReply = dataInBatch;
  if (dataReply === undefined) {
    const wait = waitFor(timeouts.dataInit, context.signal);
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
  const delivery = data.delivery;
  return {
    accepted: delivery?.accepted ?? accepted,
    rejected: delivery?.rejected ?? rejected,
    reply: data.reply,
    replies:
      delivery === undefined
        ? { mail: mailInfo, rcpt, data: dataInfo }
        : { mail: mailInfo, rcpt, data: dataInfo, final: delivery.final },
    size: data.size,
    envelopeMs,
    dataMs: performance.now() - started - envelopeMs,
    plan,
  };
}

/**
 * Runs a transaction whose envelope batch carries the whole message (MAIL, every RCPT,
 * `BDAT n LAST` and its payload) and decides its outcome from the replies read in order:
 *
 * - a refused MAIL, or every RCPT refused (read in step): `rejected`, as on the other paths, and
 *   reset as there, whether the BDAT was refused (a server with no transaction answers it 503 or
 *   554, as it would DATA: RFC 5321 section 3.3) or its reply never came: with no transaction
 *   there is nothing to deliver. A 2xx to that BDAT contradicts the envelope replies, so what the
 *   server stored is unknown: a protocol error, `unknown`;
 * - some recipients accepted: the BDAT reply decides, as for `BDAT LAST` in bdat-body.ts
 *   (`accepted` or `partial`; 4xx or 5xx `rejected`), and a BDAT reply before the batch was
 *   written is handled as a reply during the body (decision 10);
 * - any other failure once the batch was handed to the transport is `unknown`: the server may
 *   hold the whole message and have lost only its replies;
 * - a `421` is a temporary refusal, as on the other paths, but never a stale connection: the
 *   message was written, so the client does not send it again on its own (decision 8), though a
 *   `421` to MAIL means the server holds none of it, and a caller or the pool may.
 */
async function runBdatInBatch(
  context: TransactionContext,
  plan: BdatPlan,
  batch: Batch,
  envelopeWait: Wait,
  started: number,
): Promise<PlannedResult> {
  const { wire, secrets } = context;
  try {
    expectQuiet(wire, 'before the envelope');
    // The batch carries the end of data with MAIL: the hook comes before any of it.
    if (context.beforeEndOfData !== undefined) await context.beforeEndOfData();
  } catch (error) {
    throw beforeContent(context, error, 0);
  }
  const sent = await sendBdatInBatch(context, batch, envelopeWait);
  const lost = sent.failure;
  // A reply its command does not allow ended the reading (a protocol error): it decides nothing.
  const last = sent.envelope.length - 1;
  const read =
    last >= 0 && !allowed(batch.commands[last] as SmtpCommandName, sent.envelope[last] as Reply)
      ? sent.envelope.slice(0, -1)
      : sent.envelope;
  closingCheck(context, read, plan, sent.handedOver);
  if (!sent.handedOver) throw beforeContent(context, lost, read.length);

  const mail = read[0];
  const mailInfo = mail === undefined ? undefined : toReplyInfo(mail, 'MAIL', secrets);
  const { rcpt, accepted, rejected } = recipients(context, plan, read, 1, read.length);
  const final = sent.final;
  const mailRefused = mail !== undefined && verdict('MAIL', mail) !== 'ok';
  const noneAccepted = rcpt.length === plan.rcpts.length && accepted.length === 0;
  if (
    (mailRefused || noneAccepted) &&
    final !== undefined &&
    final.code >= 200 &&
    final.code < 300
  ) {
    wire.connection.destroy();
    const refused = mailRefused ? 'the sender' : 'every recipient';
    throw failure(
      secrets,
      new ProtocolError(
        'SMTP_PROTOCOL_UNEXPECTED_REPLY',
        `The server answered ${final.code} to BDAT after refusing ${refused}: what it stored is unknown`,
      ),
      'unknown',
      rejected,
    );
  }
  if (mailRefused) {
    // As on the other paths: a refused MAIL opens no transaction, unless a server accepted a
    // pipelined RCPT all the same.
    if (accepted.length > 0) await abandon(context, undefined);
    dropIfOutOfStep(context);
    throw refusal(
      secrets,
      mailInfo as NonNullable<typeof mailInfo>,
      [],
      'The server refused the sender',
    );
  }
  if (noneAccepted) {
    await abandon(context, undefined);
    const first = rejected[0] as RecipientRefusal;
    throw refusal(
      secrets,
      first.reply,
      rejected,
      'The server refused every recipient',
      rejected.every((r) => isTemporaryReply(r.reply)),
    );
  }
  if (final === undefined) throw failure(secrets, lost, 'unknown', rejected);
  if (sent.early) {
    const code = final.code;
    if (code >= 400 && code < 600) {
      throw refusal(
        secrets,
        toReplyInfo(final, 'BDAT', secrets),
        rejected,
        'The server refused the message while it was being sent',
      );
    }
    throw failure(
      secrets,
      new ProtocolError(
        'SMTP_PROTOCOL_UNEXPECTED_REPLY',
        code >= 200 && code < 300
          ? `The server answered ${code} to BDAT before the chunk was sent: it may have taken a truncated message`
          : `Unexpected ${code} reply while the message was being sent`,
      ),
      'unknown',
      rejected,
    );
  }
  if (context.options.protocol === 'lmtp') {
    // RFC 2033 section 4.3: that was the first recipient's reply to LAST; the rest follow.
    const envelope: Envelope = { accepted, rejected, rcpt };
    const body = await lmtpDelivery(context, 'BDAT', final, envelope, batch.payloadOctets);
    const delivery = body.delivery as Delivery;
    return {
      accepted: delivery.accepted,
      rejected: delivery.rejected,
      reply: body.reply,
      replies: { mail: mailInfo as NonNullable<typeof mailInfo>, rcpt, final: delivery.final },
      size: body.size,
      envelopeMs: sent.envelopeRead - started,
      dataMs: performance.now() - sent.envelopeRead,
      plan,
    };
  }
  let finalVerdict: ReturnType<typeof verdict>;
  try {
    finalVerdict = verdict('BDAT', final);
  } catch (error) {
    wire.connection.destroy();
    throw failure(secrets, error, 'unknown', rejected);
  }
  const reply = toReplyInfo(final, 'BDAT', secrets);
  if (finalVerdict !== 'ok') {
    if (finalVerdict === 'closing') wire.connection.destroy();
    dropIfOutOfStep(context);
    throw refusal(secrets, reply, rejected, 'The server refused the message');
  }
  if (rejected.length > 0 && context.log.enabled) {
    context.log.info('some recipients refused', {
      accepted: accepted.length,
      rejected: rejected.length,
    });
  }
  dropIfOutOfStep(context);
  return {
    accepted,
    rejected,
    reply,
    replies: { mail: mailInfo as NonNullable<typeof mailInfo>, rcpt },
    size: batch.payloadOctets,
    envelopeMs: sent.envelopeRead - started,
    dataMs: performance.now() - sent.envelopeRead,
    plan,
  };
}

/**
 * The recipients and their replies, matched in order (the n-th RCPT reply to the n-th
 * recipient): `replies[from]` up to `replies[to - 1]` are the RCPT replies read.
 */
function recipients(
  context: TransactionContext,
  plan: TransactionPlan,
  replies: readonly Reply[],
  from: number,
  to: number,
): { rcpt: RecipientReply[]; accepted: string[]; rejected: RecipientRefusal[] } {
  const rcpt: RecipientReply[] = [];
  const accepted: string[] = [];
  const rejected: RecipientRefusal[] = [];
  for (let i = from; i < to; i++) {
    const reply = replies[i] as Reply;
    const { recipient } = plan.rcpts[i - from] as { recipient: string };
    const info = toReplyInfo(reply, 'RCPT', context.secrets);
    rcpt.push({ recipient, reply: info });
    if (verdict('RCPT', reply) === 'ok') accepted.push(recipient);
    else rejected.push({ recipient, reply: info });
  }
  return { rcpt, accepted, rejected };
}

/** Whether `command` allows `reply` (replies.ts): a reply it does not allow is a protocol error. */
function allowed(command: SmtpCommandName, reply: Reply): boolean {
  try {
    verdict(command, reply);
    return true;
  } catch {
    return false;
  }
}

/** A reply no command drew is already waiting: the dialogue is out of step from here on. */
function dropIfOutOfStep(context: TransactionContext): void {
  if (context.wire.pendingReplies > 0) context.wire.connection.destroy();
}

/**
 * A `421` among the envelope replies: the server is closing. On a reused connection, as the
 * very first reply, it is the idle connection being dropped (stale.ts), unless `contentWritten`
 * (decision 8: the client reconnects on its own only before any byte of the message went out);
 * otherwise a temporary refusal of this message.
 */
function closingCheck(
  context: TransactionContext,
  replies: readonly Reply[],
  plan: TransactionPlan,
  contentWritten = false,
): void {
  let at = 0;
  while (at < replies.length && (replies[at] as Reply).code !== 421) at++;
  if (at === replies.length) return;
  context.wire.connection.destroy();
  const reply = replies[at] as Reply;
  const command = at === 0 ? 'MAIL' : at <= plan.rcpts.length ? 'RCPT' : 'DATA';
  const error = refusal(
    context.secrets,
    toReplyInfo(reply, command, context.secrets),
    [],
    'The server is closing the connection',
  );
  if (context.reused && at === 0 && !contentWritten) throw new StaleConnectionError(error);
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
