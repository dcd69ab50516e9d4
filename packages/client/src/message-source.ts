/**
 * What `send()` accepts, turned into what a transaction needs: the envelope (reverse path and
 * recipients), what the server must offer (SMTPUTF8, 8BITMIME, BINARYMIME), the size when known,
 * the DSN wishes, the Message-ID, and the body as a single-use stream of bytes.
 *
 * Three inputs:
 * - a `Message` from `@smtp/mime`;
 * - `MessageOptions`, from which a `Message` is built (so `send({ from, to, subject, text })`);
 * - `{ envelope, raw }`: bytes the caller already has (a string, a `Uint8Array`, or an async
 *   iterable of either), sent as they are apart from the canonical line ends DATA or BDAT imposes.
 *
 * The serialisation depends on the server: `prepareMessage()` is called once the capabilities are
 * known, with `allow8Bit` (the server offers 8BITMIME: text may go as `8bit`, else mime picks
 * quoted-printable or base64) and `smtpUtf8Offered`. Nothing is read from the body until the
 * transaction pulls it, so a large attachment never sits in memory. A prepared message says
 * whether its content can be read again (`rereadable`), which DKIM signing (dkim-sign.ts) needs to
 * know, and `withHeaderFields()` puts the signature fields in front of it.
 */
import {
  addressNeedsSmtpUtf8,
  type DsnRequest,
  Message,
  type MessageOptions,
  toAsciiAddress,
} from '@smtp/mime';
import { encodeMailFrom, encodeRcptTo, InvalidInputError } from '@smtp/protocol';
import { concat, utf8 } from './bytes.ts';

/** The body types a raw message may declare (RFC 6152, RFC 3030). */
export type RawBodyType = '7BIT' | '8BITMIME' | 'BINARYMIME';

/** Bytes the caller already has, with the envelope to send them with. */
export interface RawMessage {
  readonly envelope: {
    /** The reverse path (no angle brackets); `''` is the null reverse path `<>` (bounces). */
    readonly from: string;
    /** One recipient or several (no angle brackets). */
    readonly to: string | readonly string[];
  };
  /** The RFC 5322 message: a string (UTF-8), bytes, or an async iterable of either. */
  readonly raw: string | Uint8Array | AsyncIterable<Uint8Array | string>;
  /**
   * What the content needs. Detected for a string or bytes (`8BITMIME` when an octet is over
   * 127); for a stream, say so here (default `7BIT`). `BINARYMIME` is sent only with CHUNKING.
   */
  readonly body?: RawBodyType;
}

/** What `send()` accepts. */
export type SendInput = Message | MessageOptions | RawMessage;

/** What `send()` input becomes once checked ({@link normalizeInput}): ready for a transaction. */
export type SendableMessage = Message | RawMessage;

/** A message ready for a transaction. */
export interface PreparedMessage {
  readonly from: string;
  readonly to: readonly string[];
  /** The transaction must carry SMTPUTF8 (a UTF-8 local part, or UTF-8 kept in the envelope). */
  readonly smtpUtf8: boolean;
  /** The body type to announce; `7BIT` means no BODY parameter. */
  readonly body: RawBodyType;
  /** The size in octets when known in advance (before dot-stuffing), for SIZE. */
  readonly size: number | undefined;
  readonly dsn: DsnRequest | undefined;
  readonly messageId: string | undefined;
  /** The body bytes, as `prepared.content()` (a method); once, unless `rereadable`. */
  content(): AsyncIterable<Uint8Array>;
  /**
   * `content()` may be called again and gives the same bytes (in memory, or a `Message` with no
   * stream part: `Message.rereadable`); false for a stream that can be read once.
   */
  readonly rereadable: boolean;
  /**
   * The whole body when it is already in memory (raw bytes, a small composed message), so the
   * transaction can encode and check it before its first byte, and write it in one piece.
   */
  readonly bytes: Uint8Array | undefined;
}

/** What the server offers that changes the serialisation, and whether files may be read. */
export interface PrepareOptions {
  /** A part given as a file path may be read (decision 13); checked again here, before any I/O. */
  readonly allowFileAccess: boolean;
  /** The server offers 8BITMIME. */
  readonly allow8Bit: boolean;
  /** The server offers SMTPUTF8. */
  readonly smtpUtf8Offered: boolean;
}

/** An object that is not a `Message` is `{ envelope, raw }` (checked by {@link checkRaw}). */
function isRawMessage(input: object): input is RawMessage {
  return 'raw' in input && 'envelope' in input;
}

/** `validate()` options, shared: one send allocates none. */
const FILES_ALLOWED = { allowFileAccess: true } as const;
const FILES_DENIED = { allowFileAccess: false } as const;

