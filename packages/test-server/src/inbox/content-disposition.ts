/**
 * The `Content-Disposition` of a download (RFC 6266): always `attachment`, so a file from a
 * message is saved, never shown in the inbox's origin, with its own name in `filename*` (RFC 8187,
 * formerly 5987: UTF-8, percent-encoded) and an ASCII stand-in in `filename` for programs that
 * read only that.
 */

/** RFC 8187 attr-char: what `filename*` may carry unencoded. */
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

/**
 * A file name a browser can save: the last path segment only (a name such as `../../.bashrc`
 * or `C:\x\y.exe` names no folder), no control characters, `fallback` when nothing is left.
 */
export function safeFileName(name: string | undefined, fallback: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? fallback : cleaned;
}

/** `attachment; filename="..."`, with `filename*=UTF-8''...` when the name is not plain ASCII. */
export function attachmentDisposition(filename: string): string {
  // RFC 6266 appendix D: in the quoted form, no backslash, quote or percent sign (some readers
  // decode it), and only ASCII.
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  if (ascii === filename) return `attachment; filename="${filename}"`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeAttrValue(filename)}`;
}

function encodeAttrValue(text: string): string {
  let encoded = '';
  for (const byte of new TextEncoder().encode(text)) {
    const char = String.fromCharCode(byte);
    encoded +=
      byte < 0x80 && ATTR_CHAR.test(char)
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}
