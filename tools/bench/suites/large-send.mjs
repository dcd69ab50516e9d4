/**
 * Sending one message with a large streamed attachment, ours (`SmtpClient` from `@smtp/client`)
 * against Nodemailer 10.6.0, in MB/s of attachment, client CPU and peak RSS: the whole path from
 * the attachment's `Readable` through MIME encoding, the DATA encoder and the socket.
 *
 * - The message: a 1 KB ASCII text and one pseudo-random binary attachment generated as a stream
 *   from a 1 MB pool in 64 KB chunks (never held whole in memory), as in `compose` and the
 *   yardstick's "Large message"; 50 MB by default (a quarter with `--quick`).
 * - The server runs in its own child process (this file with `--server`): test-servers'
 *   `startSmtpServer` (smtp-server 3.21.6), greeting pause removed, plaintext, PIPELINING and
 *   8BITMIME offered. After every measurement it reports what it received and forgets it: one
 *   message of the expected size whose attachment decodes to the bytes sent (sha256), or the
 *   suite stops.
 * - Every measurement runs in a fresh child process (this file with `--child`): connect, one
 *   small warm-up message and one 4 MB one (loads the modules, JITs the hot path), then the timed
 *   send. It reports wall time, `process.cpuUsage()` over the send, RSS before it and the peak
 *   RSS (`VmHWM`, see `peakRss`).
 * - Contenders run in alternating order inside each round; ratios are taken inside a round.
 *
 * Before/after in one run: set `BENCH_BASELINE` to the built `@smtp/client` entry of another
 * checkout (for example `git archive HEAD | tar -x -C /tmp/base`, then `pnpm install --offline`
 * and `npx turbo run build --filter @smtp/client...` there, and
 * `BENCH_BASELINE=/tmp/base/packages/client/dist/index.js`); it is measured as the contender
 * `baseline` beside `ours` and Nodemailer. Several, named: `BENCH_BASELINE=before=/a/index.js,
 * other=/b/index.js`.
 *
 * The figures are comparable only within one run on one machine (see README.md).
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, prng, spread, table } from '../lib/measure.mjs';

const self = fileURLToPath(import.meta.url);
const TEST_SERVERS = new URL('../../../test-servers/dist/index.js', import.meta.url).href;
const CHUNK = 64 * 1024;
const POOL = 2 ** 20;
const TEXT = `${'The quick brown fox jumps over the lazy dog. '.repeat(22).slice(0, 1000)}\n`;
const WARMUP = 4 * 2 ** 20;

/** The pool the attachment is cut from: the same bytes in every process. */
function pool() {
  const random = prng(5322);
  const bytes = Buffer.alloc(POOL);
  for (let i = 0; i < POOL; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** Calls `each` with the attachment's chunks, in order: `size` bytes, 64 KB views of the pool. */
function forEachChunk(size, bytes, each) {
  for (let sent = 0; sent < size; ) {
    const length = Math.min(CHUNK, size - sent);
    const offset = sent % (POOL - CHUNK);
    sent += length;
    each(bytes.subarray(offset, offset + length));
  }
}

/** A Readable of the attachment, pulled with backpressure. */
function attachmentStream(size, bytes) {
  const chunks = [];
  forEachChunk(size, bytes, (chunk) => chunks.push(chunk));
  let next = 0;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      this.push(next < chunks.length ? chunks[next++] : null);
    },
  });
}

function mail(size, bytes, subject) {
  return {
    from: 'Bench Sender <sender@bench.example>',
    to: ['rcpt@bench.example'],
    subject,
    text: TEXT,
    attachments: [
      {
        filename: 'random.bin',
        contentType: 'application/octet-stream',
        content: attachmentStream(size, bytes),
      },
    ],
  };
}

async function createOurs(port, entry) {
  const { SmtpClient } = await import(entry ?? '@smtp/client');
  const client = new SmtpClient({
    host: '127.0.0.1',
    port,
    security: 'none',
    keepAlive: true,
    name: 'bench.local',
  });
  return { send: (m) => client.send(m), close: () => client.close() };
}

async function createNodemailer(port) {
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    name: 'bench.local',
    pool: true,
    maxConnections: 1,
    maxMessages: Number.POSITIVE_INFINITY,
    logger: false,
    debug: false,
  });
  return { send: (m) => transport.sendMail(m), close: async () => transport.close() };
}

/**
 * This process's peak RSS in bytes: `VmHWM`, the high-water mark of its own address space (not
 * `resourceUsage().maxRSS`, which Linux carries across fork and exec).
 */
