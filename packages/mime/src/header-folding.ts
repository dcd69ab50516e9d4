/**
 * Header folding (RFC 5322 sections 2.1.1 and 2.2.3): one header field as `Name: value\r\n`,
 * its value cut into lines of at most 78 characters where possible and never more than 998.
 *
 * Contract: a pure function on strings, no `node:` imports. The value is already in its final
 * form (encoded ASCII from `encodeUnstructured`, `encodePhrase`, `formatContentHeaderValue`...,
 * or raw UTF-8 when the caller sends with SMTPUTF8): this module never encodes anything, it only
 * inserts CRLF before white space. Lengths are counted in UTF-8 octets, CRLF excluded.
 *
 * How it folds: the value is cut into pieces, each starting at the first white-space character
 * of a run that is followed by more text, so a folded line never ends with white space and a
 * continuation line is never only white space; pieces are packed greedily into lines of at most
 * 78 octets; a piece that does not fit on a line of its own stays whole (folding happens only at
 * white space). Removing every CRLF that precedes white space (unfolding, RFC 5322 section
 * 2.2.3) gives back `Name: value` exactly: no character is added or dropped.
 *
 * Refused, with `InvalidHeaderError`: a name outside RFC 5322 `field-name`
 * (`SMTP_MIME_INVALID_HEADER_NAME`); a value with CR, LF, NUL or another control
 * (`SMTP_MIME_INVALID_HEADER_VALUE`, INV-5); a line that cannot be folded within 998 octets
 * (`SMTP_MIME_HEADER_TOO_LONG`). Reserved names are not checked here: the package writes them.
 */

import { utf8Length } from './content.ts';
import { InvalidHeaderError } from './errors.ts';
import {
  isValidHeaderNameSyntax,
  quoteForMessage,
  validateHeaderValue,
} from './header-validation.ts';

/** Preferred longest header line in octets, CRLF excluded (RFC 5322 section 2.1.1). */
export const HEADER_LINE_LENGTH = 78;

/** Longest header line in octets, CRLF excluded (RFC 5322 section 2.1.1). */
export const MAX_HEADER_LINE_LENGTH = 998;

/**
 * Writes one header field, folded: `Name: value\r\n` (or `Name:\r\n` for an empty value).
 *
 * @throws InvalidHeaderError `SMTP_MIME_INVALID_HEADER_NAME`, `SMTP_MIME_INVALID_HEADER_VALUE`
 *   or `SMTP_MIME_HEADER_TOO_LONG` (see the module docs).
 * @example
 * foldHeader('Subject', 'Hello'); // 'Subject: Hello\r\n'
 */
export function foldHeader(name: string, value: string): string {
  if (!isValidHeaderNameSyntax(name)) {
    throw new InvalidHeaderError(
      'SMTP_MIME_INVALID_HEADER_NAME',
      `Invalid header name ${quoteForMessage(name, 0)}: a header name is one or more printable US-ASCII characters except ":" (RFC 5322 section 2.2)`,
    );
  }
  validateHeaderValue(value, `value of ${name}`);
  if (value === '') return `${name}:\r\n`;
  const first = `${name}: `;
  // Fast path: a short ASCII-only line needs no folding.
  if (first.length + value.length <= HEADER_LINE_LENGTH && !/[^\x00-\x7f]/.test(value)) {
    return `${first}${value}\r\n`;
  }
  let out = '';
  let line = first;
  let lineOctets = first.length;
  for (const piece of pieces(value)) {
    const octets = utf8Length(piece);
    if (line !== first && lineOctets + octets > HEADER_LINE_LENGTH) {
      out += `${line}\r\n`;
      line = '';
      lineOctets = 0;
    }
    line += piece;
    lineOctets += octets;
    if (lineOctets > MAX_HEADER_LINE_LENGTH) {
      throw new InvalidHeaderError(
        'SMTP_MIME_HEADER_TOO_LONG',
        `The ${name} header has a run of ${lineOctets} octets without white space to fold at; a header line may not exceed ${MAX_HEADER_LINE_LENGTH} octets (RFC 5322 section 2.1.1)`,
      );
    }
  }
  return `${out}${line}\r\n`;
}

/**
 * Cuts `value` before the first white-space character of every run that is followed by more
 * text. The first piece may start with white space (it follows `Name: `); white space at the
 * very end stays on the last piece.
 */
function pieces(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = value.length;
  while (i < n) {
    const c = value.charCodeAt(i);
    if ((c === 0x20 || c === 0x09) && i > start && !isWhite(value.charCodeAt(i - 1))) {
      let j = i + 1;
      while (j < n && isWhite(value.charCodeAt(j))) j++;
      if (j === n) break;
      out.push(value.slice(start, i));
      start = i;
      i = j;
      continue;
    }
    i++;
  }
  out.push(value.slice(start));
  return out;
}

function isWhite(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
