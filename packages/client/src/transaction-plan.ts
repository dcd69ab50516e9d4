/**
 * The plan of one mail transaction (RFC 5321 section 3.3): everything decided, checked and
 * encoded before the first byte of it is written, as a pure function of the message, the
 * server's capabilities and the options. So a refusal here costs nothing and leaves the
 * connection as it was, and "nothing was sent" in an error is true.
 *
 * Checked here:
 * - a message needing SMTPUTF8 the server does not offer: `SecurityError` `SMTP_SMTPUTF8_UNAVAILABLE`;
 * - REQUIRETLS asked on a link without TLS or to a server without it (policy.ts);
 * - a known size over the server's SIZE (RFC 1870): `SMTP_MESSAGE_TOO_LARGE`;
 * - BINARYMIME without CHUNKING, 8-bit raw content without 8BITMIME;
 * - every command is encoded, so invalid input is an `InvalidInputError` (INV-5);
 * - content already in memory is DATA-encoded (or BDAT-framed) here, in one pass, so a NUL or a
 *   line over 998 octets in it fails before MAIL, not in the middle of the data (INV-6).
 *
 * Left out with a line in the log rather than failing, because the RFCs say a client must not
 * send them to a server that does not offer them: DSN parameters (RFC 3461 section 4) and
 * MT-PRIORITY (RFC 6710 section 3).
 */
import {
  type BdatFrame,
  type Capabilities,
  createBdatFramer,
  createDataEncoder,
  type DsnNotify,
  encodeDataBody,
  encodeMailFrom,
  encodeRcptTo,
  InvalidInputError,
  type MailFromParameters,
  type RcptToParameters,
} from '@smtp/protocol';
import { SecurityError } from './errors.ts';
import type { ClientLog } from './logging.ts';
import type { PreparedMessage, PrepareOptions, RawBodyType } from './message-source.ts';
import type { ResolvedClientOptions } from './options.ts';
import { checkRequireTls } from './policy.ts';

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
  /**
   * Message priority (RFC 6710 `MT-PRIORITY`), an integer from -9 (lowest) to 9 (highest).
   * Sent only when the server offers MT-PRIORITY; otherwise left out and the log says so.
   */
  readonly priority?: number;
  /**
   * Called, and awaited, just before the end of data is handed to the transport (the DATA
   * terminator, `BDAT ... LAST`, or the one write that carries the whole message with
   * CHUNKING): the last moment at which the message has surely not been delivered. A durable
   * queue records there that a crash from now on may leave the message delivered (decision 12
   * in docs/security.md). If it throws, nothing more of the message is written, the send fails
   * with outcome `not-sent` and that error as the cause, and a connection in the middle of DATA
   * or BDAT is dropped. Not called by a dry run, nor when the send fails before that point.
   */
  readonly beforeEndOfData?: () => void | Promise<void>;
}

/** Content that is encoded (DATA) or framed (BDAT) as it is sent. */
export interface StreamBody {
  readonly kind: 'stream';
  /** The content: `source.content()`, called once. */
  readonly source: Pick<PreparedMessage, 'content'>;
}

/** DATA content: in memory and already encoded with its terminator, or a stream. */
export type DataBody = { readonly kind: 'bytes'; readonly bytes: Uint8Array } | StreamBody;

/** BDAT content: in memory and already cut into frames (the last `BDAT n LAST`), or a stream. */
export type BdatBody =
  | { readonly kind: 'frames'; readonly frames: readonly BdatFrame[] }
  | StreamBody;

/** What every plan holds: everything checked and encoded, nothing written. */
interface PlanCommon {
  readonly prepared: PreparedMessage;
  readonly mail: Uint8Array;
  readonly rcpts: readonly { readonly recipient: string; readonly line: Uint8Array }[];
}

/** A transaction whose content goes with DATA. */
export interface DataPlan extends PlanCommon {
  readonly bdat: false;
  /** Always false: a field of every plan so that DATA and BDAT plans share one shape. */
  readonly binary: false;
  readonly body: DataBody;
}

/** A transaction whose content goes in BDAT chunks (RFC 3030). */
export interface BdatPlan extends PlanCommon {
  readonly bdat: true;
  /** BODY=BINARYMIME: octets as they are. */
  readonly binary: boolean;
  readonly body: BdatBody;
}

/** A transaction ready to run. */
export type TransactionPlan = DataPlan | BdatPlan;

