/**
 * Punycode (RFC 3492): how IDNA writes the Unicode part of a domain label in letters, digits and
 * hyphens (`bücher` is `bcher-kva`, the A-label `xn--bcher-kva`). Internal to the package.
 *
 * Contract: {@link decodePunycode} and {@link encodePunycode} are inverses on Unicode strings,
 * throw nothing but {@link PunycodeError}, are pure and use no `node:` module or runtime IDNA.
 * Both take time quadratic in the length of their input, as RFC 3492's algorithm does: callers
 * hand them single DNS labels, which are at most 63 octets.
 *
 * The decoder is strict where RFC 3492 leaves a choice: a code point that is not a Unicode scalar
 * value (a surrogate, or above U+10FFFF) fails, as does a number past `Number.MAX_SAFE_INTEGER`,
 * beyond which arithmetic stops being exact. So nothing wraps around, and the encoding is
 * one-to-one up to the case of its letters: a string that decodes is the only spelling of what
 * it decodes to, and whoever checks an A-label need not re-encode it to look for another (the
 * property tests check this).
 *
 * The package itself only decodes: A-labels are written by the runtime's IDNA conversion. The
 * encoder is the inverse the property tests hold the decoder to, kept beside it so that the two
 * are read and changed together.
 *
 * `@smtp/url` and `@smtp/mime` each keep a copy of this file, word for word: both are leaves and
 * may not import another `@smtp` package (docs/architecture.md), as `@smtp/dkim` repeats the few
 * lines of `@smtp/protocol` that make line ends canonical. A test compares the two copies.
 */

/** Codes of {@link PunycodeError}. */
export type PunycodeErrorCode =
  /**
   * Not Punycode: a non-ASCII character before the last `-`, a character after it that is not a
   * letter or a digit, or the text ends inside a number.
   */
  | 'PUNYCODE_INVALID_INPUT'
  /** A number in the text is too large to be exact (past `Number.MAX_SAFE_INTEGER`). */
  | 'PUNYCODE_OVERFLOW'
  /** A code point that is not a Unicode scalar value: a surrogate, or one above U+10FFFF. */
  | 'PUNYCODE_INVALID_CODE_POINT';

/**
 * Text that is not Punycode, or a string that cannot be encoded. Internal: callers turn it into
 * their own package's error and keep it as the `cause`. Its message never quotes the input.
 */
export class PunycodeError extends Error {
  override readonly name = 'PunycodeError' as const;
  readonly code: PunycodeErrorCode;