function peakRss() {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

/** The other builds of `@smtp/client` to measure, from `BENCH_BASELINE`: name → entry file. */
function baselines() {
  const entries = (process.env.BENCH_BASELINE ?? '').split(',').filter((entry) => entry !== '');
  return new Map(
    entries.map((entry) => {
      const at = entry.indexOf('=');
      return at === -1 ? ['baseline', entry] : [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
}

/** Child mode: one measurement, one JSON line on stdout. */
async function child(contender, port, size) {
  const bytes = pool();
  const other = baselines().get(contender);
  const client =
    contender === 'nodemailer'
      ? await createNodemailer(port)
      : await createOurs(port, other === undefined ? undefined : pathToFileURL(other).href);
  await client.send({ ...mail(0, bytes, 'warm-up'), attachments: [] });
  await client.send(mail(Math.min(size, WARMUP), bytes, 'warm-up'));
  const rssBefore = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await client.send(mail(size, bytes, 'Large message'));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const maxRss = peakRss();
  await client.close();
  console.log(
    JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, rssBefore, maxRss }),
  );
}

/** The sha256 of the attachment of `size` bytes, as the server should decode it. */
async function expectedSha256(size) {
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  forEachChunk(size, pool(), (chunk) => hash.update(chunk));
  return hash.digest('hex');
}

/** The decoded attachment of a received message: the base64 body of `random.bin`. */
async function attachmentSha256(raw) {
  const { createHash } = await import('node:crypto');
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1');
  const named = text.indexOf('filename=random.bin');
  const bodyStart = text.indexOf('\r\n\r\n', named) + 4;
  const bodyEnd = text.indexOf('\r\n--', bodyStart);
  if (named === -1 || bodyStart < 4 || bodyEnd === -1) return 'no attachment found';
  return createHash('sha256')
    .update(Buffer.from(text.slice(bodyStart, bodyEnd), 'base64'))
    .digest('hex');
}

/** Server mode: an smtp-server in this process, driven over IPC. */
async function serverMode() {
  const { startSmtpServer } = await import(TEST_SERVERS);
  const server = await startSmtpServer({ greetingPause: false, socketTimeoutMs: 120_000 });
  process.on('message', async (message) => {
    if (message?.cmd === 'check') {
      const received = server.messages.map((m) => m.raw);
      server.reset();
      const last = received.at(-1);
      process.send({
        type: 'check',
        count: received.length,
        bytes: last?.length ?? 0,
        sha256: last === undefined ? '' : await attachmentSha256(last),
      });
    } else if (message?.cmd === 'stop') {
      await server.close();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', port: server.port });
}

function startServer() {
  const proc = fork(self, ['--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('message', (message) => {
      if (message?.type !== 'ready') {
        reject(new Error('server did not start'));
        return;
      }
      resolve({
        port: message.port,
        check: () =>
          new Promise((done) => {
            proc.once('message', done);
            proc.send({ cmd: 'check' });
          }),
        stop: () =>
          new Promise((done) => {
            proc.once('exit', done);
            proc.send({ cmd: 'stop' });
          }),
      });
    });
  });
}

function measure(contender, port, size) {
  return new Promise((resolve, reject) => {
    const proc = fork(self, ['--child', contender, String(port), String(size)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
    });
    proc.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${contender}: child exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

const mb = (bytes) => bytes / 2 ** 20;

/** Runs the suite: `{ rounds, scale }` as given by run.mjs. */
export async function run({ rounds, scale }) {
  const megabytes = Math.max(1, Math.round(50 * scale));
  const size = megabytes * 2 ** 20;
  const others = baselines();
  const contenders = ['ours', ...others.keys(), 'nodemailer'];
  const { default: nodemailerPackage } = await import('nodemailer/package.json', {
    with: { type: 'json' },
  });
  console.log(
    `\n## large-send: one message with a ${megabytes} MB streamed binary attachment to a local smtp-server (MB/s of attachment; nodemailer ${nodemailerPackage.version}; each in a fresh process${[...others].map(([name, entry]) => `; ${name} = ${entry}`).join('')})\n`,
  );
  const expected = await expectedSha256(size);
  const server = await startServer();
  const results = Object.fromEntries(contenders.map((c) => [c, []]));
  const ratios = Object.fromEntries(contenders.map((c) => [c, []]));
  const wire = {};
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [...contenders].reverse() : contenders;
      const inRound = {};
      for (const contender of order) {
        const result = await measure(contender, server.port, size);
        const check = await server.check();
        if (check.count !== 3 || check.sha256 !== expected) {
          throw new Error(
            `${contender}: the server got ${check.count} messages (expected 3) and an attachment with sha256 ${check.sha256}, expected ${expected}`,
          );
        }
        wire[contender] = check.bytes;
        results[contender].push(result);
        inRound[contender] = result;
      }
      for (const contender of contenders) {
        ratios[contender].push(inRound.nodemailer.seconds / inRound[contender].seconds);
      }
      console.log(
        `round ${round + 1}: ${contenders.map((c) => `${c} ${(megabytes / inRound[c].seconds).toFixed(0)} MB/s ${inRound[c].cpuSeconds.toFixed(2)} s CPU ${mb(inRound[c].maxRss).toFixed(0)} MB peak`).join('; ')}`,
      );
    }
  } finally {
    await server.stop();
  }
  console.log('');
  table(
    [
      'contender',
      'MB/s',
      'speed ÷ nodemailer',
      'client CPU s',
      'RSS before MB',
      'peak RSS MB',
      'peak − before MB',
      'message at server MB',
    ],
    contenders.map((c) => {
      const list = results[c];
      return [
        c,
        spread(list.map((r) => megabytes / r.seconds)),
        `${median(ratios[c]).toFixed(2)}×`,
        spread(
          list.map((r) => r.cpuSeconds),
          2,
        ),
        median(list.map((r) => mb(r.rssBefore))).toFixed(0),
        spread(list.map((r) => mb(r.maxRss))),
        spread(list.map((r) => mb(r.maxRss - r.rssBefore))),
        mb(wire[c]).toFixed(1),
      ];
    }),
  );
}

const [mode, ...args] = process.argv.slice(2);
if (mode === '--child') {
  const [contender, port, size] = args;
  await child(contender, Number(port), Number(size));
  process.exit(0);
} else if (mode === '--server') {
  await serverMode();
}
