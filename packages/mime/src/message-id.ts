/**
 * Message-IDs and Content-IDs (RFC 5322 section 3.6.4, RFC 2045 section 7, RFC 2392).
 *
 * A generated Message-ID is `<` 32 hex digits (128 bits from the platform CSPRNG) `@` the
 * sender's domain in A-labels `>`: unique without a clock or a counter, and in the sender's
 * domain as RFC 5322 recommends. Caller-given ids are validated on their final text (INV-5):
 * printable ASCII only, no white space, no `<`/`>` inside, one `@` between a dot-atom left
 * part and a dot-atom or `[literal]` right part.
 */

import { randomHex } from './boundary.ts';
import { InvalidHeaderError } from './errors.ts';

// RFC 5322 atext, and dtext for the no-fold-literal of id-right.
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const DOT_ATOM = `${ATOM}(?:\\.${ATOM})*`;
const LITERAL = '\\[[\\x21-\\x5a\\x5e-\\x7e]*\\]';
const MSG_ID = new RegExp(`^<?(${DOT_ATOM})@(${DOT_ATOM}|${LITERAL})>?$`);
const CONTENT_ID = new RegExp(`^<?(${DOT_ATOM}(?:@(?:${DOT_ATOM}|${LITERAL}))?)>?$`);

/**
 * A fresh Message-ID `<random@domain>`; `domain` must already be in A-labels (ASCII).
 *
 * @example
 * createMessageId('example.com'); // '<9c1f...e2@example.com>' (random)
 */
export function createMessageId(domain: string): string {
  return `<${randomHex(16)}@${domain}>`;
}

/**
 * Validates a Message-ID given by the caller and returns it with its angle brackets.
 *
 * @throws InvalidHeaderError `SMTP_MIME_INVALID_HEADER_VALUE` unless it is `[<]left@right[>]`
 *   with brackets either both present or both absent.
 */
export function normalizeMessageId(id: string): string {
  const match = MSG_ID.exec(id);
  if (match === null || id.startsWith('<') !== id.endsWith('>')) {
    throw new InvalidHeaderError(
      'SMTP_MIME_INVALID_HEADER_VALUE',
      `Not a message id (RFC 5322 section 3.6.4 msg-id, "<left@right>"): ${JSON.stringify(id)}`,
    );
  }
  return `<${match[1]}@${match[2]}>`;
}

/**
 * Validates a list of Message-IDs (In-Reply-To, References): an array, or one string of ids
 * separated by white space. Returns them with brackets.
 */
export function normalizeMessageIdList(ids: string | readonly string[]): string[] {
  const list = typeof ids === 'string' ? ids.split(/[ \t]+/).filter((id) => id !== '') : ids;
  return list.map((id) => {
    if (typeof id !== 'string') {
      throw new InvalidHeaderError(
        'SMTP_MIME_INVALID_HEADER_VALUE',
        'A message id must be a string',
      );
    }
    return normalizeMessageId(id);
  });
}

/**
 * Validates a Content-ID and returns it without brackets (as `cid:` URLs use it, RFC 2392).
 * The `@right` part is optional, as real mail uses it.
 *
 * @throws InvalidHeaderError `SMTP_MIME_INVALID_PARAMETER`.
 */
export function normalizeContentId(id: string): string {
  const match = CONTENT_ID.exec(id);
  if (match === null || id.startsWith('<') !== id.endsWith('>')) {
    throw new InvalidHeaderError(
      'SMTP_MIME_INVALID_PARAMETER',
      `Not a content id (RFC 2045 section 7, "<id@domain>" or "id"): ${JSON.stringify(id)}`,
    );
  }
  return match[1] as string;
}
