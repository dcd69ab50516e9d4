/**
 * RSET (RFC 5321 section 4.1.1.5), sent only after a transaction that did not complete: MAIL
 * or every RCPT refused, a recipient refused under `requireAllRecipients`, DATA refused, a BDAT
 * chunk refused before LAST. Never after an accepted message: the transaction is over by then
 * (RFC 5321 section 4.1.1.4) and an RSET would cost a round trip for nothing.
 *
 * The RSET goes out at once, as its own command, and its reply is awaited before the send
 * reports: a refused or unexpected reply (or none) drops the connection, so nothing of the next
 * message is ever written on a connection whose state is unknown (decision 9).
 */
import { encodeRset } from '@smtp/protocol';
import { expectQuiet, verdict } from './replies.ts';
import type { Wait } from './wait.ts';
import type { Wire } from './wire.ts';

const RSET = encodeRset();

/**
 * Resets the transaction; on anything but a `250`, drops the connection. Never throws: the
 * failure being reported is the one that made the RSET necessary. Resolves with whether the
 * connection can take another transaction.
 */
export async function resetTransaction(wire: Wire, wait: Wait): Promise<boolean> {
  if (wire.connection.destroyed) return false;
  try {
    expectQuiet(wire, 'before RSET');
    const reply = await wire.command(RSET, 'RSET', wait);
    if (verdict('RSET', reply) === 'ok' && wire.pendingReplies === 0) return true;
  } catch {
    // Out of step or gone: dropped below.
  }
  wire.connection.destroy();
  return false;
}
