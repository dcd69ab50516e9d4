/**
 * One `@smtp/queue` worker in a process of its own, for the `queue` suite: worker processes are
 * what the queue scales by, and a process of its own is also what lets its CPU be measured alone.
 *
 * `startQueueWorker()` forks this file and resolves once the worker takes jobs, with:
 * - `go()`: the timed part starts now (the CPU the worker reports is counted from here); resolves
 *   once the worker has taken note;
 * - `stop()`: reports the CPU used since `go()` (`process.cpuUsage()`, all threads) and the
 *   worker's counts, then closes the worker gracefully (jobs in flight finish, QUIT) and exits.
 *   The close is not counted: a benchmark's worker stops once, a real one hardly ever.
 *
 * The worker is `createWorker()` with the given pool size and concurrency and BullMQ's defaults
 * otherwise (no rate limit), sending to `smtp://127.0.0.1:<port>`.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

/** Forks a worker process; resolves with `{ go(), stop() }` once it is ready. */
export function startQueueWorker({ redis, name, port, connections, concurrency }) {
  const args = [redis, name, port, connections, concurrency].map(String);
  const proc = fork(SELF, ['--serve', ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (type) =>
    new Promise((resolve) => {
      const listener = (message) => {
        if (message?.type !== type) return;
        proc.off('message', listener);
        resolve(message);
      };
      proc.on('message', listener);
    });
  return new Promise((resolve, reject) => {
    const failed = (code) => reject(new Error(`a queue worker process exited with ${code}`));
    proc.once('error', reject);
    proc.once('exit', failed);
    next('ready').then(() =>
      resolve({
        go: async () => {
          const going = next('going');
          proc.send({ cmd: 'go' });
          await going;
        },
        stop: async () => {
          proc.off('exit', failed);
          const exited = new Promise((done) => proc.once('exit', done));
          const report = next('report');
          proc.send({ cmd: 'stop' });
          const { cpuMicros, stats } = await report;
          const code = await exited;
          if (code !== 0) throw new Error(`a queue worker process exited with ${code}`);
          return { cpuMicros, stats };
        },
      }),
    );
  });
}

/** Child mode: the worker, driven over IPC. */
async function serve([redis, name, port, connections, concurrency]) {
  const { createWorker } = await import('@smtp/queue');
  const worker = createWorker({
    redis,
    name,
    smtp: `smtp://127.0.0.1:${port}`,
    pool: { maxConnections: Number(connections) },
    concurrency: Number(concurrency),
  });
  worker.on('error', (error) => process.stderr.write(`queue worker: ${error.message}\n`));
  let since = process.cpuUsage();
  process.on('message', async (message) => {
    if (message?.cmd === 'go') {
      since = process.cpuUsage();
      process.send({ type: 'going' });
    } else if (message?.cmd === 'stop') {
      const used = process.cpuUsage(since);
      const report = { type: 'report', cpuMicros: used.user + used.system, stats: worker.stats };
      await new Promise((sent) => process.send(report, sent));
      await worker.close();
      process.exit(0);
    }
  });
  // The suite stopped without stopping this worker (it failed): go with it.
  process.on('disconnect', () => process.exit(0));
  await worker.ready();
  process.send({ type: 'ready' });
}

if (process.argv[1] === SELF && process.argv[2] === '--serve') {
  await serve(process.argv.slice(3));
}
