/**
 * SMTP replies as values, and RFC 3463 enhanced status codes.
 *
 * Contract: pure and synchronous; no I/O, no timers, no `node:` imports. This module only
 * describes and builds reply values; turning bytes into replies (framing, bounds, byte-level
 * errors) is `reply-parser.ts`'s job, and deciding what a negative reply means for a send is the
 * client's.
 *
 * What a {@link Reply} holds:
 * - `code`, the three-digit reply code (RFC 5321 section 4.2), always 200 to 599 when the reply
 *   came from the parser;
 * - `lines`, the text of every line exactly as the server sent it after `NNN-` / `NNN ` (UTF-8
 *   decoded, enhanced status code still in place), so nothing is lost for logs and for EHLO;
 * - `enhanced`, the RFC 3463 status code when the first line starts with one whose class matches
 *   the reply code's first digit (`250 2.1.0 Ok`, not `250 5.1.1 Ok`);
 * - `text`, the human-readable part: the lines joined with `"\n"`, with the enhanced status code
 *   removed from the start of every line that repeats it (RFC 2034 section 4 asks servers to put
 *   the same code at the start of each line of a multi-line reply, and Gmail does).
 *
 * Why enhanced codes are recognised without knowing the EHLO reply: the parser never sees the
 * capabilities, and RFC 2034 section 4 lets a server attach codes "regardless of whether or not
 * EHLO is employed". So a first line is read as carrying an enhanced code only when it matches
 * the grammar exactly (RFC 3463 section 2: `class "." subject "." detail`, class 2, 4 or 5,
 * subject and detail 1 to 3 digits without leading zeros) and is followed by a space or ends
 * the line, and when the class agrees with the reply code. A near miss (`5.01.1`, `2.0`,
 * `2.0.0.1`, a class that disagrees) stays ordinary text.
 */

/** The class digit of an enhanced status code: success, transient or permanent failure. */
export type EnhancedStatusClass = 2 | 4 | 5;

/**
 * An RFC 3463 enhanced mail system status code, such as `5.1.1` (bad destination mailbox).
 *
 * `code` is the dotted form. Because RFC 3463 forbids leading zeros, it is both the canonical
 * form and exactly what the server wrote, so it can be compared as a string.
 */
export interface EnhancedStatusCode {
  /** 2 (success), 4 (persistent transient failure) or 5 (permanent failure). */
  readonly class: EnhancedStatusClass;
  /** 0 to 999: what the status is about (1 addressing, 2 mailbox, 7 security...). */
  readonly subject: number;
  /** 0 to 999: the precise condition within the subject. */
  readonly detail: number;
  /** The dotted form, `"5.1.1"`. */
  readonly code: `${EnhancedStatusClass}.${number}.${number}`;
}

/**
 * One complete SMTP reply (RFC 5321 section 4.2): a single line, or every line of a multi-line
 * reply.
 *
 * @example
 * ```ts
 * // From "550-5.1.1 The email account does not exist.\r\n550 5.1.1 Try again. - gsmtp\r\n":
 * const reply: Reply = {
 *   code: 550,
 *   enhanced: { class: 5, subject: 1, detail: 1, code: '5.1.1' },
 *   lines: ['5.1.1 The email account does not exist.', '5.1.1 Try again. - gsmtp'],
 *   text: 'The email account does not exist.\nTry again. - gsmtp',
 * };
 * ```
 */
export interface Reply {
  /** The reply code, 200 to 599. */
  readonly code: number;
  /** The enhanced status code of the first line, when it has one that matches `code`. */
  readonly enhanced?: EnhancedStatusCode;
  /** The text after `NNN-` or `NNN ` on each line, as sent (empty for a bare `NNN`). */
  readonly lines: readonly string[];
  /** The lines joined with `"\n"`, without the enhanced status code at their start. */
  readonly text: string;
}

/** The class of a reply code (RFC 5321 section 4.2.1): its first digit. */
export type ReplyClass = 2 | 3 | 4 | 5;

/**
 * The class of a reply: 2 positive completion, 3 positive intermediate (go on: DATA, AUTH),
 * 4 transient negative (try again later), 5 permanent negative.
 *
 * @example
 * ```ts
 * if (replyClass(reply) === 4) scheduleRetry();
 * ```
 */
