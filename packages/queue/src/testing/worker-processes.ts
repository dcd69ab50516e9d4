/**
 * Queue workers as child processes (worker-process.mjs), for the tests that kill or stop one:
 * a worker inside the test process cannot be killed the way a machine dies. Each call starts one
 * `node` process; `afterEach` kills whatever a test left running, so no worker outlives its test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { WorkerStats } from '../worker.ts';

const SCRIPT = fileURLToPath(new URL('./worker-process.mjs', import.meta.url));
/** Starting node and loading the package and BullMQ takes well under this, even on a busy machine. */
const READY_TIMEOUT_MS = 15_000;

/** What worker-process.mjs takes on its command line. */
export interface WorkerProcessOptions {
  readonly redis: string;
  readonly name: string;
  readonly smtp: string;
  readonly rateLimit?: { readonly max: number; readonly duration: number };
  readonly connections?: number;
  readonly concurrency?: number;
  readonly lockDuration?: number;
  readonly stalledInterval?: number;
}

/** How a worker process ended, and what it said. */
export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The worker's counts, from its `closed` line: only after a graceful close. */
  readonly stats: WorkerStats | undefined;
  readonly stderr: string;
}

/** A running worker process. */
export interface WorkerProcess {
  readonly pid: number;
  /** Settles when the process exits, however it exits. */
  readonly exited: Promise<WorkerExit>;
  kill(signal: 'SIGKILL' | 'SIGTERM'): void;
}

function argsOf(options: WorkerProcessOptions): string[] {
  const args = ['--redis', options.redis, '--name', options.name, '--smtp', options.smtp];
  const add = (flag: string, value: number | undefined) => {
    if (value !== undefined) args.push(flag, String(value));
  };
  add('--rate-max', options.rateLimit?.max);
  add('--rate-duration', options.rateLimit?.duration);
  add('--connections', options.connections);
  add('--concurrency', options.concurrency);
  add('--lock-duration', options.lockDuration);
  add('--stalled-interval', options.stalledInterval);
  return args;
}

/** Starts and stops worker processes for one test file; see the module docblock. */
export function useWorkerProcesses() {
  const running = new Set<ChildProcess>();
  afterEach(async () => {
    const left = [...running];
    running.clear();
    await Promise.all(
      left.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) resolve();
            else {
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }
          }),
      ),
    );
  });

  return {
    /** Starts a worker process and resolves once it takes jobs (its `ready` line). */
    async start(options: WorkerProcessOptions): Promise<WorkerProcess> {
      const child = spawn(process.execPath, [SCRIPT, ...argsOf(options)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      // 'close', not 'exit': the last line may still be in the pipe at 'exit'.
      const exited = new Promise<WorkerExit>((resolve) => {
        child.once('close', (code, signal) => {
          running.delete(child);
          const closed = /^closed (.*)$/m.exec(stdout)?.[1];
          resolve({
            code,
            signal,
            stats: closed === undefined ? undefined : (JSON.parse(closed) as WorkerStats),
            stderr,
          });
        });
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the worker process was not ready within ${READY_TIMEOUT_MS} ms`));
        }, READY_TIMEOUT_MS);
        const onData = () => {
          if (!/^ready$/m.test(stdout)) return;
          clearTimeout(timer);
          child.stdout.off('data', onData);
          resolve();
        };
        child.stdout.on('data', onData);
        void exited.then((exit) => {
          clearTimeout(timer);
          reject(
            new Error(
              `the worker process exited (${exit.signal ?? exit.code}) before it was ready:\n${exit.stderr}`,
            ),
          );
        });
      });
      return {
        pid: child.pid as number,
        exited,
        kill: (signal) => {
          child.kill(signal);
        },
      };
    },
  };
}
