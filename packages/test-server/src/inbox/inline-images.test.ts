import { describe, expect, it } from 'vitest';
import type { ParsedAttachment } from '../parsed-message.ts';
import { inlineCidImages } from './inline-images.ts';

const part = (fields: Partial<ParsedAttachment>): ParsedAttachment => ({
  contentType: 'image/png',
  content: new TextEncoder().encode('png!'),
  ...fields,
});
const PNG = `data:image/png;base64,${Buffer.from('png!').toString('base64')}`;

describe('inlineCidImages', () => {
  it('replaces each cid: URL naming an image part with a data: URL, in attributes and CSS', () => {
    const html =
      '<img src="cid:logo@x"><img src=\'CID:Logo@X\'><div style="background:url(cid:logo@x)"></div>';
    expect(inlineCidImages(html, [part({ contentId: 'logo@x' })])).toBe(
      `<img src="${PNG}"><img src='${PNG}'><div style="background:url(${PNG})"></div>`,
    );
  });

  it('reads a percent-encoded cid URL (RFC 2392)', () => {
    expect(inlineCidImages('<img src="cid:a%20b@x">', [part({ contentId: 'a b@x' })])).toBe(
      `<img src="${PNG}">`,
    );
  });

  it('leaves a cid: URL alone when no image part has that Content-ID, or it is malformed', () => {
    const html = '<img src="cid:missing@x"><img src="cid:%E0%A4%A">';
    expect(inlineCidImages(html, [part({ contentId: 'logo@x' })])).toBe(html);
  });

  it('never inlines a part that is not an image, nor a type that could break out of the URL', () => {
    const html = '<img src="cid:page@x"><img src="cid:odd@x">';
    const parts = [
      part({ contentId: 'page@x', contentType: 'text/html' }),
      part({ contentId: 'odd@x', contentType: 'image/png";onerror=x' }),
    ];
    expect(inlineCidImages(html, parts)).toBe(html);
  });

  it('takes the first of two parts with one Content-ID, and changes nothing without parts', () => {
    const first = part({ contentId: 'a@x' });
    const second = part({ contentId: 'a@x', content: new Uint8Array([1]) });
    expect(inlineCidImages('<img src="cid:a@x">', [first, second])).toBe(`<img src="${PNG}">`);
    expect(inlineCidImages('<img src="cid:a@x">', [])).toBe('<img src="cid:a@x">');
  });
});
