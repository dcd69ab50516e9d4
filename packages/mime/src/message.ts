/**
 * The message model: an email message built from an options object or, for people coming from
 * the classic API, step by step (`new Message(from, subject).addTo(...).setBody(...)`).
 *
 * Contract:
 * - Every input is checked at the call that gives it, before anything is built: addresses are
 *   parsed strictly (`InvalidAddressError`), header names and values, filenames, content types
 *   and ids are checked for controls and grammar (`InvalidHeaderError`, INV-5), options of the
 *   wrong type or range are `InvalidMessageError` `SMTP_MIME_INVALID_OPTION`. What can only be
 *   judged on the whole message (a sender, a recipient, a body or an attachment) is checked by
 *   {@link Message.validate}, which names every problem at once; `stream()`, `toBytes()` and
 *   `envelope()` call it first.
 * - Serialisation (`serialize.ts`) writes Date, Message-ID and MIME-Version always; never Bcc;
 *   the same Date, Message-ID and boundaries every time the message is serialised (so a retry
 *   sends the same message), drawn on first use.
 * - `stream()` pulls content sources one chunk at a time: memory stays constant whatever the
 *   size of a streamed attachment, and the consumer's pace is the source's (backpressure).
 * - The package runs in any JavaScript runtime; only file-path attachments need Node, and
 *   `node:fs` is loaded (dynamic import) only when one is serialised.
 */

import {
  type AddressInput,
  addressNeedsSmtpUtf8,
  formatAddressSpec,
  type Mailbox,
  normalizeAddresses,
  toAsciiAddress,
} from './address.ts';
import { Attachment, type AttachmentOptions } from './attachment.ts';
import { type Content, type ContentSource, toContent } from './content.ts';
import { type ContentType, parseContentType } from './content-type.ts';
import {
  type CustomHeader,
  customHeader,
  customHeaders,
  type HeadersInput,
  MESSAGE_HEADER_NAMES,
} from './custom-headers.ts';
import { formatDate } from './date.ts';
import { encodePhrase, encodeUnstructured } from './encoded-word.ts';
import {
  type DsnOptions,
  type DsnRequest,
  dedupeRecipients,
  type Envelope,
  normalizeDsn,
} from './envelope.ts';
import { InvalidAddressError, InvalidMessageError } from './errors.ts';
import { foldHeader } from './header-folding.ts';
import { validateHeaderValue } from './header-validation.ts';
import { createMessageId, normalizeMessageId, normalizeMessageIdList } from './message-id.ts';
import { type BodySpec, structureBody } from './multipart.ts';
import {
  concatBytes,
  type Plan,
  planBytes,
  planMessage,
  type SerializeOptions,
  streamPlan,
  type ValidateOptions,
} from './serialize.ts';
import { parseTransferEncoding, type TransferEncoding } from './transfer-encoding.ts';

/** `X-Priority` / `Importance`: `high` (1), `normal` (3, no header written), `low` (5). */
export type Priority = 'high' | 'normal' | 'low';

/** A calendar invite (RFC 5545 / iTIP RFC 5546), sent as a `text/calendar` alternative. */
export interface CalendarEvent {
  /** The iCalendar text or bytes (or a stream). */
  readonly content: ContentSource;
  /** The iTIP method; default `REQUEST`. */
  readonly method?: string;
}

/** Options of {@link Message}. Every field is optional; `validate()` says what is missing. */
export interface MessageOptions {
  /** Author(s): `From`. The first is the reverse path unless `sender` is set. */
  readonly from?: AddressInput;
  /** The one mailbox that sent the message (`Sender`), when it is not the author. */
  readonly sender?: AddressInput;
  readonly to?: AddressInput;
  readonly cc?: AddressInput;
  /** Envelope recipients only: never written in the headers. */
  readonly bcc?: AddressInput;
  readonly replyTo?: AddressInput;
  /** The subject; may be empty. Non-ASCII is written as RFC 2047 encoded words. */
  readonly subject?: string;
  /** The plain-text body. */
  readonly text?: ContentSource;
  /** The HTML body. */
  readonly html?: ContentSource;
  /** A calendar invite, as iCalendar text or {@link CalendarEvent}. */
  readonly icalEvent?: string | CalendarEvent;
  readonly attachments?: readonly (Attachment | AttachmentOptions)[];
  /** Custom headers (names the package writes itself are refused). */
  readonly headers?: HeadersInput;
  /** The `Date:`; default: the time the message is first serialised. */
  readonly date?: Date;
  /** A Message-ID (`<id@domain>`); default: a random one in the sender's domain. */
  readonly messageId?: string;
  readonly priority?: Priority;
  /** The Message-ID this replies to. */
  readonly inReplyTo?: string;
  /** The thread's Message-IDs, as a list or one space-separated string. */
  readonly references?: string | readonly string[];
  /** Ask for delivery status notifications (see {@link Message.requestDeliveryReceipt}). */
  readonly dsn?: DsnOptions;
}