export function replyClass(reply: Pick<Reply, 'code'>): ReplyClass {
  // A hand-built reply could carry any number; clamp so the declared return type holds.
  const digit = Math.trunc(reply.code / 100);
  return digit <= 2 ? 2 : digit >= 5 ? 5 : (digit as ReplyClass);
}

/** Character codes used by the enhanced-code scanner. */
const DOT = 0x2e;
const SPACE = 0x20;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Reads a 1-to-3-digit number without leading zeros at `start`, as RFC 3463 section 2 requires.
 * Returns the index just after it, or -1 when there is no such number.
 */
function scanSubCode(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (!(first >= ZERO && first <= NINE)) return -1;
  // "0" is a whole sub-code; "01" is not allowed.
  if (first === ZERO) return start + 1;
  let end = start + 1;
  while (end < start + 3) {
    const c = text.charCodeAt(end);
    if (!(c >= ZERO && c <= NINE)) break;
    end++;
  }
  return end;
}

/** The value of the decimal digits `text[start..end)`, read without allocating a substring. */
function digitsValue(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + (text.charCodeAt(i) - ZERO);
  return value;
}

/**
 * Parses an enhanced status code at the start of `text` (RFC 3463 section 2), which must be
 * followed by a space or end the text. With `replyCode`, the class must also equal the reply
 * code's first digit (RFC 3463 section 3: a `5.x.x` code never goes with a `250`).
 *
 * Returns `undefined` when `text` does not start with one; never throws.
 *
 * @example
 * ```ts
 * parseEnhancedStatusCode('5.7.1 Relaying denied', 550); // { class: 5, subject: 7, detail: 1, code: '5.7.1' }
 * parseEnhancedStatusCode('5.7.1 Relaying denied', 250); // undefined
 * parseEnhancedStatusCode('5.07.1 Relaying denied');     // undefined (leading zero)
 * ```
 */
export function parseEnhancedStatusCode(
  text: string,
  replyCode?: number,
): EnhancedStatusCode | undefined {
  const klass = text.charCodeAt(0) - ZERO;
  if (klass !== 2 && klass !== 4 && klass !== 5) return undefined;
  if (replyCode !== undefined && Math.trunc(replyCode / 100) !== klass) return undefined;
  if (text.charCodeAt(1) !== DOT) return undefined;
  const subjectEnd = scanSubCode(text, 2);
  if (subjectEnd === -1 || text.charCodeAt(subjectEnd) !== DOT) return undefined;
  const detailEnd = scanSubCode(text, subjectEnd + 1);
  if (detailEnd === -1) return undefined;
  // The code must stand alone: "2.0.0 Ok" and "2.0.0" qualify, "2.0.00" or "2.0.0.1" do not.
  if (detailEnd !== text.length && text.charCodeAt(detailEnd) !== SPACE) return undefined;
  return {
    class: klass,
    subject: digitsValue(text, 2, subjectEnd),
    detail: digitsValue(text, subjectEnd + 1, detailEnd),
    // Without leading zeros the text as written is already the canonical dotted form.
    code: text.slice(0, detailEnd) as EnhancedStatusCode['code'],
  };
}

/**
 * `line` without the enhanced status code `code` at its start (and the one space after it), or
 * `line` itself when it does not start with exactly that code.
 */
export function stripEnhancedStatusCode(line: string, code: string): string {
  if (!line.startsWith(code)) return line;
  if (line.length === code.length) return '';
  return line.charCodeAt(code.length) === SPACE ? line.slice(code.length + 1) : line;
}

/**
 * Builds a {@link Reply} from a code and the text of its lines, recognising an enhanced status
 * code on the first line and computing `text`. Used by the parser; `lines` is kept, not copied.
 *
 * The caller guarantees no line holds a CR or LF (the parser's framing does); an empty `lines`,
 * which only a hand-built reply can have, gives an empty `text`.
 */
export function createReply(code: number, lines: readonly string[]): Reply {
  const first = lines[0] ?? '';
  const enhanced = parseEnhancedStatusCode(first, code);
  if (enhanced === undefined) {
    // Single-line replies are the common case: no join, no new string.
    return { code, lines, text: lines.length === 1 ? first : lines.join('\n') };
  }
  let text = stripEnhancedStatusCode(first, enhanced.code);
  for (let i = 1; i < lines.length; i++) {
    text += `\n${stripEnhancedStatusCode(lines[i] as string, enhanced.code)}`;
  }
  return { code, enhanced, lines, text };
}
