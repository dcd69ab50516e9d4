/**
 * The batch builder: which commands of a planned transaction go out in which write, and which
 * replies each write must draw, in order. Pure: the reader (replies.ts) and the transaction
 * (transaction.ts) do the I/O.
 *
 * With PIPELINING (RFC 2920) MAIL, every RCPT and DATA go in one write, so a message costs two
 * round trips (the envelope, then the body and its reply). DATA stays out of the batch when
 * `requireAllRecipients` is set (a started DATA cannot be taken back, so the RCPT replies must
 * be known first) and with BDAT (whose first chunk follows the envelope). Without PIPELINING
 * each command is its own write, and the transaction stops at a refused MAIL.
 */
import { encodeData } from '@smtp/protocol';
import { concat } from './bytes.ts';
import type { SmtpCommandName } from './errors.ts';
import type { TransactionPlan } from './transaction-plan.ts';

/** One write and the replies it must draw, in order. */
export interface Batch {
  readonly bytes: Uint8Array;
  readonly commands: readonly SmtpCommandName[];
}

/** How the envelope goes out. */
export interface BatchShape {
  /** The server offers PIPELINING and the client uses it. */
  readonly pipelined: boolean;
  /** DATA rides in the envelope batch (pipelined, not BDAT, not `requireAllRecipients`). */
  readonly dataInBatch: boolean;
}

const DATA = encodeData();

/** The DATA command on its own, for when it is not in the envelope batch. */
export const DATA_BATCH: Batch = Object.freeze({
  bytes: DATA,
  commands: Object.freeze<SmtpCommandName[]>(['DATA']),
});

/** Decides the shape for a plan on a server with or without PIPELINING. */
export function batchShape(
  plan: TransactionPlan,
  pipelining: boolean,
  requireAllRecipients: boolean,
): BatchShape {
  return { pipelined: pipelining, dataInBatch: pipelining && !plan.bdat && !requireAllRecipients };
}

/** The envelope writes of a plan: one batch when pipelined, else one per command. */
export function envelopeBatches(plan: TransactionPlan, shape: BatchShape): readonly Batch[] {
  if (!shape.pipelined) {
    return [
      { bytes: plan.mail, commands: ['MAIL'] },
      ...plan.rcpts.map((rcpt): Batch => ({ bytes: rcpt.line, commands: ['RCPT'] })),
    ];
  }
  const parts: Uint8Array[] = [plan.mail];
  const commands: SmtpCommandName[] = ['MAIL'];
  for (const rcpt of plan.rcpts) {
    parts.push(rcpt.line);
    commands.push('RCPT');
  }
  if (shape.dataInBatch) {
    parts.push(DATA);
    commands.push('DATA');
  }
  return [{ bytes: concat(parts), commands }];
}