const OPTION_NAMES = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'subject',
  'text',
  'html',
  'icalEvent',
  'attachments',
  'headers',
  'date',
  'messageId',
  'priority',
  'inReplyTo',
  'references',
  'dsn',
]);

const PRIORITY_HEADERS: Record<Priority, readonly [string, string] | undefined> = {
  high: ['1 (Highest)', 'high'],
  normal: undefined,
  low: ['5 (Lowest)', 'low'],
};

/**
 * An email message. Build it from options or step by step, then `stream()` or `toBytes()` it,
 * and read the SMTP envelope it implies with `envelope()`.
 *
 * @example
 * const message = new Message({
 *   from: 'Ana <ana@example.com>',
 *   to: 'bob@example.org',
 *   subject: 'Hello',
 *   text: 'Hi Bob!',
 * });
 * for await (const chunk of message.stream()) socket.write(chunk);
 */
export class Message {
  #from: Mailbox[] = [];
  #sender: Mailbox | undefined;
  #to: Mailbox[] = [];
  #cc: Mailbox[] = [];
  #bcc: Mailbox[] = [];
  #replyTo: Mailbox[] = [];
  #subject: string | undefined;
  #text: BodySpec | undefined;
  #html: BodySpec | undefined;
  #calendar: BodySpec | undefined;
  #attachments: Attachment[] = [];
  #headers: CustomHeader[] = [];
  #date: Date | undefined;
  #messageId: string | undefined;
  #priority: Priority = 'normal';
  #inReplyTo: string[] = [];
  #references: string[] = [];
  #readReceipt: Mailbox[] | boolean = false;
  #dsn: DsnRequest | undefined;
  // Drawn on first serialisation and kept, so every serialisation gives the same message.
  #boundaries: string[] = [];
  // One plan per combination of the serialisation options (see #plan), made on first use.
  #plans: (Plan | undefined)[] = [];

  /** A message from options (see {@link MessageOptions}). */
  constructor(options?: MessageOptions);
  /** The classic form: the author (`From`) and the subject; add the rest with the methods. */
  constructor(from: AddressInput, subject?: string);
  constructor(first?: MessageOptions | AddressInput, subject?: string) {
    if (first === undefined) return;
    if (typeof first !== 'string' && (typeof first !== 'object' || first === null)) {
      throw new InvalidMessageError(
        'SMTP_MIME_INVALID_OPTION',
        'Message options must be an object',
      );
    }
    if (typeof first === 'string' || Array.isArray(first) || 'address' in first) {
      this.#from = addresses(first as AddressInput, 'from');
      if (subject !== undefined) this.#subject = checkSubject(subject);
      return;
    }
    this.#applyOptions(first as MessageOptions);
  }