/**
 * MAIL FROM parameters with every one present, `undefined` when not sent: `encodeMailFrom` reads
 * an absent and an undefined parameter alike, and one literal with every field is one object
 * shape for every message, where optional fields added one by one made a shape per combination.
 */
type AllMailParameters = {
  readonly [K in Exclude<keyof MailFromParameters, 'extra'>]-?: MailFromParameters[K] | undefined;
};

/** The same for RCPT TO (see {@link AllMailParameters}). */
type AllRcptParameters = {
  readonly [K in Exclude<keyof RcptToParameters, 'extra'>]-?: RcptToParameters[K] | undefined;
};

/** What the plan needs of the connection it will run on. */
export interface PlanContext {
  readonly capabilities: Capabilities;
  /** The link is TLS. */
  readonly secure: boolean;
  readonly options: Pick<
    ResolvedClientOptions,
    'chunking' | 'chunkSize' | 'allowFileAccess' | 'pipelining' | 'requireAllRecipients'
  >;
  readonly log: ClientLog;
}

function toNotify(notify: DsnSendOptions['notify']): readonly DsnNotify[] | undefined {
  if (notify === undefined) return undefined;
  return notify === 'NEVER' ? ['NEVER'] : notify;
}

/**
 * What the serialisation of a message depends on for this server (`prepareMessage()`): whether
 * it offers 8BITMIME and SMTPUTF8, and whether files may be read.
 */
export function prepareOptionsFor(
  capabilities: Capabilities,
  options: Pick<ResolvedClientOptions, 'allowFileAccess'>,
): PrepareOptions {
  return {
    allow8Bit: capabilities.eightBitMime,
    smtpUtf8Offered: capabilities.smtpUtf8,
    allowFileAccess: options.allowFileAccess,
  };
}

/**
 * Checks and encodes a transaction of a prepared message (`prepareMessage()` with
 * {@link prepareOptionsFor} these capabilities, then signed when DKIM is on) for a server with
 * these capabilities. Throws before any I/O: `SecurityError` (SMTPUTF8, REQUIRETLS, SIZE),
 * `InvalidInputError` (commands, content in memory).
 */
