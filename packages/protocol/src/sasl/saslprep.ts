/**
 * SASLprep (RFC 4013), the stringprep profile (RFC 3454) SCRAM applies to user names and
 * passwords before using them (RFC 5802 section 2.2), so that a password typed with a different
 * but equivalent sequence of code points (a no-break space, a full-width letter, a composed
 * accent) still produces the proof the server expects.
 *
 * Contract: pure and synchronous; `saslprep(text)` returns the prepared string, or `undefined`
 * when RFC 4013 says the string must be refused. Steps, in the RFC's order:
 * 1. Map (section 2.1): non-ASCII spaces (table C.1.2) to U+0020, "commonly mapped to nothing"
 *    characters (B.1) removed. U+200B is in both tables; the space mapping is applied first, as
 *    GNU libidn's SASLprep profile does, so it becomes a space.
 * 2. Normalise (section 2.2): Unicode NFKC via `String.prototype.normalize`. The engine's Unicode
 *    version is newer than the 3.2 that RFC 3454 fixes; the two differ only for characters
 *    assigned since, which no password stored by a 3.2-era server can contain anyway.
 * 3. Prohibit (section 2.3): tables C.1.2, C.2.1, C.2.2, C.3, C.4, C.5 (lone surrogates, which a
 *    JavaScript string can hold), C.6, C.7, C.8, C.9.
 * 4. Bidi (section 2.4, RFC 3454 section 6): a string with any RandALCat character (D.1) must not
 *    contain an LCat character (D.2) and must begin and end with a RandALCat character.
 * Unassigned code points (table A.1) are allowed: SCRAM prepares strings as "queries"
 * (RFC 5802 section 2.2, RFC 4013 section 2.5).
 */
import {
  L_CAT,
  MAPPED_TO_NOTHING,
  NON_ASCII_SPACE,
  PROHIBITED,
  RAND_AL_CAT,
} from './stringprep-tables.ts';

/** True when `code` is in one of the inclusive `[start, end]` ranges of `table` (binary search). */
export function inRanges(table: readonly number[], code: number): boolean {
  let low = 0;
  let high = table.length / 2 - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (code < (table[middle * 2] as number)) high = middle - 1;
    else if (code > (table[middle * 2 + 1] as number)) low = middle + 1;
    else return true;
  }
  return false;
}

/**
 * The SASLprep form of `text` (RFC 4013, as a query string), or `undefined` when the string holds
 * a prohibited character or breaks the bidi rule.
 *
 * @example
 * ```ts
 * saslprep('I\u00adX'); // 'IX'
 * saslprep('\u2168'); // 'IX'
 * saslprep('\u0007'); // undefined
 * ```
 */
export function saslprep(text: string): string | undefined {
  let mapped = '';
  for (const character of text) {
    const code = character.codePointAt(0) as number;
    if (inRanges(NON_ASCII_SPACE, code)) mapped += ' ';
    else if (!inRanges(MAPPED_TO_NOTHING, code)) mapped += character;
  }
  const normalized = mapped.normalize('NFKC');
  const codes = Array.from(normalized, (character) => character.codePointAt(0) as number);
  if (codes.some((code) => inRanges(PROHIBITED, code))) return undefined;
  if (codes.some((code) => inRanges(RAND_AL_CAT, code))) {
    if (codes.some((code) => inRanges(L_CAT, code))) return undefined;
    const first = codes[0] as number;
    const last = codes[codes.length - 1] as number;
    if (!inRanges(RAND_AL_CAT, first) || !inRanges(RAND_AL_CAT, last)) return undefined;
  }
  return normalized;
}
