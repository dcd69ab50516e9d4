/**
 * `@smtp/queue` (issue 13): messages per second with 1, 2 and 4 worker processes over loopback,
 * and the queue's overhead per message against `SmtpPool` alone, in one run.
 *
 * - Redis: test-servers' `startRedis` (a `redis-server` child on 127.0.0.1, no persistence),
 *   one for the run. The sink: `lib/chunking-sink.mjs` in its own process, also one for the run:
 *   it greets at once (smtp-server holds every new connection 100 ms first), offers PIPELINING
 *   and CHUNKING (so the client sends BDAT), and must report exactly the messages sent after
 *   every measurement, or the suite stops.
 * - The queue, per measurement: a fresh queue. The outbox (in this process) enqueues 300
 *   warm-up messages per worker into the paused queue, the worker processes start
 *   (`lib/queue-worker.mjs`: `createWorker` with a pool of 5 connections and 10 jobs at once,
 *   its defaults, no rate limit), and the queue is resumed until those are sent: processes up,
 *   connections open, code warm. The queue is paused again and N messages enqueued (5000, a
 *   quarter with `--quick`; a 1 KB text, one recipient, composed by the outbox at enqueue as
 *   always). Timed: from `resume()` until the outbox counts all N completed (polled every 10 ms).
 * - `SmtpPool` alone: a fresh child process (this file with `--pool`) with one worker's pool
 *   (5 connections, `maxQueued` 10, `retries` 0) and 10 sends in flight (one worker's
 *   concurrency), sending the same kind of messages as raw content composed before the clock
 *   starts (as the outbox composes at enqueue), after the same warm-up. The queue's overhead per
 *   message is queue (1 worker) minus pool, per round, then the median.
 * - CPU over the timed part: of the sending processes (`process.cpuUsage()`, each worker's
 *   reported when it is stopped, before its close), and of `redis-server` (`/proc/<pid>/stat`,
 *   in 10 ms ticks), which only the queue uses.
 * - Rounds alternate the order of the contenders; a smaller warm-up round comes first and is
 *   not recorded.
 *
 * Every process shares the machine's cores: with 4 worker processes, Redis and the sink on 2,
 * the 4-worker figure cannot be linear. The figures are comparable only within one run on one
 * machine (see README.md).
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createOutbox } from '@smtp/queue';
import { startRedis } from 'test-servers';
import { startChunkingSink } from '../lib/chunking-sink.mjs';
import { median, spread, table } from '../lib/measure.mjs';
import { startQueueWorker } from '../lib/queue-worker.mjs';
import { TEXT_1K as TEXT } from '../lib/text.mjs';

const self = fileURLToPath(import.meta.url);
/** One worker's pool and concurrency (`createWorker`'s defaults), and the pool alone's. */
const CONNECTIONS = 5;
const IN_FLIGHT = 10;
const WARMUP_PER_PROCESS = 300;
/** Enqueued this many at a time: composing and storing in parallel, not 5000 promises at once. */
const BATCH = 250;
/** `/proc/<pid>/stat` counts CPU in clock ticks, USER_HZ, which is 100 on Linux. */
const MICROS_PER_TICK = 10_000;

function mailFor(n) {
  return {
    from: 'Bench Sender <sender@bench.example>',
    to: ['rcpt@bench.example'],
    subject: `Bench message ${n}`,
    text: TEXT,
  };
}

