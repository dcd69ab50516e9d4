/**
 * MIME header parameters (`; name=value`) for Content-Type and Content-Disposition: RFC 2045
 * section 5.1 tokens and quoted-strings, RFC 2231 extended values and continuations, and the
 * RFC 2047 `filename=` fallback old readers still need.
 *
 * Contract: pure functions on strings, no `node:` imports. Parameter names are checked against
 * the RFC 2045 `token` grammar (without `*`, `'` and `%`, which RFC 2231 gives a meaning);
 * values holding CR, LF, NUL, another C0 control but HTAB, DEL or a C1 control are refused; both
 * with `InvalidHeaderError` `SMTP_MIME_INVALID_PARAMETER` (INV-7).
 *
 * What {@link formatParameter} writes, the first form that applies:
 * 1. `name=value` when the value is a non-empty RFC 2045 token;
 * 2. `name="value"` (with `"` and `\` escaped) for other printable ASCII without `=?`;
 * 3. `name*=utf-8''%XX...` (RFC 2231 section 4) for anything else (non-ASCII, a tab, an
 *    encoded-word look-alike that readers would otherwise decode), octets
 *    outside `attribute-char` percent-encoded;
 * and when the result would be longer than 76 characters (so that, folded after `; ` on a line
 * of its own, the line stays within 78), form 2 becomes quoted continuations `name*0="..."`,
 * `name*1="..."` and form 3 becomes `name*0*=utf-8''...`, `name*1*=...` (RFC 2231 section 3).
 * Continuations are cut between characters, never inside a `%XX`, an escape or a UTF-8 sequence
 * (RFC 2231 would allow the last, but some readers decode each section on its own). Each
 * section carries at least one character, so a parameter name longer than about 60 characters
 * gives lines over 78 (still far below 998).
 *
 * {@link formatContentHeaderValue} joins the value and its parameters with `; `. With
 * `legacyName` (the default), a `filename` or `name` parameter that needed form 3 or
 * continuations is written twice, the fallback first:
 * - `filename="=?UTF-8?Q?...?= =?UTF-8?Q?...?="`: RFC 2047 encoded words (restricted alphabet)
 *   inside a quoted-string, which RFC 2047 section 5 forbids but which Outlook, Gmail, Apple
 *   Mail, Thunderbird and Nodemailer write and read; for a long ASCII value it is simply the
 *   whole value quoted;
 * - then the RFC 2231 form, which readers that know it prefer (RFC 6266 section 4.3).
 * The caller names the parameters: the message model writes `name` on Content-Type and
 * `filename` on Content-Disposition for an attachment.
 */

import { encodeWordsForQuotedString } from './encoded-word.ts';
import { InvalidHeaderError } from './errors.ts';
import { findInvalidHeaderValueChar, quoteForMessage } from './header-validation.ts';

// Longest parameter segment: ` segment;` on a folded line of its own is then 78 characters.
const MAX_SEGMENT = 76;
// Encoded words of the fallback are at most MAX_SEGMENT - name - 4 octets, so that the first one
// (after `name="`) and the last (before `";`) fit on a folded line of 78 characters too.
// A legacy fallback longer than this is left out: it could not be folded within 998 octets.
const MAX_LEGACY = 900;

const TSPECIALS = '()<>@,;:\\"/[]?=';

function charTable(exclude: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let c = 33; c <= 126; c++) {
    if (!exclude.includes(String.fromCharCode(c))) table[c] = 1;
  }
  return table;
}
const TOKEN = charTable(TSPECIALS);
// RFC 2231 attribute-char: token characters except `*`, `'` and `%`.
const ATTRIBUTE = charTable(`${TSPECIALS}*'%`);

function isIn(table: Uint8Array, text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || table[c] !== 1) return false;
  }
  return true;
}

/**
 * Formats one MIME parameter as the `name=value` segments to join with `; ` (one segment, or
 * several RFC 2231 continuations). See the module docs for the forms and when each is used.
 *
 * @throws InvalidHeaderError `SMTP_MIME_INVALID_PARAMETER` for a name outside the token grammar
 *   or a value with CR, LF, NUL or another control.
 * @example
 * formatParameter('charset', 'utf-8'); // ['charset=utf-8']
 * formatParameter('filename', 'résumé.pdf'); // ["filename*=utf-8''r%C3%A9sum%C3%A9.pdf"]
 */
