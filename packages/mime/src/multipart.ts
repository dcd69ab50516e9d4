/**
 * The shape of a message body: which parts nest in which multipart (RFC 2046 section 5.1,
 * RFC 2387 for `multipart/related`).
 *
 * From the inside out:
 * 1. `multipart/alternative` when there is more than one of text, HTML and a calendar invite,
 *    in that order (plainest first, as RFC 2046 section 5.1.4 asks);
 * 2. `multipart/related` around it when there is HTML and at least one inline attachment with a
 *    Content-ID: the body (HTML, or the alternative holding it) is the root, first, and the
 *    inline parts follow, so `cid:` URLs in the HTML resolve (nesting: related > alternative);
 * 3. `multipart/mixed` around that when there are other attachments (or inline parts without
 *    HTML to show them): the body first, then the attachments in the order given.
 * A message with one part and nothing else is that part alone, with no multipart.
 */

import type { Attachment, Disposition } from './attachment.ts';
import type { Content } from './content.ts';
import type { ContentType } from './content-type.ts';
import type { CustomHeader } from './custom-headers.ts';
import type { TransferEncoding } from './transfer-encoding.ts';

/** A part holding content. */
export interface LeafSpec {
  readonly kind: 'leaf';
  readonly content: Content;
  readonly contentType: ContentType;
  readonly encoding: TransferEncoding | undefined;
  readonly filename: string | undefined;
  readonly contentId: string | undefined;
  /** Absent for body parts (text, HTML, calendar), which carry no Content-Disposition. */
  readonly disposition: Disposition | undefined;
  readonly headers: readonly CustomHeader[];
}

/** A multipart container. */
export interface MultipartSpec {
  readonly kind: 'multipart';
  readonly subtype: 'mixed' | 'alternative' | 'related';
  readonly parts: readonly PartSpec[];
}

/** A part of the body tree. */
export type PartSpec = LeafSpec | MultipartSpec;

/** A body part (text, HTML or calendar) as the message stores it. */
export interface BodySpec {
  readonly content: Content;
  readonly contentType: ContentType;
  readonly encoding: TransferEncoding | undefined;
}

/** What {@link structureBody} arranges. */
export interface BodyParts {
  readonly text?: BodySpec | undefined;
  readonly html?: BodySpec | undefined;
  readonly calendar?: BodySpec | undefined;
  readonly attachments: readonly Attachment[];
}

function bodyLeaf(body: BodySpec): LeafSpec {
  return {
    kind: 'leaf',
    content: body.content,
    contentType: body.contentType,
    encoding: body.encoding,
    filename: undefined,
    contentId: undefined,
    disposition: undefined,
    headers: [],
  };
}

/** The leaf of an attachment. */
export function attachmentLeaf(attachment: Attachment): LeafSpec {
  return {
    kind: 'leaf',
    content: attachment.content,
    contentType: attachment.contentType,
    encoding: attachment.encoding,
    filename: attachment.filename,
    contentId: attachment.contentId,
    disposition: attachment.disposition,
    headers: attachment.headers,
  };
}

/**
 * Arranges the body parts into the tree described in the module docs; `undefined` when there is
 * nothing at all (an invalid message, refused by `validate()`).
 */
export function structureBody(parts: BodyParts): PartSpec | undefined {
  const alternatives = [parts.text, parts.html, parts.calendar]
    .filter((body): body is BodySpec => body !== undefined)
    .map(bodyLeaf);
  let body: PartSpec | undefined =
    alternatives.length > 1
      ? { kind: 'multipart', subtype: 'alternative', parts: alternatives }
      : alternatives[0];
  const related: LeafSpec[] = [];
  const mixed: LeafSpec[] = [];
  for (const attachment of parts.attachments) {
    const leaf = attachmentLeaf(attachment);
    if (
      parts.html !== undefined &&
      attachment.contentId !== undefined &&
      attachment.disposition === 'inline'
    ) {
      related.push(leaf);
    } else {
      mixed.push(leaf);
    }
  }
  if (body !== undefined && related.length > 0) {
    body = { kind: 'multipart', subtype: 'related', parts: [body, ...related] };
  }
  if (mixed.length === 0) return body;
  return {
    kind: 'multipart',
    subtype: 'mixed',
    parts: body === undefined ? mixed : [body, ...mixed],
  };
}
