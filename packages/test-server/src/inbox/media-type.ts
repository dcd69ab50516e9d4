/**
 * A message's own media types, made safe to send back in a `Content-Type` header or a `data:`
 * URL: whatever a part claims, only a plain `type/subtype` goes out.
 */

/** RFC 9110 token characters on each side of the slash, nothing else (no parameters, no spaces). */
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

/** `type` lower-cased when it is a plain `type/subtype`, else `application/octet-stream`. */
export function safeMediaType(type: string): string {
  const lower = type.toLowerCase();
  return MEDIA_TYPE.test(lower) ? lower : 'application/octet-stream';
}
