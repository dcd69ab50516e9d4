/**
 * What CHUNKING buys under latency: messages per second of `@smtp/client` through a proxy that
 * delays every chunk (default 20 ms each way, so RTT + 40 ms), against a sink offering
 * CHUNKING + PIPELINING and the same sink offering PIPELINING only, beside the round-trip-bound
 * ideals; and the same on plain loopback.
 *
 * - The sink is `lib/chunking-sink.mjs` (smtp-server does not offer CHUNKING), two instances in
 *   their own processes: one offering CHUNKING, one hiding it. Each has its own latency proxy
 *   (`lib/latency-proxy.mjs`), also in its own process.
 * - The client: `createSender()` below, an `SmtpPool` with `security: 'none'` and the default
 *   `chunking: 'auto'`, which takes BDAT wherever it saves a round trip. With CHUNKING offered
 *   the message goes as MAIL, RCPT and `BDAT n LAST` with the body in one write; without it as
 *   MAIL, RCPT, DATA, then the dot-terminated body.
 * - Every measurement runs in a fresh child process (this file with `--child`): it opens the
 *   connections, sends 2 warm-up messages per connection (100 on loopback, to warm the JIT up),
 *   then N timed messages per connection (30 through the proxy, 1000 on loopback), a 1 KB ASCII
 *   text to 1 or 10 recipients, with 2 sends per connection in flight, then closes. It reports
 *   wall time and `process.cpuUsage()` over the timed batch.
 * - After every measurement the sink reports what it received and forgets it: exactly the
 *   messages and recipients sent, all by BDAT on the CHUNKING sink and all by DATA on the other,
 *   or the suite stops.
 * - Rounds alternate which sink goes first; the CHUNKING ÷ PIPELINING-only ratio is taken inside
 *   each round, then the median over rounds is reported.
 * - "round trips/msg" is the time one message holds its connection divided by the proxy's RTT
 *   (`connections ÷ msg/s ÷ RTT`): 1 for MAIL, RCPT and `BDAT n LAST` with the body in one
 *   write, 2 when the client waits for the envelope replies (or the 354) before the body.
 *   The ideals are `connections ÷ RTT` (one round trip per message) and `connections ÷ 2·RTT`.
 *
 * Options beyond run.mjs's: `--latency-ms N` (run.mjs) sets the proxy's delay each way.
 * The figures are comparable only within one run on one machine (see README.md).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SmtpPool } from '@smtp/client';
import { startChunkingSink } from '../lib/chunking-sink.mjs';
import { startLatencyProxy } from '../lib/latency-proxy.mjs';
import { median, spread, table } from '../lib/measure.mjs';
import { TEXT_1K as TEXT } from '../lib/text.mjs';

const self = fileURLToPath(import.meta.url);

/** The client of this suite: one pool with `connections` kept connections. */
export function createSender({ host, port, connections }) {
  const pool = new SmtpPool({
    host,
    port,
    security: 'none',
    name: 'bench.local',
    maxConnections: connections,
    maxMessages: Number.MAX_SAFE_INTEGER,
  });
  return { send: (mail) => pool.send(mail), close: () => pool.close() };
}

function mailFor(n, rcpts) {
  return {
    from: 'Bench Sender <sender@bench.example>',
    to: Array.from({ length: rcpts }, (_, i) => `rcpt${i}@bench.example`),
    subject: `Bench message ${n}`,
    text: TEXT,
  };
}

/** Child mode: one measurement, one JSON line on stdout. */
async function child(port, connections, rcpts, count, warmup) {
  const sender = createSender({ host: '127.0.0.1', port, connections });
  let n = 0;
  // Every connection opens (greeting, EHLO) and sends its warm-up messages here, untimed: the
  // least-busy dispatch gives each client `warmup` of them.
  await Promise.all(
    Array.from({ length: connections * warmup }, () => sender.send(mailFor(n++, rcpts))),
  );
  const total = connections * count;
  let sent = 0;
  const lane = async () => {
    while (sent < total) {
      sent += 1;
      await sender.send(mailFor(n++, rcpts));
    }
  };
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 2 * connections }, lane));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  await sender.close();
  process.stdout.write(
    `${JSON.stringify({ seconds, cpuMicros: used.user + used.system, count: total })}\n`,
  );
}

