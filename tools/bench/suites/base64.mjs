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
 *
 * With `BENCH_MIME_BASELINE` naming a saved build of `@smtp/mime` (its `dist/index.js`, see
 * `compose-small.mjs`), that build's encoder runs in the loop too, and must give the same bytes.
 * A second table gives the bytes each contender allocates per input byte (4 MB in 64 KB chunks,
 * in a child process, see `lib/allocation.mjs`): output arrays, the native encoder's string,
 * joins.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBase64Encoder } from '@smtp/mime';
import { Encoder as NodemailerBase64Encoder } from 'nodemailer/lib/base64';
import { ALLOCATION_FLAGS, allocatedBy } from '../lib/allocation.mjs';
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
const self = fileURLToPath(import.meta.url);

/** The encoder of the saved build named by `BENCH_MIME_BASELINE`, if any. */
async function baselineEncoder() {
  const path = process.env.BENCH_MIME_BASELINE;
  if (!path) return undefined;
  return (await import(pathToFileURL(path).href)).createBase64Encoder;
}

/** Child mode (`--alloc-child name`): bytes allocated per input byte, one JSON line. */
async function allocationChild(name) {
  const input = makeInput(4);
  const chunks = chunksOf(input);
  const baseline = await baselineEncoder();
  const sink = () => {};
  const run = {
    loop: () => pushLoop(createBase64Encoder, chunks, sink),
    portable: () => pushLoop(() => createBase64Encoder({ portable: true }), chunks, sink),
    baseline: () => pushLoop(baseline, chunks, sink),
    nodemailer: () => throughStream(chunks, new NodemailerBase64Encoder({ lineLength: 76 }), sink),
  }[name];
  await run(); // warm-up
  const allocated = await allocatedBy(run);
  console.log(JSON.stringify({ perByte: allocated === null ? null : allocated / input.length }));
}

function allocationPerByte(name) {
  const out = execFileSync(process.execPath, [...ALLOCATION_FLAGS, self, '--alloc-child', name], {
    encoding: 'utf8',
    env: process.env,
  });
  const { perByte } = JSON.parse(out.trim().split('\n').pop());
  return perByte === null ? 'n/a (a collection ran)' : perByte.toFixed(2);
}

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
  const baseline = await baselineEncoder();
  if (baseline) {
    const c = collecting();
    pushLoop(baseline, chunks, c.sink);
    if (!c.result().equals(outputs.ours)) throw new Error('the baseline wrote other bytes');
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
  const ratios = { stream: [], loop: [], portable: [], baseline: [] };
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
  if (baseline) {
    rates.baseline = [];
    contenders.baseline = () => time(() => pushLoop(baseline, chunks, sink));
  }
  for (const seconds of await alternatingRounds(contenders, rounds)) {
    for (const name of Object.keys(rates)) rates[name].push(megabytes / seconds[name]);
    if (baseline) ratios.baseline.push(seconds.baseline / seconds.loop);
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
      ...(baseline
        ? [['ours, baseline build, loop (Buffer path)', spread(rates.baseline), mb('ours')]]
        : []),
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
  if (baseline) {
    console.log(
      `ours (loop) ÷ baseline (loop), per round: ${spread(ratios.baseline, 2)}×, median ${median(ratios.baseline).toFixed(2)}×.`,
    );
  }
  console.log(
    `Decoded back to the input by Buffer: ${roundTrips.join(', ')}; longest line ${longest}; identical to nodemailer's: ${identical}.`,
  );

  console.log('\nBytes allocated per input byte (4 MB in 64 KB chunks, one child process each):\n');
  const names = [
    ['loop', 'ours, loop (Buffer path)'],
    ...(baseline ? [['baseline', 'ours, baseline build, loop (Buffer path)']] : []),
    ['portable', 'ours, portable path'],
    ['nodemailer', 'nodemailer `base64` `Encoder` stream'],
  ];
  table(
    ['contender', 'allocated B per input B'],
    names.map(([name, label]) => [label, allocationPerByte(name)]),
  );
}

if (process.argv[2] === '--alloc-child') await allocationChild(process.argv[3]);
