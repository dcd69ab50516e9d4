/**
 * The response headers that keep a message from reaching out of the inbox. Mail is hostile input:
 * its HTML may carry scripts, tracking pixels, forms and refreshes, and the inbox runs on a
 * developer's machine. So:
 * - the message's HTML loads nothing from anywhere (`default-src 'none'`), runs no script, and
 *   lives in an opaque origin of its own (`sandbox`, here and on the page's `<iframe sandbox>`):
 *   it cannot read the inbox's API or its page. Inline styles and `data:` images and fonts are
 *   all it may use; `cid:` images are turned into `data:` URLs (inline-images.ts);
 * - the page runs only its own script (by hash), talks only to its own origin, and cannot be
 *   framed by another site (a click-jacked "Delete all");
 * - nothing the inbox serves is sniffed into another type, shown inline when it is a download,
 *   embedded by another origin, kept in a cache, or sent on with a Referer.
 */
import { createHash } from 'node:crypto';

/** Headers on every response. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // Another origin may not embed what the inbox serves (an <img> or <script> of its API).
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
  // A policy of nothing for what is no document of ours (JSON, downloads), in case one is opened.
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
};

/**
 * A message's HTML. No `script-src`, `connect-src`, `frame-src` or `form-action` source: none of
 * them may load anything; `sandbox` without tokens also blocks scripts, forms, popups, top-level
 * navigation and `<meta http-equiv=refresh>` even where the frame's own attribute is missing
 * (the document opened on its own). Framed only by the inbox's page.
 */
export const MESSAGE_HTML_CSP = [
  "default-src 'none'",
  'img-src data:',
  "style-src 'unsafe-inline'",
  'font-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
  'sandbox',
].join('; ');

/** Headers of a message's HTML, on top of {@link COMMON_HEADERS}. */
export const MESSAGE_HTML_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': MESSAGE_HTML_CSP,
  'X-Frame-Options': 'SAMEORIGIN',
  // DNS prefetching is outside CSP: a <link rel=dns-prefetch> would still tell a DNS server.
  'X-DNS-Prefetch-Control': 'off',
};

/** The CSP source of an inline script or style: its SHA-256, base64 (CSP 3, section 8.3). */
export function hashSource(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The page's policy: its own inline script and style by hash, its own origin for API and frame. */
export function pageCsp(script: string, style: string): string {
  return [
    "default-src 'none'",
    `script-src ${hashSource(script)}`,
    `style-src ${hashSource(style)}`,
    "connect-src 'self'",
    "frame-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers of the page, on top of {@link COMMON_HEADERS}. */
export function pageHeaders(script: string, style: string): Record<string, string> {
  return {
    'Content-Security-Policy': pageCsp(script, style),
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}
