/**
 * Test fixtures for the queue's integration tests: the run's redis-server (global set-up), a
 * fresh queue name per test so tests never see each other's jobs, the embedded SMTP server, and
 * everything closed after each test.
 */
import { randomUUID } from 'node:crypto';
import { type RunningSmtpServer, type StartSmtpServerOptions, startSmtpServer } from 'test-servers';
import { afterEach, inject } from 'vitest';
import { createOutbox, type Outbox, type OutboxOptions } from '../outbox.ts';
import { createWorker, type QueueWorker, type WorkerOptions } from '../worker.ts';

/** The Message-ID header of stored message bytes. */
export function messageIdIn(raw: Uint8Array): string | undefined {
  return /^message-id:[ \t]*(<[^>\r\n]*>)/im.exec(Buffer.from(raw).toString('latin1'))?.[1];
}

/** Resolves when `check()` holds, polling; fails after `timeoutMs` with `what`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Fixtures for one test file; see the module docblock. */
export function useQueueFixtures() {
  const redis = inject('redisUrl');
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  let name = '';
  return {
    redis,
    /** A queue name no other test uses; call once per test, before outbox() and worker(). */
    fresh(): string {
      name = `t-${randomUUID()}`;
      return name;
    },
    outbox(options: Partial<OutboxOptions> = {}): Outbox {
      const outbox = createOutbox({ redis, name, backoff: 10, ...options });
      closers.push(() => outbox.close());
      return outbox;
    },
    worker(options: Partial<WorkerOptions> & Pick<WorkerOptions, 'smtp'>): QueueWorker {
      const worker = createWorker({
        redis,
        name,
        lockDuration: 2_000,
        stalledInterval: 500,
        ...options,
      });
      closers.push(() => worker.close());
      return worker;
    },
    async smtp(options: StartSmtpServerOptions = {}): Promise<RunningSmtpServer> {
      const server = await startSmtpServer({ security: 'none', ...options });
      closers.push(() => server.close());
      return server;
    },
  };
}
