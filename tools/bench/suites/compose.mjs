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
 * (scaled with `--quick`): peak RSS must not grow with the attachment's size.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { median, prng, spread, table } from '../lib/measure.mjs';

const CHUNK = 64 * 1024;
const POOL = 2 ** 20;
const TEXT = `${'The quick brown fox jumps over the lazy dog. '.repeat(22).slice(0, 1000)}\n`;
const self = fileURLToPath(import.meta.url);

/** A Readable of `size` pseudo-random bytes, 64 KB subarrays of a 1 MB pool. */
function attachmentStream(size) {
  const random = prng(5322);
  const pool = Buffer.alloc(POOL);
  for (let i = 0; i < POOL; i++) pool[i] = Math.floor(random() * 256);
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

async function composeOurs(size) {
  const { Message } = await import('@smtp/mime');
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
  const compose = contender === 'ours' ? composeOurs : composeNodemailer;
  await compose(Math.min(size, 4 * 2 ** 20)); // warm-up: loads the modules, JITs the hot path
  const rssBefore = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  const bytes = await compose(size);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ seconds, bytes, rssBefore, maxRss: peakRss() }));
}

function measure(contender, size) {
  const out = execFileSync(process.execPath, [self, '--child', contender, String(size)], {
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
  const results = { ours: [], nodemailer: [] };
  const ratios = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? ['nodemailer', 'ours'] : ['ours', 'nodemailer'];
    const seconds = {};
    for (const name of order) {
      const result = measure(name, size);
      results[name].push(result);
      seconds[name] = result.seconds;
    }
    ratios.push(seconds.nodemailer / seconds.ours);
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
      row('nodemailer `MailComposer`', results.nodemailer),
    ],
  );
  console.log(
    `\nours ÷ nodemailer, per round: ${spread(ratios, 2)}×, median ${median(ratios).toFixed(2)}×.`,
  );

  const small = Math.max(1, Math.round(5 * scale));
  const large = Math.round(500 * scale);
  console.log(`\nPeak RSS of ours against attachment size (one process each):\n`);
  const sizes = [small, large].map((m) => [m, measure('ours', m * 2 ** 20)]);
  table(
    ['attachment MB', 'RSS before MB', 'peak RSS MB'],
    sizes.map(([m, r]) => [m, mb(r.rssBefore).toFixed(0), mb(r.maxRss).toFixed(0)]),
  );
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], Number(process.argv[4]));
}
