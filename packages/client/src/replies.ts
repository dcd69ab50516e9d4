/**
 * The reply reader of a transaction: reads the replies a write must draw, in order, and holds
 * each to what its command allows. One reader for every path (the pipelined envelope, DATA, the
 * end of data, BDAT in lock-step or pipelined, RSET), so a reply is never matched to the wrong
 * command: fewer replies than commands run into the phase's deadline, a reply no command asked
 * for is a protocol error, and so is a reply of the wrong kind (a `354` to BDAT, a `250` to
 * DATA). The connection is dropped after a protocol error (INV-9).
 *
 * What each command allows (RFC 5321 section 4.3.2, RFC 3030):
 * - DATA: `354` goes on; 4xx and 5xx refuse.
 * - everything else in a transaction: 2xx accepts; 4xx and 5xx refuse.
 * - `421` to anything: the server is closing the connection (RFC 5321 section 3.8).
 */
import { ProtocolError, type Reply } from '@smtp/protocol';
import type { SmtpCommandName } from './errors.ts';
import { type Wait, waitFor } from './wait.ts';
import type { Wire } from './wire.ts';

/** What a reply means for its command. */
export type Verdict = 'ok' | 'refused' | 'closing';

/** The meaning of `reply` to `command`; a reply the command does not allow throws. */
export function verdict(command: SmtpCommandName, reply: Reply): Verdict {
  const { code } = reply;
  if (code === 421) return 'closing';
  if (code >= 400 && code < 600) return 'refused';
  if (command === 'DATA' ? code === 354 : code >= 200 && code < 300) return 'ok';
  throw unexpectedReply(command, reply);
}

/** A reply its command does not allow: the dialogue is out of step. */
export function unexpectedReply(command: SmtpCommandName, reply: Reply): ProtocolError {
  const what = command === 'message' ? 'the end of data' : command;
  return new ProtocolError(
    'SMTP_PROTOCOL_UNEXPECTED_REPLY',
    `Unexpected ${reply.code} reply to ${what}`,
  );
}

/** A reply arrived that no command asked for. */
export function unsolicitedReply(where: string): ProtocolError {
  return new ProtocolError(
    'SMTP_PROTOCOL_UNEXPECTED_REPLY',
    `The server sent a reply no command asked for (${where})`,
  );
}

/**
 * Throws when a reply is waiting that no command drew: called before each write of a
 * transaction and after its last reply.
 */
export function expectQuiet(wire: Wire, where: string): void {
  if (wire.pendingReplies > 0) throw unsolicitedReply(where);
}

/**
 * Reads one reply per command, in order, within the phase's deadline; the reply to DATA, which
 * is a phase of its own (RFC 5321 section 4.5.3.2, "DATA initiation"), within `dataTimeoutMs`
 * from when its read starts (a number rather than a callback, so a transaction makes no closure
 * for it).
 */
export async function readReplies(
  wire: Wire,
  commands: readonly SmtpCommandName[],
  wait: Wait,
  into: Reply[],
  dataTimeoutMs: number,
): Promise<void> {
  for (let i = 0; i < commands.length; i++) {
    const command = commands[i] as SmtpCommandName;
    const reply = await wire.read(
      command,
      command === 'DATA' ? waitFor(dataTimeoutMs, wait.signal) : wait,
    );
    into.push(reply);
    // Classified at once, so that a malformed reply stops the batch where it stands.
    if (verdict(command, reply) === 'closing') return;
  }
}
