/**
 * Turns received chunks into replies, in order, for `readReply` callers.
 *
 * Replies the parser completes are queued until read, so a pipelining client can write several
 * commands and then read their replies one by one. The queue is bounded by flow control: the
 * connection pauses the socket whenever a reply is queued ({@link ReplyReader.wantsData} is
 * false), so at most the replies of one chunk, plus the parser's own bounds, are ever held.
 *
 * Failures: a local one (timeout, abort, protocol error, destroy) drops the queue; the peer
 * closing or resetting keeps it, because a reply that fully arrived before the close is a real
 * answer (the `250` after end-of-data decides whether a message was sent, INV-9).
 */
import { createReplyParser, type Reply, type ReplyParserOptions } from '@smtp/protocol';
import type { Settle } from './timeouts.ts';

export class ReplyReader {
  readonly #parser;
  #queue: Reply[] = [];
  /** Wire size of each queued reply, for the STARTTLS injection report. */
  #queuedBytes = 0;
  #waiters: Settle<Reply>[] = [];
  #failure: Error | undefined;

  constructor(options: ReplyParserOptions) {
    this.#parser = createReplyParser(options);
  }

  /** Bytes of an incomplete reply held by the parser. */
  get bufferedBytes(): number {
    return this.#parser.bufferedBytes;
  }

  /** Complete replies not yet read. */
  get queued(): number {
    return this.#queue.length;
  }

  /** An estimate of the wire bytes of the queued replies. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Callers waiting for a reply. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** False while a reply waits to be read: the socket should pause. */
  get wantsData(): boolean {
    return this.#queue.length === 0 && this.#failure === undefined;
  }

  /**
   * Parses a chunk and hands out the replies it completes.
   *
   * @throws {ProtocolError} from the parser, for the connection to fail with.
   */
  push(chunk: Uint8Array): void {
    const replies = this.#parser.push(chunk);
    for (const reply of replies) {
      const waiter = this.#waiters.shift();
      if (waiter !== undefined) waiter.resolve(reply);
      else {
        this.#queue.push(reply);
        this.#queuedBytes += wireSize(reply);
      }
    }
  }

  /** The next queued reply, if any. */
  take(): Reply | undefined {
    const reply = this.#queue.shift();
    if (reply !== undefined) this.#queuedBytes -= wireSize(reply);
    return reply;
  }

  /** Waits for the next reply (withdraw the wait with {@link ReplyReader.withdraw}). */
  wait(settle: Settle<Reply>): void {
    this.#waiters.push(settle);
  }

  /** Withdraws a wait, if it is still waiting. */
  withdraw(settle: Settle<Reply>): void {
    const at = this.#waiters.indexOf(settle);
    if (at !== -1) this.#waiters.splice(at, 1);
  }

  /**
   * No more replies will come. Waiters reject with `error`; queued replies stay readable when
   * `keepQueue` (the peer closed), and are dropped otherwise.
   */
  fail(error: Error, keepQueue: boolean): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    if (!keepQueue) {
      this.#queue = [];
      this.#queuedBytes = 0;
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  /** Forgets every buffered byte, after the TLS upgrade (nothing may be queued by then). */
  reset(): void {
    this.#parser.reset();
  }
}

/** `NNN-text\r\n` per line. */
function wireSize(reply: Reply): number {
  let size = 0;
  for (const line of reply.lines) size += line.length + 6;
  return size;
}
