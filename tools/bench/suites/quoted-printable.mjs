/**
 * Quoted-printable encoding (RFC 2045 6.7, 76-character lines), in MB/s of input, side by side
 * with libqp (the encoder Nodemailer's ecosystem and mailparser use) and Nodemailer's own `qp`
 * module in the same run and on the same bytes.
 *
 * Contenders:
 * - ours, `createQuotedPrintableEncoder().push()` in a loop: the cost of the encoder itself;
 * - ours inside a `stream.Transform`: the stream overhead the streaming contenders pay too, so
 *   the ratio against libqp's stream compares like with like;
 * - libqp 3.0.1 `Encoder` (a Transform, 76 columns);
 * - `libqp.wrap(libqp.encode(buffer), 76)`: libqp's one-shot path on the whole input;
 * - Nodemailer's `qp` `Encoder` stream (`nodemailer/lib/qp`).
 * The encoders choose soft-break points and optional escapes differently, so outputs are not
 * byte-identical; instead every output is decoded with `libqp.decode` and must give back the
 * input before anything is timed.
 *
 * libqp is a dev dependency of `packages/mime`, not of this package; it is loaded from there
 * by path until `tools/bench` lists it itself.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createQuotedPrintableEncoder } from '@smtp/mime';
import { Encoder as NodemailerQpEncoder } from 'nodemailer/lib/qp';
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

const here = dirname(fileURLToPath(import.meta.url));
const mimeRequire = createRequire(join(here, '../../../packages/mime/package.json'));
const libqp = mimeRequire('libqp');
const libqpVersion = mimeRequire('libqp/package.json').version;
const nodemailerVersion = createRequire(import.meta.url)('nodemailer/package.json').version;

/** Mixed, mostly-ASCII mail text: 20–200 character lines, some non-ASCII, '=', tabs. */
function makeInput(megabytes) {
  const random = prng(2045);
  const size = megabytes * 2 ** 20;
  const out = Buffer.alloc(size);
  const words = [
    'lorem',
    'ipsum',
    'dolor',
    'sit',
    'amet',
    'a=b',
    'naïve',
    'café',
    '\t',
    'x',
    'Grüße',
    'consectetur',
  ];
  let offset = 0;
  while (offset < size - 220) {
    const end = offset + 20 + Math.floor(random() * 180);
    while (offset < end)
      offset += out.write(`${words[Math.floor(random() * words.length)]} `, offset);
    offset += out.write('\r\n', offset);
  }
  return out.subarray(0, offset);
}

export async function run({ rounds, scale }) {
  const megabytes = 16 * scale;
  const input = makeInput(megabytes);
  const chunks = chunksOf(input);
  console.log(
    `\n### Quoted-printable: ${megabytes} MB of mixed mostly-ASCII text in 64 KB chunks (MB/s of input; libqp ${libqpVersion}, nodemailer ${nodemailerVersion})\n`,
  );

  // Correctness first: every contender's output decodes back to the input.
  const outputs = {};
  const a = collecting();
  pushLoop(createQuotedPrintableEncoder, chunks, a.sink);
  outputs.ours = a.result();
  const b = collecting();
  await throughStream(chunks, new libqp.Encoder({ lineLength: 76 }), b.sink);
  outputs.libqpStream = b.result();
  outputs.libqpWrap = Buffer.from(libqp.wrap(libqp.encode(input), 76));
  const c = collecting();
  await throughStream(chunks, new NodemailerQpEncoder({ lineLength: 76 }), c.sink);
  outputs.nodemailer = c.result();
  const roundTrips = Object.entries(outputs).map(
    ([name, out]) => `${name} ${libqp.decode(out.toString('latin1')).equals(input) ? 'yes' : 'NO'}`,
  );

  const rates = { loop: [], stream: [], libqpStream: [], libqpWrap: [], nodemailer: [] };
  const ratios = { stream: [], loop: [], wrap: [] };
  let ignore = 0;
  const sink = (chunk) => {
    ignore += chunk.length;
  };
  const contenders = {
    loop: () => time(() => pushLoop(createQuotedPrintableEncoder, chunks, sink)),
    stream: () =>
      timeAsync(() => throughStream(chunks, encoderTransform(createQuotedPrintableEncoder), sink)),
    libqpStream: () =>
      timeAsync(() => throughStream(chunks, new libqp.Encoder({ lineLength: 76 }), sink)),
    libqpWrap: () => time(() => sink(libqp.wrap(libqp.encode(input), 76))),
    nodemailer: () =>
      timeAsync(() => throughStream(chunks, new NodemailerQpEncoder({ lineLength: 76 }), sink)),
  };
  for (const seconds of await alternatingRounds(contenders, rounds)) {
    for (const name of Object.keys(rates)) rates[name].push(megabytes / seconds[name]);
    ratios.stream.push(seconds.libqpStream / seconds.stream);
    ratios.loop.push(seconds.libqpStream / seconds.loop);
    ratios.wrap.push(seconds.libqpWrap / seconds.loop);
  }
  if (ignore === 0) throw new Error('nothing was encoded');

  const mb = (name) => (outputs[name].length / 2 ** 20).toFixed(1);
  table(
    ['contender', 'MB/s', 'output MB'],
    [
      ['ours, `createQuotedPrintableEncoder().push()` loop', spread(rates.loop), mb('ours')],
      ['ours, in a `stream.Transform`', spread(rates.stream), mb('ours')],
      ['libqp `Encoder` stream', spread(rates.libqpStream), mb('libqpStream')],
      ['`libqp.wrap(libqp.encode(buffer), 76)`', spread(rates.libqpWrap), mb('libqpWrap')],
      ['nodemailer `qp` `Encoder` stream', spread(rates.nodemailer), mb('nodemailer')],
    ],
  );
  console.log(
    `\nours (Transform) ÷ libqp stream, per round: ${spread(ratios.stream, 2)}×, median ${median(ratios.stream).toFixed(2)}×.`,
  );
  console.log(
    `ours (loop) ÷ libqp stream: median ${median(ratios.loop).toFixed(2)}×; ours (loop) ÷ libqp wrap(encode()): median ${median(ratios.wrap).toFixed(2)}×.`,
  );
  console.log(`Decoded back to the input by libqp.decode: ${roundTrips.join(', ')}.`);
}
