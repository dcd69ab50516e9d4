/**
 * One mail transaction (RFC 5321 section 3.3): MAIL FROM, RCPT TO for every recipient, then the
 * content with DATA (dot-stuffed, one terminator) or with BDAT chunks (RFC 3030), and the final
 * reply. The session (session.ts) has done greeting, EHLO, STARTTLS and AUTH before.
 *
 * Before any byte (so a refusal costs nothing and leaves the connection usable): the message is
 * prepared for what the server offers (8BITMIME decides whether mime may use `8bit`), and
 * - a message needing SMTPUTF8 the server does not offer: `SecurityError` `SMTP_SMTPUTF8_UNAVAILABLE`;
 * - REQUIRETLS asked on a link without TLS or a server without it: `SMTP_REQUIRETLS_UNAVAILABLE`;
 * - a known size over the server's SIZE: `SMTP_MESSAGE_TOO_LARGE`;
 * - every command is encoded, so invalid input is an `InvalidInputError` (INV-5);
 * - DSN parameters are sent only to a server that offers DSN (RFC 3461 section 4: a client
 *   must not send them otherwise); without it they are left out and an info line says so.
 *
 * PIPELINING (RFC 2920), when offered and not turned off: MAIL, every RCPT and DATA go in one
 * write, and the replies are read in order and matched to their commands, so a message costs
 * two round trips. Two exceptions keep DATA out of the batch: `requireAllRecipients` (DATA must
 * not start when a recipient may be refused, since a started DATA cannot be taken back) and
 * BDAT. Without PIPELINING, one command per round trip.
 *
 * Outcomes (SECURITY.md INV-9): a definite refusal is `rejected`; a failure before the end of
 * data was handed to the transport is `not-sent`; after it, without a final reply, `unknown`
 * (the terminator, or the `BDAT n LAST` chunk, may have reached the server: never retried).
 */

import type { Message } from '@smtp/mime';
import {
  type BdatFrame,
  type Capabilities,
  createBdatFramer,
  createDataEncoder,
  type DsnNotify,
  encodeData,
  encodeMailFrom,
  encodeRcptTo,
  encodeRset,
  InvalidInputError,
  type MailFromParameters,
  ProtocolError,
  type RcptToParameters,
  type Reply,
} from '@smtp/protocol';
import type { Connection, TlsInfo, TransportUsage } from '@smtp/transport';
import { ConnectionError, TimeoutError } from '@smtp/transport';
import {
  type FailedOutcome,
  type RecipientRefusal,
  type ReplyInfo,
  SecurityError,
  SendError,
  type SmtpCommandName,
} from './errors.ts';
import type { ClientLog } from './logging.ts';
import {
  type PreparedMessage,
  prepareMessage,
  type RawBodyType,
  type RawMessage,
} from './message-source.ts';
import type { ResolvedClientOptions } from './options.ts';
import type { Secrets } from './redact.ts';
import { describeReply } from './reply-info.ts';
import {
  type Dialogue,
  isConnectionGone,
  noCapabilities,
  replyError,
  StaleConnectionError,
  safeReplyInfo,
} from './session.ts';
import { ZERO_USAGE } from './usage.ts';

/** Delivery status notification wishes for one send (RFC 3461); they override the message's. */
export interface DsnSendOptions {
  /** `NOTIFY=` on every RCPT: `'NEVER'`, or some of `SUCCESS`, `FAILURE`, `DELAY`. */
  readonly notify?: 'NEVER' | readonly ('SUCCESS' | 'FAILURE' | 'DELAY')[];
  /** `RET=` on MAIL. */
  readonly ret?: 'FULL' | 'HDRS';
  /** `ENVID=` on MAIL: printable ASCII, up to 100 characters. */
  readonly envelopeId?: string;
  /** `ORCPT=rfc822;<recipient>` on every RCPT. Default false. */
  readonly orcpt?: boolean;
}