/**
 * Normalises the input to a `Message` or a `RawMessage` without serialising anything: the
 * `Message` is built from options here, so invalid options fail before any network I/O.
 *
 * @throws InvalidMessageError, InvalidAddressError, InvalidHeaderError from `@smtp/mime`;
 *   InvalidInputError `SMTP_INVALID_PARAMETER` for a malformed raw input.
 */
export function normalizeInput(
  input: SendInput,
  options: { readonly allowFileAccess?: boolean } = {},
): SendableMessage {
  // With file access off, a part given as a file path is refused here, before any I/O
  // (docs/security.md decision 13).
  const validate = options.allowFileAccess === false ? FILES_DENIED : FILES_ALLOWED;
  if (input instanceof Message) {
    input.validate(validate);
    return input;
  }
  if (typeof input !== 'object' || input === null) {
    throw new InvalidInputError(
      'SMTP_INVALID_PARAMETER',
      'send() takes a Message, message options, or { envelope, raw }',
    );
  }
  if (isRawMessage(input)) {
    checkRaw(input);
    return input;
  }
  const message = new Message(input as MessageOptions);
  message.validate(validate);
  return message;
}

function checkRaw(input: RawMessage): void {
  const { envelope, raw } = input;
  const invalid = (why: string): never => {
    throw new InvalidInputError('SMTP_INVALID_PARAMETER', `Invalid raw message: ${why}`);
  };
  if (typeof envelope !== 'object' || envelope === null) invalid('envelope must be an object');
  if (typeof envelope.from !== 'string') invalid('envelope.from must be a string');
  const to = typeof envelope.to === 'string' ? [envelope.to] : envelope.to;
  if (!Array.isArray(to) || to.length === 0) invalid('envelope.to must name a recipient');
  for (const recipient of to) {
    if (typeof recipient !== 'string' || recipient === '') {
      invalid('every recipient must be a non-empty string');
    }
  }
  // INV-5: the paths are checked with the command encoders' grammar before any I/O (UTF-8
  // allowed here; whether the server can take it is decided once its capabilities are known).
  encodeMailFrom(envelope.from, { smtpUtf8: true });
  for (const recipient of to) encodeRcptTo(recipient, { smtpUtf8: true });
  const isIterable =
    typeof raw === 'object' && raw !== null && Symbol.asyncIterator in (raw as object);
  if (typeof raw !== 'string' && !(raw instanceof Uint8Array) && !isIterable) {
    invalid('raw must be a string, a Uint8Array or an async iterable');
  }
  if (
    input.body !== undefined &&
    input.body !== '7BIT' &&
    input.body !== '8BITMIME' &&
    input.body !== 'BINARYMIME'
  ) {
    invalid('body must be 7BIT, 8BITMIME or BINARYMIME');
  }
}

/**
 * Prepares a normalised input for a server with the given capabilities. For a `Message` this
 * computes the envelope (validating the message); the body is serialised lazily.
 */
export function prepareMessage(
  input: Message | RawMessage,
  options: PrepareOptions,
): PreparedMessage {
  // Raw bytes are never re-encoded, so only a Message depends on the options.
  return input instanceof Message ? prepareMime(input, options) : prepareRaw(input);
}

/**
 * A message whose size is known and at most this many octets is composed into one array before
 * the transaction (`toBytesSync`), so it is checked and DATA-encoded in one pass and written in
 * one piece; a larger one is streamed, in constant memory.
 */
export const COMPOSE_IN_MEMORY_LIMIT = 4 * 1024 * 1024;

function prepareMime(message: Message, options: PrepareOptions): PreparedMessage {
  // First without SMTPUTF8: domains become A-labels unless a local part forces UTF-8, in which
  // case mime itself keeps UTF-8 (and says so in needsSmtpUtf8).
  // A Message may have changed since send() checked it: file access is checked again.
  const allowFileAccess = options.allowFileAccess;
  const envelope = message.envelope({ allow8Bit: options.allow8Bit, allowFileAccess });
  const smtpUtf8 = envelope.needsSmtpUtf8;
  const serialize = { smtpUtf8, allow8Bit: options.allow8Bit, allowFileAccess };
  const bytes =
    envelope.size !== undefined && envelope.size <= COMPOSE_IN_MEMORY_LIMIT
      ? message.toBytesSync(serialize)
      : undefined;
  return new Prepared(
    envelope.from,
    envelope.to,
    smtpUtf8,
    envelope.needs8BitMime ? '8BITMIME' : '7BIT',
    envelope.size,
    envelope.dsn,
    message.messageId,
    bytes,
    bytes === undefined ? () => message.stream(serialize) : undefined,
    bytes !== undefined || message.rereadable,
  );
}

