/** Hand-written MIME messages for this package's tests (CRLF line ends, as on the wire). */

const crlf = (lines: readonly string[]): string => `${lines.join('\r\n')}\r\n`;

/** A plain text message. */
export function plainMessage(fields: { subject: string; from?: string; to?: string }): string {
  return crlf([
    `From: ${fields.from ?? 'Ann <ann@example.com>'}`,
    `To: ${fields.to ?? 'bob@example.org'}`,
    `Subject: ${fields.subject}`,
    'Message-ID: <plain@example.com>',
    'Date: Sat, 05 Dec 2026 12:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello Bob.',
  ]);
}

/** The bytes of `résumé.pdf` in {@link richMessage} (not a real PDF: every byte value once). */
export const ATTACHMENT_BYTES = Uint8Array.from({ length: 256 }, (_, index) => index);

/**
 * multipart/mixed: multipart/related (text, HTML with an inline cid image) and a base64 PDF
 * attachment with an RFC 2231 file name; encoded words in the subject and a display name; a
 * group in Cc.
 */
export function richMessage(): string {
  const pdf = Buffer.from(ATTACHMENT_BYTES).toString('base64');
  const png = Buffer.from('not really a png').toString('base64');
  return crlf([
    'From: =?utf-8?q?Ana_Mar=C3=ADa?= <ana@example.com>',
    'To: Bob <bob@example.org>, carol@example.org',
    'Cc: team: dan@example.org, Eve <eve@example.org>;',
    'Reply-To: replies@example.com',
    'Subject: =?utf-8?b?T2zDoSwgbXVuZG8=?=',
    'Message-ID: <rich@example.com>',
    'Date: Sat, 05 Dec 2026 12:00:00 +0000',
    'X-Custom: first',
    'X-Custom: second',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: multipart/related; boundary="inner"',
    '',
    '--inner',
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Ol=C3=A1, mundo!',
    '--alt',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Olá, <b>mundo</b>! <img src="cid:logo@example.com"></p>',
    '--alt--',
    '--inner',
    'Content-Type: image/png',
    'Content-ID: <logo@example.com>',
    'Content-Disposition: inline; filename="logo.png"',
    'Content-Transfer-Encoding: base64',
    '',
    png,
    '--inner--',
    '--outer',
    'Content-Type: application/pdf',
    "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf",
    'Content-Transfer-Encoding: base64',
    '',
    pdf,
    '--outer--',
  ]);
}