/** Options of one `send()`. */
export interface SendOptions {
  /** Aborts the send: queued, it leaves the queue; running, the connection is destroyed. */
  readonly signal?: AbortSignal;
  /** DSN wishes; see {@link DsnSendOptions}. Sent only when the server offers DSN. */
  readonly dsn?: DsnSendOptions;
  /** `ENVID=`: the same as `dsn.envelopeId`. */
  readonly envid?: string;
  /** REQUIRETLS (RFC 8689): fails with `SMTP_REQUIRETLS_UNAVAILABLE` unless TLS and the extension. */
  readonly requireTls?: boolean;
}

/** A transaction ready to run: everything checked and encoded, nothing written. */
export interface TransactionPlan {
  readonly prepared: PreparedMessage;
  readonly mail: Uint8Array;
  readonly rcpts: readonly { readonly recipient: string; readonly line: Uint8Array }[];
  /** Send the content with BDAT (else DATA). */
  readonly bdat: boolean;
  /** BDAT content is BINARYMIME: octets as they are. */
  readonly binary: boolean;
}

/** What a successful transaction returns. */
export interface TransactionResult {
  readonly accepted: readonly string[];
  readonly rejected: readonly RecipientRefusal[];
  readonly reply: ReplyInfo;
  /** Octets written for the content (DATA: as on the wire; BDAT: the payloads). */
  readonly size: number;
  readonly envelopeMs: number;
  readonly dataMs: number;
}

/** What a transaction needs from the session and the client. */
export interface TransactionContext {
  readonly dialogue: Dialogue;
  readonly capabilities: Capabilities;
  /** The link is TLS. */
  readonly secure: boolean;
  readonly options: Pick<
    ResolvedClientOptions,
    'pipelining' | 'chunking' | 'chunkSize' | 'requireAllRecipients' | 'timeouts'
  >;
  readonly log: ClientLog;
  readonly secrets: Secrets;
  /**
   * The connection was idle before this transaction: a `421` or a close on the first command
   * means the server dropped it, and {@link StaleConnectionError} is thrown so the client
   * reconnects (nothing was sent).
   */
  readonly mayBeStale: boolean;
  /**
   * A transaction ran on this connection before: with PIPELINING the RSET that separates the two
   * opens the envelope batch (RFC 2920 section 3.1 lets RSET stand anywhere in a group) instead
   * of costing a round trip of its own. Without PIPELINING the client sends it beforehand.
   */
  readonly resetFirst?: boolean;
}

/** Bounds the BDAT replies awaited at once when BDAT is pipelined. */
const BDAT_WINDOW = 8;

function toNotify(notify: DsnSendOptions['notify']): readonly DsnNotify[] | undefined {
  if (notify === undefined) return undefined;
  return notify === 'NEVER' ? ['NEVER'] : notify;
}

/**
 * Checks and encodes a transaction for a server with `capabilities`. Throws before any I/O:
 * `SecurityError` (SMTPUTF8, REQUIRETLS, SIZE), `InvalidInputError` (commands), mime errors.
 */
