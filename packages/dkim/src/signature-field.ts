/**
 * The `DKIM-Signature` header field: its tags (RFC 6376 section 3.5), written and folded.
 * Internal to the package.
 *
 * The field is written twice: first with `b=` empty, to be hashed with the signed header fields
 * (RFC 6376 section 3.7), then with the signature. `b=` is always last and always starts a line
 * of its own, so the text before its value is the same in both, whatever the signature is; its
 * value is folded in whole lines after that, and a verifier removes it with its white space.
 *
 * Tags, in this order: `v=1`, `a=`, `c=` (both names, always), `d=`, `i=` (when an identity is
 * set), `s=`, `t=` (always), `x=` (with an expiry), `l=` (only when asked), `h=`, `bh=`, `b=`.
 * Lines are at most 78 octets without the CRLF (RFC 5322 section 2.1.1); a fold goes between
 * tags, or between the names of `h=`, where RFC 6376 allows folding white space.
 */

/** The values of the tags, already valid and in their written form. */
export interface SignatureTags {
  readonly algorithm: string;
  readonly canonicalization: string;
  readonly domain: string;
  readonly identity?: string | undefined;
  readonly selector: string;
  readonly timestamp: number;
  readonly expires?: number | undefined;
  readonly bodyLength?: number | undefined;
  readonly headers: readonly string[];
  readonly bodyHash: string;
}

/**
 * How the field is laid out. The default is the package's; the others exist so that the tests
 * can reproduce RFC 8463 appendix A's fields octet for octet (narrower lines, `q=dns/txt`, and
 * white space around the colons of `h=`).
 */
export interface FieldLayout {
  /** Longest line, without CRLF, for the tags. */
  readonly width: number;
  /** Longest line, without CRLF, for the lines of `b=`. */
  readonly signatureWidth: number;
  /** Write `q=dns/txt` (the default query method, so it changes nothing). */
  readonly query: boolean;
  /** Between the names of `h=`: `':'` or `' : '`. */
  readonly headerSeparator: ':' | ' : ';
}

export const DEFAULT_LAYOUT: FieldLayout = {
  width: 78,
  signatureWidth: 78,
  query: false,
  headerSeparator: ':',
};

const FIELD_NAME = 'DKIM-Signature:';

/**
 * The field up to and including `b=` (no CRLF): the text to hash, and the start of the text to
 * send. Append the signature with {@link completeSignatureField}.
 */
export function formatSignatureHead(tags: SignatureTags, layout = DEFAULT_LAYOUT): string {
  // Each word goes after the previous one with its joiner, or on a new line instead of it.
  const words: { readonly text: string; readonly joiner: string }[] = [];
  const tag = (name: string, value: string | number): void => {
    words.push({ text: `${name}=${value};`, joiner: ' ' });
  };
  tag('v', 1);
  tag('a', tags.algorithm);
  tag('c', tags.canonicalization);
  tag('d', tags.domain);
  if (tags.identity !== undefined) tag('i', tags.identity);
  if (layout.query) tag('q', 'dns/txt');
  tag('s', tags.selector);
  tag('t', tags.timestamp);
  if (tags.expires !== undefined) tag('x', tags.expires);
  if (tags.bodyLength !== undefined) tag('l', tags.bodyLength);
  const names = tags.headers;
  names.forEach((name, index) => {
    const first = index === 0;
    const last = index === names.length - 1;
    const text = `${first ? 'h=' : ''}${name}${last ? ';' : ''}`;
    if (layout.headerSeparator === ':') {
      words.push({ text: last ? text : `${text}:`, joiner: first ? ' ' : '' });
    } else {
      words.push({ text, joiner: ' ' });
      if (!last) words.push({ text: ':', joiner: ' ' });
    }
  });
  tag('bh', tags.bodyHash);

  const lines: string[] = [];
  let line = FIELD_NAME;
  for (const { text, joiner } of words) {
    if (line.length + joiner.length + text.length <= layout.width) {
      line += joiner + text;
    } else {
      lines.push(line);
      line = ` ${text}`;
    }
  }
  lines.push(line, ' b=');
  return lines.join('\r\n');
}

/** The whole field: `head` with the signature folded after it, and the closing CRLF. */
export function completeSignatureField(
  head: string,
  signature: string,
  layout = DEFAULT_LAYOUT,
): string {
  let field = head;
  // The first line of b= already holds ' b=' (3 octets).
  let room = layout.signatureWidth - 3;
  let at = 0;
  while (at < signature.length) {
    if (at > 0) {
      field += '\r\n ';
      room = layout.signatureWidth - 1;
    }
    field += signature.slice(at, at + room);
    at += room;
  }
  return `${field}\r\n`;
}