  #applyOptions(options: MessageOptions): void {
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.has(key)) {
        throw new InvalidMessageError(
          'SMTP_MIME_INVALID_OPTION',
          `Unknown message option ${JSON.stringify(key)}`,
        );
      }
    }
    const o = options;
    if (o.from !== undefined) this.#from = addresses(o.from, 'from');
    if (o.sender !== undefined) this.#sender = oneMailbox(o.sender, 'sender');
    if (o.to !== undefined) this.#to = addresses(o.to, 'to');
    if (o.cc !== undefined) this.#cc = addresses(o.cc, 'cc');
    if (o.bcc !== undefined) this.#bcc = addresses(o.bcc, 'bcc');
    if (o.replyTo !== undefined) this.#replyTo = addresses(o.replyTo, 'replyTo');
    if (o.subject !== undefined) this.#subject = checkSubject(o.subject);
    if (o.text !== undefined) this.#text = body(o.text, undefined, 'text/plain', 'text');
    if (o.html !== undefined) this.#html = body(o.html, undefined, 'text/html', 'html');
    if (o.icalEvent !== undefined) this.#calendar = calendar(o.icalEvent);
    if (o.attachments !== undefined) {
      if (!Array.isArray(o.attachments)) {
        throw new InvalidMessageError('SMTP_MIME_INVALID_OPTION', 'attachments must be an array');
      }
      this.#attachments = o.attachments.map(toAttachment);
    }
    if (o.headers !== undefined) this.#headers = customHeaders(o.headers, MESSAGE_HEADER_NAMES);
    if (o.date !== undefined) {
      formatDate(o.date);
      this.#date = new Date(o.date.getTime());
    }
    if (o.messageId !== undefined)
      this.#messageId = normalizeMessageId(checkString(o.messageId, 'messageId'));
    if (o.priority !== undefined) this.#priority = checkPriority(o.priority);
    if (o.inReplyTo !== undefined)
      this.#inReplyTo = [normalizeMessageId(checkString(o.inReplyTo, 'inReplyTo'))];
    if (o.references !== undefined) this.#references = normalizeMessageIdList(o.references);
    if (o.dsn !== undefined) this.#dsn = normalizeDsn(o.dsn);
  }

  /** Adds To recipients (an address, a mailbox, a list, or an address-list string). */
  addTo(recipients: AddressInput): this {
    this.#to.push(...addresses(recipients, 'to'));
    return this.#changed();
  }

  /** Adds Cc recipients. */
  addCc(recipients: AddressInput): this {
    this.#cc.push(...addresses(recipients, 'cc'));
    return this.#changed();
  }

  /** Adds Bcc recipients: in the envelope only, never in the headers. */
  addBcc(recipients: AddressInput): this {
    this.#bcc.push(...addresses(recipients, 'bcc'));
    return this.#changed();
  }

  /**
   * Sets the body: the plain-text body, or the HTML body when `contentType` is `text/html`.
   *
   * @param data A string, bytes, a stream or `{ path }`.
   * @param encoding Force a transfer encoding (`7bit`, `8bit`, `quoted-printable`, `base64`);
   *   by default it is chosen from the content.
   * @param contentType Default `text/plain`; parameters such as `charset` are kept.
   */
  setBody(data: ContentSource, encoding?: TransferEncoding, contentType = 'text/plain'): this {
    const spec = body(data, encoding, contentType, 'body');
    if (spec.contentType.mediaType === 'text/html') this.#html = spec;
    else this.#text = spec;
    return this.#changed();
  }

  /**
   * Attaches content.
   *
   * @param name The filename shown to the recipient.
   * @param mimeType `type/subtype`; when empty or undefined, taken from `name`.
   * @param data A string, bytes, a stream or `{ path }` (read lazily).
   * @param encoding Force a transfer encoding.
   * @param headers More headers for this part.
   */
  attach(
    name: string,
    mimeType: string | undefined,
    data: ContentSource,
    encoding?: TransferEncoding,
    headers?: HeadersInput,
  ): this;
  /** Attaches an {@link Attachment} or the options of one. */
  attach(attachment: Attachment | AttachmentOptions): this;
  attach(
    first: string | Attachment | AttachmentOptions,
    mimeType?: string,
    data?: ContentSource,
    encoding?: TransferEncoding,
    headers?: HeadersInput,
  ): this {
    if (typeof first !== 'string') {
      this.#attachments.push(toAttachment(first));
      return this.#changed();
    }
    this.#attachments.push(
      new Attachment({
        filename: first,
        content: data as ContentSource,
        ...(mimeType === undefined || mimeType === '' ? {} : { contentType: mimeType }),
        ...(encoding === undefined ? {} : { encoding }),
        ...(headers === undefined ? {} : { headers }),
      }),
    );
    return this.#changed();
  }

  /** Sets a custom header, replacing any of the same name (any case). */
  setHeader(name: string, value: string): this {
    const header = customHeader(name, value, MESSAGE_HEADER_NAMES);
    const lower = name.toLowerCase();
    this.#headers = this.#headers.filter((h) => h.name.toLowerCase() !== lower);
    this.#headers.push(header);
    return this.#changed();
  }

  /** Adds a custom header, keeping any of the same name. */
  addHeader(name: string, value: string): this {
    this.#headers.push(customHeader(name, value, MESSAGE_HEADER_NAMES));
    return this.#changed();
  }

  /** Marks the message important: `X-Priority: 1 (Highest)` and `Importance: high`. */
  important(): this {
    this.#priority = 'high';
    return this.#changed();
  }

  /**
   * Asks the recipient's mail reader for a read receipt (MDN, RFC 8098):
   * `Disposition-Notification-To`, to `address` or by default to the From addresses. Readers
   * may ignore it, and many ask the user first.
   */
  requestReadReceipt(address?: AddressInput): this {
    this.#readReceipt = address === undefined ? true : addresses(address, 'read receipt address');
    return this.#changed();
  }

  /**
   * Asks the servers for delivery status notifications (DSN, RFC 3461). This changes no header:
   * it sets `envelope().dsn` (default `{ notify: ['SUCCESS', 'FAILURE'], ret: 'HDRS' }`), which
   * the SMTP client turns into `NOTIFY=` on each RCPT and `RET=`/`ENVID=` on MAIL when the
   * server offers DSN.
   */
  requestDeliveryReceipt(options?: DsnOptions): this {
    this.#dsn = normalizeDsn(options);
    return this.#changed();
  }

  /**
   * The Message-ID this message is (or will be) sent with: the caller's, or a random one in the
   * sender's domain, drawn on first use and then kept. `undefined` while there is no sender.
   */
  get messageId(): string | undefined {
    if (this.#messageId === undefined) {
      const reverse = this.#sender ?? this.#from[0];
      if (reverse === undefined) return undefined;
      const address = toAsciiAddress(reverse.address);
      this.#messageId = createMessageId(address.slice(address.lastIndexOf('@') + 1));
    }
    return this.#messageId;
  }

  /**
   * Checks that the message can be sent: a sender (From), at least one recipient (To, Cc or
   * Bcc), a body or an attachment; and a Sender when From has several authors (RFC 5322
   * section 3.6.2). An empty subject is allowed.
   *
   * With `{ allowFileAccess: false }` it also refuses a message that would read a file: a body,
   * an alternative, a calendar invite, an attachment or an inline part given as `{ path }` (or an
   * attachment's `path`). Nothing has been read when it throws. Use it for messages built from
   * untrusted input (docs/security.md decision 13); `stream()`, `toBytes()`, `toBytesSync()` and
   * `envelope()` take the same option and check it first too. The default allows file access.
   *
   * @throws InvalidMessageError `SMTP_MIME_FILE_ACCESS_DENIED` with one problem per part read
   *   from a file, when file access is off (checked first);
   *   `SMTP_MIME_INVALID_MESSAGE` with every problem in `problems`.
   * @example
   * new Message({ from, to, attachments: [{ path: '/etc/passwd' }] })
   *   .validate({ allowFileAccess: false }); // throws SMTP_MIME_FILE_ACCESS_DENIED
   */
  validate(options?: ValidateOptions): void {
    if (options?.allowFileAccess === false) this.#refuseFiles();
    // `send()` validates each message three times: the common valid case allocates nothing.
    if (
      this.#from.length === 1 &&
      this.#to.length + this.#cc.length + this.#bcc.length > 0 &&
      (this.#text !== undefined || this.#html !== undefined)
    ) {
      return;
    }
    const problems: string[] = [];
    if (this.#from.length === 0) problems.push('no sender: set from');
    if (this.#from.length > 1 && this.#sender === undefined) {
      problems.push('several From addresses need a sender (RFC 5322 section 3.6.2)');
    }
    if (this.#to.length + this.#cc.length + this.#bcc.length === 0) {
      problems.push('no recipient: add to, cc or bcc');
    }
    if (
      this.#text === undefined &&
      this.#html === undefined &&
      this.#calendar === undefined &&
      this.#attachments.length === 0
    ) {
      problems.push('no body and no attachment: set text or html, or attach something');
    }
    if (problems.length > 0) {
      throw new InvalidMessageError(
        'SMTP_MIME_INVALID_MESSAGE',
        `The message cannot be sent: ${problems.join('; ')}`,
        problems,
      );
    }
  }

  /** Throws `SMTP_MIME_FILE_ACCESS_DENIED` when a part would be read from a file. */
  #refuseFiles(): void {
    const problems: string[] = [];
    const check = (content: Content, what: string): void => {
      if (content.kind === 'file') {
        problems.push(`${what} is read from the file ${JSON.stringify(content.path)}`);
      }
    };
    if (this.#text !== undefined) check(this.#text.content, 'the text body');
    if (this.#html !== undefined) check(this.#html.content, 'the HTML body');
    if (this.#calendar !== undefined) check(this.#calendar.content, 'the calendar invite');
    this.#attachments.forEach((attachment, index) => {
      const kind = attachment.contentId === undefined ? 'attachment' : 'inline part';
      const name =
        attachment.filename === undefined ? '' : ` ${JSON.stringify(attachment.filename)}`;
      check(attachment.content, `${kind} ${index + 1}${name}`);
    });
    if (problems.length > 0) {
      throw new InvalidMessageError(
        'SMTP_MIME_FILE_ACCESS_DENIED',
        `File access is off, and the message names a file: ${problems.join('; ')}`,
        problems,
      );
    }
  }

  /**
   * The SMTP envelope: reverse path, all recipients deduplicated, what the server must offer,
   * the size when known, DSN wishes. See `envelope.ts` for the rules.
   *
   * @param options `smtpUtf8`: the server offers SMTPUTF8 (addresses keep their U-labels);
   *   `allow8Bit`: the server offers 8BITMIME. Pass the same options to `stream()`.
   *   `allowFileAccess`: see {@link Message.validate}.
   */
  envelope(options: SerializeOptions = {}): Envelope {
    this.validate(options);
    const needsSmtpUtf8 = this.#needsSmtpUtf8();
    const smtpUtf8 = options.smtpUtf8 === true || needsSmtpUtf8;
    const plan = this.#plan(smtpUtf8, options.allow8Bit === true);
    const reverse = (this.#sender ?? this.#from[0]) as Mailbox;
    const recipients: string[] = [];
    pushPaths(recipients, this.#to, smtpUtf8);
    pushPaths(recipients, this.#cc, smtpUtf8);
    pushPaths(recipients, this.#bcc, smtpUtf8);
    const envelope: { -readonly [K in keyof Envelope]: Envelope[K] } = {
      from: envelopePath(reverse, smtpUtf8),
      to: recipients.length === 1 ? recipients : dedupeRecipients(recipients, recipientKey),
      needsSmtpUtf8,
      needs8BitMime: plan.needs8BitMime,
    };
    if (plan.size !== undefined) envelope.size = plan.size;
    if (this.#dsn !== undefined) envelope.dsn = this.#dsn;
    return envelope;
  }

  /** An address of the message has a non-ASCII local part (see `addressNeedsSmtpUtf8`). */
  #needsSmtpUtf8(): boolean {
    return (
      anyNeedsSmtpUtf8(this.#from) ||
      anyNeedsSmtpUtf8(this.#to) ||
      anyNeedsSmtpUtf8(this.#cc) ||
      anyNeedsSmtpUtf8(this.#bcc) ||
      anyNeedsSmtpUtf8(this.#replyTo) ||
      (this.#sender !== undefined && addressNeedsSmtpUtf8(this.#sender.address)) ||
      (Array.isArray(this.#readReceipt) && anyNeedsSmtpUtf8(this.#readReceipt))
    );
  }

  /**
   * The message as RFC 5322 bytes, pulled chunk by chunk: CRLF line ends, no line over 998
   * octets, constant memory whatever the size of streamed attachments. Nothing is read from a
   * source until the consumer asks for the bytes that need it; stopping early (`break` in a
   * `for await`) closes the source being read. A failing source ends the iteration with a
   * `ContentError` `SMTP_MIME_CONTENT_READ`.
   *
   * The message is validated and its headers are built when `stream()` is called, so invalid
   * input throws here, before any byte is produced.
   *
   * A message whose content is all known in advance (strings and bytes) and is at most 64 KiB
   * long comes as one chunk, written into one array when it is pulled.
   */
  stream(options: SerializeOptions = {}): AsyncIterable<Uint8Array> {
    this.validate(options);
    return streamPlan(this.#plan(options.smtpUtf8 === true, options.allow8Bit === true));
  }

  /** The whole message in one array: for small messages (streamed content is read into memory). */
  async toBytes(options: SerializeOptions = {}): Promise<Uint8Array> {
    const known = this.toBytesSync(options);
    if (known !== undefined) return known;
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of this.stream(options)) {
      chunks.push(chunk);
      size += chunk.length;
    }
    return chunks.length === 1 ? (chunks[0] as Uint8Array) : concatBytes(chunks, size);
  }

  /**
   * The whole message in one array, synchronously, when every part is known in advance
   * (strings and bytes: the same bytes `stream()` yields); `undefined` when a part is a stream
   * or a file, which only `stream()` and `toBytes()` can read.
   *
   * @example
   * const bytes = message.toBytesSync(options);
   * if (bytes !== undefined) socket.write(bytes);
   * else for await (const chunk of message.stream(options)) socket.write(chunk);
   */
  toBytesSync(options: SerializeOptions = {}): Uint8Array | undefined {
    this.validate(options);
    const plan = this.#plan(options.smtpUtf8 === true, options.allow8Bit === true);
    return plan.size === undefined ? undefined : planBytes(plan);
  }

  /**
   * Whether the message can be serialised more than once with the same bytes: true unless a
   * body, alternative, calendar invite or attachment is a stream (an async iterable or a
   * `ReadableStream`), which can be read once. Strings and bytes are kept, and a file is opened
   * again for each serialisation; with the same options every serialisation then yields the same
   * bytes, since the Date, the Message-ID and the boundaries are drawn once and the plan is kept
   * per options. A signer (DKIM) can read such a message once to sign it and once to send it. A
   * file that changes on disk between two serialisations changes them.
   */
  get rereadable(): boolean {
    const once = (spec: BodySpec | undefined): boolean => spec?.content.kind === 'stream';
    if (once(this.#text) || once(this.#html) || once(this.#calendar)) return false;
    for (const attachment of this.#attachments) {
      if (attachment.content.kind === 'stream') return false;
    }
    return true;
  }

  #changed(): this {
    this.#plans = [];
    return this;
  }

  #plan(smtpUtf8: boolean, allow8Bit: boolean): Plan {
    const key = (smtpUtf8 ? 2 : 0) + (allow8Bit ? 1 : 0);
    let plan = this.#plans[key];
    if (plan === undefined) {
      const tree = structureBody({
        text: this.#text,
        html: this.#html,
        calendar: this.#calendar,
        attachments: this.#attachments,
      });
      // validate() ran first, so there is a body or an attachment.
      plan = planMessage(
        this.#headerText(smtpUtf8),
        tree as NonNullable<typeof tree>,
        this.#boundaries,
        {
          smtpUtf8,
          allow8Bit,
        },
      );
      this.#plans[key] = plan;
    }
    return plan;
  }

  #headerText(smtpUtf8: boolean): string {
    this.#date ??= new Date();
    let out = foldHeader('From', formatList(this.#from, smtpUtf8));
    if (this.#sender !== undefined)
      out += foldHeader('Sender', formatMailbox(this.#sender, smtpUtf8));
    if (this.#to.length > 0) out += foldHeader('To', formatList(this.#to, smtpUtf8));
    if (this.#cc.length > 0) out += foldHeader('Cc', formatList(this.#cc, smtpUtf8));
    if (this.#replyTo.length > 0)
      out += foldHeader('Reply-To', formatList(this.#replyTo, smtpUtf8));
    if (this.#subject !== undefined)
      out += foldHeader('Subject', encodeUnstructured(this.#subject));
    out += foldHeader('Date', formatDate(this.#date));
    out += foldHeader('Message-ID', this.messageId as string);
    if (this.#inReplyTo.length > 0) out += foldHeader('In-Reply-To', this.#inReplyTo.join(' '));
    if (this.#references.length > 0) out += foldHeader('References', this.#references.join(' '));
    const priority = PRIORITY_HEADERS[this.#priority];
    if (priority !== undefined) {
      out += foldHeader('X-Priority', priority[0]);
      out += foldHeader('Importance', priority[1]);
    }
    if (this.#readReceipt !== false) {
      out += foldHeader(
        'Disposition-Notification-To',
        formatList(this.#readReceipt === true ? this.#from : this.#readReceipt, smtpUtf8),
      );
    }
    for (const header of this.#headers) {
      out += foldHeader(header.name, encodeUnstructured(header.value));
    }
    return out;
  }
}

// Module-level closures, lists and option objects on the per-message path each cost an
// allocation per call and, in a fresh process, more code for the JIT to warm up.
const SMTPUTF8_SPEC = { smtpUtf8: true } as const;
const ASCII_SPEC = { smtpUtf8: false } as const;

/** The envelope form of an address: A-label domain unless the transaction is SMTPUTF8. */
function envelopePath(mailbox: Mailbox, smtpUtf8: boolean): string {
  return smtpUtf8 ? mailbox.address : toAsciiAddress(mailbox.address);
}

function pushPaths(out: string[], mailboxes: readonly Mailbox[], smtpUtf8: boolean): void {
  for (let i = 0; i < mailboxes.length; i++) {
    out.push(envelopePath(mailboxes[i] as Mailbox, smtpUtf8));
  }
}

function anyNeedsSmtpUtf8(mailboxes: readonly Mailbox[]): boolean {
  for (let i = 0; i < mailboxes.length; i++) {
    if (addressNeedsSmtpUtf8((mailboxes[i] as Mailbox).address)) return true;
  }
  return false;
}

/** An address-list header value: the mailboxes, comma-separated. */
function formatList(mailboxes: readonly Mailbox[], smtpUtf8: boolean): string {
  let out = '';
  for (let i = 0; i < mailboxes.length; i++) {
    const text = formatMailbox(mailboxes[i] as Mailbox, smtpUtf8);
    out = i === 0 ? text : `${out}, ${text}`;
  }
  return out;
}

/** `Name <addr-spec>` with the name encoded (RFC 2047 phrase), or the bare addr-spec. */
function formatMailbox(mailbox: Mailbox, smtpUtf8: boolean): string {
  const spec = formatAddressSpec(mailbox.address, smtpUtf8 ? SMTPUTF8_SPEC : ASCII_SPEC);
  return mailbox.name === undefined || mailbox.name === ''
    ? spec
    : `${encodePhrase(mailbox.name)} <${spec}>`;
}

/** Dedup key: local part as is, domain in lower-case A-labels. */
function recipientKey(address: string): string {
  const ascii = toAsciiAddress(address);
  const at = ascii.lastIndexOf('@');
  return `${ascii.slice(0, at)}@${ascii.slice(at + 1).toLowerCase()}`;
}

function addresses(input: AddressInput, what: string): Mailbox[] {
  const list = normalizeAddresses(input);
  for (const mailbox of list) {
    if (mailbox.name !== undefined) validateHeaderValue(mailbox.name, `display name in ${what}`);
  }
  return list;
}

function oneMailbox(input: AddressInput, what: string): Mailbox {
  const list = addresses(input, what);
  if (list.length !== 1) {
    throw new InvalidAddressError(
      'SMTP_MIME_INVALID_ADDRESS',
      `${what} must be exactly one mailbox, got ${list.length}`,
    );
  }
  return list[0] as Mailbox;
}

function checkString(value: unknown, what: string): string {
  if (typeof value !== 'string') {
    throw new InvalidMessageError('SMTP_MIME_INVALID_OPTION', `${what} must be a string`);
  }
  return value;
}

function checkSubject(subject: unknown): string {
  const text = checkString(subject, 'subject');
  validateHeaderValue(text, 'Subject');
  return text;
}

function checkPriority(priority: unknown): Priority {
  if (priority !== 'high' && priority !== 'normal' && priority !== 'low') {
    throw new InvalidMessageError(
      'SMTP_MIME_INVALID_OPTION',
      `priority must be 'high', 'normal' or 'low', got ${JSON.stringify(priority)}`,
    );
  }
  return priority;
}

function body(
  data: ContentSource,
  encoding: TransferEncoding | undefined,
  contentType: string,
  what: string,
): BodySpec {
  const parsed: ContentType = parseContentType(contentType);
  return {
    content: toContent(data, what),
    contentType: parsed,
    encoding: encoding === undefined ? undefined : parseTransferEncoding(encoding),
  };
}

function calendar(event: string | CalendarEvent): BodySpec {
  const options = typeof event === 'string' ? { content: event } : event;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidMessageError(
      'SMTP_MIME_INVALID_OPTION',
      'icalEvent must be a string or { content, method }',
    );
  }
  const method = checkString(options.method ?? 'REQUEST', 'icalEvent method');
  if (!/^[A-Za-z-]{1,64}$/.test(method)) {
    throw new InvalidMessageError(
      'SMTP_MIME_INVALID_OPTION',
      `Invalid iTIP method ${JSON.stringify(method)}`,
    );
  }
  return {
    content: toContent(options.content, 'icalEvent content'),
    contentType: { mediaType: 'text/calendar', params: { method: method.toUpperCase() } },
    encoding: undefined,
  };
}

function toAttachment(attachment: Attachment | AttachmentOptions): Attachment {
  return attachment instanceof Attachment ? attachment : new Attachment(attachment);
}
