/**
 * The batch builder: which commands of a planned transaction go out in which write, and which
 * replies each write must draw, in order. Pure: the reader (replies.ts) and the transaction
 * (transaction.ts) do the I/O.
 *
 * With PIPELINING (RFC 2920) MAIL, every RCPT and DATA go in one write, so a message costs two
 * round trips (the envelope, then the body and its reply). DATA stays out of the batch when
 * `requireAllRecipients` is set (a started DATA cannot be taken back, so the RCPT replies must
 * be known first). Without PIPELINING each command is its own write, and the transaction stops
 * at a refused MAIL.
 *
 * With PIPELINING and CHUNKING, content the plan framed in memory as a single `BDAT n LAST` rides
 * in the envelope batch, payload and all, so a message costs one round trip. RFC 3030 section 2
 * describes the BDAT chunks as following the collected MAIL and RCPT replies; pipelining them
 * as well relies on what makes BDAT safe to pipeline at all: its payload is counted, and a
 * server consumes it even when it refuses the command, so nothing of it is read as commands, and
 * with MAIL or every RCPT refused there is no transaction to deliver. A server that does not
 * consume it (Exchange 2000 did not, after refusing every RCPT: ietf-smtp, February 2003) answers
 * the payload's lines, and the reply reader drops the connection on replies no command drew.
 * So only a single, bounded chunk goes this way: `requireAllRecipients` keeps BDAT out (the RCPT
 * replies must be known before content goes), and content in several chunks or streamed follows
 * the envelope replies (bdat-body.ts).
 */
import { type BdatFrame, encodeData } from '@smtp/protocol';
import { concat } from './bytes.ts';
import type { SmtpCommandName } from './errors.ts';
import type { BdatPlan, TransactionPlan } from './transaction-plan.ts';

/** One write and the replies it must draw, in order. */
export interface Batch {
  readonly bytes: Uint8Array;
  readonly commands: readonly SmtpCommandName[];
  /**
   * Octets at the end of `bytes` that are BDAT payload, not command lines (0 for most batches):
   * the writer logs them as a size only (INV-10), never as lines.
   */
  readonly payloadOctets: number;
}

/** How the envelope goes out. */
export interface BatchShape {
  /** The server offers PIPELINING and the client uses it. */
  readonly pipelined: boolean;
  /** DATA rides in the envelope batch (pipelined, not BDAT, not `requireAllRecipients`). */
  readonly dataInBatch: boolean;
  /**
   * `BDAT n LAST` and its payload ride in the envelope batch (pipelined, BDAT content framed in
   * memory as one chunk, not `requireAllRecipients`): the whole message in one write.
   */
  readonly bdatInBatch: boolean;
}

const DATA = encodeData();

/** The DATA command on its own, for when it is not in the envelope batch. */
export const DATA_BATCH: Batch = Object.freeze({
  bytes: DATA,
  commands: Object.freeze<SmtpCommandName[]>(['DATA']),
  payloadOctets: 0,
});

/** The commands of a lone MAIL or RCPT write (no PIPELINING): shared, never changed. */
const MAIL_ONLY: readonly SmtpCommandName[] = Object.freeze<SmtpCommandName[]>(['MAIL']);
const RCPT_ONLY: readonly SmtpCommandName[] = Object.freeze<SmtpCommandName[]>(['RCPT']);

/** Decides the shape for a plan on a server with or without PIPELINING. */
export function batchShape(
  plan: TransactionPlan,
  pipelining: boolean,
  requireAllRecipients: boolean,
): BatchShape {
  const inBatch = pipelining && !requireAllRecipients;
  return {
    pipelined: pipelining,
    dataInBatch: inBatch && !plan.bdat,
    bdatInBatch: inBatch && plan.bdat && onlyFrame(plan) !== undefined,
  };
}

/** The envelope writes of a plan: one batch when pipelined, else one per command. */
export function envelopeBatches(plan: TransactionPlan, shape: BatchShape): readonly Batch[] {
  const { rcpts } = plan;
  if (!shape.pipelined) {
    const batches: Batch[] = [{ bytes: plan.mail, commands: MAIL_ONLY, payloadOctets: 0 }];
    for (let i = 0; i < rcpts.length; i++) {
      const line = (rcpts[i] as { readonly line: Uint8Array }).line;
      batches.push({ bytes: line, commands: RCPT_ONLY, payloadOctets: 0 });
    }
    return batches;
  }
  const parts: Uint8Array[] = [plan.mail];
  const commands: SmtpCommandName[] = ['MAIL'];
  for (let i = 0; i < rcpts.length; i++) {
    parts.push((rcpts[i] as { readonly line: Uint8Array }).line);
    commands.push('RCPT');
  }
  let payloadOctets = 0;
  if (shape.dataInBatch) {
    parts.push(DATA);
    commands.push('DATA');
  }
  const frame = shape.bdatInBatch && plan.bdat ? onlyFrame(plan) : undefined;
  if (frame !== undefined) {
    parts.push(frame.command, frame.payload);
    commands.push('BDAT');
    payloadOctets = frame.payload.byteLength;
  }
  return [{ bytes: concat(parts), commands, payloadOctets }];
}

/** The `BDAT n LAST` frame of content the plan framed in memory as one chunk, if it did. */
function onlyFrame(plan: BdatPlan): BdatFrame | undefined {
  const { body } = plan;
  return body.kind === 'frames' && body.frames.length === 1 ? body.frames[0] : undefined;
}
