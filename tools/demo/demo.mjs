#!/usr/bin/env node
/**
 * The README's demo, until the client exists: the two foundation packages at work on what a
 * real session exchanges. It parses an SMTP URL, feeds a server's greeting and EHLO reply to the
 * reply parser one byte at a time (as a slow network might deliver it), reads the capabilities,
 * and encodes an envelope and a message for DATA, printing each step. No network is used.
 * Exits 0 on success, 1 with a message on any failure.
 */
import {
  createDataEncoder,
  createReplyParser,
  encodeEhlo,
  encodeMailFrom,
  encodeRcptTo,
  isSmtpError,
  parseEhlo,
} from '@smtp/protocol';
import { formatSmtpUrl, parseSmtpUrl } from '@smtp/url';

const encode = (text) => new TextEncoder().encode(text);
const show = (bytes) => JSON.stringify(new TextDecoder().decode(bytes));

function main() {
  const url = parseSmtpUrl(process.argv[2] ?? 'esmtp://demo%40example.com:s3cret@Mail.Example.com');
  console.log('1. The URL');
  console.log(`   ${formatSmtpUrl(url)}  (password redacted)`);
  console.log(
    `   scheme ${url.scheme}, security ${url.security}, ${url.kind === 'unix' ? `socket ${url.path}` : `${url.kind} host ${url.host}, port ${url.port}`}`,
  );
  console.log(`   user ${url.credentials?.username ?? '(none)'}\n`);

  // What smtp-server 3.21 sends for a greeting and an EHLO, as one stream of bytes.
  const server = encode(
    '220 mail.example.com ESMTP ready\r\n' +
      '250-mail.example.com Nice to meet you, [127.0.0.1]\r\n' +
      '250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-SIZE 10485760\r\n' +
      '250-AUTH LOGIN PLAIN\r\n250 STARTTLS\r\n',
  );
  const parser = createReplyParser();
  const replies = [];
  for (let i = 0; i < server.length; i++) replies.push(...parser.push(server.subarray(i, i + 1)));
  console.log(`2. The server's replies, fed one byte at a time (${server.length} pushes)`);
  for (const reply of replies) console.log(`   ${reply.code} ${reply.lines.join(' | ')}`);

  const ehlo = replies[1];
  if (ehlo === undefined) throw new Error('the EHLO reply did not arrive');
  const caps = parseEhlo(ehlo);
  console.log('\n3. The capabilities');
  console.log(`   server ${caps.domain}; size limit ${caps.size} octets`);
  console.log(
    `   PIPELINING ${caps.pipelining}, STARTTLS ${caps.startTls}, 8BITMIME ${caps.eightBitMime}, SMTPUTF8 ${caps.smtpUtf8}`,
  );
  console.log(`   AUTH ${caps.auth.join(', ')}\n`);

  // SIZE (RFC 1870) counts the message with CRLF line ends and without the stuffed dots.
  const body = encode(
    'From: demo@example.com\r\nTo: friend@example.org\r\nSubject: Hello\r\n\r\n' +
      'A line, then one that starts with a dot:\r\n.like this one\r\n',
  );
  console.log('4. What the client would write');
  console.log(`   ${show(encodeEhlo('client.example.org'))}`);
  console.log(
    `   ${show(encodeMailFrom('demo@example.com', { size: body.length, body: '8BITMIME' }))}`,
  );
  console.log(`   ${show(encodeRcptTo('friend@example.org', { notify: ['FAILURE', 'DELAY'] }))}`);
  const encoder = createDataEncoder();
  console.log(`   ${show(encoder.push(body))}`);
  console.log(`   ${show(encoder.end())}`);

  console.log('\n5. What it refuses: a recipient that tries to smuggle a second command');
  try {
    encodeRcptTo('friend@example.org>\r\nRCPT TO:<mallory@example.net');
    throw new Error('the injection was not refused');
  } catch (error) {
    if (!isSmtpError(error)) throw error;
    console.log(`   ${error.name} ${error.code}: ${error.message}`);
  }
}

try {
  main();
} catch (error) {
  console.error(`demo failed: ${isSmtpError(error) ? `${error.code}: ` : ''}${error.message}`);
  process.exitCode = 1;
}
