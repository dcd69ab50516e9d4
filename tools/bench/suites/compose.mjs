/**
 * Composing a message with a large streamed attachment, ours (`Message.stream()` from
 * `@smtp/mime`) against Nodemailer's `MailComposer`, in MB/s of attachment and peak RSS.
 *
 * The message: a 1 KB ASCII text and one pseudo-random binary attachment generated as a stream
 * from a 1 MB pool in 64 KB chunks (never held whole in memory), read by both contenders from
 * the same kind of `Readable`. The composed bytes are drained and counted, not kept.
 *
 * Every measurement runs in a fresh child process (this file, run with `--child`), so the peak
 * RSS (`VmHWM`, see `peakRss`) is that contender's alone, as `../shared/bench` does. A second table measures ours with a 5 MB and a 500 MB attachment
 * (scaled with `--quick`): peak RSS must not grow with the attachment's size. A third gives the
 * bytes each contender allocates per attachment byte over an 8 MB attachment (in a child process
 * started for it, see `lib/allocation.mjs`): encoder output, the native base64 string, joins,
 * gathering.
 *
 * With `BENCH_MIME_BASELINE` naming a saved build of `@smtp/mime` (its `dist/index.js`, see
 * `compose-small.mjs`), that build is measured too, as `baseline`, in every table but the second.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ALLOCATION_FLAGS, allocatedBy } from '../lib/allocation.mjs';
import { median, prng, spread, table } from '../lib/measure.mjs';

const CHUNK = 64 * 1024;
const POOL = 2 ** 20;
const TEXT = `${'The quick brown fox jumps over the lazy dog. '.repeat(22).slice(0, 1000)}\n`;
const self = fileURLToPath(import.meta.url);

let pool;

/**
 * A Readable of `size` pseudo-random bytes, 64 KB subarrays of a 1 MB pool (made once per
 * process, so that neither its time nor its allocation counts as the contender's).
 */
function attachmentStream(size) {
  if (pool === undefined) {
    const random = prng(5322);
    pool = Buffer.alloc(POOL);
    for (let i = 0; i < POOL; i++) pool[i] = Math.floor(random() * 256);
  }
  let sent = 0;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const length = Math.min(CHUNK, size - sent);
      const offset = sent % (POOL - CHUNK);
      sent += length;
      this.push(pool.subarray(offset, offset + length));
    },
  });
}

function mail(size) {
  return {
    from: 'Bench Sender <sender@bench.example>',
    to: ['rcpt@bench.example'],
    subject: 'Compose benchmark',
    text: TEXT,
    attachments: [
      {
        filename: 'random.bin',
        contentType: 'application/octet-stream',
        content: attachmentStream(size),
      },
    ],
  };
}

async function composeOurs(size, baseline = false) {
  const { Message } = baseline
    ? await import(pathToFileURL(process.env.BENCH_MIME_BASELINE).href)
    : await import('@smtp/mime');
  const m = mail(size);
  const message = new Message({ ...m });
  let bytes = 0;
  for await (const chunk of message.stream()) bytes += chunk.length;
  return bytes;
}

async function composeNodemailer(size) {
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  let bytes = 0;
  for await (const chunk of new MailComposer(mail(size)).compile().createReadStream()) {
    bytes += chunk.length;
  }
  return bytes;
}

/**
 * This process's peak RSS in bytes: `VmHWM`, the high-water mark of its own address space. Not
 * `process.resourceUsage().maxRSS`: Linux carries ru_maxrss across fork and exec, so a child
 * would report its parent's peak (the suites before this one hold tens of MB of test data).
 */
