/**
 * Percent-encoding for the parts of an SMTP URL that carry arbitrary text: the user name, the
 * password and a UNIX socket path (RFC 3986 section 2.1). Internal to the package.
 *
 * Decoding is strict: a `%` must be followed by two hex digits and the decoded bytes must be
 * UTF-8, because a lenient decoder would hand the client a different password from the one the
 * user wrote. Encoding escapes everything outside `unreserved` (RFC 3986 section 2.3), so the
 * output is valid in any URL component and `*` never appears in an encoded value, which keeps
 * the redaction marker `***` unambiguous.
 */

import { UrlError } from './errors.ts';

/**
 * Decodes `%XX` sequences as UTF-8; text that is already decoded (non-ASCII) passes through.
 *
 * @param part - what the text is, for the error message (the text itself is never quoted).
 */
export function percentDecode(text: string, part: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // decodeURIComponent's only failure is URIError, and its message adds nothing.
    throw new UrlError(
      'SMTP_URL_INVALID_PERCENT_ENCODING',
      `The ${part} has a "%" that is not followed by two hex digits, or percent-encoded bytes that are not UTF-8.`,
    );
  }
}

/**
 * Encodes every character outside RFC 3986 `unreserved` as `%XX` of its UTF-8 bytes.
 *
 * @param part - what the text is, for the error message (the text itself is never quoted).
 */
export function percentEncode(text: string, part: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(text);
  } catch {
    // encodeURIComponent's only failure is a lone surrogate, which has no UTF-8 form.
    throw new UrlError(
      'SMTP_URL_MALFORMED',
      `The ${part} contains a lone surrogate, which is not valid Unicode and cannot be encoded.`,
    );
  }
  // encodeURIComponent leaves these sub-delims as they are; escape them so that only
  // unreserved characters stay literal.
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
