/**
 * Base64 encoding with 76-character CRLF lines (RFC 2045 6.8), in MB/s of input, side by side
 * with Nodemailer's base64 stream in the same run and on the same bytes, and with plain
 * `Buffer.toString('base64')` (no line breaks) as the ceiling.
 *
 * Contenders:
 * - ours, `createBase64Encoder().push()` in a loop (the Buffer fast path);
 * - ours, the portable path (`{ portable: true }`, what Web runtimes run);
 * - ours inside a `stream.Transform`, so the ratio against Nodemailer's stream compares like
 *   with like;
 * - Nodemailer's `base64` `Encoder` stream (`nodemailer/lib/base64`);
 * - `buffer.toString('base64')` on the whole input: no wrapping, no streaming, the ceiling.
 * Every wrapped output is decoded by `Buffer.from(text, 'base64')` and must give back the
 * input; whether ours and Nodemailer's are byte-identical is reported too.
 */
import { createRequire } from 'node:module';
import { createBase64Encoder } from '@smtp/mime';
import { Encoder as NodemailerBase64Encoder } from 'nodemailer/lib/base64';
import {
  alternatingRounds,
  median,
  prng,
  spread,
  table,
  time,
  timeAsync,
} from '../lib/measure.mjs';
import {
  chunksOf,
  collecting,
  encoderTransform,
  pushLoop,
  throughStream,
} from '../lib/streams.mjs';

const nodemailerVersion = createRequire(import.meta.url)('nodemailer/package.json').version;

function makeInput(megabytes) {
  const random = prng(2046);
  const out = Buffer.alloc(megabytes * 2 ** 20);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

export async function run({ rounds, scale }) {
  const megabytes = 16 * scale;
  const input = makeInput(megabytes);
  const chunks = chunksOf(input);
  console.log(
    `\n### Base64 with 76-character CRLF lines: ${megabytes} MB of random bytes in 64 KB chunks (MB/s of input; nodemailer ${nodemailerVersion})\n`,
  );

  const outputs = {};
  for (const [name, options] of [
    ['ours', undefined],
    ['portable', { portable: true }],
  ]) {
    const c = collecting();
    pushLoop(() => createBase64Encoder(options), chunks, c.sink);
    outputs[name] = c.result();
  }
  const n = collecting();
  await throughStream(chunks, new NodemailerBase64Encoder({ lineLength: 76 }), n.sink);
  outputs.nodemailer = n.result();
  const roundTrips = Object.entries(outputs).map(
    ([name, out]) =>
      `${name} ${Buffer.from(out.toString('latin1'), 'base64').equals(input) ? 'yes' : 'NO'}`,
  );
  let longest = 0;
  for (const line of outputs.ours.toString('latin1').split('\r\n')) {
    longest = Math.max(longest, line.length);
  }
  const identical = outputs.ours.equals(outputs.nodemailer)
    ? 'yes'
    : outputs.ours.equals(Buffer.concat([outputs.nodemailer, Buffer.from('\r\n')]))
      ? "yes, but for ours' CRLF after the last line"
      : 'no';

  const rates = { loop: [], portable: [], stream: [], nodemailer: [], plain: [] };
  const ratios = { stream: [], loop: [], portable: [] };
  let ignore = 0;
  const sink = (chunk) => {
    ignore += chunk.length;
  };
  const contenders = {
    loop: () => time(() => pushLoop(createBase64Encoder, chunks, sink)),
    portable: () =>
      time(() => pushLoop(() => createBase64Encoder({ portable: true }), chunks, sink)),
    stream: () =>
      timeAsync(() => throughStream(chunks, encoderTransform(createBase64Encoder), sink)),
    nodemailer: () =>
      timeAsync(() => throughStream(chunks, new NodemailerBase64Encoder({ lineLength: 76 }), sink)),
    plain: () => time(() => sink(input.toString('base64'))),
  };
  for (const seconds of await alternatingRounds(contenders, rounds)) {
    for (const name of Object.keys(rates)) rates[name].push(megabytes / seconds[name]);
    ratios.stream.push(seconds.nodemailer / seconds.stream);
    ratios.loop.push(seconds.nodemailer / seconds.loop);
    ratios.portable.push(seconds.nodemailer / seconds.portable);
  }
  if (ignore === 0) throw new Error('nothing was encoded');

  const mb = (name) => (outputs[name].length / 2 ** 20).toFixed(1);
  table(
    ['contender', 'MB/s', 'output MB'],
    [
      ['ours, `createBase64Encoder().push()` loop (Buffer path)', spread(rates.loop), mb('ours')],
      ['ours, portable path (no Buffer)', spread(rates.portable), mb('portable')],
      ['ours, in a `stream.Transform`', spread(rates.stream), mb('ours')],
      ['nodemailer `base64` `Encoder` stream', spread(rates.nodemailer), mb('nodemailer')],
      [
        "`buffer.toString('base64')`, no wrapping (ceiling)",
        spread(rates.plain),
        ((4 * Math.ceil(input.length / 3)) / 2 ** 20).toFixed(1),
      ],
    ],
  );
  console.log(
    `\nours (Transform) ÷ nodemailer, per round: ${spread(ratios.stream, 2)}×, median ${median(ratios.stream).toFixed(2)}×.`,
  );
  console.log(
    `ours (loop) ÷ nodemailer: median ${median(ratios.loop).toFixed(2)}×; ours (portable loop) ÷ nodemailer: median ${median(ratios.portable).toFixed(2)}×.`,
  );
  console.log(
    `Decoded back to the input by Buffer: ${roundTrips.join(', ')}; longest line ${longest}; identical to nodemailer's: ${identical}.`,
  );
}