export function formatParameter(name: string, value: string): string[] {
  if (!isIn(ATTRIBUTE, name)) {
    throw new InvalidHeaderError(
      'SMTP_MIME_INVALID_PARAMETER',
      `Invalid MIME parameter name ${quoteForMessage(name, 0)}: it must be an RFC 2045 token without "*", "'" or "%"`,
    );
  }
  const bad = findInvalidHeaderValueChar(value);
  if (bad !== -1) {
    throw new InvalidHeaderError(
      'SMTP_MIME_INVALID_PARAMETER',
      `The MIME parameter ${name} has a control character at index ${bad} in ${quoteForMessage(value, bad)}; CR, LF, NUL, other controls and DEL are refused`,
    );
  }
  if (isIn(TOKEN, value) && name.length + 1 + value.length <= MAX_SEGMENT) {
    return [`${name}=${value}`];
  }
  // A quoted value holding `=?` is decoded as RFC 2047 words by common readers (mailparser,
  // postal-mime, Outlook), so such a value takes the RFC 2231 form to reach them unchanged.
  if (/^[\x20-\x7e]*$/.test(value) && !value.includes('=?')) {
    const quoted = quote(value);
    if (name.length + 1 + quoted.length <= MAX_SEGMENT) return [`${name}=${quoted}`];
    const pieces = Array.from(value, (ch) => (ch === '"' || ch === '\\' ? `\\${ch}` : ch));
    return continuations(pieces, (n) => `${name}*${n}="`, '"', 0);
  }
  const pieces = Array.from(value, percentEncode);
  const single = `${name}*=utf-8''${pieces.join('')}`;
  if (single.length <= MAX_SEGMENT) return [single];
  return continuations(pieces, (n) => `${name}*${n}*=${n === 0 ? "utf-8''" : ''}`, '', 0);
}

/** Packs `pieces` into sections `prefix(n) + pieces + suffix` of at most MAX_SEGMENT. */
function continuations(
  pieces: readonly string[],
  prefix: (n: number) => string,
  suffix: string,
  first: number,
): string[] {
  const segments: string[] = [];
  let n = first;
  let current = prefix(n);
  let empty = true;
  for (const piece of pieces) {
    if (!empty && current.length + piece.length + suffix.length > MAX_SEGMENT) {
      segments.push(current + suffix);
      n++;
      current = prefix(n);
    }
    current += piece;
    empty = false;
  }
  segments.push(current + suffix);
  return segments;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

const encoder = new TextEncoder();

/** One character in the RFC 2231 extended-value form: itself, or its UTF-8 octets as %XX. */
function percentEncode(ch: string): string {
  const c = ch.charCodeAt(0);
  if (ch.length === 1 && c < 128 && ATTRIBUTE[c] === 1) return ch;
  let out = '';
  for (const b of encoder.encode(ch)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** Options of {@link formatContentHeaderValue}. */
export interface ContentHeaderValueOptions {
  /**
   * Also write the RFC 2047 fallback of a `filename` or `name` parameter that needed RFC 2231
   * encoding (see the module docs). Default `true`.
   */
  readonly legacyName?: boolean;
}

/**
 * Formats the value of a Content-Type or Content-Disposition header: `value` (a token such as
 * `attachment`, or `type/subtype`) followed by its parameters in the order given, joined with
 * `; `, ready for `foldHeader`.
 *
 * @throws InvalidHeaderError `SMTP_MIME_INVALID_PARAMETER` for a value that is not a token or
 *   `type/subtype`, or a bad parameter (see {@link formatParameter}).
 * @example
 * formatContentHeaderValue('text/plain', { charset: 'utf-8' }); // 'text/plain; charset=utf-8'
 * formatContentHeaderValue('attachment', { filename: 'ü.txt' });
 * // 'attachment; filename="=?UTF-8?Q?=C3=BC=2Etxt?="; filename*=utf-8\'\'%C3%BC.txt'
 */
export function formatContentHeaderValue(
  value: string,
  params: Readonly<Record<string, string>>,
  options?: ContentHeaderValueOptions,
): string {
  const slash = value.indexOf('/');
  const valid =
    slash === -1
      ? isIn(TOKEN, value)
      : isIn(TOKEN, value.slice(0, slash)) && isIn(TOKEN, value.slice(slash + 1));
  if (!valid) {
    throw new InvalidHeaderError(
      'SMTP_MIME_INVALID_PARAMETER',
      `Invalid MIME value ${quoteForMessage(value, 0)}: expected a token or type/subtype (RFC 2045 section 5.1)`,
    );
  }
  const segments = [value];
  for (const [name, param] of Object.entries(params)) {
    const formatted = formatParameter(name, param);
    const lower = name.toLowerCase();
    const plain = formatted.length === 1 && !(formatted[0] as string).startsWith(`${name}*`);
    if (options?.legacyName !== false && (lower === 'filename' || lower === 'name') && !plain) {
      // Readers decode encoded words in a quoted `name=`, so a look-alike is encoded too.
      const legacy =
        /^[\x20-\x7e]*$/.test(param) && !param.includes('=?')
          ? quote(param)
          : `"${encodeWordsForQuotedString(param, Math.max(24, MAX_SEGMENT - name.length - 4)).join(' ')}"`;
      if (legacy.length <= MAX_LEGACY) segments.push(`${name}=${legacy}`);
    }
    segments.push(...formatted);
  }
  return segments.join('; ');
}
