/**
 * Text helpers shared by the SASL mechanisms: UTF-8 in both directions, the checks on caller
 * credentials, GS2 names, and the sanitising of server text before it goes into an error
 * message.
 *
 * Contract: pure and synchronous; uses only `TextEncoder`/`TextDecoder` (see
 * `portable-globals.d.ts`). Internal to the package.
 */
import { SaslError } from '../errors.ts';

const encoder = new TextEncoder();
// `fatal` so that invalid UTF-8 from a server is noticed rather than replaced with U+FFFD, and
// `ignoreBOM` so that the decoded text re-encodes to exactly the bytes received (SCRAM signs them).
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The UTF-8 bytes of `text` (lone surrogates become U+FFFD, as `TextEncoder` does). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The text of UTF-8 `bytes`, or `undefined` when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Joins byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** True when `text` holds a C0 control character (NUL, `\x01`, CR, LF...) or DEL. */
export function hasControlCharacter(text: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(text);
}

/**
 * Throws `SMTP_SASL_INVALID_CREDENTIALS` naming the field and the rule, never the value: the
 * value may be a password or a token (INV-10).
 */
export function invalidCredential(mechanism: string, field: string, rule: string): never {
  throw new SaslError('SMTP_SASL_INVALID_CREDENTIALS', `${mechanism}: ${field} ${rule}`);
}

/**
 * A GS2 `saslname` (RFC 5801 section 4, used by SCRAM and OAUTHBEARER): `=` becomes `=3D` and
 * `,` becomes `=2C`, `=` first so the escapes themselves are not escaped again.
 */
export function encodeSaslName(name: string): string {
  return name.replaceAll('=', '=3D').replaceAll(',', '=2C');
}

/** The text before the first `,`: the first attribute of a SCRAM message. */
export function firstAttribute(text: string): string {
  const comma = text.indexOf(',');
  return comma === -1 ? text : text.slice(0, comma);
}

/** Longest server text copied into an error message; the rest is cut and marked. */
export const MAX_SERVER_TEXT = 200;

/**
 * Server text made safe to put in an error message or a log (INV-10): every character outside
 * printable ASCII (controls, escape sequences, bidi overrides, line separators, anything
 * non-ASCII) becomes a `\u{...}` escape, and the result is cut to {@link MAX_SERVER_TEXT}
 * characters so a server cannot flood a log through an error.
 */
export function sanitizeServerText(text: string): string {
  let out = '';
  for (const character of text) {
    const code = character.codePointAt(0) as number;
    out += code >= 0x20 && code < 0x7f ? character : `\\u{${code.toString(16)}}`;
    if (out.length > MAX_SERVER_TEXT) return `${out.slice(0, MAX_SERVER_TEXT)}...`;
  }
  return out;
}
