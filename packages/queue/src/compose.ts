/**
 * Composes what `enqueue` stores: a `Message` (or its options) serialised once, or raw content
 * read once, with its envelope. The bytes are 7-bit safe wherever the message allows (text as
 * quoted-printable or base64 when it has 8-bit octets), so they go to any server the job may
 * meet; a message whose addresses need SMTPUTF8 keeps them, and a server without SMTPUTF8 then
 * fails the send with a typed error, as it would without the queue.
 */
import { Buffer } from 'node:buffer';
import type { RawMessage } from '@smtp/client';
import { Message, type MessageOptions } from '@smtp/mime';
import { QueueError } from './errors.ts';
import type { JobDsn } from './job-data.ts';

/** What `enqueue` accepts: what `SmtpClient.send()` accepts. */
export type QueueInput = Message | MessageOptions | RawMessage;

/** A message composed for the queue. */
export interface Composed {
  readonly from: string;
  readonly to: readonly string[];
  readonly bytes: Uint8Array;
  readonly messageId: string | undefined;
  readonly body: RawMessage['body'] | undefined;
  readonly dsn: JobDsn | undefined;
}

function isRaw(input: QueueInput): input is RawMessage {
  return typeof input === 'object' && input !== null && 'raw' in input && 'envelope' in input;
}

function tooLarge(limit: number): QueueError {
  return new QueueError(
    'SMTP_QUEUE_MESSAGE_TOO_LARGE',
    `The message is larger than maxMessageSize (${limit} octets); it was not queued`,
  );
}

/** Reads `chunks` into one array, refusing more than `limit` octets as soon as it is passed. */
async function collect(
  chunks: AsyncIterable<Uint8Array | string>,
  limit: number,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    size += bytes.byteLength;
    if (size > limit) throw tooLarge(limit);
    parts.push(bytes);
  }
  return Buffer.concat(parts, size);
}

const MESSAGE_ID = /^message-id:[ \t]*(<[^>\r\n]*>)/im;

/** The Message-ID of raw content, from its header section (the first 64 KiB are enough). */
function messageIdOf(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 65_536));
  const text = head.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return MESSAGE_ID.exec(end === -1 ? text : text.slice(0, end))?.[1];
}

/**
 * Composes `input` once.
 *
 * @throws {QueueError} `SMTP_QUEUE_MESSAGE_TOO_LARGE` past `limit` octets; `SMTP_QUEUE_INVALID_OPTIONS`
 *   for raw content without recipients.
 * @throws `InvalidMessageError` (from `@smtp/mime`) for a message that cannot be built.
 */
export async function compose(input: QueueInput, limit: number): Promise<Composed> {
  if (isRaw(input)) {
    const { from, to } = input.envelope;
    const recipients = typeof to === 'string' ? [to] : [...to];
    if (typeof from !== 'string' || recipients.length === 0) {
      throw new QueueError(
        'SMTP_QUEUE_INVALID_OPTIONS',
        'raw content needs envelope.from and at least one envelope.to',
      );
    }
    const { raw } = input;
    const bytes =
      typeof raw === 'string'
        ? Buffer.from(raw, 'utf8')
        : raw instanceof Uint8Array
          ? raw
          : await collect(raw, limit);
    if (bytes.byteLength > limit) throw tooLarge(limit);
    return {
      from,
      to: recipients,
      bytes,
      messageId: messageIdOf(bytes),
      body: input.body,
      dsn: undefined,
    };
  }
  const message = input instanceof Message ? input : new Message(input);
  const envelope = message.envelope();
  const options = { smtpUtf8: envelope.needsSmtpUtf8, allow8Bit: false };
  const bytes = message.toBytesSync(options) ?? (await collect(message.stream(options), limit));
  if (bytes.byteLength > limit) throw tooLarge(limit);
  return {
    from: envelope.from,
    to: envelope.to,
    bytes,
    messageId: message.messageId,
    body: undefined,
    dsn: envelope.dsn,
  };
}
