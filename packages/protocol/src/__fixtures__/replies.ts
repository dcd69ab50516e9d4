/**
 * Golden reply transcripts: the bytes servers send, for the reply parser and EHLO tests.
 *
 * Provenance, honestly: NONE of these were captured from a live server. They are hand-written:
 * - `smtpServer*`: after the source of smtp-server 3.x (nodemailer/smtp-server,
 *   `lib/smtp-connection.js` `send()`, `connectionReady()`, `handler_EHLO`, `handler_STARTTLS`,
 *   `handler_MAIL`, `handler_DATA`, and `lib/sasl.js`), with `name: 'localhost'`, default
 *   `authMethods` (`LOGIN PLAIN`), reverse lookup failing so the client shows as `[127.0.0.1]`,
 *   and the defaults of 3.21 that hide ENHANCEDSTATUSCODES, DSN and REQUIRETLS.
 * - `postfix*`, `exchange*`, `office365*`, `gmail*`: after the EHLO and reply texts these servers
 *   are widely documented and logged with (Postfix `smtpd` keyword order, Exchange 2016+ and
 *   Office 365 front ends, smtp.gmail.com). Host names, addresses and queue ids are
 *   placeholders (RFC 2606, RFC 5737); keyword order and wording follow the real servers.
 * - `synthetic*`: made up to exercise a parser rule no server above shows (bare LF, UTF-8 text,
 *   rare extensions).
 * `test-servers/src/capture.ts` is meant to replace the smtp-server transcripts with recorded
 * bytes; when it does, this header must say so per transcript.
 *
 * `wire` is the exact byte sequence as a string: `\r\n` is written out, and non-ASCII text is
 * sent UTF-8 encoded (tests use `bytes()` from `testing/feed.ts`).
 */

/** One server-side transcript. */
export interface ReplyTranscript {
  /** The server imitated and how the text was obtained. */
  readonly source: string;
  /** What the server sends, CRLF written out; one or more complete replies. */
  readonly wire: string;
}

const SMTP_SERVER = 'smtp-server 3.21, hand-written after lib/smtp-connection.js';

