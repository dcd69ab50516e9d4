/**
 * The early-reply watch of the DATA stage (data-body.ts), in a module of its own so the
 * transaction context can name it without importing the stage.
 */
import type { Reply } from '@smtp/protocol';
import type { Connection } from '@smtp/transport';

/**
 * What the reply to the end of data is, decided as it is delivered (see data-body.ts): one per
 * connection, whose DATA transactions run one at a time, so a message makes no closure for the
 * handler that decides it, nor for the interrupt of its final-reply wait.
 *
 * A message's state lives from {@link DataWatch.start} until its final reply: that handler runs
 * before `sendData` goes on (it was registered first), and after any other end (a failure, an
 * early reply, a timeout) the connection is destroyed, never used for another message.
 */
export class DataWatch {
  /**
   * The transport took every byte of the body, the end of data included: a reply from here on
   * is the final one. Until then it is an early reply, which is the safe side to err on.
   */
  sent = false;
  /** A reply that came before the body was sent. */
  early: Reply | undefined = undefined;
  /** The handler of the final read: takes an early reply and stops the body at once. */
  readonly onReply: (reply: Reply) => void;
  /** Drops the connection: `settleWithin`'s interrupt. */
  readonly interrupt: () => void;

  constructor(connection: Connection) {
    this.onReply = (reply) => {
      if (this.sent) return;
      this.early = reply;
      connection.destroy();
    };
    this.interrupt = () => connection.destroy();
  }

  /** A message starts: nothing sent, no reply yet. */
  start(): void {
    this.sent = false;
    this.early = undefined;
  }
}