  constructor(code: PunycodeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

// The parameters RFC 3492 section 5 fixes for IDNA.
const BASE = 36;
const T_MIN = 1;
const T_MAX = 26;
const SKEW = 38;
const DAMP = 700;
const INITIAL_BIAS = 72;
const INITIAL_N = 0x80;
const DELIMITER = '-';
const MAX_CODE_POINT = 0x10ffff;

/**
 * Decodes Punycode (the part of an A-label after `xn--`) into the Unicode string it encodes.
 * Letters are read in either case; the ASCII characters before the last `-` are copied as they
 * are.
 *
 * @throws PunycodeError when `input` is not Punycode, and for nothing else.
 */
export function decodePunycode(input: string): string {
  const delimiter = input.lastIndexOf(DELIMITER);
  const output: number[] = [];
  for (let index = 0; index < delimiter; index++) {
    const unit = input.charCodeAt(index);
    if (unit >= INITIAL_N) {
      throw new PunycodeError(
        'PUNYCODE_INVALID_INPUT',
        'A character before the last "-" is not ASCII.',
      );
    }
    output.push(unit);
  }
  // RFC 3492 section 6.2: the delimiter is consumed only when something came before it, so a
  // leading "-" is read as a digit (and refused).
  let index = delimiter > 0 ? delimiter + 1 : 0;
  let n = INITIAL_N;
  let i = 0;
  let bias = INITIAL_BIAS;
  while (index < input.length) {
    const before = i;
    let weight = 1;
    for (let k = BASE; ; k += BASE) {
      if (index === input.length) {
        throw new PunycodeError('PUNYCODE_INVALID_INPUT', 'The text ends inside a number.');
      }
      const digit = digitValue(input.charCodeAt(index++));
      if (digit === -1) {
        throw new PunycodeError(
          'PUNYCODE_INVALID_INPUT',
          'A character where a digit belongs is not a letter or a digit.',
        );
      }
      if (digit > Math.floor((Number.MAX_SAFE_INTEGER - i) / weight)) {
        throw new PunycodeError('PUNYCODE_OVERFLOW', 'A number is too large.');
      }
      i += digit * weight;
      const t = threshold(k, bias);
      if (digit < t) break;
      // No overflow check: once the weight passes the maximum, the next digit above zero fails
      // the check above and a zero digit ends the number, so an inexact weight is never used.
      weight *= BASE - t;
    }
    const length = output.length + 1;
    bias = adapt(i - before, length, before === 0);
    // `i` is exact, so `n` is either exact or far above MAX_CODE_POINT and refused below.
    n += Math.floor(i / length);
    i %= length;
    if (n > MAX_CODE_POINT || isSurrogate(n)) {
      throw new PunycodeError(
        'PUNYCODE_INVALID_CODE_POINT',
        'The text decodes to a code point that is not a Unicode scalar value.',
      );
    }
    output.splice(i, 0, n);
    i++;
  }
  return output.map((codePoint) => String.fromCodePoint(codePoint)).join('');
}

/**
 * Encodes a Unicode string as Punycode, digits in lower case; the ASCII characters keep their
 * case. An all-ASCII string comes back with a `-` after it, as RFC 3492 writes it.
 *
 * @throws PunycodeError `PUNYCODE_INVALID_CODE_POINT` for a lone surrogate, and for nothing
 * else. No count can overflow: each stays below U+10FFFF times the length of the string plus
 * one, and it would take a string of 2^33 code units to pass `Number.MAX_SAFE_INTEGER` that
 * way (V8 holds none longer than 2^30).
 */
export function encodePunycode(input: string): string {
  const codePoints: number[] = [];
  for (let index = 0; index < input.length; ) {
    // `index` is inside the string, so there is a code point at it.
    const codePoint = input.codePointAt(index) as number;
    if (isSurrogate(codePoint)) {
      throw new PunycodeError(
        'PUNYCODE_INVALID_CODE_POINT',
        'The text holds a lone surrogate, which is not a Unicode scalar value.',
      );
    }
    codePoints.push(codePoint);
    index += codePoint > 0xffff ? 2 : 1;
  }
  let output = '';
  for (const codePoint of codePoints) {
    if (codePoint < INITIAL_N) output += String.fromCharCode(codePoint);
  }
  const basic = output.length;
  if (basic > 0) output += DELIMITER;
  let handled = basic;
  let n = INITIAL_N;
  let delta = 0;
  let bias = INITIAL_BIAS;
  while (handled < codePoints.length) {
    // The smallest code point not yet handled: there is one, as not all are handled.
    let next = Number.POSITIVE_INFINITY;
    for (const codePoint of codePoints) {
      if (codePoint >= n && codePoint < next) next = codePoint;
    }
    delta += (next - n) * (handled + 1);
    n = next;
    for (const codePoint of codePoints) {
      if (codePoint < n) delta++;
      if (codePoint === n) {
        let q = delta;
        for (let k = BASE; ; k += BASE) {
          const t = threshold(k, bias);
          if (q < t) break;
          output += digitCharacter(t + ((q - t) % (BASE - t)));
          q = Math.floor((q - t) / (BASE - t));
        }
        output += digitCharacter(q);
        bias = adapt(delta, handled + 1, handled === basic);
        delta = 0;
        handled++;
      }
    }
    delta++;
    n++;
  }
  return output;
}

/** RFC 3492 section 5: the threshold of the digit at position `k` under `bias`. */
function threshold(k: number, bias: number): number {
  if (k <= bias) return T_MIN;
  if (k >= bias + T_MAX) return T_MAX;
  return k - bias;
}

/** RFC 3492 section 6.1: the bias after a code point, from the delta that placed it. */
function adapt(delta: number, length: number, first: boolean): number {
  let scaled = first ? Math.floor(delta / DAMP) : Math.floor(delta / 2);
  scaled += Math.floor(scaled / length);
  let k = 0;
  while (scaled > ((BASE - T_MIN) * T_MAX) / 2) {
    scaled = Math.floor(scaled / (BASE - T_MIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - T_MIN + 1) * scaled) / (scaled + SKEW));
}

/** A letter (either case) is 0-25, a digit 26-35; anything else is -1. */
function digitValue(unit: number): number {
  if (unit >= 0x30 && unit <= 0x39) return unit - 0x30 + 26;
  if (unit >= 0x41 && unit <= 0x5a) return unit - 0x41;
  if (unit >= 0x61 && unit <= 0x7a) return unit - 0x61;
  return -1;
}

/** The digit for 0-35: `a`-`z`, then `0`-`9`. */
function digitCharacter(digit: number): string {
  return String.fromCharCode(digit < 26 ? 0x61 + digit : 0x30 + digit - 26);
}

function isSurrogate(codePoint: number): boolean {
  return codePoint >= 0xd800 && codePoint <= 0xdfff;
}
