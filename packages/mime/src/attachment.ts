/**
 * An attachment (or an inline part) of a message: its content source, filename, content type,
 * transfer encoding, disposition and Content-ID, all validated when it is created.
 *
 * - The content type comes from the caller, else from the filename through the `mime`
 *   package, else `application/octet-stream`.
 * - `disposition` is `inline` when a `contentId` is given (an image the HTML shows through a
 *   `cid:` URL), else `attachment`. Inline parts with a Content-ID go into a
 *   `multipart/related` with the HTML; without HTML they are ordinary parts of the mixed body.
 * - The filename is written with RFC 2231 parameters when it is long or not ASCII, plus a
 *   legacy `name=` on Content-Type for old readers (see `rfc2231.ts`).
 */

import { type Content, type ContentSource, toContent } from './content.ts';
import { type ContentType, contentTypeForFilename, parseContentType } from './content-type.ts';
import {
  type CustomHeader,
  customHeaders,
  type HeadersInput,
  PART_HEADER_NAMES,
} from './custom-headers.ts';
import { InvalidHeaderError, InvalidMessageError } from './errors.ts';
import { findInvalidHeaderValueChar } from './header-validation.ts';
import { normalizeContentId } from './message-id.ts';
import { parseTransferEncoding, type TransferEncoding } from './transfer-encoding.ts';

/** How a part is shown (RFC 2183). */
export type Disposition = 'attachment' | 'inline';

/** Options of an {@link Attachment}; give `content` or `path`. */
export interface AttachmentOptions {
  /** The name shown to the recipient; defaults to the last segment of `path`. */
  readonly filename?: string;
  /** The bytes: a string (UTF-8), a Uint8Array, an async iterable, a ReadableStream or `{ path }`. */
  readonly content?: ContentSource;
  /** A file to read lazily when the message is serialised (Node only). */
  readonly path?: string;
  /** `type/subtype[; params]`; defaults to the type of `filename`. */
  readonly contentType?: string;
  /** Force a transfer encoding; by default it is chosen from the content (see `transfer-encoding.ts`). */
  readonly encoding?: TransferEncoding;
  /** The Content-ID (without or with angle brackets), for `cid:` references from the HTML. */
  readonly contentId?: string;
  /** Defaults to `inline` with a `contentId`, else `attachment`. */
  readonly disposition?: Disposition;
  /** More headers for this part (not Content-Type, Content-Transfer-Encoding, Content-Disposition, Content-ID). */
  readonly headers?: HeadersInput;
}

/** An attachment, validated; build one with `new Attachment(options)` or pass the options. */
export class Attachment {
  readonly filename: string | undefined;
  readonly contentType: ContentType;
  readonly encoding: TransferEncoding | undefined;
  readonly contentId: string | undefined;
  readonly disposition: Disposition;
  readonly headers: readonly CustomHeader[];
  /** @internal The content source, sorted. */
  readonly content: Content;

  /**
   * @throws InvalidMessageError `SMTP_MIME_INVALID_OPTION` for a missing or unusable source,
   *   an unknown encoding or disposition.
   * @throws InvalidHeaderError `SMTP_MIME_INVALID_PARAMETER` for a filename with controls, a
   *   bad content type or Content-ID; header errors for bad custom headers.
   */
  constructor(options: AttachmentOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidMessageError('SMTP_MIME_INVALID_OPTION', 'An attachment must be an object');
    }
    const { path } = options;
    if (path !== undefined && (typeof path !== 'string' || path === '')) {
      throw new InvalidMessageError(
        'SMTP_MIME_INVALID_OPTION',
        'attachment path must be a non-empty string',
      );
    }
    if ((options.content === undefined) === (path === undefined)) {
      throw new InvalidMessageError(
        'SMTP_MIME_INVALID_OPTION',
        'An attachment needs exactly one of content and path',
      );
    }
    this.content = toContent(path !== undefined ? { path } : options.content, 'attachment content');
    const filename =
      options.filename ??
      (this.content.kind === 'file' ? this.content.path.split(/[\\/]/).pop() : undefined);
    this.filename = filename === undefined ? undefined : checkFilename(filename);
    this.contentType =
      options.contentType === undefined
        ? { mediaType: contentTypeForFilename(this.filename), params: {} }
        : parseContentType(options.contentType);
    this.encoding =
      options.encoding === undefined ? undefined : parseTransferEncoding(options.encoding);
    this.contentId =
      options.contentId === undefined ? undefined : normalizeContentId(String(options.contentId));
    const disposition =
      options.disposition ?? (this.contentId === undefined ? 'attachment' : 'inline');
    if (disposition !== 'attachment' && disposition !== 'inline') {
      throw new InvalidMessageError(
        'SMTP_MIME_INVALID_OPTION',
        `disposition must be 'attachment' or 'inline', got ${JSON.stringify(disposition)}`,
      );
    }
    this.disposition = disposition;
    this.headers = customHeaders(options.headers, PART_HEADER_NAMES);
  }
}

/**
 * Validates a filename: any Unicode text without controls (it becomes a header parameter).
 *
 * @throws InvalidHeaderError `SMTP_MIME_INVALID_PARAMETER`.
 */
export function checkFilename(filename: unknown): string {
  if (
    typeof filename !== 'string' ||
    filename === '' ||
    findInvalidHeaderValueChar(filename) !== -1
  ) {
    throw new InvalidHeaderError(
      'SMTP_MIME_INVALID_PARAMETER',
      `A filename must be a non-empty string without control characters, got ${JSON.stringify(filename)}`,
    );
  }
  return filename;
}
