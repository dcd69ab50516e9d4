/**
 * `parseMessage()`: a captured message's parsed form (headers decoded, addresses split, text and
 * HTML bodies, attachments as bytes), so tests assert on what a mail program would show rather
 * than on MIME. The parsing is postal-mime's (a maintained, dependency-free parser); the shape is
 * ours, so a parser change never changes what tests read.
 */
import PostalMime, { type Address, type Attachment, type Email } from 'postal-mime';
import type { ReceivedMessage } from './received-message.ts';

/** One mailbox of an address header; members of a group are listed as mailboxes. */
export interface ParsedAddress {
  /** The decoded display name, `''` when there is none. */
  readonly name: string;
  readonly address: string;
}

/** One attachment or inline part. */
export interface ParsedAttachment {
  /** The decoded file name, when the part gives one. */
  readonly filename?: string;
  /** The MIME type, lower case (`image/png`). */
  readonly contentType: string;
  /** `attachment`, `inline`, ... as the part says; absent when it has no Content-Disposition. */
  readonly disposition?: string;
  /** The Content-ID without angle brackets (what `cid:` URLs in the HTML name). */
  readonly contentId?: string;
  /** The decoded bytes. */
  readonly content: Uint8Array;
}

/** One header field as it appears in the message, unfolded. */
export interface ParsedHeader {
  /** The field name as written (`Subject`). */
  readonly name: string;
  /** The value, unfolded, not decoded (RFC 2047 words are left as they are). */
  readonly value: string;
}

/** A message as a mail program would show it. */
export interface ParsedMessage {
  readonly subject?: string;
  readonly from?: ParsedAddress;
  readonly to: readonly ParsedAddress[];
  readonly cc: readonly ParsedAddress[];
  readonly bcc: readonly ParsedAddress[];
  readonly replyTo: readonly ParsedAddress[];
  /** The Message-ID with its angle brackets, as in the header. */
  readonly messageId?: string;
  /** The Date header, when it parses as a date. */
  readonly date?: Date;
  readonly text?: string;
  readonly html?: string;
  readonly attachments: readonly ParsedAttachment[];
  /** Every header field of the top-level part, in order, duplicates included. */
  readonly headers: readonly ParsedHeader[];
  /** The first header field of that name (any case), unfolded; `undefined` when there is none. */
  header(name: string): string | undefined;
}

const parsedByRaw = new WeakMap<Uint8Array, Promise<ParsedMessage>>();

/**
 * Parses a captured message (or raw message bytes). The result is kept per byte array, so
 * parsing the same captured message again costs nothing.
 */
export function parseMessage(message: ReceivedMessage | Uint8Array): Promise<ParsedMessage> {
  const raw = message instanceof Uint8Array ? message : message.raw;
  let parsed = parsedByRaw.get(raw);
  if (parsed === undefined) {
    parsed = PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' }).then(toParsedMessage);
    parsedByRaw.set(raw, parsed);
  }
  return parsed;
}

function toParsedMessage(email: Email): ParsedMessage {
  const headers = email.headers.map((header) => ({
    name: header.originalKey,
    value: header.value,
  }));
  const date = email.date === undefined ? undefined : new Date(email.date);
  const from = mailboxes(email.from === undefined ? [] : [email.from])[0];
  return {
    ...(email.subject === undefined ? {} : { subject: email.subject }),
    ...(from === undefined ? {} : { from }),
    to: mailboxes(email.to),
    cc: mailboxes(email.cc),
    bcc: mailboxes(email.bcc),
    replyTo: mailboxes(email.replyTo),
    ...(email.messageId === undefined ? {} : { messageId: email.messageId }),
    ...(date === undefined || Number.isNaN(date.getTime()) ? {} : { date }),
    ...(email.text === undefined ? {} : { text: email.text }),
    ...(email.html === undefined ? {} : { html: email.html }),
    attachments: email.attachments.map(toParsedAttachment),
    headers,
    header(name) {
      const key = name.toLowerCase();
      return headers.find((header) => header.name.toLowerCase() === key)?.value;
    },
  };
}

function mailboxes(addresses: readonly Address[] | undefined): ParsedAddress[] {
  return (addresses ?? []).flatMap((entry) =>
    entry.group === undefined
      ? [{ name: entry.name, address: entry.address }]
      : entry.group.map((member) => ({ name: member.name, address: member.address })),
  );
}

function toParsedAttachment(attachment: Attachment): ParsedAttachment {
  const content =
    typeof attachment.content === 'string'
      ? new TextEncoder().encode(attachment.content)
      : new Uint8Array(attachment.content);
  const contentId = attachment.contentId?.replace(/^<|>$/g, '');
  return {
    ...(attachment.filename === null ? {} : { filename: attachment.filename }),
    contentType: attachment.mimeType,
    ...(attachment.disposition === null ? {} : { disposition: attachment.disposition }),
    ...(contentId === undefined || contentId === '' ? {} : { contentId }),
    content,
  };
}
