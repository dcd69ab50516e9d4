/**
 * DATA encoding (CRLF normalisation, dot-stuffing, terminator), in MB/s of input, side by side
 * with Nodemailer's `DataStream` in the same run and on the same bytes.
 *
 * Three contenders:
 * - ours, pushed chunk by chunk in a loop: the cost of the encoder itself;
 * - ours inside a `stream.Transform`: the same stream overhead Nodemailer pays, so the ratio
 *   against Nodemailer compares like with like;
 * - Nodemailer's `DataStream`, fed by the same Readable.
 * The outputs are compared byte for byte (sha256) before anything is timed.
 */
import { createHash } from 'node:crypto';
import { createDataEncoder } from '@smtp/protocol';
import {
  alternatingRounds,
  median,
  prng,
  spread,
  table,
  time,
  timeAsync,
} from '../lib/measure.mjs';
import { DataStream, nodemailerVersion } from '../lib/nodemailer-data-stream.mjs';
import { chunksOf, encoderTransform, pushLoop, throughStream } from '../lib/streams.mjs';

/** Mixed mail-like text: 20–200 character lines, some starting with '.', some bare LF. */
function makeInput(megabytes) {
  const random = prng(2920);
  const size = megabytes * 2 ** 20;
  const out = Buffer.alloc(size);
  const words = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', '=', 'naïve', 'café', '\t', 'x'];
  let offset = 0;
  while (offset < size - 210) {
    if (random() < 0.05) out[offset++] = 0x2e;
    const length = 20 + Math.floor(random() * 180);
    const end = offset + length;
    while (offset < end) {
      offset += out.write(`${words[Math.floor(random() * words.length)]} `, offset);
    }
    if (random() < 0.05) out[offset++] = 0x0a;
    else offset += out.write('\r\n', offset);
  }
  return out.subarray(0, offset);
}

function hashing() {
  const hash = createHash('sha256');
  let bytes = 0;
  return {
    sink: (chunk) => {
      bytes += chunk.length;
      hash.update(chunk);
    },
    result: () => ({ bytes, digest: hash.digest('hex') }),
  };
}

export async function run({ rounds, scale }) {
  const megabytes = 16 * scale;
  const input = makeInput(megabytes);
  const chunks = chunksOf(input);
  console.log(
    `\n### DATA encoding: ${megabytes} MB of mixed text in 64 KB chunks (MB/s of input; nodemailer ${nodemailerVersion})\n`,
  );

  const a = hashing();
  pushLoop(createDataEncoder, chunks, a.sink);
  const b = hashing();
  await throughStream(chunks, new DataStream(), b.sink);
  const ours = a.result();
  const theirs = b.result();
  const identical = ours.digest === theirs.digest;

  const rates = { loop: [], stream: [], nodemailer: [] };
  const ratios = [];
  let ignore = 0;
  const sink = (chunk) => {
    ignore += chunk.length;
  };
  const contenders = {
    loop: async () => time(() => pushLoop(createDataEncoder, chunks, sink)),
    stream: () => timeAsync(() => throughStream(chunks, encoderTransform(createDataEncoder), sink)),
    nodemailer: () => timeAsync(() => throughStream(chunks, new DataStream(), sink)),
  };
  for (const seconds of await alternatingRounds(contenders, rounds)) {
    for (const name of Object.keys(rates)) rates[name].push(megabytes / seconds[name]);
    ratios.push(seconds.nodemailer / seconds.stream);
  }
  if (ignore === 0) throw new Error('nothing was encoded');

  table(
    ['contender', 'MB/s', 'output MB'],
    [
      [
        'ours, `createDataEncoder().push()` loop',
        spread(rates.loop),
        (ours.bytes / 2 ** 20).toFixed(1),
      ],
      ['ours, in a `stream.Transform`', spread(rates.stream), (ours.bytes / 2 ** 20).toFixed(1)],
      ['nodemailer `DataStream`', spread(rates.nodemailer), (theirs.bytes / 2 ** 20).toFixed(1)],
    ],
  );
  console.log(
    `\nours (Transform) ÷ nodemailer, per round: ${spread(ratios, 2)}×, median ${median(ratios).toFixed(2)}×.`,
  );
  console.log(
    `Output identical to nodemailer's: ${identical ? 'yes' : `no (ours ${ours.bytes} bytes, nodemailer ${theirs.bytes} bytes)`}.`,
  );
}
