/**
 * Crash safety across processes (decision 12 in docs/security.md, issue 13): three worker
 * processes send 5,000 messages to the embedded SMTP server under one global rate limit; one
 * is killed with SIGKILL mid-run, as a machine dies, and a replacement started. Then, from the
 * server's own record:
 *
 * - every completed job's Message-ID arrived exactly once, a held one's at most once, and no
 *   Message-ID twice: the killed worker's jobs were either sent again (never marked, so never
 *   sent) or held (marked, so perhaps sent), never both;
 * - every job is completed or held: none lost, none left waiting, active or failed;
 * - the global rate limit held on the server's clock, as far as BullMQ's limiter promises it:
 *   it admits `max` starts per fixed window, so a span of k windows' length holds at most
 *   (k + 1) * max (one of the limit's length up to twice the limit: see the rate check), and the
 *   run takes at least the windows its messages need.
 *
 * And SIGTERM, as a deployment sends it, lets the jobs in flight finish before the worker QUITs
 * and its process exits 0.
 */
import type { Job, Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { messageIdIn, until, useQueueFixtures } from './testing/fixtures.ts';
import { useWorkerProcesses } from './testing/worker-processes.ts';

const q = useQueueFixtures();
const workers = useWorkerProcesses();

const MESSAGES = 5_000;
/** Enqueued this many at a time: composing and storing in parallel, without 5,000 promises at once. */
const BATCH = 250;
/**
 * Over every worker of the queue. The three workers, unlimited, go at about twice this on a
 * 2-core machine, so the limit binds; the run takes about ten seconds.
 */
const RATE = { max: 500, duration: 1_000 } as const;
/** How much shorter than k times the limit's the checked windows are: see the rate check. */
const JITTER_MS = 200;

const mail = (n: number) => ({
  from: 'ann@example.com',
  to: 'bob@example.org',
  subject: `Crash test ${n}`,
  text: `Message ${n} of ${MESSAGES}`,
});

/** How many times the server received each Message-ID. */
function receivedCounts(raws: readonly Uint8Array[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const raw of raws) {
    const id = messageIdIn(raw) ?? '(none)';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Every job in one of BullMQ's states. */
async function jobsIn(queue: Queue, state: 'completed' | 'failed'): Promise<Job[]> {
  const jobs = await queue.getJobs([state], 0, -1);
  return jobs.filter((job): job is Job => job !== undefined);
}

/** The most stamps in any window of `ms` ms (stamps sorted). */
function busiestWindow(stamps: readonly number[], ms: number): number {
  let most = 0;
  let first = 0;
  for (let last = 0; last < stamps.length; last++) {
    while ((stamps[last] as number) - (stamps[first] as number) >= ms) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

describe('worker processes', () => {
  it('a worker killed mid-run: each message received once, held ones at most once, none lost, the rate kept', async () => {
    const name = q.fresh();
    const server = await q.smtp();
    const outbox = q.outbox();

    const messageIds = new Map<string, string>();
    for (let first = 0; first < MESSAGES; first += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, MESSAGES - first) }, (_, i) => first + i);
      const queued = await Promise.all(
        batch.map((n) => outbox.enqueue(mail(n), { id: `crash-${n}` })),
      );
      for (const job of queued) messageIds.set(job.id, job.messageId as string);
    }
    expect(new Set(messageIds.values()).size).toBe(MESSAGES);

    const options = { redis: q.redis, name, smtp: server.url, rateLimit: RATE };
    const running = await Promise.all([1, 2, 3].map(() => workers.start(options)));
    const started = Date.now();

    // A third of the way: the victim is busy, as are the others.
    await until(() => server.messages.length >= MESSAGES / 3, 'a third of the messages', 30_000);
    const victim = running[0];
    if (victim === undefined) throw new Error('no worker to kill');
    victim.kill('SIGKILL');
    const killed = await victim.exited;
    const killedAt = Date.now() - started;
    const receivedAtKill = server.messages.length;
    expect(killed.signal).toBe('SIGKILL');
    running[0] = await workers.start(options);

    await until(
      async () => {
        const counts = await outbox.counts();
        return counts.completed + counts.held === MESSAGES;
      },
      'every job completed or held',
      90_000,
    );
    const finished = Date.now() - started;
    const exits = await Promise.all(
      running.map((worker) => {
        worker.kill('SIGTERM');
        return worker.exited;
      }),
    );
    for (const exit of exits) expect(exit, exit.stderr).toMatchObject({ code: 0, signal: null });

    // No job lost: every one is completed or held, none anywhere else.
    const counts = await outbox.counts();
    expect(counts).toMatchObject({ waiting: 0, delayed: 0, active: 0, failed: 0 });
    expect(counts.completed + counts.held).toBe(MESSAGES);

    const completed = await jobsIn(outbox.queue, 'completed');
    const failed = await jobsIn(outbox.queue, 'failed');
    const held = new Set((await outbox.held()).map((job) => job.id));
    expect(completed).toHaveLength(counts.completed);
    // Held jobs are failed ones for BullMQ: every failed job here is a held one.
    expect(new Set(failed.map((job) => job.id))).toEqual(held);

    // From the server's record: completed exactly once, held at most once, nothing twice.
    const received = receivedCounts(server.messages.map((message) => message.raw));
    const times = (job: Job) => received.get(messageIds.get(job.id as string) as string) ?? 0;
    for (const job of completed) expect(times(job), job.id).toBe(1);
    for (const job of failed) expect(times(job), job.id).toBeLessThanOrEqual(1);
    const heldReceived = failed.filter((job) => times(job) === 1).length;
    expect([...received].filter(([, count]) => count > 1)).toEqual([]);
    expect(server.messages.length).toBe(counts.completed + heldReceived);

    // The kill landed mid-flight: the victim's jobs came back through BullMQ's stalled check, to
    // be sent again (never marked) or held (marked: perhaps sent).
    const cameBack = [...completed, ...failed].filter((job) => job.stalledCounter > 0);
    expect(cameBack.length).toBeGreaterThan(0);

    // The rate limit, on the server's clock. BullMQ's limiter is a fixed window: the first job a
    // worker takes opens a window of `duration` ms (a Redis key living that long) that admits
    // `max` starts, and the first start after it closed opens the next. A window of `duration`
    // ms on any other clock can straddle two of them and hold up to twice the limit: 565 to 798
    // of 500 in trial runs, for instance where the cold first window took 800 ms for its 500
    // starts and the warm second one 450 ms (the log line below gives this run's). What holds
    // for every window: a span of k windows' length meets at most k + 1 of the limiter's, so
    // holds at most (k + 1) * max starts.
    // The server stamps the end of data, after the job waited for one of its pool's connections
    // and went through MAIL, RCPT and DATA, in processes sharing two cores: about 20 ms after the
    // start, 120 at most in trial runs. The windows are checked JITTER_MS shorter, for that.
    const stamps = server.messages.map((message) => message.receivedAt).sort((a, b) => a - b);
    const span = (stamps.at(-1) as number) - (stamps[0] as number);
    for (let k = 1; k * RATE.duration <= span; k++) {
      const most = busiestWindow(stamps, k * RATE.duration - JITTER_MS);
      expect(most, `a window of ${k * RATE.duration - JITTER_MS} ms`).toBeLessThanOrEqual(
        (k + 1) * RATE.max,
      );
    }
    // And the limit did bind: the messages spread over at least the windows they need. The
    // workers, unlimited, go at about twice the limit here, so this fails a limiter that
    // counts per worker (three times the limit) or not at all.
    const needed = (Math.ceil(stamps.length / RATE.max) - 1) * RATE.duration;
    expect(span).toBeGreaterThanOrEqual(needed - JITTER_MS);

    console.log(
      `crash test: completed ${counts.completed}, held ${counts.held} (${heldReceived} of them ` +
        `received), received ${server.messages.length}; killed at ${killedAt} ms with ` +
        `${receivedAtKill} received, ${cameBack.length} jobs came back; all settled at ` +
        `${finished} ms; the busiest ${RATE.duration} ms holds ${busiestWindow(stamps, RATE.duration)} ` +
        `(limit ${RATE.max} per fixed window), the run spans ${span} ms (at least ${needed - JITTER_MS})`,
    );
  }, 120_000);

  it('SIGTERM: the jobs in flight finish, none held or failed, the worker QUITs and exits 0', async () => {
    const name = q.fresh();
    // The final reply comes late: the message is in, and its job still active.
    const server = await q.smtp({
      faults: (point) => (point.phase === 'message' ? { action: 'delay', ms: 400 } : undefined),
    });
    const outbox = q.outbox();
    for (let n = 0; n < 30; n++) await outbox.enqueue(mail(n), { id: `term-${n}` });
    const worker = await workers.start({ redis: q.redis, name, smtp: server.url });

    await until(() => server.messages.length > 0, 'a message awaiting its reply');
    const inFlight = (await outbox.queue.getActive()).map((job) => job.id as string);
    expect(inFlight.length).toBeGreaterThan(0);
    worker.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit, exit.stderr).toMatchObject({ code: 0, signal: null });

    for (const id of inFlight) expect((await outbox.job(id))?.state, id).toBe('completed');
    const counts = await outbox.counts();
    expect(counts).toMatchObject({ active: 0, failed: 0, held: 0 });
    // It stopped taking jobs: the rest wait for the next worker, untouched.
    expect(counts.completed + counts.waiting).toBe(30);
    expect(counts.waiting).toBeGreaterThan(0);
    expect(exit.stats).toMatchObject({ sent: counts.completed, held: 0, failed: 0 });
    const received = receivedCounts(server.messages.map((message) => message.raw));
    expect(received.size).toBe(counts.completed);
    expect([...received.values()].every((times) => times === 1)).toBe(true);
    // Every connection it opened ended with QUIT, and none is left open.
    const opened = new Set(server.commands.map((command) => command.connectionId));
    const quit = new Set(
      server.commands.filter((c) => c.command === 'QUIT').map((c) => c.connectionId),
    );
    expect(quit).toEqual(opened);
    await until(() => server.connections === 0, 'the connections closed');
  });
});
