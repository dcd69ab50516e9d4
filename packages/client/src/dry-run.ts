/**
 * `dryRun`: the real dialogue code against a connection that goes nowhere. `DryRunConnection`
 * records every byte written and answers as a willing server would (`220` greeting, an EHLO
 * offering PIPELINING, 8BITMIME, SMTPUTF8, DSN and REQUIRETLS, `354` to DATA, `250` to
 * everything else and after the content), so the bytes a dry run returns are exactly the bytes
 * a real send would write, because the same code wrote them. With `protocol: 'lmtp'` it answers
 * LHLO as EHLO and the end of data once per recipient, as an LMTP server does (RFC 2033).
 *
 * It presents itself as implicit TLS with a verified certificate, so no STARTTLS is attempted;
 * the client runs it without credentials, so no AUTH either.
 */
import type { Reply } from '@smtp/protocol';
import type { Connection, TlsInfo, TransportUsage } from '@smtp/transport';
import { AbortError, ConnectionError } from '@smtp/transport';
import { concat } from './bytes.ts';
import type { SendableMessage } from './message-source.ts';
import { NO_EHLO } from './reply-info.ts';
import { type SendResult, toSendResult } from './send-result.ts';
import { SmtpConnection, type SmtpConnectionContext } from './smtp-connection.ts';
import type { SendOptions } from './transaction-plan.ts';
import { ZERO_USAGE } from './usage.ts';

/** The name the dry-run server gives in its greeting and EHLO reply. */
export const DRY_RUN_DOMAIN = 'dry-run.invalid';

const EHLO_LINES = [DRY_RUN_DOMAIN, 'PIPELINING', '8BITMIME', 'SMTPUTF8', 'DSN', 'REQUIRETLS'];
const decoder = new TextDecoder();

function reply(code: number, lines: readonly string[]): Reply {
  return { code, lines, text: lines.join('\n') };
}

/** A connection that goes nowhere: see the module docblock. */
export class DryRunConnection implements Connection {
  readonly id = 0;
  readonly secure = true;
  readonly tls: TlsInfo | undefined = undefined;
  readonly remoteAddress = undefined;
  readonly remotePort = undefined;
  readonly localAddress = undefined;
  readonly localPort = undefined;
  readonly path = undefined;
  readonly #written: Uint8Array[] = [];
  readonly #replies: Reply[] = [reply(220, [`${DRY_RUN_DOMAIN} dry run`])];
  /** Inside DATA content, until the terminator. */
  #inData = false;
  /** Octets of a BDAT payload still to come. */
  #bdatLeft = 0;
  /** LMTP: the end of data draws one reply per recipient. */
  readonly #lmtp: boolean;
  /** RCPT commands since MAIL: how many replies an LMTP end of data draws. */
  #recipients = 0;
  #destroyed = false;
  readonly #readers: ((reply: Reply) => void)[] = [];

  constructor(options: { readonly lmtp?: boolean } = {}) {
    this.#lmtp = options.lmtp === true;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  get pendingReplies(): number {
    return this.#replies.length;
  }

  get usage(): TransportUsage {
    let bytesSent = 0;
    for (const part of this.#written) bytesSent += part.byteLength;
    return { ...ZERO_USAGE, bytesSent };
  }

  /** How many writes so far: pass it to {@link bytesSince} later. */
  mark(): number {
    return this.#written.length;
  }

  /** Everything written since `mark`, in order. */
  bytesSince(mark: number): Uint8Array {
    return concat(this.#written.slice(mark));
  }

  readReply(): Promise<Reply> {
    if (this.#destroyed) {
      return Promise.reject(new ConnectionError('SMTP_CONNECTION_CLOSED', 'dry run: closed'));
    }
    const next = this.#replies.shift();
    if (next !== undefined) return Promise.resolve(next);
    // Like a server, the reply to the end of data comes once the data was written.
    return new Promise<Reply>((resolve) => this.#readers.push(resolve));
  }

  write(bytes: Uint8Array): Promise<void> {
    this.#written.push(bytes.slice());
    if (this.#bdatLeft > 0) {
      this.#bdatLeft -= bytes.byteLength;
      return Promise.resolve();
    }
    if (this.#inData) {
      // The client writes content in memory in one piece, terminator included.
      this.#endData();
      return Promise.resolve();
    }
    for (const line of decoder.decode(bytes).split('\r\n')) {
      if (line === '') continue;
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'LHLO') this.#replies.push(reply(250, EHLO_LINES));
      else if (verb === 'DATA') {
        this.#replies.push(reply(354, ['dry run: go ahead']));
        this.#inData = true;
      } else if (verb === 'BDAT') {
        const [, size, last] = line.split(' ');
        this.#bdatLeft = Number(size);
        const replies = this.#lmtp && last?.toUpperCase() === 'LAST' ? this.#recipients : 1;
        for (let i = 0; i < replies; i++) this.#replies.push(reply(250, ['dry run: chunk taken']));
      } else {
        if (verb === 'MAIL') this.#recipients = 0;
        if (verb === 'RCPT') this.#recipients++;
        this.#replies.push(reply(250, ['dry run: OK']));
      }
    }
    return Promise.resolve();
  }

  async writeStream(source: AsyncIterable<Uint8Array>): Promise<number> {
    let total = 0;
    for await (const chunk of source) {
      this.#written.push(chunk.slice());
      total += chunk.byteLength;
    }
    this.#endData();
    return total;
  }

  upgradeToTls(): Promise<TlsInfo> {
    return Promise.reject(new Error('dry run: no TLS'));
  }

  close(): Promise<void> {
    this.#destroyed = true;
    return Promise.resolve();
  }

  destroy(): void {
    this.#destroyed = true;
  }

  ref(): void {}

  unref(): void {}

  #endData(): void {
    this.#inData = false;
    const done = reply(250, ['dry run: message not sent']);
    for (let i = this.#lmtp ? this.#recipients : 1; i > 0; i--) {
      const reader = this.#readers.shift();
      if (reader === undefined) this.#replies.push(done);
      else reader(done);
    }
  }
}

/**
 * Sends `message` through the real dialogue code to a {@link DryRunConnection}: the result a
 * real send would have had, plus the exact bytes of the transaction. No credentials, so no AUTH.
 */
export async function dryRun(
  context: SmtpConnectionContext,
  message: SendableMessage,
  options: SendOptions,
  started: number,
): Promise<SendResult> {
  if (options.signal?.aborted === true) {
    throw new AbortError('queue', { cause: options.signal.reason });
  }
  const dry = new DryRunConnection({ lmtp: context.options.protocol === 'lmtp' });
  const connection = new SmtpConnection({
    ...context,
    options: { ...context.options, security: 'implicit', connector: async () => dry },
    credentials: undefined,
  });
  await connection.open({ signal: options.signal });
  const mark = dry.mark();
  const sent = await connection.send(message, options);
  connection.destroy();
  return {
    ...toSendResult(sent, connection.ehlo ?? NO_EHLO, 1, {
      envelopeMs: sent.envelopeMs,
      dataMs: sent.dataMs,
      totalMs: performance.now() - started,
    }),
    bytes: dry.bytesSince(mark),
  };
}
