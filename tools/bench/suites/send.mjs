/**
 * Messages per second on one kept connection, ours (`SmtpClient` from `@smtp/client`, keepAlive)
 * against Nodemailer 10.6.0 (`pool: true, maxConnections: 1, maxMessages: Infinity`), in the same
 * run, against a local smtp-server; and `SmtpPool` with one connection on the same messages, so
 * that the pool's own cost (queue, scheduler, events) shows as pool ÷ client.
 *
 * - The server runs in its own child process (this file with `--server`): test-servers'
 *   `startSmtpServer` (smtp-server 3.21.6) with the 100 ms greeting pause removed
 *   (`greetingPause: false`), plaintext, no AUTH; one instance advertises PIPELINING, one hides it.
 *   Its records are cleared before each measurement.
 * - Every measurement runs in a fresh child process (this file with `--child`): connect, 200
 *   warm-up messages, then N = 2000 timed messages sent one after the other (a 1 KB ASCII text,
 *   one recipient), then close. It reports wall time and `process.cpuUsage()` over the timed batch.
 * - Rounds alternate which contender goes first; the ratios (ours ÷ nodemailer for msg/s, and for
 *   client CPU µs/msg) are taken inside each round, then the median over rounds is reported.
 *
 * The figures are comparable only within one run on one machine (see README.md).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, spread, table } from '../lib/measure.mjs';

const self = fileURLToPath(import.meta.url);
const TEST_SERVERS = new URL('../../../test-servers/dist/index.js', import.meta.url).href;

/** A deterministic ~1 KB ASCII text with LF line breaks, lines under 72 characters. */
function text1k() {
  const words =
    'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(
      ' ',
    );
  let out = '';
  let line = '';
  let i = 0;
  while (out.length + line.length < 1000) {
    const word = words[(i * 7 + 3) % words.length];
    i += 1;
    if (line.length + word.length + 1 > 70) {
      out += `${line}\n`;
      line = '';
    }
    line += (line ? ' ' : '') + word;
  }
  return `${`${out}${line}\n`.slice(0, 1023).padEnd(1023, 'x')}\n`;
}

function mailFor(n) {
  return {
    from: 'Bench Sender <sender@bench.example>',
    to: ['rcpt@bench.example'],
    subject: `Bench message ${n}`,
    text: TEXT,
  };
}
const TEXT = text1k();

async function createOurs(port) {
  const { SmtpClient } = await import('@smtp/client');
  const client = new SmtpClient({
    host: '127.0.0.1',
    port,
    security: 'none',
    keepAlive: true,
    name: 'bench.local',
  });
  return { send: (mail) => client.send(mail), close: () => client.close() };
}

async function createPool(port) {
  const { SmtpPool } = await import('@smtp/client');
  const pool = new SmtpPool({
    host: '127.0.0.1',
    port,
    security: 'none',
    name: 'bench.local',
    maxConnections: 1,
    maxMessages: Number.MAX_SAFE_INTEGER,
  });
  return { send: (mail) => pool.send(mail), close: () => pool.close() };
}

const CREATE = { ours: createOurs, pool: createPool, nodemailer: createNodemailer };

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
  return { send: (mail) => transport.sendMail(mail), close: async () => transport.close() };
}

/** Child mode: one measurement, one JSON line on stdout. */
async function child(contender, port, count, warmup) {
  const client = await CREATE[contender](port);
  for (let n = 0; n < warmup; n += 1) await client.send(mailFor(n));
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let n = 0; n < count; n += 1) await client.send(mailFor(warmup + n));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  await client.close();
  process.stdout.write(
    `${JSON.stringify({ seconds, cpuMicros: used.user + used.system, count })}\n`,
  );
}

