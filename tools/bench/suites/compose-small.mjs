/**
 * Composing small messages, the per-message cost a client pays on a kept connection: messages/s,
 * CPU µs per message and the bytes allocated per message (what the garbage collector then has
 * to reclaim). Ours against Nodemailer's `MailComposer` in the same run, and against a
 * saved build of `@smtp/mime` when `BENCH_MIME_BASELINE` names its `dist/index.js` (a before and
 * after in one run: copy `packages/mime/dist` and `package.json` somewhere, with a `node_modules`
 * link to `packages/mime/node_modules`, before changing the package).
 *
 * One message, for every contender, is what `@smtp/client` does with `send(options)`:
 * `new Message(options)`, `validate()`, `envelope({ allow8Bit: true })`, `messageId`, then
 * `stream()` drained. For Nodemailer: `new MailComposer(options).compile()`, `getEnvelope()`,
 * `messageId()`, `createReadStream()` drained. Three messages, each with one From and one To:
 * - `text`: a 1 KB ASCII text (LF line breaks, lines under 72 characters: sent as 7bit);
 * - `text+html`: the same text and a 1.1 KB HTML alternative (multipart/alternative);
 * - `attachment`: the text and a 4 KB binary attachment given as bytes (multipart/mixed, base64).
 *
 * Every measurement runs in a fresh child process (this file with `--child`):
 * - `rate`: 3000 warm-up messages, then N = 20 000 (scaled by `--quick`) one after the other;
 *   wall time and `process.cpuUsage()`;
 * - `alloc`: 3000 warm-up messages, then the bytes 200 messages allocate (JS heap and ArrayBuffer
 *   backing stores, see `lib/allocation.mjs`), per message. Measured once per contender.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ALLOCATION_FLAGS, allocatedBy } from '../lib/allocation.mjs';
import { median, prng, spread, table } from '../lib/measure.mjs';

const self = fileURLToPath(import.meta.url);
const KINDS = ['text', 'text+html', 'attachment'];

const WORDS =
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris'.split(
    ' ',
  );

/** About `bytes` of ASCII prose, LF line breaks, lines of at most 72 characters. */
function prose(bytes) {
  const random = prng(7);
  let out = '';
  let line = '';
  while (out.length + line.length < bytes - 1) {
    const word = WORDS[Math.floor(random() * WORDS.length)];
    if (line.length + word.length + 1 > 72) {
      out += `${line}\n`;
      line = '';
    }
    line += (line ? ' ' : '') + word;
  }
  return `${`${out}${line}`.slice(0, bytes - 1)}\n`;
}

const TEXT = prose(1024);
const HTML = `<html><body><p>${TEXT.replaceAll('\n', '<br>\n')}</p></body></html>\n`;
const ATTACHMENT = (() => {
  const random = prng(2183);
  const out = Buffer.alloc(4096);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(random() * 256);
  return out;
})();

function options(kind) {
  const base = {
    from: 'a@example.com',
    to: ['b@example.com'],
    subject: 'Hello',
    text: TEXT,
  };
  if (kind === 'text+html') return { ...base, html: HTML };
  if (kind === 'attachment') {
    return { ...base, attachments: [{ filename: 'data.bin', content: ATTACHMENT }] };
  }
  return base;
}

async function composer(contender) {
  if (contender === 'nodemailer') {
    const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
    return async (kind) => {
      const mail = new MailComposer(options(kind)).compile();
      mail.getEnvelope();
      mail.messageId();
      let bytes = 0;
      for await (const chunk of mail.createReadStream()) bytes += chunk.length;
      return bytes;
    };
  }
  const { Message } =
    contender === 'baseline'
      ? await import(pathToFileURL(process.env.BENCH_MIME_BASELINE).href)
      : await import('@smtp/mime');
  return async (kind) => {
    const message = new Message(options(kind));
    message.validate();
    const envelope = message.envelope({ allow8Bit: true });
    void message.messageId;
    let bytes = 0;
    for await (const chunk of message.stream({
      smtpUtf8: envelope.needsSmtpUtf8,
      allow8Bit: true,
    })) {
      bytes += chunk.length;
    }
    return bytes;
  };
}