function measure(port, { connections, rcpts, count, warmup }) {
  const args = [port, connections, rcpts, count, warmup].map(String);
  return new Promise((resolve, reject) => {
    const proc = fork(self, ['--child', ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
    });
    proc.once('exit', (code) => {
      if (code !== 0) reject(new Error(`measurement child exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

/** Checks that the sink got exactly what was sent, the way it should have been sent. */
async function check(sink, label, { connections, rcpts, count, warmup }) {
  const stats = await sink.sink.stats({ reset: true });
  const messages = connections * (count + warmup);
  const via = sink.chunking ? stats.bdatMessages : stats.dataMessages;
  const problems = [];
  if (stats.messages !== messages) problems.push(`${stats.messages} messages, not ${messages}`);
  if (stats.recipients !== messages * rcpts) {
    problems.push(`${stats.recipients} recipients, not ${messages * rcpts}`);
  }
  if (via !== stats.messages) {
    problems.push(
      `${stats.bdatMessages} by BDAT and ${stats.dataMessages} by DATA (${sink.chunking ? 'all by BDAT' : 'all by DATA'} expected)`,
    );
  }
  if (stats.errorReplies > 0) problems.push(`${stats.errorReplies} error replies`);
  if (problems.length > 0) {
    throw new Error(`${label}, ${sink.name}: the sink got ${problems.join('; ')}`);
  }
  return stats;
}

/** Runs the suite: `{ rounds, scale, latencyMs }` as given by run.mjs. */
export async function run({ rounds, scale, latencyMs = 20 }) {
  const rttSeconds = (2 * latencyMs) / 1000;
  const proxyCount = Math.max(8, Math.round(30 * scale));
  const loopCount = Math.max(100, Math.round(1000 * scale));
  const loopWarmup = Math.max(20, Math.round(100 * scale));
  const scenarios = [
    ...[1, 4].flatMap((connections) =>
      [1, 10].map((rcpts) => ({
        path: 'proxy',
        connections,
        rcpts,
        count: proxyCount,
        warmup: 2,
      })),
    ),
    ...[1, 10].map((rcpts) => ({
      path: 'loopback',
      connections: 1,
      rcpts,
      count: loopCount,
      warmup: loopWarmup,
    })),
  ];
  console.log(
    `\n## chunking-latency: msg/s with CHUNKING + PIPELINING and with PIPELINING only (1 KB text; proxy +${latencyMs} ms each way, RTT +${2 * latencyMs} ms, ${proxyCount} messages per connection after 2 warm-up; loopback ${loopCount} after ${loopWarmup}; ${rounds} round(s))\n`,
  );

  const started = [];
  const stopAll = () => Promise.all(started.map((s) => s.stop()));
  const sinks = [];
  try {
    for (const [chunking, name] of [
      [true, 'CHUNKING + PIPELINING'],
      [false, 'PIPELINING only'],
    ]) {
      const sink = await startChunkingSink({ chunking });
      started.push(sink);
      const proxy = await startLatencyProxy({ targetPort: sink.port, delayMs: latencyMs });
      started.push(proxy);
      sinks.push({ chunking, name, sink, ports: { loopback: sink.port, proxy: proxy.port } });
    }

    // Warm the sinks' JIT with a short loopback run each (not recorded).
    const warm = { connections: 1, rcpts: 1, count: 200, warmup: 20 };
    for (const sink of sinks) {
      await measure(sink.ports.loopback, warm);
      await check(sink, 'warm-up', warm);
    }

    const rows = [];
    for (const scenario of scenarios) {
      const { path, connections, rcpts } = scenario;
      const label = `${path} c${connections} r${rcpts}`;
      const results = { true: [], false: [] };
      const ratios = [];
      for (let round = 0; round < rounds; round += 1) {
        const order = round % 2 === 0 ? sinks : [...sinks].reverse();
        const inRound = {};
        for (const sink of order) {
          const result = await measure(sink.ports[path], scenario);
          await check(sink, label, scenario);
          const rate = result.count / result.seconds;
          const entry = {
            rate,
            cpu: result.cpuMicros / result.count,
            trips: connections / rate / rttSeconds,
          };
          results[sink.chunking].push(entry);
          inRound[sink.chunking] = entry;
        }
        ratios.push(inRound.true.rate / inRound.false.rate);
        const trips = (e) => (path === 'proxy' ? ` ${e.trips.toFixed(2)} RTT/msg` : '');
        console.log(
          `round ${round + 1} ${label}: CHUNKING ${inRound.true.rate.toFixed(1)} msg/s${trips(inRound.true)} ${inRound.true.cpu.toFixed(0)} µs/msg; PIPELINING only ${inRound.false.rate.toFixed(1)} msg/s${trips(inRound.false)} ${inRound.false.cpu.toFixed(0)} µs/msg; ${(inRound.true.rate / inRound.false.rate).toFixed(2)}×`,
        );
      }
      const col = (chunking, key, digits) =>
        spread(
          results[chunking].map((r) => r[key]),
          digits,
        );
      const digits = path === 'proxy' ? 1 : 0;
      const onProxy = (text) => (path === 'proxy' ? text : '–');
      rows.push([
        path === 'proxy' ? `proxy +${latencyMs} ms` : 'loopback',
        connections,
        rcpts,
        col(true, 'rate', digits),
        col(false, 'rate', digits),
        `${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
        onProxy(
          `${median(results.true.map((r) => r.trips)).toFixed(2)} / ${median(results.false.map((r) => r.trips)).toFixed(2)}`,
        ),
        onProxy((connections / rttSeconds).toFixed(1)),
        onProxy((connections / (2 * rttSeconds)).toFixed(1)),
        `${median(results.true.map((r) => r.cpu)).toFixed(0)} / ${median(results.false.map((r) => r.cpu)).toFixed(0)}`,
      ]);
    }
    console.log('');
    table(
      [
        'path',
        'conns',
        'rcpts',
        'CHUNKING + PIPELINING msg/s',
        'PIPELINING only msg/s',
        'CHUNKING ÷ PIPELINING only',
        'round trips/msg (CHUNKING / PIPELINING only)',
        'ideal 1 RTT/msg',
        'ideal 2 RTT/msg',
        'client µs/msg (CHUNKING / PIPELINING only)',
      ],
      rows,
    );
  } finally {
    await stopAll();
  }
}

const [mode, ...args] = process.argv.slice(2);
if (mode === '--child') {
  const [port, connections, rcpts, count, warmup] = args.map(Number);
  await child(port, connections, rcpts, count, warmup);
  process.exit(0);
}
