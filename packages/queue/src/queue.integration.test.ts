/**
 * The outbox and a worker against a real redis-server and the embedded SMTP server: a message
 * composed once and sent with its Message-ID, deduplication by id, the size limit at enqueue, and
 * the outcome mapping (4xx then success, 5xx at once, `not-sent` retried and bounded, `unknown`
 * held and never resent, `release` sending it again, `discard`), a job whose earlier attempt
 * reached the end of data held without sending, and a graceful close.
 */
import { Message } from '@smtp/mime';
import { describe, expect, it } from 'vitest';
import { QueueError } from './errors.ts';
import { messageIdIn, until, useQueueFixtures } from './testing/fixtures.ts';

const q = useQueueFixtures();

const mail = (subject = 'Queued') => ({
  from: 'ann@example.com',
  to: 'bob@example.org',
  subject,
  text: 'Hello from the outbox',
});

describe('enqueue', () => {
  it('composes once: the server gets the stored bytes with the same Message-ID', async () => {
    q.fresh();
    const server = await q.smtp();
    const outbox = q.outbox();
    const queued = await outbox.enqueue(mail(), { id: 'welcome-1' });
    expect(queued).toMatchObject({ id: 'welcome-1', queued: true });
    expect(queued.messageId).toMatch(/^<.+@.+>$/);
    const worker = q.worker({ smtp: `smtp://127.0.0.1:${server.port}` });
    const sent: string[] = [];
    worker.on('sent', (id) => sent.push(id));
    await until(async () => (await outbox.job('welcome-1'))?.state === 'completed', 'completion');
    expect(sent).toEqual(['welcome-1']);
    expect(server.messages).toHaveLength(1);
    expect(messageIdIn(server.messages[0]?.raw as Uint8Array)).toBe(queued.messageId);
    const job = await outbox.job('welcome-1');
    expect(job).toMatchObject({
      state: 'completed',
      attempts: 1,
      result: { outcome: 'accepted', accepted: ['bob@example.org'], messageId: queued.messageId },
    });
    expect(await outbox.counts()).toMatchObject({ completed: 1, failed: 0, held: 0 });
  });

  it('stores one job for one id: the second enqueue returns the first', async () => {
    q.fresh();
    const outbox = q.outbox();
    const first = await outbox.enqueue(mail('first'), { id: 'order-7' });
    const second = await outbox.enqueue(mail('second'), { id: 'order-7' });
    expect(second).toEqual({ ...first, queued: false });
    expect(await outbox.counts()).toMatchObject({ waiting: 1 });
  });

  it('takes a Message and raw content as the client does', async () => {
    q.fresh();
    const server = await q.smtp();
    const outbox = q.outbox();
    await outbox.enqueue(new Message(mail('a message')));
    await outbox.enqueue({
      envelope: { from: 'ann@example.com', to: ['bob@example.org', 'cy@example.org'] },
      raw: 'Message-ID: <raw-1@example.com>\r\nSubject: raw\r\n\r\nraw body\r\n',
    });
    q.worker({ smtp: `smtp://127.0.0.1:${server.port}` });
    await until(() => server.messages.length === 2, 'both messages');
    const ids = server.messages.map((m) => messageIdIn(m.raw));
    expect(ids).toContain('<raw-1@example.com>');
    expect(server.messages.find((m) => m.envelope.rcptTo.length === 2)).toBeDefined();
  });

  it('refuses a message over maxMessageSize at enqueue, storing nothing', async () => {
    q.fresh();
    const outbox = q.outbox({ maxMessageSize: 1000 });
    const error = await outbox
      .enqueue({ ...mail(), text: 'x'.repeat(5000) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(QueueError);
    expect(error).toMatchObject({ code: 'SMTP_QUEUE_MESSAGE_TOO_LARGE' });
    async function* stream(): AsyncGenerator<string> {
      for (;;) yield 'y'.repeat(400);
    }
    const streamed = await outbox
      .enqueue({ envelope: { from: 'a@example.com', to: 'b@example.org' }, raw: stream() })
      .catch((caught: unknown) => caught);
    expect(streamed).toMatchObject({ code: 'SMTP_QUEUE_MESSAGE_TOO_LARGE' });
    expect(await outbox.counts()).toMatchObject({ waiting: 0, delayed: 0 });
  });

  it('refuses a priority BullMQ cannot take', async () => {
    q.fresh();
    const outbox = q.outbox();
    for (const priority of [0, 2_097_153, 1.5]) {
      await expect(outbox.enqueue(mail(), { priority })).rejects.toMatchObject({
        code: 'SMTP_QUEUE_INVALID_OPTIONS',
      });
    }
    expect((await outbox.enqueue(mail(), { priority: 1, delay: 0 })).queued).toBe(true);
  });

  it.each(['', '42', 'a:b', 'x'.repeat(257), 'line\nbreak'])('refuses the id %j', async (id) => {
    q.fresh();
    const outbox = q.outbox();
    await expect(outbox.enqueue(mail(), { id })).rejects.toMatchObject({
      code: 'SMTP_QUEUE_INVALID_ID',
    });
  });
});

describe('outcomes mapped to job states', () => {
  it('retries a 4xx, then completes: one delivery, attempts 2', async () => {
    q.fresh();
    let messages = 0;
    const server = await q.smtp({
      faults: (point) =>
        point.phase === 'message' && messages++ === 0
          ? { action: 'reply', code: 451, text: '4.3.0 try later' }
          : undefined,
    });
    const outbox = q.outbox();
    await outbox.enqueue(mail(), { id: 'try-again' });
    const worker = q.worker({ smtp: `smtp://127.0.0.1:${server.port}` });
    const retrying: number[] = [];
    worker.on('retrying', (_id, _error, attempt) => retrying.push(attempt));
    await until(async () => (await outbox.job('try-again'))?.state === 'completed', 'completion');
    expect(retrying).toEqual([1]);
    expect(server.messages).toHaveLength(1);
    expect((await outbox.job('try-again'))?.attempts).toBe(2);
  });

  it('fails a 5xx at once, with no retry', async () => {
    q.fresh();
    const server = await q.smtp({ rejectRecipients: { 'bob@example.org': 550 } });
    const outbox = q.outbox();
    await outbox.enqueue(mail(), { id: 'no-such-user' });
    const worker = q.worker({ smtp: `smtp://127.0.0.1:${server.port}` });
    const failed: string[] = [];
    worker.on('failed', (id) => failed.push(id));
    await until(async () => (await outbox.job('no-such-user'))?.state === 'failed', 'failure');
    const job = await outbox.job('no-such-user');
    expect(job?.attempts).toBe(1);
    expect(job?.reason).toContain('550');
    expect(failed).toEqual(['no-such-user']);
    expect(await outbox.counts()).toMatchObject({ failed: 1, held: 0 });
  });

  it('retries not-sent (server down) up to the attempts, then fails', async () => {
    q.fresh();
    const server = await q.smtp();
    const port = server.port;
    await server.close();
    const outbox = q.outbox({ attempts: 3 });
    await outbox.enqueue(mail(), { id: 'nobody-home' });
    const worker = q.worker({ smtp: `smtp://127.0.0.1:${port}` });
    const retrying: number[] = [];
    const failed: string[] = [];
    worker.on('retrying', (_id, _error, attempt) => retrying.push(attempt));
    worker.on('failed', (id) => failed.push(id));
    await until(async () => (await outbox.job('nobody-home'))?.state === 'failed', 'failure');
    await until(() => failed.length === 1, 'the failed event');
    expect(retrying).toEqual([1, 2]);
    expect(failed).toEqual(['nobody-home']);
    expect(worker.stats).toMatchObject({ retrying: 2, failed: 1 });
    expect((await outbox.job('nobody-home'))?.reason).toContain('refused');
  });

  it('holds unknown, never resends it, and release sends it again', async () => {
    q.fresh();
    let drops = 0;
    // The server stores the message and drops the connection before its final reply.
    const server = await q.smtp({
      faults: (point) =>
        point.phase === 'message' && drops++ === 0 ? { action: 'drop' } : undefined,
    });
    const outbox = q.outbox();
    await outbox.enqueue(mail(), { id: 'maybe-out' });
    const worker = q.worker({ smtp: `smtp://127.0.0.1:${server.port}` });
    const held: string[] = [];
    worker.on('held', (id) => held.push(id));
    await until(async () => (await outbox.job('maybe-out'))?.state === 'held', 'the hold');
    expect(held).toEqual(['maybe-out']);
    expect(await outbox.counts()).toMatchObject({ held: 1, failed: 0 });
    const [listed] = await outbox.held();
    expect(listed).toMatchObject({ id: 'maybe-out', held: { code: 'SMTP_CONNECTION_CLOSED' } });
    // Never resent by itself: give the worker time to do something it must not.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(server.messages).toHaveLength(1);

    await outbox.release('maybe-out');
    await until(async () => (await outbox.job('maybe-out'))?.state === 'completed', 'the resend');
    expect(server.messages).toHaveLength(2);
    expect(await outbox.counts()).toMatchObject({ held: 0, completed: 1 });
  });

  it('discards a held job, and refuses to release what is not held', async () => {
    q.fresh();
    const server = await q.smtp({
      faults: (p) => (p.phase === 'message' ? { action: 'drop' } : undefined),
    });
    const outbox = q.outbox();
    await outbox.enqueue(mail(), { id: 'gone' });
    q.worker({ smtp: `smtp://127.0.0.1:${server.port}` });
    await until(async () => (await outbox.job('gone'))?.state === 'held', 'the hold');
    await outbox.discard('gone');
    expect(await outbox.job('gone')).toBeUndefined();
    expect(await outbox.counts()).toMatchObject({ held: 0, failed: 0 });
    await expect(outbox.release('gone')).rejects.toMatchObject({ code: 'SMTP_QUEUE_NOT_FOUND' });
    await outbox.enqueue(mail(), { id: 'waiting' });
    await expect(outbox.release('waiting')).rejects.toMatchObject({ code: 'SMTP_QUEUE_NOT_HELD' });
  });

  it('holds a job whose earlier attempt reached the end of data, without sending it', async () => {
    q.fresh();
    const server = await q.smtp();
    const outbox = q.outbox();
    await outbox.enqueue(mail(), { id: 'interrupted' });
    // What a worker killed after its end-of-data record leaves behind.
    const job = await outbox.queue.getJob('interrupted');
    await job?.updateProgress({ endOfData: Date.now() });
    q.worker({ smtp: `smtp://127.0.0.1:${server.port}` });
    await until(async () => (await outbox.job('interrupted'))?.state === 'held', 'the hold');
    expect((await outbox.job('interrupted'))?.held?.code).toBe('SMTP_QUEUE_INTERRUPTED');
    expect(server.messages).toHaveLength(0);
  });
});

describe('what the worker reports', () => {
  it('fails a job that enqueue did not write, without sending anything', async () => {
    q.fresh();
    const server = await q.smtp();
    const outbox = q.outbox();
    await outbox.queue.add('message', { to: 'someone' }, { jobId: 'stranger' });
    const worker = q.worker({ smtp: `smtp://127.0.0.1:${server.port}` });
    const failed: [string, Error][] = [];
    worker.on('failed', (id, error) => failed.push([id, error]));
    await until(() => failed.length === 1, 'the failure');
    expect(failed[0]?.[0]).toBe('stranger');
    expect(failed[0]?.[1]).toMatchObject({ code: 'SMTP_QUEUE_INVALID_JOB' });
    expect(server.totalConnections).toBe(0);
  });

  it('counts what it did, and lends its pool', async () => {
    q.fresh();
    const server = await q.smtp();
    const outbox = q.outbox();
    const worker = q.worker({
      smtp: { url: `smtp://127.0.0.1:${server.port}` },
      pool: { maxConnections: 2 },
      concurrency: 3,
    });
    await worker.ready();
    await Promise.all([1, 2, 3].map((n) => outbox.enqueue(mail(`n${n}`))));
    await until(() => worker.stats.sent === 3, 'three sends');
    expect(worker.stats).toEqual({ sent: 3, retrying: 0, failed: 0, held: 0 });
    expect(worker.pool.stats.accepted).toBe(3);
  });
});

describe('closing', () => {
  it('finishes the jobs in progress, then QUITs', async () => {
    q.fresh();
    const server = await q.smtp({
      faults: (point) => (point.phase === 'message' ? { action: 'delay', ms: 300 } : undefined),
    });
    const outbox = q.outbox();
    await outbox.enqueue(mail(), { id: 'in-flight' });
    const worker = q.worker({ smtp: `smtp://127.0.0.1:${server.port}` });
    await until(async () => (await outbox.job('in-flight'))?.state === 'active', 'the start');
    await worker.close();
    expect((await outbox.job('in-flight'))?.state).toBe('completed');
    expect(server.commands.map((c) => c.command)).toContain('QUIT');
    await expect(outbox.close()).resolves.toBeUndefined();
    await expect(outbox.counts()).rejects.toMatchObject({ code: 'SMTP_QUEUE_CLOSED' });
  });
});
