/**
 * What the inbox knows of each message without reading it again: the line of the list (from,
 * to, subject, size, time), worked out once when the message arrives or is found on disk.
 */
import { type ParsedAddress, type ParsedMessage, parseMessage } from '../parsed-message.ts';

/** One line of the inbox's list, as `messages()` and `GET /api/messages` give it. */
export interface InboxMessageSummary {
  /** Stable for the message's life; in `dir` mode, the file name without `.eml`. */
  readonly id: string;
  /** The From header as `Name <address>` (or the address); the envelope sender when it has none. */
  readonly from: string;
  /** The To header's mailboxes the same way; the envelope recipients when it has none. */
  readonly to: readonly string[];
  /** The decoded Subject, `''` when there is none. */
  readonly subject: string;
  /** The message's size in bytes, as received. */
  readonly size: number;
  /** When it arrived (`Date.now()`); for a file found on disk, when the file was written. */
  readonly receivedAt: number;
}

/** The SMTP envelope, known only for messages received by this inbox while it ran. */
export interface InboxEnvelope {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
}

/** A message the inbox holds: its list line, and its envelope when it is known. */
export interface InboxEntry {
  readonly summary: InboxMessageSummary;
  readonly envelope?: InboxEnvelope;
}

/** `Name <address>`, or the bare address when there is no display name. */
export function formatAddress(address: ParsedAddress): string {
  return address.name === '' ? address.address : `${address.name} <${address.address}>`;
}

/**
 * The list line of a message. A message that does not parse still gets one (from the envelope,
 * with no subject): the inbox shows whatever it was sent, and the raw source tells why.
 */
export async function summarize(
  id: string,
  raw: Uint8Array,
  receivedAt: number,
  envelope?: InboxEnvelope,
): Promise<InboxMessageSummary> {
  let parsed: ParsedMessage | undefined;
  try {
    parsed = await parseMessage(raw);
  } catch {
    parsed = undefined;
  }
  const to = parsed?.to.map(formatAddress) ?? [];
  return {
    id,
    from: parsed?.from === undefined ? (envelope?.mailFrom ?? '') : formatAddress(parsed.from),
    to: to.length > 0 ? to : [...(envelope?.rcptTo ?? [])],
    subject: parsed?.subject ?? '',
    size: raw.byteLength,
    receivedAt,
  };
}
