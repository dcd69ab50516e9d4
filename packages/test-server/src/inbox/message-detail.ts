/**
 * A message as `GET /api/messages/:id` gives it: its list line, and what the page's tabs show
 * (headers, text, whether there is HTML, the attachments with the URL of each download).
 */
import type { ParsedAttachment, ParsedHeader, ParsedMessage } from '../parsed-message.ts';
import { safeFileName } from './content-disposition.ts';
import { formatAddress, type InboxEntry, type InboxEnvelope } from './inbox-message.ts';
import { safeMediaType } from './media-type.ts';

/** One attachment or inline part of a message. */
export interface InboxAttachment {
  /** Its place among the message's parts: `/api/messages/:id/attachments/:index`. */
  readonly index: number;
  /** The name it is saved under: its own, or `attachment-N` when it has none. */
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  /** `attachment`, `inline`, ...; `null` when the part does not say. */
  readonly disposition: string | null;
  /** The Content-ID `cid:` URLs name, without angle brackets; `null` when there is none. */
  readonly contentId: string | null;
  /** The download URL, on the inbox's origin. */
  readonly url: string;
}

/** Everything the page shows of one message. */
export interface InboxMessageDetail {
  readonly id: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly subject: string;
  readonly size: number;
  readonly receivedAt: number;
  /** The Date header, ISO 8601; `null` when missing or not a date. */
  readonly date: string | null;
  readonly messageId: string | null;
  /** The SMTP envelope; `null` for a message found in `dir` on start. */
  readonly envelope: InboxEnvelope | null;
  readonly headers: readonly ParsedHeader[];
  readonly text: string | null;
  /** Whether there is an HTML body: `/api/messages/:id/html` serves it. */
  readonly hasHtml: boolean;
  readonly attachments: readonly InboxAttachment[];
}

/** The URL path of a message, or of one of its sub-resources (`/raw`, `/attachments/0`). */
export function messagePath(id: string, rest = ''): string {
  return `/api/messages/${encodeURIComponent(id)}${rest}`;
}

/** The name an attachment is saved under. */
export function attachmentFileName(attachment: ParsedAttachment, index: number): string {
  return safeFileName(attachment.filename, `attachment-${index + 1}`);
}

/** The detail of `entry`, from its parsed form. */
export function messageDetail(entry: InboxEntry, parsed: ParsedMessage): InboxMessageDetail {
  const { summary } = entry;
  return {
    ...summary,
    cc: parsed.cc.map(formatAddress),
    date: parsed.date?.toISOString() ?? null,
    messageId: parsed.messageId ?? null,
    envelope: entry.envelope ?? null,
    headers: parsed.headers.map(({ name, value }) => ({ name, value })),
    text: parsed.text ?? null,
    hasHtml: parsed.html !== undefined,
    attachments: parsed.attachments.map((attachment, index) => ({
      index,
      filename: attachmentFileName(attachment, index),
      contentType: safeMediaType(attachment.contentType),
      size: attachment.content.byteLength,
      disposition: attachment.disposition ?? null,
      contentId: attachment.contentId ?? null,
      url: messagePath(summary.id, `/attachments/${index}`),
    })),
  };
}
