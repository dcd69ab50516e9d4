/**
 * Reply parsing, in replies per second, for the shapes a client meets: a stream of one-line
 * replies arriving together (pipelined RCPT replies), one reply per read, a multi-line EHLO reply
 * per read, and the worst case of a reply delivered one byte per read. Only our parser is
 * measured: Nodemailer's reply handling is not separable from its connection object.
 */
import { createReplyParser } from '@smtp/protocol';
import { median, spread, table, time } from '../lib/measure.mjs';

const encoder = new TextEncoder();

const EHLO = encoder.encode(
  [
    '250-mail.example.com Hello client.example.org [192.0.2.10]',
    '250-SIZE 52428800',
    '250-8BITMIME',
    '250-PIPELINING',
    '250-AUTH PLAIN LOGIN XOAUTH2',
    '250-ENHANCEDSTATUSCODES',
    '250 CHUNKING',
    '',
  ].join('\r\n'),
);
const OK = encoder.encode('250 2.1.5 Ok\r\n');

function scenarios(scale) {
  const many = 20_000 * scale;
  const stream = new Uint8Array(OK.length * many);
  for (let i = 0; i < many; i++) stream.set(OK, i * OK.length);
  return [
    { name: '`250 2.1.5 Ok` × many, one chunk', chunks: [stream], replies: many },
    { name: '`250 2.1.5 Ok`, one reply per read', chunks: Array(many).fill(OK), replies: many },
    {
      name: '7-line EHLO reply, one per read',
      chunks: Array(many / 4).fill(EHLO),
      replies: many / 4,
    },
    {
      name: '7-line EHLO reply, one byte per read',
      chunks: Array.from({ length: many / 50 }, () =>
        Array.from(EHLO, (_, i) => EHLO.subarray(i, i + 1)),
      ).flat(),
      replies: many / 50,
    },
  ];
}

export async function run({ rounds, scale }) {
  console.log('\n### Reply parser (replies/s)\n');
  const rows = [];
  for (const scenario of scenarios(scale)) {
    const bytes = scenario.chunks.reduce((n, c) => n + c.length, 0);
    const rates = [];
    for (let round = 0; round <= rounds; round++) {
      const parser = createReplyParser();
      let count = 0;
      const seconds = time(() => {
        for (const chunk of scenario.chunks) count += parser.push(chunk).length;
      });
      if (count !== scenario.replies) throw new Error(`${scenario.name}: parsed ${count}`);
      if (round > 0) rates.push(scenario.replies / seconds); // round 0 warms the JIT up
    }
    rows.push([
      scenario.name,
      spread(rates.map((r) => r / 1000)),
      ((median(rates) * bytes) / scenario.replies / 2 ** 20).toFixed(0),
    ]);
  }
  table(['scenario', 'thousand replies/s', 'MB/s'], rows);
}
