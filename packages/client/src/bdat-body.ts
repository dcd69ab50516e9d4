/**
 * The content of a BDAT transaction (RFC 3030): `BDAT n` chunks, then `BDAT n LAST`, each chunk
 * answered by one reply. With PIPELINING the replies to earlier chunks are read while later
 * chunks go out, up to {@link BDAT_WINDOW} outstanding; without it, each chunk waits for its
 * reply. Either way every reply is held to what BDAT allows by the one reader (replies.ts): a
 * `354`, or a reply no chunk drew, is a protocol error and the connection is dropped.
 *
 * A refused chunk stops the content: LAST is never sent, the replies still owed are read, the
 * transaction is reset, and the message is `rejected`. The caller's content stream is pulled
 * with the data-block deadline and the caller's signal, so a stalled source cannot hold the
 * connection for ever. Outcome of a failure: `not-sent` until LAST is handed to the transport,
 * `unknown` after it (INV-9). LMTP (RFC 2033 section 4.3): LAST draws one reply per recipient
 * RCPT accepted, read by lmtp-replies.ts.
 *
 * A single `BDAT n LAST` may instead ride in the envelope batch (envelope-batch.ts):
 * {@link sendBdatInBatch} writes MAIL, every RCPT, the BDAT line and its payload in one write and
 * reads the replies in order. The envelope replies may come while the batch is still being
 * written, which pipelining expects; the BDAT reply may not, as the server cannot have read the
 * whole chunk yet, so it is treated like a reply during a DATA body (decision 10): it stops the
 * write, and a 2xx there is never taken for an accepted message. The transaction (transaction.ts)
 * decides the outcome from what was read.
 */
import { type BdatFrame, createBdatFramer, type Reply } from '@smtp/protocol';
import type { Batch } from './envelope-batch.ts';
import { lmtpDelivery } from './lmtp-replies.ts';
import { failure, refusal } from './outcome.ts';
import { readReplies, unsolicitedReply, verdict } from './replies.ts';
import { toReplyInfo } from './reply-info.ts';
import { resetTransaction } from './reset.ts';
import type { BodyResult, Envelope, TransactionContext } from './transaction-context.ts';
import type { BdatPlan } from './transaction-plan.ts';
import { settleWithin, type Wait, waitFor } from './wait.ts';

/** Replies to BDAT chunks awaited at once when BDAT is pipelined. */
export const BDAT_WINDOW = 8;

function ignore(): void {}

/** Sends the content in BDAT chunks and reads the final reply. */
export async function runBdat(
  context: TransactionContext,
  plan: BdatPlan,
  envelope: Envelope,
): Promise<BodyResult> {
  const { wire, options, secrets, signal } = context;
  const { timeouts } = options;
  const connection = wire.connection;
  const pipelined = context.capabilities.pipelining && options.pipelining;
  const outstanding: Promise<Reply>[] = [];
  let refused: Reply | undefined;
  let lastHandedOver = false;
  let size = 0;

  const settle = async (pending: Promise<Reply>): Promise<void> => {
    const reply = await pending;
    if (verdict('BDAT', reply) !== 'ok') refused ??= reply;
    if (reply.code === 421) connection.destroy();
  };
  const send = async (frame: BdatFrame, last: boolean): Promise<void> => {
    // Every reply waiting now must be one a chunk drew.
    if (wire.pendingReplies > outstanding.length) throw unsolicitedReply('during BDAT');
    if (last && context.beforeEndOfData !== undefined) await context.beforeEndOfData();
    const block = waitFor(timeouts.dataBlock, signal);
    if (last) lastHandedOver = !connection.destroyed;
    await wire.write(frame.command, block);
    if (frame.payload.byteLength > 0) await wire.writeData(frame.payload, block);
    size += frame.payload.byteLength;
    if (last) return;
    const reply = wire.read('BDAT', waitFor(timeouts.dataBlock, signal));
    if (!pipelined) return settle(reply);
    reply.catch(ignore);
    outstanding.push(reply);
    if (outstanding.length >= BDAT_WINDOW) await settle(outstanding.shift() as Promise<Reply>);
  };

  try {
    const { body } = plan;
    if (body.kind === 'frames') {
      const frames = body.frames;
      for (let i = 0; i < frames.length && refused === undefined; i++) {
        await send(frames[i] as BdatFrame, i === frames.length - 1);
      }
    } else {
      const framer = createBdatFramer({ chunkSize: options.chunkSize, binary: plan.binary });
      const source = body.source.content()[Symbol.asyncIterator]();
      try {
        while (refused === undefined) {
          // A caller's stream that stalls is bounded like a socket wait (INV-8).
          const next = await settleWithin(
            source.next(),
            waitFor(timeouts.dataBlock, signal),
            'body-source',
            () => connection.destroy(),
            context.lifetime,
          );
          if (next.done === true) break;
          for (const frame of framer.push(next.value)) {
            await send(frame, false);
            if (refused !== undefined) break;
          }
        }
      } finally {
        if (refused !== undefined || !lastHandedOver) source.return?.()?.catch(ignore);
      }
      if (refused === undefined) await send(framer.end(), true);
    }
    // The replies still owed to the chunks before LAST.
    while (outstanding.length > 0) await settle(outstanding.shift() as Promise<Reply>);
  } catch (error) {
    connection.destroy();
    throw failure(secrets, error, lastHandedOver ? 'unknown' : 'not-sent', envelope.rejected);
  }

  if (!lastHandedOver) {
    // A chunk was refused and LAST never went: the server holds nothing of the message.
    const reply = refused as Reply;
    if (reply.code !== 421) await resetTransaction(wire, waitFor(timeouts.command, signal));
    throw refusal(
      secrets,
      toReplyInfo(reply, 'BDAT', secrets),
      envelope.rejected,
      'The server refused BDAT',
    );
  }
  let final: Reply;
  try {
    final = await wire.read('BDAT', waitFor(timeouts.dataFinal, signal));
    verdict('BDAT', final);
  } catch (error) {
    connection.destroy();
    throw failure(secrets, error, 'unknown', envelope.rejected);
  }
  if (options.protocol === 'lmtp') {
    // RFC 2033 section 4.3: LAST draws one reply per recipient, this one the first's.
    if (refused === undefined) return lmtpDelivery(context, 'BDAT', final, envelope, size);
    // A chunk was refused while LAST was out: how many replies LAST draws then is not said, so
    // the dialogue cannot be kept in step.
    connection.destroy();
  }
  const failed = refused ?? (verdict('BDAT', final) === 'ok' ? undefined : final);
  if (failed !== undefined) {
    if (failed.code === 421) connection.destroy();
    throw refusal(
      secrets,
      toReplyInfo(failed, 'BDAT', secrets),
      envelope.rejected,
      'The server refused the message',
    );
  }
  if (wire.pendingReplies > 0) connection.destroy();
  return { reply: toReplyInfo(final, 'BDAT', secrets), size };
}