export function planTransaction(
  input: Message | RawMessage,
  capabilities: Capabilities,
  secure: boolean,
  options: Pick<ResolvedClientOptions, 'chunking'>,
  send: SendOptions,
  log: ClientLog,
): TransactionPlan {
  const prepared = prepareMessage(input, {
    allow8Bit: capabilities.eightBitMime,
    smtpUtf8Offered: capabilities.smtpUtf8,
  });
  if (prepared.smtpUtf8 && !capabilities.smtpUtf8) {
    throw new SecurityError(
      'SMTP_SMTPUTF8_UNAVAILABLE',
      'The message has a UTF-8 address and the server does not offer SMTPUTF8; nothing was sent',
    );
  }
  if (send.requireTls === true && !(secure && capabilities.requireTls)) {
    throw new SecurityError(
      'SMTP_REQUIRETLS_UNAVAILABLE',
      secure
        ? 'REQUIRETLS was asked for and the server does not offer it; nothing was sent'
        : 'REQUIRETLS was asked for and the connection is not TLS; nothing was sent',
    );
  }
  const size = prepared.size;
  if (
    capabilities.size !== undefined &&
    capabilities.size > 0 &&
    size !== undefined &&
    size > capabilities.size
  ) {
    throw new SecurityError(
      'SMTP_MESSAGE_TOO_LARGE',
      `The message is ${size} octets and the server takes at most ${capabilities.size}; nothing was sent`,
    );
  }
  const body: RawBodyType = prepared.body;
  const chunkingWanted =
    options.chunking === true || (options.chunking === 'auto' && body === 'BINARYMIME');
  const bdat = capabilities.chunking && chunkingWanted;
  if (body === 'BINARYMIME' && !(bdat && capabilities.binaryMime)) {
    throw new InvalidInputError(
      'SMTP_INVALID_PARAMETER',
      'The message is BINARYMIME and the server does not offer CHUNKING and BINARYMIME (or chunking is off); nothing was sent',
    );
  }
  if (body === '8BITMIME' && !capabilities.eightBitMime) {
    // Only raw input gets here: a Message is serialised 7bit-safe when 8BITMIME is missing.
    throw new InvalidInputError(
      'SMTP_INVALID_NON_ASCII',
      'The raw message has 8-bit content and the server does not offer 8BITMIME; nothing was sent',
    );
  }

  const dsnOptions = send.dsn;
  const envid = send.envid ?? dsnOptions?.envelopeId ?? prepared.dsn?.envelopeId;
  const notify = toNotify(dsnOptions?.notify ?? prepared.dsn?.notify);
  const ret = dsnOptions?.ret ?? prepared.dsn?.ret;
  const wantsDsn =
    notify !== undefined || ret !== undefined || envid !== undefined || dsnOptions?.orcpt === true;
  const dsn = wantsDsn && capabilities.dsn;
  if (wantsDsn && !capabilities.dsn) {
    log.info('the server does not offer DSN: delivery notification parameters not sent');
  }

  const mailParams: MailFromParameters = {
    ...(capabilities.size !== undefined && size !== undefined ? { size } : {}),
    ...(body === '8BITMIME' ? { body: '8BITMIME' as const } : {}),
    ...(body === 'BINARYMIME' ? { body: 'BINARYMIME' as const } : {}),
    ...(prepared.smtpUtf8 ? { smtpUtf8: true } : {}),
    ...(dsn && ret !== undefined ? { ret } : {}),
    ...(dsn && envid !== undefined ? { envid } : {}),
    ...(send.requireTls === true ? { requireTls: true } : {}),
  };
  const mail = encodeMailFrom(prepared.from, mailParams);
  const rcpts = prepared.to.map((recipient) => {
    const params: RcptToParameters = {
      ...(prepared.smtpUtf8 ? { smtpUtf8: true } : {}),
      ...(dsn && notify !== undefined ? { notify } : {}),
      ...(dsn && dsnOptions?.orcpt === true ? { orcpt: recipient } : {}),
    };
    return { recipient, line: encodeRcptTo(recipient, params) };
  });
  return { prepared, mail, rcpts, bdat, binary: body === 'BINARYMIME' };
}

/** Fails a transaction with a SendError; the message is scrubbed. */
function sendError(
  secrets: Secrets,
  details: {
    code: string;
    outcome: FailedOutcome;
    reply?: ReplyInfo;
    rejected?: readonly RecipientRefusal[];
    temporary: boolean;
  },
  message: string,
  cause?: unknown,
): SendError {
  const clean = secrets.scrub(message);
  return cause === undefined
    ? new SendError(details, clean)
    : new SendError(details, clean, { cause });
}

