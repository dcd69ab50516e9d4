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
 * `unknown` after it (INV-9).
 */
import { type BdatFrame, createBdatFramer, type Reply } from '@smtp/protocol';
import { failure, refusal } from './outcome.ts';
import { unsolicitedReply, verdict } from './replies.ts';
import { toReplyInfo } from './reply-info.ts';
import { resetTransaction } from './reset.ts';
import type { BodyResult, Envelope, TransactionContext } from './transaction-context.ts';
import type { BdatPlan } from './transaction-plan.ts';
import { settleWithin, waitFor } from './wait.ts';

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
      const source = body.content()[Symbol.asyncIterator]();
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
