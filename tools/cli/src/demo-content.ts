/**
 * The message the demo sends: text, HTML that shows an inline image by Content-ID, the image
 * itself (a PNG made in code) and a CSV attachment. Exported so the demo's test can check that
 * the saved `.eml` parses back to exactly this.
 */
import type { MessageOptions } from '@smtp/client';
import { demoLogoPng } from './png.ts';

/** The Content-ID the HTML refers to as `cid:`. */
export const DEMO_LOGO_CID = 'logo@smtp-demo.example';

/** The subject of the demo message. */
export const DEMO_SUBJECT = 'Hello from the smtp demo';

/** The plain-text body. */
export const DEMO_TEXT =
  'Hello!\n\nThis message was sent by `smtp demo` through @smtp/client:\n' +
  'STARTTLS with a certificate made for this run, AUTH, pipelined MAIL/RCPT/DATA.\n\n' +
  'The HTML version shows an inline image; report.csv is attached.\n';

/** The HTML body; the image is referenced by Content-ID. */
export const DEMO_HTML =
  '<!doctype html>\n<html><body>\n' +
  `<p><img src="cid:${DEMO_LOGO_CID}" width="16" height="16" alt="logo"> <b>Hello!</b></p>\n` +
  '<p>This message was sent by <code>smtp demo</code> through <code>@smtp/client</code>.</p>\n' +
  '<p>The image above is inline (by Content-ID); <i>report.csv</i> is attached.</p>\n' +
  '</body></html>\n';

/** The attachment's name. */
export const DEMO_ATTACHMENT_NAME = 'report.csv';

/**
 * The attachment's bytes: CSV with CRLF line ends (RFC 4180), so the bytes survive as they are
 * (text parts have their line breaks made CRLF on the wire).
 */
export const DEMO_ATTACHMENT = new TextEncoder().encode(
  'quarter,messages,accepted\r\nQ1,120,118\r\nQ2,135,135\r\nQ3,150,149\r\nQ4,171,171\r\n',
);

/** The demo message for a sender and a recipient. */
export function demoMessage(from: string, to: readonly string[]): MessageOptions {
  return {
    from,
    to: [...to],
    subject: DEMO_SUBJECT,
    text: DEMO_TEXT,
    html: DEMO_HTML,
    attachments: [
      {
        filename: 'logo.png',
        content: demoLogoPng(),
        contentType: 'image/png',
        contentId: DEMO_LOGO_CID,
      },
      { filename: DEMO_ATTACHMENT_NAME, content: DEMO_ATTACHMENT, contentType: 'text/csv' },
    ],
    headers: [['X-Mailer', 'smtp demo (@smtp/cli)']],
  };
}
