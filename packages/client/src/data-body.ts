/**
 * The content of a DATA transaction and its final reply (RFC 5321 section 4.1.1.4): the body,
 * canonical on the wire (CRLF only, dot-stuffed, one terminator: INV-6), written with
 * backpressure, then the reply to the end of data.
 *
 * A reply that arrives while the body is still being written stops it at once (decision 10 in
 * docs/security.md). The reply to the end of data is awaited from the moment the body starts,
 * so the reply is taken the moment it arrives, before a reset or a broken pipe that may follow
 * it, and the caller sees the server's `552`, not an `EPIPE`:
 * - a 4xx or 5xx is `rejected` with that reply;
 * - a 2xx is a protocol error with outcome `unknown`: the server may have taken a truncated
 *   message;
 * - anything else is a protocol error, `not-sent`.
 * The connection is dropped in every case: the data was cut short.
 *
 * A reply counts as early until the transport has taken every byte of the body, the end of data
 * included. That errs on the safe side: a reply that came as the last bytes were leaving is
 * treated as early, so a `250` there is `unknown`, never `accepted` for a message the server
 * may not have had whole. It is decided in the callback that delivers the reply, so nothing
 * written later can change the answer.
 *
 * Outcome of a failure without a reply: `not-sent` before the end of data was handed to the
 * transport, `unknown` after it (INV-9).
 *
 * LMTP (RFC 2033 section 4.2): the reply to the end of data is the first recipient's, and
 * lmtp-replies.ts reads the others; an early reply still stops the body, as above.
 */
import { Buffer } from 'node:buffer';
import { createDataEncoder, ProtocolError, type Reply } from '@smtp/protocol';
import type { SendError } from './errors.ts';
import { lmtpDelivery } from './lmtp-replies.ts';
import { failure, refusal } from './outcome.ts';
import { verdict } from './replies.ts';
import { toReplyInfo } from './reply-info.ts';
import type { BodyResult, Envelope, TransactionContext } from './transaction-context.ts';
import type { DataPlan } from './transaction-plan.ts';
import { settleWithin, waitFor } from './wait.ts';

function ignore(): void {}

/** Writes the content after the `354` and reads the final reply. */
export async function sendData(
  context: TransactionContext,
  plan: DataPlan,
  envelope: Envelope,
): Promise<BodyResult> {
  const { wire, options, secrets, signal, dataWatch: watch } = context;
  const { timeouts } = options;
  const connection = wire.connection;
  // The end of data was handed to the transport: from here a failure is `unknown` (INV-9).
  let endWritten = false;
  watch.start();
  // No deadline of its own while the body is written (each block has one); once the body is
  // sent, the final-reply deadline starts (settleWithin below).
  const finalRead = wire.read('message', { deadline: Number.POSITIVE_INFINITY, signal });
  finalRead.then(watch.onReply, ignore);

  let size: number;
  try {
    const { body } = plan;
    if (body.kind === 'bytes') {
      // The content and its terminator go in one write: the hook comes before any of it.
      if (context.beforeEndOfData !== undefined) await context.beforeEndOfData();
      endWritten = !connection.destroyed;
      await wire.writeData(body.bytes, waitFor(timeouts.dataBlock, signal));
      size = body.bytes.byteLength;
    } else {
      const encoded = dataEncoded(body.source.content(), async () => {
        if (context.beforeEndOfData !== undefined) await context.beforeEndOfData();
        endWritten = !connection.destroyed;
      });
      size = await wire.writeBody(encoded, timeouts.dataBlock, signal);
    }
    watch.sent = watch.early === undefined;
  } catch (error) {
    const early = watch.early;
    if (early !== undefined) throw earlyReply(context, early, envelope, endWritten);
    connection.destroy();
    throw failure(secrets, error, endWritten ? 'unknown' : 'not-sent', envelope.rejected);
  }
  const early = watch.early;
  if (early !== undefined) throw earlyReply(context, early, envelope, endWritten);
  let reply: Reply;
  try {
    reply = await settleWithin(
      finalRead,
      waitFor(timeouts.dataFinal, signal),
      'data-final',
      watch.interrupt,
    );
  } catch (error) {
    connection.destroy();
    throw failure(secrets, error, 'unknown', envelope.rejected);
  }
  // LMTP: that was the first recipient's reply; one per recipient follows (lmtp-replies.ts).
  if (options.protocol === 'lmtp') return lmtpDelivery(context, 'message', reply, envelope, size);
  return final(context, reply, size, envelope);
}