function peakRss() {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

/** Child mode: one measurement, one JSON line on stdout. */
async function child(contender, size) {
  const compose =
    contender === 'nodemailer'
      ? composeNodemailer
      : (bytes) => composeOurs(bytes, contender === 'baseline');
  await compose(Math.min(size, 4 * 2 ** 20)); // warm-up: loads the modules, JITs the hot path
  if (process.argv[2] === '--alloc-child') {
    const allocated = await allocatedBy(() => compose(size));
    console.log(JSON.stringify({ perByte: allocated === null ? null : allocated / size }));
    return;
  }
  const rssBefore = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  const bytes = await compose(size);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ seconds, bytes, rssBefore, maxRss: peakRss() }));
}

function measure(contender, size, mode = '--child') {
  const flags = mode === '--alloc-child' ? ALLOCATION_FLAGS : [];
  const out = execFileSync(process.execPath, [...flags, self, mode, contender, String(size)], {
    encoding: 'utf8',
    maxBuffer: 2 ** 20,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const mb = (bytes) => bytes / 2 ** 20;

export async function run({ rounds, scale }) {
  const megabytes = Math.round(50 * scale);
  const size = megabytes * 2 ** 20;
  const { default: nodemailerPackage } = await import('nodemailer/package.json', {
    with: { type: 'json' },
  });
  console.log(
    `\n### Compose: 1 KB text + ${megabytes} MB streamed binary attachment, composed and drained (MB/s of attachment; nodemailer ${nodemailerPackage.version} MailComposer; each in a fresh process)\n`,
  );
  const contenders = [
    'ours',
    ...(process.env.BENCH_MIME_BASELINE ? ['baseline'] : []),
    'nodemailer',
  ];
  const results = Object.fromEntries(contenders.map((name) => [name, []]));
  const ratios = [];
  const baselineRatios = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...contenders].reverse() : contenders;
    const seconds = {};
    for (const name of order) {
      const result = measure(name, size);
      results[name].push(result);
      seconds[name] = result.seconds;
    }
    ratios.push(seconds.nodemailer / seconds.ours);
    if (seconds.baseline) baselineRatios.push(seconds.baseline / seconds.ours);
  }
  const row = (label, list) => [
    label,
    spread(list.map((r) => megabytes / r.seconds)),
    mb(list[0].bytes).toFixed(1),
    median(list.map((r) => mb(r.rssBefore))).toFixed(0),
    spread(list.map((r) => mb(r.maxRss))),
  ];
  table(
    ['contender', 'MB/s', 'output MB', 'RSS before MB', 'peak RSS MB'],
    [
      row('ours, `Message.stream()`', results.ours),
      ...(results.baseline ? [row('ours, baseline build', results.baseline)] : []),
      row('nodemailer `MailComposer`', results.nodemailer),
    ],
  );
  console.log(
    `\nours ÷ nodemailer, per round: ${spread(ratios, 2)}×, median ${median(ratios).toFixed(2)}×.`,
  );
  if (baselineRatios.length > 0) {
    console.log(
      `ours ÷ baseline, per round: ${spread(baselineRatios, 2)}×, median ${median(baselineRatios).toFixed(2)}×.`,
    );
  }

  const small = Math.max(1, Math.round(5 * scale));
  const large = Math.round(500 * scale);
  console.log(`\nPeak RSS of ours against attachment size (one process each):\n`);
  const sizes = [small, large].map((m) => [m, measure('ours', m * 2 ** 20)]);
  table(
    ['attachment MB', 'RSS before MB', 'peak RSS MB'],
    sizes.map(([m, r]) => [m, mb(r.rssBefore).toFixed(0), mb(r.maxRss).toFixed(0)]),
  );

  console.log(`\nBytes allocated per attachment byte (8 MB attachment, one process each):\n`);
  table(
    ['contender', 'allocated B per attachment B'],
    contenders.map((name) => {
      const { perByte } = measure(name, 8 * 2 ** 20, '--alloc-child');
      return [name, perByte === null ? 'n/a (a collection ran)' : perByte.toFixed(2)];
    }),
  );
}

if (process.argv[2] === '--child' || process.argv[2] === '--alloc-child') {
  await child(process.argv[3], Number(process.argv[4]));
}
