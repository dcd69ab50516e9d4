/**
 * The one channel between the dialogue and a connection: every command line, every byte of a
 * message body and every reply passes through a {@link Wire}, so there is one place that logs
 * the dialogue (redacted, INV-10), publishes it on `diagnostics_channel`, and hands the
 * transport the deadline and signal of the phase (INV-8).
 *
 * Logging costs nothing when nobody listens: command lines are decoded only for a debug log or
 * a `smtp:client:command` subscriber, replies are converted only for a `smtp:client:reply`
 * subscriber, and bodies are logged by size only.
 */
import type { Reply } from '@smtp/protocol';
import type { Connection } from '@smtp/transport';
import { hasClientSubscribers, publishClient } from './diagnostics.ts';
import type { SmtpCommandName } from './errors.ts';
import type { ClientLog } from './logging.ts';
import type { Secrets } from './redact.ts';
import { toReplyInfo } from './reply-info.ts';
import { transportWait, type Wait } from './wait.ts';

const decoder = new TextDecoder();

/** The transport's phase name for the reply to `command` (named in a `TimeoutError`). */
const READ_PHASES: Readonly<Record<SmtpCommandName, string>> = {
  greeting: 'greeting',
  EHLO: 'ehlo',
  HELO: 'helo',
  LHLO: 'lhlo',
  STARTTLS: 'starttls',
  AUTH: 'auth',
  MAIL: 'mail',
  RCPT: 'rcpt',
  DATA: 'data',
  BDAT: 'bdat',
  message: 'data-final',
  RSET: 'rset',
  NOOP: 'noop',
  QUIT: 'quit',
};

/** Commands, bodies and replies of one connection. */
export class Wire {
  readonly connection: Connection;
  readonly #log: ClientLog;
  readonly #secrets: Secrets;

  constructor(connection: Connection, log: ClientLog, secrets: Secrets) {
    this.connection = connection;
    this.#log = log;
    this.#secrets = secrets;
  }

  /** Replies that arrived and were not read yet. */
  get pendingReplies(): number {
    return this.connection.pendingReplies;
  }

  /**
   * Writes one or more command lines in one write. `sensitive` marks a SASL response line,
   * which logs show as `<redacted>`.
   */
  write(bytes: Uint8Array, wait: Wait, sensitive = false): Promise<void> {
    const published = hasClientSubscribers('command');
    if (this.#log.debugEnabled || published) this.#logLines(bytes, sensitive, published);
    return this.connection.write(bytes, transportWait(wait));
  }

  /**
   * Writes command lines and, after them, body bytes in one write (MAIL, every RCPT and
   * `BDAT n LAST` with its payload): the lines are logged as lines, the last `payloadOctets`
   * as a size only (INV-10).
   */
  writeWithPayload(bytes: Uint8Array, payloadOctets: number, wait: Wait): Promise<void> {
    const published = hasClientSubscribers('command');
    if (this.#log.debugEnabled || published) {
      this.#logLines(bytes.subarray(0, bytes.byteLength - payloadOctets), false, published);
    }
    this.#log.sentBody(payloadOctets);
    return this.connection.write(bytes, transportWait(wait));
  }

  /** Writes body bytes that are already in memory (a small message, a BDAT payload). */
  writeData(bytes: Uint8Array, wait: Wait): Promise<void> {
    this.#log.sentBody(bytes.byteLength);
    return this.connection.write(bytes, transportWait(wait));
  }

  /**
   * Streams a body with backpressure; resolves with the octets written. Each block the socket
   * takes has `blockTimeoutMs` (RFC 5321 section 4.5.3.2 "data block"), however long the whole
   * body takes.
   */
  async writeBody(
    source: AsyncIterable<Uint8Array>,
    blockTimeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    const options =
      signal === undefined ? { timeoutMs: blockTimeoutMs } : { timeoutMs: blockTimeoutMs, signal };
    const size = await this.connection.writeStream(source, options);
    this.#log.sentBody(size);
    return size;
  }

  /**
   * Reads the next reply, the one `command` drew. An async function on purpose, though it could
   * hand back the transport's promise when nothing logs or publishes replies: with a connection
   * that answers in the same turn as it takes a write (the dry run), the ticks it adds decide
   * that the reply to the end of data comes after the write resolved, not before (data-body.ts).
   */
  async read(command: SmtpCommandName, wait: Wait): Promise<Reply> {
    const phase = READ_PHASES[command];
    const { deadline, signal } = wait;
    const reply = await this.connection.readReply(
      signal === undefined ? { deadline, phase } : { deadline, signal, phase },
    );
    this.#log.received(reply);
    if (hasClientSubscribers('reply')) {
      publishClient('reply', {
        connectionId: this.connection.id,
        reply: toReplyInfo(reply, command, this.#secrets),
      });
    }
    return reply;
  }

  /** Writes a command and reads its reply. */
  async command(
    bytes: Uint8Array,
    command: SmtpCommandName,
    wait: Wait,
    sensitive = false,
  ): Promise<Reply> {
    await this.write(bytes, wait, sensitive);
    return this.read(command, wait);
  }

  #logLines(bytes: Uint8Array, sensitive: boolean, published: boolean): void {
    for (const line of decoder.decode(bytes).split('\r\n')) {
      if (line === '') continue;
      this.#log.sent(line, sensitive);
      if (published) {
        publishClient(
          'command',
          { connectionId: this.connection.id, line, sensitive },
          this.#secrets,
        );
      }
    }
  }
}
