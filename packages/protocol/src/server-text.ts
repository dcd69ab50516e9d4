/**
 * Server text made safe to show: the one sanitiser every layer uses before text that came from
 * a server (reply lines, EHLO keywords, SASL error challenges, certificate names) goes into an
 * error message, a log line or an event.
 *
 * Why: a server may be hostile or broken, and its text is read by people and by log tooling.
 * Put raw into a terminal, an ESC sequence (`\x1b[2J`, or the 8-bit CSI `\x9b`) can clear or
 * rewrite the screen; a CR or LF (or U+2028/U+2029, which some viewers break on) can forge
 * whole extra log lines (`...\r\n250 OK`); and a bidi override or isolate can make text read
 * differently from what it is (Trojan Source, CVE-2021-42574). docs/security.md INV-10: "server text
 * is sanitised (control and escape characters) before it is logged or put in an error message".
 *
 * So every such character becomes a visible escape (`\x1b`, `\x0a`, `\u{202e}`): nothing is
 * dropped silently, the text stays on one printable line, and the escapes show what the server
 * really sent. Printable non-ASCII (accented letters, CJK, emoji) is kept as it is. A length cap
 * keeps one reply from flooding a log through an error message.
 *
 * Contract: pure and synchronous, strings only; no `node:` imports. Clean text within the cap
 * (the common case) is returned as the same string, without copying.
 */

/** How many characters of server text {@link sanitizeServerText} keeps by default. */
export const MAX_SERVER_TEXT_LENGTH = 500;

/** What a cut text ends with. */
const ELLIPSIS = '…';

/**
 * True for a code point that must not reach a log or a message raw: C0 controls (TAB, CR, LF
 * and ESC included), DEL, C1 controls (8-bit CSI and friends), the bidi marks, embeddings,
 * overrides and isolates (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), and the
 * Unicode line and paragraph separators (U+2028, U+2029).
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
 * characters over `maxLength` (the last escape plus the ellipsis). The output is not meant to
 * be parsed back: a backslash the server sent is kept as it is.
 *
 * @param text Text that came from a server, in any state.
 * @param maxLength Characters to keep; `Infinity` keeps everything. Default
 *   {@link MAX_SERVER_TEXT_LENGTH} (500).
 * @example
 * ```ts
 * sanitizeServerText('550 \u001b[31mno\u001b[0m'); // '550 \\x1b[31mno\\x1b[0m'
 * sanitizeServerText('x'.repeat(600), 10); // 'xxxxxxxxxx…'
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