export function planTransaction(
  prepared: PreparedMessage,
  context: PlanContext,
  send: SendOptions,
): TransactionPlan {
  const { capabilities, secure, options, log } = context;
  if (prepared.smtpUtf8 && !capabilities.smtpUtf8) {
    throw new SecurityError(
      'SMTP_SMTPUTF8_UNAVAILABLE',
      'The message has a UTF-8 address and the server does not offer SMTPUTF8; nothing was sent',
    );
  }
  if (send.requireTls === true) checkRequireTls(secure, capabilities.requireTls);
  const size = messageSize(prepared);
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
  const bodyType: RawBodyType = prepared.body;
  // `auto` takes BDAT for BINARYMIME, which needs it, and wherever it saves a round trip: the
  // whole content is in memory and fits one `BDAT n LAST`, which then goes in the same write as
  // MAIL and RCPT (PIPELINING; not with requireAllRecipients, whose DATA waits for the RCPT
  // replies). Decision 14 in docs/security.md.
  const savesRoundTrip =
    capabilities.pipelining &&
    options.pipelining &&
    !options.requireAllRecipients &&
    prepared.bytes !== undefined &&
    prepared.bytes.byteLength <= options.chunkSize;
  const chunkingWanted =
    options.chunking === true ||
    (options.chunking === 'auto' && (bodyType === 'BINARYMIME' || savesRoundTrip));
  const bdat = capabilities.chunking && chunkingWanted;
  if (bodyType === 'BINARYMIME' && !(bdat && capabilities.binaryMime)) {
    throw new InvalidInputError(
      'SMTP_INVALID_PARAMETER',
      'The message is BINARYMIME and the server does not offer CHUNKING and BINARYMIME (or chunking is off); nothing was sent',
    );
  }
  if (bodyType === '8BITMIME' && !capabilities.eightBitMime) {
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
  if (wantsDsn && !dsn) {
    log.info('the server does not offer DSN: delivery notification parameters not sent');
  }
  const priority = send.priority;
  const sendPriority = priority !== undefined && capabilities.mtPriority;
  if (priority !== undefined && !sendPriority) {
    log.info('the server does not offer MT-PRIORITY: the priority was not sent');
  }

  const mailParams: AllMailParameters = {
    size: capabilities.size !== undefined ? size : undefined,
    body: bodyType === '8BITMIME' || bodyType === 'BINARYMIME' ? bodyType : undefined,
    smtpUtf8: prepared.smtpUtf8 ? true : undefined,
    ret: dsn ? ret : undefined,
    envid: dsn ? envid : undefined,
    requireTls: send.requireTls === true ? true : undefined,
    mtPriority: sendPriority ? priority : undefined,
  };
  const mail = encodeMailFrom(prepared.from, mailParams as MailFromParameters);
  // Undefined (no parameters) unless SMTPUTF8 or DSN asks for some.
  const withRcptParams = prepared.smtpUtf8 || dsn;
  const rcptNotify = dsn ? notify : undefined;
  const rcptUtf8 = prepared.smtpUtf8 ? true : undefined;
  const orcpt = dsn && dsnOptions?.orcpt === true;
  const to = prepared.to;
  const rcpts: { readonly recipient: string; readonly line: Uint8Array }[] = [];
  for (let i = 0; i < to.length; i++) {
    const recipient = to[i] as string;
    const params: AllRcptParameters | undefined = withRcptParams
      ? { notify: rcptNotify, orcpt: orcpt ? recipient : undefined, smtpUtf8: rcptUtf8 }
      : undefined;
    rcpts.push({ recipient, line: encodeRcptTo(recipient, params as RcptToParameters) });
  }
  const binary = bdat && bodyType === 'BINARYMIME';
  const body = bdat ? bdatBody(prepared, binary, options.chunkSize) : dataBody(prepared);
  // One literal for DATA and BDAT plans, every field always present: the transaction reads every
  // plan at the same sites, and one object shape keeps them monomorphic. Plans built by spreading
  // a common part did not keep one map from message to message, and the optimised transaction
  // deoptimised ("wrong map" at `plan.rcpts`) and was compiled again, in every process.
  return { prepared, mail, rcpts, bdat, binary, body } as TransactionPlan;
}

/**
 * The size for SIZE= and the SIZE check: the octets the server receives (RFC 1870 section 3),
 * before dot-stuffing. Content in memory that does not end with a line end gets CRLF from the
 * DATA encoder and the BDAT text framer (a bare CR at the end becomes CRLF), so those octets
 * are counted too. BINARYMIME content goes as it is; streamed content keeps its announced size.
 */
function messageSize(prepared: PreparedMessage): number | undefined {
  const { bytes, size } = prepared;
  if (bytes === undefined || size === undefined || bytes.byteLength === 0) return size;
  if (prepared.body === 'BINARYMIME') return size;
  const last = bytes[bytes.byteLength - 1];
  return last === LF ? size : last === CR ? size + 1 : size + 2;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Content in memory up to this size is encoded once, at plan time, and written in one piece;
 * larger content is checked at plan time and encoded again as it is streamed, so that memory
 * does not double for a large raw message.
 */
export const ENCODE_IN_PLAN_LIMIT = 4 * 1024 * 1024;

/** Slices for checking large content in memory: the encoder's output per slice stays small. */
const CHECK_SLICE = 65_536;

/**
 * DATA content, encoded or checked now (INV-6: a NUL, or a line over 998 octets, fails before
 * MAIL is written). A stream cannot be checked before it is read: its errors come as it is sent.
 */
function dataBody(prepared: PreparedMessage): DataBody {
  const bytes = prepared.bytes;
  if (bytes === undefined) return { kind: 'stream', source: prepared };
  if (bytes.byteLength <= ENCODE_IN_PLAN_LIMIT)
    return { kind: 'bytes', bytes: encodeDataBody(bytes) };
  const encoder = createDataEncoder();
  for (let at = 0; at < bytes.byteLength; at += CHECK_SLICE) {
    encoder.push(bytes.subarray(at, at + CHECK_SLICE));
  }
  encoder.end();
  return { kind: 'stream', source: prepared };
}

/** BDAT content, framed or checked now (the text mode's rules are the same as DATA's). */
function bdatBody(prepared: PreparedMessage, binary: boolean, chunkSize: number): BdatBody {
  const bytes = prepared.bytes;
  if (bytes === undefined) return { kind: 'stream', source: prepared };
  const framer = createBdatFramer({ chunkSize, binary });
  if (bytes.byteLength <= ENCODE_IN_PLAN_LIMIT) {
    return { kind: 'frames', frames: [...framer.push(bytes), framer.end()] };
  }
  for (let at = 0; at < bytes.byteLength; at += CHECK_SLICE) {
    framer.push(bytes.subarray(at, at + CHECK_SLICE));
  }
  framer.end();
  return { kind: 'stream', source: prepared };
}