/** The SendError for a refusal (a 4xx or 5xx reply). */
function refusal(
  secrets: Secrets,
  info: ReplyInfo,
  rejected: readonly RecipientRefusal[],
  what: string,
): SendError {
  return sendError(
    secrets,
    {
      code: 'SMTP_REPLY',
      outcome: 'rejected',
      reply: info,
      rejected,
      temporary: info.code >= 400 && info.code < 500,
    },
    `${what}: ${describeReply(info)}`,
  );
}

/** The SendError for a failure underneath (timeout, connection, abort, protocol, input). */
export function failure(
  secrets: Secrets,
  error: unknown,
  outcome: FailedOutcome,
  rejected: readonly RecipientRefusal[] = [],
): SendError {
  if (error instanceof SendError) return error;
  const code = codeOf(error) ?? 'SMTP_SEND_FAILED';
  const reply = (error as { reply?: ReplyInfo })?.reply;
  const why = error instanceof Error ? error.message : String(error);
  // Temporary means "the same send may succeed later": a 4xx reply, or a network failure
  // (refused, reset, closed, DNS, a deadline). Not an invalid message, a security refusal, a
  // certificate that fails verification, an abort or a closed client: waiting changes nothing.
  const temporary =
    outcome === 'unknown'
      ? false
      : reply !== undefined
        ? reply.code >= 400 && reply.code < 500
        : error instanceof ConnectionError || error instanceof TimeoutError;
  const prefix =
    outcome === 'unknown'
      ? 'The message may have been delivered (end of data written, no final reply)'
      : 'The message was not sent';
  return sendError(
    secrets,
    {
      code,
      outcome,
      ...(reply === undefined ? {} : { reply }),
      rejected,
      temporary,
    },
    `${prefix}: ${why}`,
    error,
  );
}

/**
 * The code to report for `error`: its own, except that "the connection is closed" defers to
 * the failure that closed it (a reset, a timeout) when that failure has a code.
 */
function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SMTP_CONNECTION_CLOSED') {
    const cause = codeOf((error as { cause?: unknown }).cause);
    if (cause !== undefined) return cause;
  }
  return code;
}

const isPositive = (reply: Reply): boolean => reply.code >= 200 && reply.code < 300;

/**
 * Runs a planned transaction. Resolves with the accepted and refused recipients and the final
 * reply; throws a `SendError` with the outcome, or {@link StaleConnectionError} when the
 * connection turned out to be closed before anything was sent (`mayBeStale`).
 */
