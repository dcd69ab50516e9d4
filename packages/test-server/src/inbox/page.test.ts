import { describe, expect, it } from 'vitest';
import { escapeHtml, renderPage } from './page.ts';
import { PAGE_SCRIPT } from './page-script.ts';

describe('renderPage', () => {
  it('escapes the SMTP URL it shows, the one text of the page that is not a constant', () => {
    const page = renderPage('smtp://"><script>alert(1)</script>');
    expect(page.html).toContain(
      '<code id="smtp-url">smtp://&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</code>',
    );
    expect(page.html.match(/<script>/g)).toHaveLength(1);
  });

  it('is one document with nothing to fetch but its own API', () => {
    const { html } = renderPage('smtp://127.0.0.1:1025');
    expect(html).not.toMatch(/<link\b|<script\s+src|@import|url\(/);
    expect(PAGE_SCRIPT).not.toContain('</script');
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
