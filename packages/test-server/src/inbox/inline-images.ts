/**
 * Inline images of a message's HTML (`<img src="cid:logo@example.com">`, RFC 2392), rewritten to
 * `data:` URLs of the parts they name. The HTML is shown in a sandboxed frame whose policy lets it
 * load nothing but `data:` images (security-headers.ts), so an inline image has to travel inside
 * the document: the frame's origin is opaque, so even a URL of the inbox itself would be a
 * cross-origin request, which the policy forbids too.
 */
import type { ParsedAttachment } from '../parsed-message.ts';
import { safeMediaType } from './media-type.ts';

/** A `cid:` URL up to the end of the attribute value or CSS `url()` it sits in. */
const CID_URL = /cid:([^\s"'()<>]+)/gi;

/** `html` with each `cid:` URL that names an image part replaced by that image as a `data:` URL. */
export function inlineCidImages(html: string, attachments: readonly ParsedAttachment[]): string {
  const images = new Map<string, string>();
  for (const part of attachments) {
    const type = safeMediaType(part.contentType);
    if (part.contentId === undefined || !type.startsWith('image/')) continue;
    const id = part.contentId.toLowerCase();
    if (!images.has(id)) {
      images.set(id, `data:${type};base64,${Buffer.from(part.content).toString('base64')}`);
    }
  }
  if (images.size === 0) return html;
  return html.replace(CID_URL, (url, reference: string) => images.get(cidOf(reference)) ?? url);
}

/** RFC 2392: a cid URL is the Content-ID percent-encoded; compared here without regard to case. */
function cidOf(reference: string): string {
  try {
    return decodeURIComponent(reference).toLowerCase();
  } catch {
    return reference.toLowerCase();
  }
}
