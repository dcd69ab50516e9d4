/**
 * The inbox page: one HTML document with its style and script inline, no outside resource and
 * no build step, so it works offline and its policy can name exactly what it runs (by hash).
 */
import { PAGE_SCRIPT } from './page-script.ts';
import { PAGE_STYLE } from './page-style.ts';
import { pageHeaders } from './security-headers.ts';

/** The page's document and the headers that go with it. */
export interface InboxPage {
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe to put in HTML, in an element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

/** The page, telling where mail goes (`smtpUrl`); the only text in it that is not a constant. */
export function renderPage(smtpUrl: string): InboxPage {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Inbox</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>Inbox</h1>
<span class="muted">mail sent to <code id="smtp-url">${escapeHtml(smtpUrl)}</code> shows here</span>
<span id="count" class="muted"></span>
<span id="status" class="muted" role="status"></span>
<button id="delete-all" type="button">Delete all</button>
</header>
<main>
<section id="list-pane" aria-label="Messages">
<table>
<thead><tr><th>From</th><th>To</th><th>Subject</th><th>Size</th><th>Received</th></tr></thead>
<tbody id="messages"></tbody>
</table>
<p id="empty" class="muted">No messages yet.</p>
</section>
<section id="detail" aria-label="Message" hidden>
<h2 id="subject"></h2>
<dl id="fields"></dl>
<ul id="attachments"></ul>
<div role="tablist">
<button type="button" role="tab" id="tab-button-html" data-tab="html">HTML</button>
<button type="button" role="tab" data-tab="text">Text</button>
<button type="button" role="tab" data-tab="headers">Headers</button>
<button type="button" role="tab" data-tab="raw">Raw</button>
<button type="button" id="delete-one">Delete</button>
</div>
<div id="tab-html" role="tabpanel"><iframe id="html-frame" sandbox="" referrerpolicy="no-referrer" title="The message's HTML"></iframe></div>
<div id="tab-text" role="tabpanel" hidden><pre id="text"></pre></div>
<div id="tab-headers" role="tabpanel" hidden><table><tbody id="headers"></tbody></table></div>
<div id="tab-raw" role="tabpanel" hidden><p><a id="download-raw" download>Download .eml</a></p><pre id="raw"></pre></div>
</section>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
  return { html, headers: pageHeaders(PAGE_SCRIPT, PAGE_STYLE) };
}
