/**
 * A-labels (RFC 5890 section 2.3.2.1): the ASCII form of an internationalised domain label,
 * `xn--` then the Punycode of the U-label. Internal to the package.
 *
 * Contract: {@link checkALabel} returns for a valid A-label and throws the caller's error for
 * any other label that starts with `xn--`. Pure but for the IDNA conversion the caller passes
 * in; it never hands an `xn--` label to that conversion, only the U-label decoded here.
 *
 * Why not let the runtime check A-labels, as it converts U-labels: the WHATWG URL parser of
 * Node 24 passes an all-ASCII host through without decoding its `xn--` labels, so
 * `xn--abc.example`, which Node 20 and 22 refuse, came back unchanged there. RFC 5891 section
 * 5.4 says what to do instead: decode the label, check the U-label, encode it again and compare.
 * Decoding is this package's own (`punycode.ts`), and so is the rule that a label must decode
 * and stand for something that is not plain ASCII. Checking the U-label (lower case, NFC, only
 * code points IDNA allows) needs the IDNA tables, which the package leaves to the runtime's
 * UTS #46 mapping as it does for every U-label; that conversion also encodes it again, and the
 * result must be the label. `xn--abc` decodes to three C1 controls, which IDNA refuses.
 *
 * `@smtp/url` and `@smtp/mime` each keep a copy of this file, word for word: both are leaves and
 * may not import another `@smtp` package (docs/architecture.md), as `@smtp/dkim` repeats the few
 * lines of `@smtp/protocol` that make line ends canonical. A test compares the two copies.
 */

import { decodePunycode } from './punycode.ts';

/** A label claims to be an A-label when it starts with `xn--`, in any case (RFC 5890 2.3.1). */
export const A_LABEL_PREFIX = /^xn--/i;

/**
 * The runtime's IDNA conversion (UTS #46 ToASCII) of one label that holds only letters, digits,
 * hyphens and non-ASCII characters. It throws when IDNA refuses the label.
 */
export type IdnaToAscii = (label: string) => string;

/**
 * Makes the caller's own error for an invalid A-label. `reason` is a clause that says what is
 * wrong without quoting the label; `options` carries the cause, if any.
 */
export type ALabelFailure = (reason: string, options?: ErrorOptions) => Error;

/** Longest DNS label, in octets (RFC 1035 section 2.3.4). */
const MAX_LABEL_LENGTH = 63;
// `xn--`, then letters, digits and hyphens, ending in a letter or digit (RFC 5890 LDH label).
const A_LABEL_LDH = /^xn--[A-Za-z0-9-]*[A-Za-z0-9]$/i;
const NON_ASCII = /[^\u0000-\u007f]/u;

/**
 * Checks a label that starts with `xn--` (case-insensitively): at most 63 octets; the rest
 * decodes as Punycode to something with a non-ASCII character; letters, digits and inner hyphens
 * only; and IDNA writes what it decodes to as this very label (compared in lower case, as DNS
 * compares).
 *
 * @throws the error `fail` makes, when the label is not a valid A-label.
 */
export function checkALabel(label: string, toAscii: IdnaToAscii, fail: ALabelFailure): void {
  // First, so that the decoder, quadratic in its input, only ever sees a label's worth.
  if (label.length > MAX_LABEL_LENGTH) {
    throw fail(`it is longer than ${MAX_LABEL_LENGTH} octets (RFC 1035 section 2.3.4)`);
  }
  let uLabel: string;
  try {
    uLabel = decodePunycode(label.slice(4));
  } catch (cause) {
    throw fail('what follows "xn--" is not Punycode (RFC 3492)', { cause });
  }
  // Nothing, or only the letters, digits and hyphens before a final "-": an A-label must stand
  // for a label that needs one.
  if (!NON_ASCII.test(uLabel)) {
    throw fail('it decodes to plain ASCII, so it stands for no internationalised label');
  }
  // After decoding, so that a final "-" gets the reason above; what is left is a character that
  // Punycode copies but DNS does not allow, such as "_".
  if (!A_LABEL_LDH.test(label)) {
    throw fail('it holds a character other than letters, digits and hyphens');
  }
  let again: string;
  try {
    again = toAscii(uLabel);
  } catch (cause) {
    throw fail('what it decodes to is not a valid U-label (UTS #46)', { cause });
  }
  // Punycode as decoded here is one-to-one, so the label is the only spelling of `uLabel`: IDNA
  // gives it back exactly when its mapping leaves `uLabel` as it is (lower case, NFC).
  if (again !== label.toLowerCase()) {
    throw fail('what it decodes to is not a U-label: IDNA maps it to another label (UTS #46)');
  }
}
