/**
 * Text helpers shared by the SASL mechanisms: UTF-8 in both directions, the checks on caller
 * credentials, GS2 names, and how much server text goes into an error message (the sanitising
 * itself is `sanitizeServerText` in `server-text.ts`).
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

/**
 * Longest server text (a SCRAM `e=` value, an OAuth error field) copied into an error message or
 * an `OauthServerError`; the rest is cut and marked with `…`. Shorter than the default
 * `MAX_SERVER_TEXT_LENGTH` because it is only ever a part of a message. The escaping itself is
 * `sanitizeServerText` from `server-text.ts`, the package's one sanitiser.
 */
export const SASL_SERVER_TEXT_LENGTH = 200;