export async function runTransaction(
  context: TransactionContext,
  plan: TransactionPlan,
): Promise<TransactionResult> {
  const { dialogue, options, secrets, capabilities } = context;
  const { timeouts } = options;
  const connection = dialogue.connection;
  const started = performance.now();
  const pipelined = capabilities.pipelining && options.pipelining;
  const dataInBatch = pipelined && !plan.bdat && !options.requireAllRecipients;
  let repliesSeen = 0;

  /** The server is closing (421): stop, and drop the connection. */
  const closing = (reply: Reply, command: SmtpCommandName): never => {
    connection.destroy();
    const error = refusal(
      secrets,
      safeReplyInfo(reply, command, secrets),
      [],
      'The server is closing the connection',
    );
    if (context.mayBeStale && repliesSeen === 1) throw new StaleConnectionError(error);
    throw error;
  };
  /** Any failure before the content: not sent, or a stale connection. */
  const early = (error: unknown): never => {
    if (error instanceof SendError || error instanceof StaleConnectionError) throw error;
    if (context.mayBeStale && repliesSeen === 0 && isConnectionGone(error)) {
      connection.destroy();
      throw new StaleConnectionError(error);
    }
    connection.destroy();
    throw failure(secrets, error, 'not-sent');
  };
  const read = async (command: SmtpCommandName, timeoutMs: number): Promise<Reply> => {
    const reply = await dialogue.read(command, timeoutMs);
    repliesSeen++;
    if (reply.code === 421) closing(reply, command);
    if (reply.code >= 300 && reply.code < 400 && !(command === 'DATA' && reply.code === 354)) {
      throw unexpected(reply, command);
    }
    return reply;
  };
  /** RSET after a refusal; a connection that cannot take it is dropped. */
  const reset = async (): Promise<void> => {
    try {
      const reply = await dialogue.command(encodeRset(), 'RSET', timeouts.command);
      if (!isPositive(reply)) connection.destroy();
    } catch {
      connection.destroy();
    }
  };

  // The envelope.
  let mailReply: Reply;
  const rcptReplies: Reply[] = [];
  let dataReply: Reply | undefined;
  try {
    if (pipelined) {
      const batch = concat([
        ...(context.resetFirst === true ? [encodeRset()] : []),
        plan.mail,
        ...plan.rcpts.map((r) => r.line),
        ...(dataInBatch ? [encodeData()] : []),
      ]);
      await dialogue.write(batch, timeouts.command);
      if (context.resetFirst === true) {
        // A 421 here is a server that dropped the idle connection (see `closing`).
        const resetReply = await read('RSET', timeouts.command);
        if (!isPositive(resetReply)) throw replyError(resetReply, 'RSET', secrets);
      }
      mailReply = await read('MAIL', timeouts.command);
      for (let i = 0; i < plan.rcpts.length; i++) {
        rcptReplies.push(await read('RCPT', timeouts.command));
      }
      if (dataInBatch) dataReply = await read('DATA', timeouts.dataInit);
    } else {
      await dialogue.write(plan.mail, timeouts.command);
      mailReply = await read('MAIL', timeouts.command);
      if (isPositive(mailReply)) {
        for (const rcpt of plan.rcpts) {
          await dialogue.write(rcpt.line, timeouts.command);
          rcptReplies.push(await read('RCPT', timeouts.command));
        }
      }
    }
  } catch (error) {
    return early(error);
  }

  /** A DATA that the server started (354) although the transaction must not go on. */
  const abandonData = (): void => {
    if (dataReply?.code === 354) connection.destroy();
  };

  if (!isPositive(mailReply)) {
    abandonData();
    throw refusal(
      secrets,
      safeReplyInfo(mailReply, 'MAIL', secrets),
      [],
      'The server refused the sender',
    );
  }
  const accepted: string[] = [];
  const rejected: RecipientRefusal[] = [];
  plan.rcpts.forEach(({ recipient }, index) => {
    const reply = rcptReplies[index] as Reply;
    if (isPositive(reply)) accepted.push(recipient);
    else rejected.push({ recipient, reply: safeReplyInfo(reply, 'RCPT', secrets) });
  });
  if (accepted.length === 0) {
    abandonData();
    if (!connection.destroyed) await reset();
    const first = rejected[0] as RecipientRefusal;
    const error = refusal(secrets, first.reply, rejected, 'The server refused every recipient');
    throw new SendError(
      {
        code: error.code,
        outcome: 'rejected',
        reply: first.reply,
        rejected,
        temporary: rejected.every((r) => r.reply.code >= 400 && r.reply.code < 500),
      },
      error.message,
    );
  }
  if (rejected.length > 0 && options.requireAllRecipients) {
    await reset();
    const first = rejected[0] as RecipientRefusal;
    throw refusal(
      secrets,
      first.reply,
      rejected,
      `The server refused ${rejected.length} recipient(s) and requireAllRecipients is set; nothing was sent`,
    );
  }
  if (rejected.length > 0) {
    context.log.info('some recipients refused', {
      accepted: accepted.length,
      rejected: rejected.length,
    });
  }

  if (plan.bdat) {
    const envelopeMs = performance.now() - started;
    return runBdat(context, plan, accepted, rejected, envelopeMs, reset);
  }

  if (dataReply === undefined) {
    try {
      await dialogue.write(encodeData(), timeouts.dataInit);
      dataReply = await read('DATA', timeouts.dataInit);
    } catch (error) {
      return early(error);
    }
  }
  if (dataReply.code !== 354) {
    await reset();
    throw refusal(
      secrets,
      safeReplyInfo(dataReply, 'DATA', secrets),
      rejected,
      'The server refused DATA',
    );
  }
  const envelopeMs = performance.now() - started;

  // The content: dot-stuffed, CRLF only, one terminator (INV-6), with backpressure.
  const dataStarted = performance.now();
  let terminatorQueued = false;
  const encoder = createDataEncoder();
  const content = plan.prepared.content();
  async function* encoded(): AsyncIterable<Uint8Array> {
    for await (const chunk of content) {
      const out = encoder.push(chunk);
      if (out.byteLength > 0) yield out;
    }
    const end = encoder.end();
    // The transport writes a yielded chunk synchronously when it is still usable, so from here
    // the terminator is on its way unless the connection is already gone.
    terminatorQueued = !connection.destroyed;
    yield end;
  }
  let size: number;
  try {
    size = await connection.writeStream(
      encoded(),
      dialogue.signal === undefined
        ? { timeoutMs: timeouts.dataBlock }
        : { timeoutMs: timeouts.dataBlock, signal: dialogue.signal },
    );
  } catch (error) {
    connection.destroy();
    throw failure(secrets, error, terminatorQueued ? 'unknown' : 'not-sent', rejected);
  }
  context.log.sentBody(size);
  const final = await finalReply(context, 'message');
  if (!isPositive(final)) {
    throw refusal(
      secrets,
      safeReplyInfo(final, 'message', secrets),
      rejected,
      'The server refused the message',
    );
  }
  return {
    accepted,
    rejected,
    reply: safeReplyInfo(final, 'message', secrets),
    size,
    envelopeMs,
    dataMs: performance.now() - dataStarted,
  };
}