function prepareRaw(input: RawMessage): PreparedMessage {
  const recipients =
    typeof input.envelope.to === 'string' ? [input.envelope.to] : input.envelope.to;
  const all = input.envelope.from === '' ? recipients : [input.envelope.from, ...recipients];
  const needsUtf8 = all.some((address) => addressNeedsSmtpUtf8(address));
  // UTF-8 domains go as A-labels unless the transaction is SMTPUTF8 anyway.
  const path = (address: string): string =>
    needsUtf8 || address === '' ? address : toAsciiAddress(address);
  const { raw } = input;
  let size: number | undefined;
  let body: RawBodyType = input.body ?? '7BIT';
  let stream: (() => AsyncIterable<Uint8Array>) | undefined;
  let bytes: Uint8Array | undefined;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    bytes = typeof raw === 'string' ? utf8.encode(raw) : raw;
    size = bytes.byteLength;
    if (input.body === undefined && has8Bit(bytes)) body = '8BITMIME';
  } else {
    stream = () => toBytes(raw);
  }
  return new Prepared(
    path(input.envelope.from),
    recipients.map(path),
    needsUtf8,
    body,
    size,
    undefined,
    undefined,
    bytes,
    stream,
    bytes !== undefined,
  );
}

/** What goes after the header fields {@link withHeaderFields} puts in front of a message. */
export type PrefixedBody =
  | { readonly bytes: Uint8Array }
  | {
      /** The message's content, produced again (a spool read back, a second serialisation). */
      readonly content: () => AsyncIterable<Uint8Array>;
      /** Its size in octets. */
      readonly size: number;
    };

/**
 * `prepared` with header fields in front of its content (the DKIM-Signature fields, ASCII): the
 * same envelope, the size counting the fields, and the content `fields` then `body`.
 */
export function withHeaderFields(
  prepared: PreparedMessage,
  fields: Uint8Array,
  body: PrefixedBody,
): PreparedMessage {
  const inMemory = 'bytes' in body;
  const size = fields.byteLength + (inMemory ? body.bytes.byteLength : body.size);
  return new Prepared(
    prepared.from,
    prepared.to,
    prepared.smtpUtf8,
    prepared.body,
    size,
    prepared.dsn,
    prepared.messageId,
    inMemory ? concat([fields, body.bytes]) : undefined,
    inMemory ? undefined : () => prefixed(fields, body.content()),
    inMemory,
  );
}

async function* prefixed(
  fields: Uint8Array,
  rest: AsyncIterable<Uint8Array>,
): AsyncIterable<Uint8Array> {
  yield fields;
  yield* rest;
}

/**
 * A {@link PreparedMessage}: one class, so every message has the one shape, and `content()` a
 * method, so a body in memory (the usual case) needs no function of its own.
 */
class Prepared implements PreparedMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly smtpUtf8: boolean;
  readonly body: RawBodyType;
  readonly size: number | undefined;
  readonly dsn: DsnRequest | undefined;
  readonly messageId: string | undefined;
  readonly bytes: Uint8Array | undefined;
  readonly rereadable: boolean;
  /** The body as a stream when it is not in memory. */
  readonly #stream: (() => AsyncIterable<Uint8Array>) | undefined;

  constructor(
    from: string,
    to: readonly string[],
    smtpUtf8: boolean,
    body: RawBodyType,
    size: number | undefined,
    dsn: DsnRequest | undefined,
    messageId: string | undefined,
    bytes: Uint8Array | undefined,
    stream: (() => AsyncIterable<Uint8Array>) | undefined,
    rereadable: boolean,
  ) {
    this.from = from;
    this.to = to;
    this.smtpUtf8 = smtpUtf8;
    this.body = body;
    this.size = size;
    this.dsn = dsn;
    this.messageId = messageId;
    this.bytes = bytes;
    this.rereadable = rereadable;
    this.#stream = stream;
  }

  content(): AsyncIterable<Uint8Array> {
    const bytes = this.bytes;
    if (bytes !== undefined) return once(bytes);
    // One of the two is set (prepareMime, prepareRaw).
    return (this.#stream as () => AsyncIterable<Uint8Array>)();
  }
}

function has8Bit(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] as number) > 0x7f) return true;
  }
  return false;
}

/** Bytes already in memory, in slices, so the DATA encoder's output per chunk stays bounded. */
const SLICE = 65_536;

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += SLICE) yield bytes.subarray(at, at + SLICE);
}

async function* toBytes(source: AsyncIterable<Uint8Array | string>): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    if (typeof chunk === 'string') yield utf8.encode(chunk);
    // A copy: the DATA encoder may pass a chunk that needs no change on to the socket as it is,
    // and a caller that reused its buffer after yielding it would change checked bytes (INV-6).
    // `new Uint8Array(chunk)` copies a Buffer too, whose `slice()` is a view.
    else if (chunk instanceof Uint8Array) yield new Uint8Array(chunk);
    else {
      throw new InvalidInputError(
        'SMTP_INVALID_PARAMETER',
        'Invalid raw message: the stream yielded something other than a string or bytes',
      );
    }
  }
}