/** What the batch carrying `BDAT n LAST` drew, read in order (see {@link sendBdatInBatch}). */
export interface BatchedBdat {
  /**
   * The replies to MAIL and each RCPT, as far as they were read; when the reading stopped on a
   * reply its command does not allow, that reply is the last.
   */
  readonly envelope: readonly Reply[];
  /** When the last envelope reply was read (`performance.now()`): the envelope phase's end. */
  readonly envelopeRead: number;
  /** The reply to `BDAT n LAST`, if it came. */
  readonly final: Reply | undefined;
  /** `final` came before the transport had taken the whole batch (decision 10). */
  readonly early: boolean;
  /**
   * The batch, LAST and all, was handed to the transport: from here the server may hold the
   * whole message, so a failure without a reply that decides it is `unknown` (INV-9).
   */
  readonly handedOver: boolean;
  /**
   * Why the reading stopped short (connection lost, deadline, abort, a reply its command does not
   * allow), if it did. The connection is dropped then, and after an early reply or a `421`.
   */
  readonly failure: unknown;
}

/**
 * Writes MAIL, every RCPT and `BDAT n LAST` with its payload in one write, and reads their replies
 * in order. The reads run while the write is in progress, so a reply is matched to its command
 * however it arrives, and replies that came before the server closed are still read (the
 * transport keeps them). Never throws: the transaction decides the outcome.
 */
export async function sendBdatInBatch(
  context: TransactionContext,
  batch: Batch,
  envelopeWait: Wait,
): Promise<BatchedBdat> {
  const { wire, options, signal } = context;
  const { timeouts } = options;
  const connection = wire.connection;
  const envelope: Reply[] = [];
  let envelopeRead = performance.now();
  let final: Reply | undefined;
  let early = false;
  // The transport took every byte of the batch: a BDAT reply from here on is the final one. Until
  // then it is an early reply, which is the safe side to err on (as in data-body.ts).
  let written = false;
  const handedOver = !connection.destroyed;
  const writing = context.wire
    .writeWithPayload(batch.bytes, batch.payloadOctets, waitFor(timeouts.dataBlock, signal))
    .then(() => {
      written = true;
    });
  writing.catch(ignore);
  try {
    // MAIL and every RCPT: no DATA among them, so the DATA timeout is never used.
    await readReplies(wire, batch.commands.slice(0, -1), envelopeWait, envelope, timeouts.dataInit);
    envelopeRead = performance.now();
    if ((envelope[envelope.length - 1] as Reply).code === 421) {
      // The server is closing: the BDAT reply will not come.
      connection.destroy();
      return { envelope, envelopeRead, final, early, handedOver, failure: undefined };
    }
    // No deadline of its own while the batch is being written (the write has one); once it is
    // written, the final-reply deadline starts (settleWithin below).
    const finalRead = wire.read('BDAT', { deadline: Number.POSITIVE_INFINITY, signal });
    finalRead.then((reply) => {
      if (written) return;
      final = reply;
      early = true;
      connection.destroy();
    }, ignore);
    await writing;
    final = await settleWithin(finalRead, waitFor(timeouts.dataFinal, signal), 'bdat', () =>
      connection.destroy(),
    );
    return { envelope, envelopeRead, final, early, handedOver, failure: undefined };
  } catch (error) {
    connection.destroy();
    return { envelope, envelopeRead, final, early, handedOver, failure: error };
  }
}