/** A 3xx where the command allows none: the dialogue is out of step. */
function unexpected(reply: Reply, command: SmtpCommandName): ProtocolError {
  return new ProtocolError(
    'SMTP_PROTOCOL_UNEXPECTED_REPLY',
    `Unexpected ${reply.code} reply to ${command === 'message' ? 'the end of data' : command}`,
  );
}

/** The reply to the end of data: any failure to get it means `unknown`. */
async function finalReply(context: TransactionContext, command: SmtpCommandName): Promise<Reply> {
  try {
    const reply = await context.dialogue.read(command, context.options.timeouts.dataFinal);
    if (reply.code >= 300 && reply.code < 400) throw unexpected(reply, command);
    return reply;
  } catch (error) {
    context.dialogue.connection.destroy();
    throw failure(context.secrets, error, 'unknown');
  }
}

/** The content in BDAT chunks (RFC 3030), pipelined when the server offers PIPELINING. */
async function runBdat(
  context: TransactionContext,
  plan: TransactionPlan,
  accepted: readonly string[],
  rejected: readonly RecipientRefusal[],
  envelopeMs: number,
  reset: () => Promise<void>,
): Promise<TransactionResult> {
  const { dialogue, options, secrets, capabilities } = context;
  const { timeouts } = options;
  const connection = dialogue.connection;
  const pipelined = capabilities.pipelining && options.pipelining;
  const started = performance.now();
  const framer = createBdatFramer({ chunkSize: options.chunkSize, binary: plan.binary });
  const inFlight: Promise<Reply>[] = [];
  let refused: Reply | undefined;
  let lastQueued = false;
  let size = 0;

  const settle = async (reply: Promise<Reply>): Promise<void> => {
    const value = await reply;
    if (!isPositive(value)) refused ??= value;
  };
  const send = async (frame: BdatFrame, last: boolean): Promise<void> => {
    if (last && frame.payload.byteLength === 0) lastQueued = !connection.destroyed;
    await dialogue.write(frame.command, timeouts.dataBlock);
    if (frame.payload.byteLength > 0) {
      if (last) lastQueued = !connection.destroyed;
      await dialogue.writeData(frame.payload, timeouts.dataBlock);
    }
    size += frame.payload.byteLength;
    if (last) return;
    const reply = dialogue.read('BDAT', timeouts.dataBlock);
    if (!pipelined) {
      await settle(reply);
      return;
    }
    reply.catch(() => undefined);
    inFlight.push(reply);
    if (inFlight.length >= BDAT_WINDOW) await settle(inFlight.shift() as Promise<Reply>);
  };

  try {
    for await (const chunk of plan.prepared.content()) {
      for (const frame of framer.push(chunk)) {
        await send(frame, false);
        if (refused !== undefined) break;
      }
      if (refused !== undefined) break;
    }
    if (refused === undefined) await send(framer.end(), true);
  } catch (error) {
    connection.destroy();
    throw failure(secrets, error, lastQueued ? 'unknown' : 'not-sent', rejected);
  }
  // The replies to the chunks before LAST, then the final one.
  try {
    while (inFlight.length > 0) await settle(inFlight.shift() as Promise<Reply>);
  } catch (error) {
    connection.destroy();
    throw failure(secrets, error, lastQueued ? 'unknown' : 'not-sent', rejected);
  }
  if (!lastQueued) {
    // A chunk was refused and LAST never went: the server holds nothing.
    await reset();
    throw refusal(
      secrets,
      safeReplyInfo(refused as Reply, 'BDAT', secrets),
      rejected,
      'The server refused BDAT',
    );
  }
  const final = await finalReply(context, 'BDAT');
  const failed = refused ?? (isPositive(final) ? undefined : final);
  if (failed !== undefined) {
    throw refusal(
      secrets,
      safeReplyInfo(failed, 'BDAT', secrets),
      rejected,
      'The server refused the message',
    );
  }
  return {
    accepted,
    rejected,
    reply: safeReplyInfo(final, 'BDAT', secrets),
    size,
    envelopeMs,
    dataMs: performance.now() - started,
  };
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** What `dryRun` pretends the server offers: PIPELINING, 8BITMIME, SMTPUTF8, DSN, REQUIRETLS. */
export function dryRunCapabilities(): Capabilities {
  return {
    ...noCapabilities('dry-run.invalid'),
    pipelining: true,
    eightBitMime: true,
    smtpUtf8: true,
    dsn: true,
    requireTls: true,
  };
}

/**
 * A connection that goes nowhere, for `dryRun`: it records every byte written and answers each
 * command as a willing server would (`250`, `354` to DATA, `250` after the content), so the
 * transaction code that runs is the real one and the recorded bytes are exactly what it writes.
 */
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
  readonly #replies: Reply[] = [];
  #destroyed = false;

  get destroyed(): boolean {
    return this.#destroyed;
  }

  get pendingReplies(): number {
    return this.#replies.length;
  }

  get usage(): TransportUsage {
    return { ...ZERO_USAGE, bytesSent: this.bytes().byteLength };
  }

  /** Everything written so far, in order. */
  bytes(): Uint8Array {
    return concat(this.#written);
  }

  readReply(): Promise<Reply> {
    const reply = this.#replies.shift();
    if (reply === undefined || this.#destroyed) {
      return Promise.reject(
        new ConnectionError('SMTP_CONNECTION_CLOSED', 'dry run: no reply expected'),
      );
    }
    return Promise.resolve(reply);
  }

  write(bytes: Uint8Array): Promise<void> {
    this.#written.push(bytes.slice());
    const text = new TextDecoder().decode(bytes);
    for (const line of text.split('\r\n')) {
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'DATA') this.#replies.push(reply(354, 'dry run: go ahead'));
      else if (line !== '') this.#replies.push(reply(250, 'dry run: OK'));
    }
    return Promise.resolve();
  }

  async writeStream(source: AsyncIterable<Uint8Array>): Promise<number> {
    let total = 0;
    for await (const chunk of source) {
      this.#written.push(chunk.slice());
      total += chunk.byteLength;
    }
    this.#replies.push(reply(250, 'dry run: message not sent'));
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
}

function reply(code: number, text: string): Reply {
  return { code, lines: [text], text };
}