/** CPU µs `pid` has used so far, or `undefined` where there is no /proc. */
function processCpuMicros(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MICROS_PER_TICK;
  } catch {
    return undefined;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function enqueue(outbox, from, count) {
  for (let first = from; first < from + count; first += BATCH) {
    const size = Math.min(BATCH, from + count - first);
    await Promise.all(Array.from({ length: size }, (_, i) => outbox.enqueue(mailFor(first + i))));
  }
}

async function completedReaches(outbox, count) {
  while ((await outbox.queue.getCompletedCount()) < count) await sleep(10);
}

let queues = 0;

/** One measurement of the queue with `processes` workers; see the module docblock. */
async function measureQueue({ redis, sink }, processes, count) {
  const warmup = WARMUP_PER_PROCESS * processes;
  const outbox = createOutbox({
    redis: redis.url,
    name: `bench-${process.pid}-${++queues}`,
    // The end is found by counting completed jobs: keep them all.
    keepCompleted: warmup + count,
  });
  try {
    await outbox.queue.pause();
    await enqueue(outbox, 0, warmup);
    const workers = await Promise.all(
      Array.from({ length: processes }, () =>
        startQueueWorker({
          redis: redis.url,
          name: outbox.location.name,
          port: sink.port,
          connections: CONNECTIONS,
          concurrency: IN_FLIGHT,
        }),
      ),
    );
    await outbox.queue.resume();
    await completedReaches(outbox, warmup);
    await outbox.queue.pause();
    await enqueue(outbox, warmup, count);

    await Promise.all(workers.map((worker) => worker.go()));
    const redisBefore = processCpuMicros(redis.pid);
    const start = process.hrtime.bigint();
    await outbox.queue.resume();
    await completedReaches(outbox, warmup + count);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const redisAfter = processCpuMicros(redis.pid);
    const reports = await Promise.all(workers.map((worker) => worker.stop()));

    const counts = await outbox.counts();
    if (counts.failed + counts.held + counts.waiting + counts.active > 0) {
      throw new Error(`queue, ${processes} workers: ${JSON.stringify(counts)}`);
    }
    const sent = reports.reduce((sum, report) => sum + report.stats.sent, 0);
    await checkSink(sink, `queue, ${processes} workers`, warmup + count, sent);
    return {
      seconds,
      count,
      cpuMicros: reports.reduce((sum, report) => sum + report.cpuMicros, 0),
      redisMicros:
        redisBefore === undefined || redisAfter === undefined
          ? undefined
          : redisAfter - redisBefore,
    };
  } finally {
    // Each measurement's jobs go, so that Redis is as empty for the next one.
    await outbox.queue.obliterate({ force: true });
    await outbox.close();
  }
}

/** One measurement of `SmtpPool` alone, in a fresh child process. */
function measurePool({ sink }, count) {
  const args = [sink.port, count, WARMUP_PER_PROCESS].map(String);
  return new Promise((resolve, reject) => {
    const proc = fork(self, ['--pool', ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
    });
    proc.once('exit', (code) => {
      if (code !== 0) reject(new Error(`pool alone: child exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  }).then(async (result) => {
    await checkSink(sink, 'pool alone', WARMUP_PER_PROCESS + count, WARMUP_PER_PROCESS + count);
    return result;
  });
}

/** Checks that the sink got exactly `expected` messages, and forgets them. */
async function checkSink(sink, label, expected, sent) {
  const stats = await sink.stats({ reset: true });
  if (stats.messages !== expected || sent !== expected || stats.errorReplies > 0) {
    throw new Error(
      `${label}: the sink got ${stats.messages} messages (${stats.errorReplies} error replies), the senders reported ${sent}, expected ${expected}`,
    );
  }
}

/** Child mode: `SmtpPool` alone, one JSON line on stdout. */
async function poolChild(port, count, warmup) {
  const { SmtpPool } = await import('@smtp/client');
  const { Message } = await import('@smtp/mime');
  // Composed before the clock starts, as the outbox composes at enqueue.
  const messages = Array.from({ length: warmup + count }, (_, n) => {
    const message = new Message(mailFor(n));
    const { from, to } = message.envelope();
    return {
      envelope: { from, to },
      raw: message.toBytesSync({ smtpUtf8: false, allow8Bit: false }),
    };
  });
  // The pool a worker makes (worker.ts): the URL, room for its jobs, no retries of its own.
  const pool = new SmtpPool({
    url: `smtp://127.0.0.1:${port}`,
    maxQueued: IN_FLIGHT,
    maxConnections: CONNECTIONS,
    retries: 0,
  });
  const sendAll = async (from, to) => {
    let next = from;
    const lane = async () => {
      while (next < to) await pool.send(messages[next++]);
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  };
  await sendAll(0, warmup);
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await sendAll(warmup, warmup + count);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  await pool.close();
  process.stdout.write(
    `${JSON.stringify({ seconds, count, cpuMicros: used.user + used.system })}\n`,
  );
}

const CONTENDERS = [
  { key: 'pool', processes: 1, label: 'SmtpPool alone' },
  { key: 'q1', processes: 1, label: 'queue, 1 worker' },
  { key: 'q2', processes: 2, label: 'queue, 2 workers' },
  { key: 'q4', processes: 4, label: 'queue, 4 workers' },
];

function measure(env, contender, count) {
  return contender.key === 'pool'
    ? measurePool(env, count)
    : measureQueue(env, contender.processes, count);
}

/** Runs the suite: `{ rounds, scale }` as given by run.mjs. */
export async function run({ rounds, scale }) {
  const count = Math.max(500, Math.round(5000 * scale));
  const cores = cpus().length;
  console.log(
    `\n## queue: msg/s with 1, 2 and 4 worker processes, and SmtpPool alone (1 KB text, ${count} messages after ${WARMUP_PER_PROCESS} warm-up per process; ${CONNECTIONS} connections and ${IN_FLIGHT} in flight per process; ${rounds} round(s) after a warm-up round; ${cores} CPUs)\n`,
  );
  const redis = await startRedis();
  const sink = await startChunkingSink();
  const env = { redis, sink };
  try {
    // Warm Redis, the sink and the page cache up with a smaller round (not recorded).
    for (const contender of CONTENDERS) await measure(env, contender, Math.round(count / 5));
    const results = Object.fromEntries(CONTENDERS.map((c) => [c.key, []]));
    const overhead = { wall: [], cpu: [], total: [] };
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? CONTENDERS : [...CONTENDERS].reverse();
      const inRound = {};
      for (const contender of order) {
        const result = await measure(env, contender, count);
        const entry = {
          rate: result.count / result.seconds,
          wall: (result.seconds * 1e6) / result.count,
          cpu: result.cpuMicros / result.count,
          redis: result.redisMicros === undefined ? undefined : result.redisMicros / result.count,
        };
        results[contender.key].push(entry);
        inRound[contender.key] = entry;
      }
      const { pool, q1 } = inRound;
      overhead.wall.push(q1.wall - pool.wall);
      overhead.cpu.push(q1.cpu - pool.cpu);
      overhead.total.push(q1.cpu + (q1.redis ?? 0) - pool.cpu);
      console.log(
        `round ${round + 1}: ${CONTENDERS.map((c) => `${c.label} ${inRound[c.key].rate.toFixed(0)} msg/s ${inRound[c.key].cpu.toFixed(0)} µs/msg`).join('; ')}`,
      );
    }

    const one = results.q1.map((r) => r.rate);
    const rows = CONTENDERS.map((contender) => {
      const rs = results[contender.key];
      const col = (key, digits = 0) =>
        rs.some((r) => r[key] === undefined)
          ? '–'
          : spread(
              rs.map((r) => r[key]),
              digits,
            );
      // Per round: this contender's msg/s over the queue with one worker in the same round.
      const scaling = rs.map((r, i) => r.rate / one[i]);
      const cpuCell = col('cpu');
      return [
        contender.processes === 4 ? `${contender.label} (${cores} CPUs)` : contender.label,
        contender.processes,
        `${contender.processes * CONNECTIONS} / ${contender.processes * IN_FLIGHT}`,
        col('rate'),
        contender.key === 'pool' ? '–' : `${median(scaling).toFixed(2)}×`,
        col('wall'),
        cpuCell,
        contender.key === 'pool' ? '–' : col('redis'),
      ];
    });
    console.log('');
    table(
      [
        'contender',
        'processes',
        'connections / in flight',
        'msg/s',
        '÷ 1 worker',
        'wall µs/msg',
        'sending processes CPU µs/msg',
        'redis-server CPU µs/msg',
      ],
      rows,
    );
    const cell = (values) =>
      `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
    console.log('');
    table(
      [
        'queue overhead per message (1 worker − SmtpPool alone, per round)',
        'wall µs/msg',
        'sending process CPU µs/msg',
        'CPU µs/msg with redis-server',
      ],
      [['median (min–max)', cell(overhead.wall), cell(overhead.cpu), cell(overhead.total)]],
    );
    console.log(
      `\nThis machine has ${cores} CPUs: the worker processes, redis-server, the sink and this process share them, so throughput cannot grow linearly with the processes${cores <= 2 ? ' (4 workers on 2 cores least of all)' : ''}.`,
    );
  } finally {
    await sink.stop();
    await redis.close();
  }
}

const [mode, ...args] = process.argv.slice(2);
if (mode === '--pool') {
  const [port, count, warmup] = args.map(Number);
  await poolChild(port, count, warmup);
  process.exit(0);
}