/** Child mode: one measurement, one JSON line on stdout. */
async function child(mode, contender, kind, count) {
  const compose = await composer(contender);
  let bytes = 0;
  for (let i = 0; i < 3000; i++) bytes = await compose(kind);
  if (mode === 'alloc') {
    const allocated = await allocatedBy(async () => {
      for (let i = 0; i < count; i++) await compose(kind);
    });
    console.log(
      JSON.stringify({ bytes, allocated: allocated === null ? null : allocated / count }),
    );
    return;
  }
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await compose(kind);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({ bytes, rate: count / seconds, cpuMicros: (used.user + used.system) / count }),
  );
}

function measure(mode, contender, kind, count) {
  const flags = mode === 'alloc' ? ALLOCATION_FLAGS : [];
  const out = execFileSync(
    process.execPath,
    [...flags, self, '--child', mode, contender, kind, String(count)],
    { encoding: 'utf8', maxBuffer: 2 ** 20 },
  );
  return JSON.parse(out.trim().split('\n').pop());
}

export async function run({ rounds, scale }) {
  const count = Math.round(20_000 * scale);
  const contenders = [
    'ours',
    ...(process.env.BENCH_MIME_BASELINE ? ['baseline'] : []),
    'nodemailer',
  ];
  const { default: nodemailerPackage } = await import('nodemailer/package.json', {
    with: { type: 'json' },
  });
  const label = {
    ours: 'ours',
    baseline: `ours, baseline (${process.env.BENCH_MIME_BASELINE})`,
    nodemailer: `nodemailer ${nodemailerPackage.version} \`MailComposer\``,
  };
  console.log(
    `\n### Compose small messages: new Message + envelope + stream, ${count} one after the other (each contender in a fresh process per round)\n`,
  );
  const rows = [];
  const notes = [];
  for (const kind of KINDS) {
    const results = Object.fromEntries(contenders.map((c) => [c, []]));
    const ratios = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [...contenders].reverse() : contenders;
      for (const name of order) results[name].push(measure('rate', name, kind, count));
      ratios.push(results.ours[round].rate / results.nodemailer[round].rate);
      if (results.baseline) {
        notes.push([kind, results.ours[round].rate / results.baseline[round].rate]);
      }
    }
    for (const name of contenders) {
      const list = results[name];
      const alloc = measure('alloc', name, kind, 200).allocated;
      rows.push([
        kind,
        label[name],
        list[0].bytes,
        spread(list.map((r) => r.rate)),
        median(list.map((r) => r.cpuMicros)).toFixed(1),
        alloc === null ? 'n/a (a collection ran)' : (alloc / 1024).toFixed(1),
      ]);
    }
    notes.push([kind, 'nodemailer', median(ratios)]);
  }
  table(['message', 'contender', 'octets', 'messages/s', 'CPU µs/msg', 'allocated KB/msg'], rows);
  console.log('');
  for (const kind of KINDS) {
    const vsNodemailer = notes.find((n) => n[0] === kind && n[1] === 'nodemailer')[2];
    const vsBaseline = notes.filter((n) => n[0] === kind && typeof n[1] === 'number');
    const baseline =
      vsBaseline.length > 0
        ? `; ours ÷ baseline ${spread(
            vsBaseline.map((n) => n[1]),
            2,
          )}×, median ${median(vsBaseline.map((n) => n[1])).toFixed(2)}×`
        : '';
    console.log(
      `${kind}: ours ÷ nodemailer messages/s, median per round ${vsNodemailer.toFixed(2)}×${baseline}.`,
    );
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4], process.argv[5], Number(process.argv[6]));
}