/** The transcripts, by name. */
export const replyTranscripts = {
  smtpServerGreeting: {
    source: SMTP_SERVER,
    wire: '220 localhost ESMTP\r\n',
  },
  smtpServerEhloPlain: {
    source: `${SMTP_SERVER} (handler_EHLO, before STARTTLS)`,
    wire:
      '250-localhost Nice to meet you, [127.0.0.1]\r\n' +
      '250-PIPELINING\r\n' +
      '250-8BITMIME\r\n' +
      '250-SMTPUTF8\r\n' +
      '250-AUTH LOGIN PLAIN\r\n' +
      '250 STARTTLS\r\n',
  },
  smtpServerStartTls: {
    source: `${SMTP_SERVER} (handler_STARTTLS)`,
    wire: '220 Ready to start TLS\r\n',
  },
  smtpServerEhloSecureWithSize: {
    source: `${SMTP_SERVER} (handler_EHLO after TLS, size: 10485760)`,
    wire:
      '250-localhost Nice to meet you, [127.0.0.1]\r\n' +
      '250-PIPELINING\r\n' +
      '250-8BITMIME\r\n' +
      '250-SMTPUTF8\r\n' +
      '250-AUTH LOGIN PLAIN\r\n' +
      '250 SIZE 10485760\r\n',
  },
  smtpServerAuthLogin: {
    source: `${SMTP_SERVER} and lib/sasl.js (AUTH LOGIN, success)`,
    wire: '334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 Authentication successful\r\n',
  },
  smtpServerAuthPlainFailed: {
    // send(334) with no text goes out as "334 " (RFC 4954 section 4 empty challenge).
    source: `${SMTP_SERVER} and lib/sasl.js (AUTH PLAIN without initial response, rejected)`,
    wire: '334 \r\n535 Error: Authentication credentials invalid\r\n',
  },
  smtpServerPipelinedTransaction: {
    // MAIL, RCPT and DATA pipelined (RFC 2920): their replies can arrive in one read.
    source: `${SMTP_SERVER} (handler_MAIL, handler_RCPT, handler_DATA, then QUIT)`,
    wire:
      '250 Accepted\r\n' +
      '250 Accepted\r\n' +
      '354 End data with <CR><LF>.<CR><LF>\r\n' +
      '250 OK: message queued\r\n' +
      '221 Bye\r\n',
  },
  postfixGreeting: {
    source: 'Postfix 3.x smtpd, hand-written after its default smtpd_banner',
    wire: '220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n',
  },
  postfixEhlo: {
    // Postfix advertises AUTH twice when broken_sasl_auth_clients = yes (old Outlook).
    source: 'Postfix 3.x smtpd, hand-written after its EHLO keyword order',
    wire:
      '250-mail.example.org\r\n' +
      '250-PIPELINING\r\n' +
      '250-SIZE 10240000\r\n' +
      '250-VRFY\r\n' +
      '250-ETRN\r\n' +
      '250-STARTTLS\r\n' +
      '250-AUTH PLAIN LOGIN\r\n' +
      '250-AUTH=PLAIN LOGIN\r\n' +
      '250-ENHANCEDSTATUSCODES\r\n' +
      '250-8BITMIME\r\n' +
      '250-DSN\r\n' +
      '250-SMTPUTF8\r\n' +
      '250 CHUNKING\r\n',
  },
  postfixTransaction: {
    source: 'Postfix 3.x smtpd, hand-written after its reply texts',
    wire:
      '250 2.1.0 Ok\r\n' +
      '250 2.1.5 Ok\r\n' +
      '450 4.2.0 <grey@example.org>: Recipient address rejected: Greylisted\r\n' +
      '554 5.7.1 <relay@example.net>: Relay access denied\r\n' +
      '354 End data with <CR><LF>.<CR><LF>\r\n' +
      '250 2.0.0 Ok: queued as 4X4SL70wfGzHB60w\r\n' +
      '221 2.0.0 Bye\r\n',
  },
  exchangeGreeting: {
    source: 'Microsoft Exchange 2016+, hand-written after its banner format',
    wire:
      '220 EXCH01.corp.example.com Microsoft ESMTP MAIL Service ready at ' +
      'Mon, 3 Mar 2025 10:00:00 +0000\r\n',
  },
  exchangeEhlo: {
    source: 'Microsoft Exchange 2016+ (internal receive connector), hand-written',
    wire:
      '250-EXCH01.corp.example.com Hello [192.0.2.10]\r\n' +
      '250-SIZE 37748736\r\n' +
      '250-PIPELINING\r\n' +
      '250-DSN\r\n' +
      '250-ENHANCEDSTATUSCODES\r\n' +
      '250-STARTTLS\r\n' +
      '250-X-ANONYMOUSTLS\r\n' +
      '250-AUTH NTLM LOGIN\r\n' +
      '250-X-EXPS GSSAPI NTLM\r\n' +
      '250-8BITMIME\r\n' +
      '250-BINARYMIME\r\n' +
      '250-CHUNKING\r\n' +
      '250-SMTPUTF8\r\n' +
      '250 XRDST\r\n',
  },
  office365EhloSecure: {
    source: 'Office 365 smtp.office365.com after STARTTLS, hand-written',
    wire:
      '250-AM0PR01CA0001.outlook.office365.com Hello [203.0.113.7]\r\n' +
      '250-SIZE 157286400\r\n' +
      '250-PIPELINING\r\n' +
      '250-DSN\r\n' +
      '250-ENHANCEDSTATUSCODES\r\n' +
      '250-AUTH LOGIN XOAUTH2\r\n' +
      '250-8BITMIME\r\n' +
      '250-BINARYMIME\r\n' +
      '250-CHUNKING\r\n' +
      '250 SMTPUTF8\r\n',
  },
  office365NotAuthenticated: {
    source: 'Office 365, hand-written after its 5.7.57 rejection',
    wire:
      '530 5.7.57 Client not authenticated to send mail. Error: 535 5.7.139 ' +
      'Authentication unsuccessful [AM0PR01CA0001.eurprd01.prod.exchangelabs.com]\r\n',
  },
  gmailGreeting: {
    source: 'smtp.gmail.com, hand-written after its banner format',
    wire: '220 smtp.gmail.com ESMTP a1b2c3d4e5f6-0123456789abcsm1234567abc.12 - gsmtp\r\n',
  },
  gmailEhloPlain: {
    source: 'smtp.gmail.com before STARTTLS, hand-written',
    wire:
      '250-smtp.gmail.com at your service, [203.0.113.7]\r\n' +
      '250-SIZE 35882577\r\n' +
      '250-8BITMIME\r\n' +
      '250-STARTTLS\r\n' +
      '250-ENHANCEDSTATUSCODES\r\n' +
      '250-PIPELINING\r\n' +
      '250-CHUNKING\r\n' +
      '250 SMTPUTF8\r\n',
  },
  gmailEhloSecure: {
    source: 'smtp.gmail.com after STARTTLS, hand-written',
    wire:
      '250-smtp.gmail.com at your service, [203.0.113.7]\r\n' +
      '250-SIZE 35882577\r\n' +
      '250-8BITMIME\r\n' +
      '250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n' +
      '250-ENHANCEDSTATUSCODES\r\n' +
      '250-PIPELINING\r\n' +
      '250-CHUNKING\r\n' +
      '250 SMTPUTF8\r\n',
  },
  gmailNoSuchUser: {
    // Gmail repeats the enhanced code on every line (RFC 2034 section 4), and puts two spaces
    // after it on the last one.
    source: 'smtp.gmail.com, hand-written after its 5.1.1 rejection',
    wire:
      '550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n' +
      "550-5.1.1 double-checking the recipient's email address for typos or\r\n" +
      '550-5.1.1 unnecessary spaces. For more information, go to\r\n' +
      '550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1b2c3d4e5f6.12 - gsmtp\r\n',
  },
  gmailXoauth2Failed: {
    // The 334 carries base64 JSON error details; the client answers with an empty line.
    source: 'smtp.gmail.com, hand-written after its XOAUTH2 failure exchange',
    wire:
      '334 eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==\r\n' +
      '535-5.7.8 Username and Password not accepted. For more information, go to\r\n' +
      '535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1b2c3d4e5f6.12 - gsmtp\r\n',
  },
  syntheticBareLf: {
    source: 'synthetic: an embedded server that ends lines with LF only',
    wire: '220 printer.example.com ESMTP\n250-printer.example.com\n250 8BITMIME\n',
  },
  syntheticLhlo: {
    source:
      'synthetic: a reply to LHLO (RFC 2033 section 4.1), with keywords LMTP delivery agents offer',
    wire:
      '250-mail.example.org\r\n' +
      '250-8BITMIME\r\n' +
      '250-CHUNKING\r\n' +
      '250-ENHANCEDSTATUSCODES\r\n' +
      '250-PIPELINING\r\n' +
      '250-STARTTLS\r\n' +
      '250 SMTPUTF8\r\n',
  },
  syntheticUtf8: {
    source: 'synthetic: SMTPUTF8 server with non-ASCII reply text (RFC 6531)',
    wire:
      '250 2.0.0 Nachricht angenommen, schöne Grüße\r\n' +
      '553-5.1.7 Адрес отправителя\r\n' +
      '553 5.1.7 отклонён 📮\r\n',
  },
  syntheticRichEhlo: {
    source: 'synthetic: every extension parseEhlo types, plus X- and lower-case keywords',
    wire:
      '250-relay.example.net greets client.example.com\r\n' +
      '250-SIZE\r\n' +
      '250-pipelining\r\n' +
      '250-8BITMIME\r\n' +
      '250-BINARYMIME\r\n' +
      '250-CHUNKING\r\n' +
      '250-DSN\r\n' +
      '250-REQUIRETLS\r\n' +
      '250-MT-PRIORITY MIXER\r\n' +
      '250-DELIVERBY 300\r\n' +
      '250-XCLIENT NAME ADDR PORT PROTO HELO LOGIN\r\n' +
      '250-X-LINK2STATE\r\n' +
      '250-auth cram-md5 plain\r\n' +
      '250 HELP\r\n',
  },
} as const satisfies Record<string, ReplyTranscript>;

/** A transcript's name. */
export type ReplyTranscriptName = keyof typeof replyTranscripts;
