/**
 * One queue worker in a process of its own, for the crash test (crash.integration.test.ts): the
 * test kills it with SIGKILL, as a machine dies, or ends it with SIGTERM, as a deployment does.
 *
 * It runs the built package, as a user's worker would (the test set-up builds it first): plain
 * JavaScript, so `node` starts it with no build step of its own. The build is imported by its
 * path, `dist/index.js`, the file the exports map names, rather than by the package's own name,
 * which tools/check-boundaries reads as a dependency package.json does not declare.
 *
 *     node worker-process.mjs --redis redis://127.0.0.1:6379 --name q --smtp smtp://127.0.0.1:2525
 *       [--rate-max 1000 --rate-duration 1000] [--connections 5] [--concurrency 10]
 *       [--lock-duration 2000] [--stalled-interval 500]
 *
 * Stdout carries two lines, for the parent to wait on: `ready` once the worker takes jobs, and
 * `closed <stats as JSON>` when the process exits after a graceful close. SIGTERM closes the
 * worker (`handleSignals`), which lets the jobs in flight finish and QUITs; the process then
 * exits 0 by itself, with nothing left open, or not at all: a hang is a leak the test sees.
 * Problems the worker goes on after are written to stderr.
 */
import { parseArgs } from 'node:util';
import { createWorker } from '../../dist/index.js';

const { values } = parseArgs({
  options: {
    redis: { type: 'string' },
    name: { type: 'string' },
    smtp: { type: 'string' },
    'rate-max': { type: 'string' },
    'rate-duration': { type: 'string' },
    connections: { type: 'string', default: '5' },
    concurrency: { type: 'string' },
    // Short, so that the jobs of a killed worker come back within a few seconds.
    'lock-duration': { type: 'string', default: '2000' },
    'stalled-interval': { type: 'string', default: '500' },
  },
});

/** An integer option, or a usage error that names it. */
function integer(name) {
  const value = Number(values[name]);
  if (!Number.isInteger(value)) {
    process.stderr.write(`worker-process: --${name} must be an integer\n`);
    process.exit(2);
  }
  return value;
}

for (const required of ['redis', 'name', 'smtp']) {
  if (values[required] === undefined) {
    process.stderr.write(`worker-process: --${required} is required\n`);
    process.exit(2);
  }
}

const worker = createWorker({
  redis: values.redis,
  name: values.name,
  smtp: values.smtp,
  pool: { maxConnections: integer('connections') },
  ...(values.concurrency === undefined ? {} : { concurrency: integer('concurrency') }),
  ...(values['rate-max'] === undefined
    ? {}
    : { rateLimit: { max: integer('rate-max'), duration: integer('rate-duration') } }),
  lockDuration: integer('lock-duration'),
  stalledInterval: integer('stalled-interval'),
  handleSignals: true,
});
worker.on('error', (error) => process.stderr.write(`worker-process: ${error.message}\n`));

// 'exit' runs only when the process ends by itself (a signal's default action skips it), and
// writes to a pipe are synchronous on Linux, so this line is the last word of a clean close.
process.on('exit', (code) => {
  if (code === 0) process.stdout.write(`closed ${JSON.stringify(worker.stats)}\n`);
});

await worker.ready();
process.stdout.write('ready\n');