/** Server mode: an smtp-server in this process, driven over IPC. */
async function serverMode(pipelining) {
  const { startSmtpServer } = await import(TEST_SERVERS);
  const server = await startSmtpServer({
    greetingPause: false,
    extensions: { pipelining },
    socketTimeoutMs: 120_000,
  });
  process.on('message', async (message) => {
    if (message?.cmd === 'count') {
      const count = server.messages.length;
      server.reset();
      process.send({ type: 'count', count });
    } else if (message?.cmd === 'stop') {
      await server.close();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', port: server.port });
}

function startServer(pipelining) {
  const proc = fork(self, ['--server', pipelining ? 'pipelining' : 'no-pipelining'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('message', (message) => {
      if (message?.type !== 'ready') reject(new Error('server did not start'));
      else
        resolve({
          port: message.port,
          count: () =>
            new Promise((done) => {
              proc.once('message', (m) => done(m.count));
              proc.send({ cmd: 'count' });
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

function measure(contender, port, count, warmup) {
  return new Promise((resolve, reject) => {
    const proc = fork(self, ['--child', contender, String(port), String(count), String(warmup)], {
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

/** Runs the suite: `{ rounds, scale }` as given by run.mjs. */
export async function run({ rounds, scale }) {
  const count = Math.max(100, Math.round(2000 * scale));
  const warmup = Math.max(20, Math.round(200 * scale));
  const contenders = ['ours', 'pool', 'nodemailer'];
  console.log(
    `\n## send: messages/s on one kept connection (1 KB text, ${count} messages after ${warmup} warm-up, ${rounds} round(s))\n`,
  );
  const rows = [];
  for (const pipelining of [true, false]) {
    const server = await startServer(pipelining);
    const results = { ours: [], pool: [], nodemailer: [] };
    const ratios = { rate: [], cpu: [], poolCpu: [] };
    try {
      // Warm the server's JIT with a short run of each contender (not recorded).
      for (const contender of contenders) await measure(contender, server.port, 100, 20);
      await server.count();
      for (let round = 0; round < rounds; round += 1) {
        const order = round % 2 === 0 ? contenders : [...contenders].reverse();
        const inRound = {};
        for (const contender of order) {
          const result = await measure(contender, server.port, count, warmup);
          const received = await server.count();
          if (received !== count + warmup) {
            throw new Error(
              `${contender}: the server got ${received} messages, expected ${count + warmup}`,
            );
          }
          const rate = count / result.seconds;
          const cpu = result.cpuMicros / count;
          results[contender].push({ rate, cpu });
          inRound[contender] = { rate, cpu };
        }
        ratios.rate.push(inRound.ours.rate / inRound.nodemailer.rate);
        ratios.cpu.push(inRound.ours.cpu / inRound.nodemailer.cpu);
        ratios.poolCpu.push(inRound.pool.cpu / inRound.ours.cpu);
        console.log(
          `round ${round + 1} ${pipelining ? 'PIPELINING' : 'no PIPELINING'}: ours ${inRound.ours.rate.toFixed(0)} msg/s ${inRound.ours.cpu.toFixed(0)} µs/msg; nodemailer ${inRound.nodemailer.rate.toFixed(0)} msg/s ${inRound.nodemailer.cpu.toFixed(0)} µs/msg; ours ÷ nodemailer ${(inRound.ours.rate / inRound.nodemailer.rate).toFixed(2)}×; pool ${inRound.pool.rate.toFixed(0)} msg/s ${inRound.pool.cpu.toFixed(0)} µs/msg`,
        );
      }
    } finally {
      await server.stop();
    }
    const col = (contender, key, digits = 0) =>
      spread(
        results[contender].map((r) => r[key]),
        digits,
      );
    rows.push([
      pipelining ? 'yes' : 'no',
      col('ours', 'rate'),
      col('nodemailer', 'rate'),
      `${median(ratios.rate).toFixed(2)}× (${Math.min(...ratios.rate).toFixed(2)}–${Math.max(...ratios.rate).toFixed(2)})`,
      col('ours', 'cpu'),
      col('nodemailer', 'cpu'),
      `${median(ratios.cpu).toFixed(2)}×`,
      col('pool', 'rate'),
      col('pool', 'cpu'),
      `${median(ratios.poolCpu).toFixed(2)}× (${Math.min(...ratios.poolCpu).toFixed(2)}–${Math.max(...ratios.poolCpu).toFixed(2)})`,
    ]);
  }
  console.log('');
  table(
    [
      'PIPELINING',
      'ours msg/s',
      'nodemailer msg/s',
      'ours ÷ nodemailer',
      'ours client µs/msg',
      'nodemailer client µs/msg',
      'CPU ours ÷ nodemailer',
      'pool (1 connection) msg/s',
      'pool client µs/msg',
      'CPU pool ÷ client',
    ],
    rows,
  );
}

const [mode, ...args] = process.argv.slice(2);
if (mode === '--child') {
  const [contender, port, count, warmup] = args;
  await child(contender, Number(port), Number(count), Number(warmup));
  process.exit(0);
} else if (mode === '--server') {
  await serverMode(args[0] === 'pipelining');
}