/** The reply to the end of data. */
function final(
  context: TransactionContext,
  reply: Reply,
  size: number,
  envelope: Envelope,
): BodyResult {
  const { secrets, wire } = context;
  let kind: ReturnType<typeof verdict>;
  try {
    kind = verdict('message', reply);
  } catch (error) {
    wire.connection.destroy();
    throw failure(secrets, error, 'unknown', envelope.rejected);
  }
  const info = toReplyInfo(reply, 'message', secrets);
  if (kind === 'closing') wire.connection.destroy();
  if (kind !== 'ok')
    throw refusal(secrets, info, envelope.rejected, 'The server refused the message');
  // A reply no command drew, already waiting: the dialogue is out of step from here on. The
  // message itself was accepted, in order.
  if (wire.pendingReplies > 0) wire.connection.destroy();
  return { reply: info, size };
}

/**
 * A reply that came before the body was sent (see the module docblock). `endWritten`: the end of
 * data was already handed to the transport, so a failure is `unknown` rather than `not-sent`.
 */
function earlyReply(
  context: TransactionContext,
  reply: Reply,
  envelope: Envelope,
  endWritten: boolean,
): SendError {
  const { secrets, wire } = context;
  wire.connection.destroy();
  const code = reply.code;
  if (code >= 400 && code < 600) {
    return refusal(
      secrets,
      toReplyInfo(reply, 'message', secrets),
      envelope.rejected,
      'The server refused the message while it was being sent',
    );
  }
  const positive = code >= 200 && code < 300;
  const error = new ProtocolError(
    'SMTP_PROTOCOL_UNEXPECTED_REPLY',
    positive
      ? `The server answered ${code} before the end of data was sent: it may have taken a truncated message`
      : `Unexpected ${code} reply while the message was being sent`,
  );
  return failure(
    secrets,
    error,
    positive || endWritten ? 'unknown' : 'not-sent',
    envelope.rejected,
  );
}

/**
 * The DATA form of a content stream: CRLF only, dot-stuffed, one terminator (INV-6).
 * `onEnd` runs, and is awaited, just before the terminator is handed over.
 *
 * The transport's `next(true)` (it holds none of the chunks it took) is passed on to the content:
 * a chunk the encoder passed on unchanged is one the transport took, and one it copied is not
 * held at all (the encoder keeps no reference), so the content may then reuse its chunks' memory
 * (`@smtp/mime` does for a streamed attachment). `for await` could not pass it, hence the loop.
 * Exported for its tests.
 */
export async function* dataEncoded(
  content: AsyncIterable<Uint8Array>,
  onEnd: () => void | Promise<void>,
): AsyncGenerator<Uint8Array, void, unknown> {
  const encoder = createDataEncoder();
  const source = content[Symbol.asyncIterator]();
  let released = false;
  // The source is between two chunks, not failed or done: leaving now must release it.
  let open = false;
  try {
    for (;;) {
      open = false;
      const next = await source.next(released);
      if (next.done === true) break;
      open = true;
      const out = encoder.push(asBuffer(next.value));
      // An empty output: the chunk was not passed on, so what the transport said still holds.
      if (out.byteLength > 0) released = (yield out) === true;
    }
  } finally {
    // As `for await` does: a source left early (an encoding error, the transport stopped
    // pulling) is told to release what it holds.
    if (open) await source.return?.();
  }
  const end = encoder.end();
  await onEnd();
  yield end;
}

/**
 * The same bytes as a `Buffer` view (no copy). The encoder looks for CR and LF with `indexOf`
 * once or twice per line; `Buffer`'s `indexOf` is Node's native search, about three times as
 * fast per call as the typed-array one a plain `Uint8Array` gets (a 76-column base64 attachment
 * is a call every 78 octets: 0.19 s against 0.06 s for 50 MB, suite `large-send`). A chunk the
 * encoder passes on unchanged also reaches the socket as a `Buffer`, which it then need not wrap.
 */
function asBuffer(chunk: Uint8Array): Uint8Array {
  return Buffer.isBuffer(chunk)
    ? chunk
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
