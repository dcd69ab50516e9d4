/**
 * Server replies as the client reports them: sanitised {@link ReplyInfo} values for errors and
 * results, and one-line descriptions for error messages.
 *
 * Why sanitise: a reply's text comes from the server, which may be hostile or broken. Put raw
 * into a log line or an error message, an ESC sequence can rewrite a terminal, a CR or LF can
 * forge extra log lines, and a bidi override can make text read differently from what it is
 * (SECURITY.md INV-10: "server text is sanitised before it is logged or put in an error
 * message"). So every such character becomes a visible escape (`\x1b`, `\u{202e}`): nothing is
 * dropped silently, and the text stays one printable line.
 */
import type { Reply } from '@smtp/protocol';
import type { ReplyInfo, SmtpCommandName } from './errors.ts';

/**
 * What {@link toReplyInfo} needs of the secrets registry (`createSecrets()` in redact.ts, which
 * itself uses {@link sanitizeServerText}: naming only this shape keeps the two modules acyclic).
 */
export interface Scrubber {
  scrub(text: string): string;
}

/** How many characters of server text {@link sanitizeServerText} keeps by default. */
export const MAX_SERVER_TEXT_LENGTH = 500;

/** What a truncated text ends with. */
const ELLIPSIS = '…';

/**
 * True for a code point that must not reach a log or a message raw: C0 controls (TAB, CR, LF
 * and ESC included), DEL, C1 controls (8-bit CSI and friends), the bidi marks, embeddings,
 * overrides and isolates (Trojan Source, CVE-2021-42574), and the Unicode line and paragraph
 * separators, which some viewers treat as line breaks.
 */
function isUnsafe(codePoint: number): boolean {
  return (
    codePoint < 0x20 ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    codePoint === 0x061c ||
    codePoint === 0x200e ||
    codePoint === 0x200f ||
    (codePoint >= 0x2028 && codePoint <= 0x202e) ||
    (codePoint >= 0x2066 && codePoint <= 0x2069)
  );
}

/**
 * The same set as {@link isUnsafe}, plus lone surrogates (in `u` mode a surrogate range matches
 * only unpaired halves), for the fast path.
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/u;

/** The visible escape of an unsafe code point: `\x1b` below 0x100, `\u{202e}` above. */
function escapeCodePoint(codePoint: number): string {
  const hex = codePoint.toString(16);
  return codePoint < 0x100 ? `\\x${hex.padStart(2, '0')}` : `\\u{${hex}}`;
}

/**
 * Makes server text safe to log or to put in an error message: every control, escape, DEL, C1,
 * bidi-control and line-separator character becomes a visible escape (`\x1b`, `\x0a`,
 * `\u{202e}`), and text longer than `maxLength` characters is cut there with `…` appended.
 * Lone surrogates become `\u{d800}`-style escapes too, so the result is always well-formed.
 *
 * The cut never splits an escape or a surrogate pair; it may leave the result up to 10
 * characters over `maxLength` (the last escape plus the ellipsis).
 *
 * @param maxLength Characters to keep; `Infinity` keeps everything. Default 500.
 * @example
 * ```ts
 * sanitizeServerText('550 \u001b[31mno\u001b[0m'); // '550 \\x1b[31mno\\x1b[0m'
 * ```
 */
export function sanitizeServerText(text: string, maxLength = MAX_SERVER_TEXT_LENGTH): string {
  // Most text is clean and short: return it without copying.
  if (text.length <= maxLength && !UNSAFE.test(text)) return text;
  let out = '';
  for (const char of text) {
    if (out.length >= maxLength) return out + ELLIPSIS;
    // `for...of` yields whole code points, so a lone surrogate arrives alone.
    const codePoint = char.codePointAt(0) as number;
    const lone = codePoint >= 0xd800 && codePoint <= 0xdfff;
    out += isUnsafe(codePoint) || lone ? escapeCodePoint(codePoint) : char;
  }
  return out;
}

/**
 * Turns a parsed reply into the {@link ReplyInfo} that errors and results carry: every line
 * sanitised, `text` the human part of the reply (enhanced status code removed, as
 * `Reply.text` defines it) on one line, its lines joined with a space. The result is frozen.
 *
 * With `secrets`, every line and the text are also scrubbed of registered secrets, for a server
 * that echoes a credential back (`535 bad password hunter2`): errors and results then never
 * carry one (INV-10).
 *
 * Lines are not truncated here: the reply parser already bounds them (INV-8), and results may
 * need the whole text (a queue id at the end of a long line). Messages use
 * {@link describeReply}, which does cut.
 *
 * @example
 * ```ts
 * toReplyInfo({ code: 550, enhanced, lines: ['5.1.1 <x@y>: no such user'], text: '<x@y>: no such user' }, 'RCPT');
 * // { code: 550, enhanced, lines: ['5.1.1 <x@y>: no such user'], text: '<x@y>: no such user', command: 'RCPT' }
 * ```
 */
export function toReplyInfo(reply: Reply, command: SmtpCommandName, secrets?: Scrubber): ReplyInfo {
  // Sanitise, then scrub: the registry knows each secret's sanitised form too (see logging.ts).
  const clean = (line: string): string => {
    const safe = sanitizeServerText(line, Infinity);
    return secrets === undefined ? safe : secrets.scrub(safe);
  };
  const lines = Object.freeze(reply.lines.map(clean));
  const text = reply.text.split('\n').map(clean).join(' ');
  const info: ReplyInfo =
    reply.enhanced === undefined
      ? { code: reply.code, lines, text, command }
      : { code: reply.code, enhanced: reply.enhanced, lines, text, command };
  return Object.freeze(info);
}

/** How a command is named in a description: the end of DATA is not a command of its own. */
function commandLabel(command: SmtpCommandName): string {
  return command === 'message' ? 'end of data' : command;
}

/**
 * A one-line description of a reply for an error message or a log line:
 * `550 5.1.1 <x@y>: no such user (RCPT)`. The text is cut at `maxLength` characters (default
 * 500) and re-sanitised, so a hand-built `ReplyInfo` is safe too.
 */
export function describeReply(info: ReplyInfo, maxLength = MAX_SERVER_TEXT_LENGTH): string {
  const parts = [String(info.code)];
  if (info.enhanced !== undefined) parts.push(info.enhanced.code);
  const text = sanitizeServerText(info.text, maxLength);
  if (text !== '') parts.push(text);
  parts.push(`(${commandLabel(info.command)})`);
  return parts.join(' ');
}
