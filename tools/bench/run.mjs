#!/usr/bin/env node
/**
 * Runs the benchmark suites and prints Markdown tables. See README.md for what is and is not
 * measured. Options: `--suite reply-parser,dot-stuffing,...` (default: all; see SUITES), `--rounds N`
 * (default 5), `--quick` (1 round, a quarter of the data: a smoke run, not a measurement),
 * `--latency-ms N` (default 20: the delay the latency proxy of `chunking-latency` adds each way).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';

const SUITES = [
  'reply-parser',
  'dot-stuffing',
  'quoted-printable',
  'base64',
  'compose',
  'compose-small',
  'send',
  'large-send',
  'chunking-latency',
  'dkim',
  'queue',
];
const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: SUITES.join(',') },
    rounds: { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
    'latency-ms': { type: 'string', default: '20' },
  },
});
const suites = values.suite === 'all' ? SUITES : values.suite.split(',');
const unknown = suites.filter((s) => !SUITES.includes(s));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${SUITES.join(', ')}`);
  process.exit(2);
}
const rounds = values.quick ? 1 : Number(values.rounds);
const scale = values.quick ? 0.25 : 1;

const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GB`;
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(' / ');
const quick = values.quick ? ' (quick: a smoke run, not a measurement)' : '';
console.log(
  `Machine: ${machine}; Node ${process.version}; load ${load}; ${rounds} round(s) after a warm-up${quick}.`,
);
for (const suite of suites) {
  const { run } = await import(`./suites/${suite}.mjs`);
  await run({ rounds, scale, latencyMs: Number(values['latency-ms']) });
}
