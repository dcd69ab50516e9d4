/**
 * Content types: from a filename through the maintained `mime` package (the IANA registry plus
 * common extensions), and caller-given `type/subtype; name=value` strings parsed and validated
 * (RFC 2045 section 5.1; INV-7: caller parameters are validated, never pasted into a header).
 */

import mime from 'mime';
import { InvalidHeaderError } from './errors.ts';

/** Type used when nothing better is known (RFC 2046 section 4.5.1). */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** A parsed content type: lower-case `type/subtype` and its parameters, names lower-case. */
export interface ContentType {
  readonly mediaType: string;
  readonly params: Readonly<Record<string, string>>;
}

// RFC 2045 token: printable ASCII except space and tspecials ()<>@,;:\"/[]?=
const TOKEN = /^[!#$%&'*+.^_`{|}~0-9A-Za-z-]+$/;

/**
 * The content type for a filename, by its extension; `application/octet-stream` when the
 * extension is unknown or missing.
 *
 * @example
 * contentTypeForFilename('report.pdf'); // 'application/pdf'
 */
export function contentTypeForFilename(filename: string | undefined): string {
  if (filename === undefined) return DEFAULT_CONTENT_TYPE;
  return mime.getType(filename) ?? DEFAULT_CONTENT_TYPE;
}

/** True for `text/*` types, whose line breaks are CRLF and which may be quoted-printable. */
export function isTextType(mediaType: string): boolean {
  return mediaType.startsWith('text/');
}

/**
 * Parses `type/subtype; name=value; name="quoted value"`.
 *
 * @throws InvalidHeaderError `SMTP_MIME_INVALID_PARAMETER` for anything outside the grammar
 *   (controls, CR, LF, a missing subtype, a bad parameter, a multipart type: the serialiser
 *   builds multiparts itself).
 */
export function parseContentType(value: string): ContentType {
  // Why a memo: every body part parses its type (`text/plain`, `text/html`) once per message;
  // the few strings a program uses are parsed once. The result depends on `value` only and is
  // frozen; errors are never stored; bounded, cleared when full.
  const known = contentTypes.get(value);
  if (known !== undefined) return known;
  const parsed = parseContentTypeText(value);
  Object.freeze(parsed.params);
  Object.freeze(parsed);
  if (value.length <= 200) {
    if (contentTypes.size >= CONTENT_TYPE_MEMO_SIZE) contentTypes.clear();
    contentTypes.set(value, parsed);
  }
  return parsed;
}

/** How many content-type strings {@link parseContentType} remembers. */
const CONTENT_TYPE_MEMO_SIZE = 64;
const contentTypes = new Map<string, ContentType>();

function parseContentTypeText(value: string): ContentType {
  const fail = (why: string): never => {
    throw new InvalidHeaderError(
      'SMTP_MIME_INVALID_PARAMETER',
      `Invalid content type ${JSON.stringify(value)}: ${why} (RFC 2045 section 5.1)`,
    );
  };
  if (typeof value !== 'string') fail('not a string');
  const [head = '', ...rest] = splitParameters(value, fail);
  const slash = head.indexOf('/');
  const type = head.slice(0, slash).trim().toLowerCase();
  const subtype = head
    .slice(slash + 1)
    .trim()
    .toLowerCase();
  if (slash === -1 || !TOKEN.test(type) || !TOKEN.test(subtype)) fail('expected type/subtype');
  if (type === 'multipart') fail('multipart types are built by the serialiser');
  const params: Record<string, string> = {};
  for (const piece of rest) {
    const eq = piece.indexOf('=');
    const name = piece.slice(0, eq).trim().toLowerCase();
    let raw = piece.slice(eq + 1).trim();
    if (eq === -1 || !TOKEN.test(name)) fail(`bad parameter ${JSON.stringify(piece)}`);
    if (raw.startsWith('"')) {
      if (raw.length < 2 || !raw.endsWith('"')) fail('unterminated quoted string');
      raw = raw.slice(1, -1).replace(/\\(.)/g, '$1');
    } else if (!TOKEN.test(raw)) {
      fail(`bad parameter value ${JSON.stringify(raw)}`);
    }
    if (name === 'boundary') fail('the boundary is chosen by the serialiser');
    params[name] = raw;
  }
  return { mediaType: `${type}/${subtype}`, params };
}

/** Splits on `;` outside quoted strings; refuses controls (INV-5). */
function splitParameters(value: string, fail: (why: string) => never): string[] {
  const pieces: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code > 0x7e) {
      fail('control or non-ASCII character (use RFC 2231 parameters through the options)');
    }
    if (quoted && code === 0x5c) i++;
    else if (code === 0x22) quoted = !quoted;
    else if (!quoted && code === 0x3b) {
      pieces.push(value.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) fail('unterminated quoted string');
  pieces.push(value.slice(start));
  return pieces.filter((piece, index) => index === 0 || piece.trim() !== '');
}
