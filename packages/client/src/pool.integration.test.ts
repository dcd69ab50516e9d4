/**
 * `SmtpPool` against real servers over loopback: connections shared and bounded, recycled after
 * `maxMessages`, closed when idle; the rate limit seen from the server's clock; the bounded
 * queue (refused at once, or waiting for room); retries only where the server cannot have taken
 * the message; `close()` and `destroy()`; events and diagnostics channels. The chaos run (many
 * messages, random faults) is in pool-chaos.integration.test.ts.
 */
import { execFile } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import { fileURLToPath } from 'node:url';
import type { Fault, FaultPoint, RunningSmtpServer } from 'test-servers';
import { describe, expect, it } from 'vitest';
import { POOL_CHANNELS, type SendResult } from './index.ts';
import { FAST, failure, sleep, useIntegrationFixtures } from './testing/integration.ts';

const { openPool, server } = useIntegrationFixtures({ closeServers: 'afterEach' });

const mail = (n: number) => ({
  from: 'ann@example.com',
  to: 'bob@example.com',
  subject: `Message ${n}`,
  text: `This is message number ${n}.\n`,
});
const many = (count: number) => Array.from({ length: count }, (_, n) => mail(n));
const base = (s: RunningSmtpServer) => ({ url: s.url, name: 'pool.test', timeouts: FAST });

/** MAIL commands per connection id, in the server's log. */
function mailsPerConnection(s: RunningSmtpServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of s.commands) {
    if (c.command === 'MAIL') counts.set(c.connectionId, (counts.get(c.connectionId) ?? 0) + 1);
  }
  return counts;
}

/** A fault plan: the nth time `phase` is reached (from 1, all connections), do `fault`. */
function onNth(plan: Partial<Record<FaultPoint['phase'], Record<number, Fault>>>) {
  const seen = new Map<string, number>();
  return ({ phase }: FaultPoint): Fault | undefined => {
    const n = (seen.get(phase) ?? 0) + 1;
    seen.set(phase, n);
    return plan[phase]?.[n];
  };
}

describe('SmtpPool: connections', () => {
  it('sends concurrently over at most maxConnections connections, then QUITs each on close', async () => {
    const s = await server({ replyDelayMs: { message: 20 } });
    const pool = openPool({ ...base(s), maxConnections: 3 });
    const results = await Promise.all(many(12).map((m) => pool.send(m)));
    expect(results.map((r) => r.outcome)).toEqual(Array(12).fill('accepted'));
    expect(results.every((r) => r.attempts === 1)).toBe(true);
    expect(s.messages).toHaveLength(12);
    expect(s.totalConnections).toBe(3);
    // Each connection carried several messages: the pool shares them.
    expect([...mailsPerConnection(s).values()].sort()).toEqual([4, 4, 4]);
    expect(pool.stats).toMatchObject({
      accepted: 12,
      inFlight: 0,
      queued: 0,
      connections: 3,
      idle: 3,
      connectionsOpened: 3,
    });
    await pool.close();
    expect(s.commands.filter((c) => c.command === 'QUIT')).toHaveLength(3);
    expect(pool.stats.connectionsClosed).toBe(3);
    const late = await failure(pool.send(mail(99)));
    expect(late).toMatchObject({ code: 'SMTP_CLIENT_CLOSED', outcome: 'not-sent' });
  });

  it('opens a fresh connection after maxMessages, and keepAlive: false means one message each', async () => {
    const s = await server();
    const pool = openPool({ ...base(s), maxConnections: 1, maxMessages: 3 });
    const closed: string[] = [];
    pool.on('connection-closed', (event) => closed.push(event.reason));
    for (const m of many(7)) await pool.send(m);
    expect([...mailsPerConnection(s).values()]).toEqual([3, 3, 1]);
    expect(closed).toEqual(['max-messages', 'max-messages']);
    // Each full connection said goodbye with QUIT.
    await sleep(20);
    expect(s.commands.filter((c) => c.command === 'QUIT')).toHaveLength(2);
    const single = openPool({ ...base(s), maxConnections: 2, keepAlive: false });
    s.reset();
    await Promise.all(many(4).map((m) => single.send(m)));
    expect([...mailsPerConnection(s).values()]).toEqual([1, 1, 1, 1]);
  });

  it('closes a connection idle for idleTimeout with QUIT', async () => {
    const s = await server();
    const pool = openPool({ ...base(s), idleTimeout: 50 });
    const closed = new Promise((resolve) => pool.once('connection-closed', resolve));
    await pool.send(mail(1));
    expect(await closed).toMatchObject({ reason: 'idle' });
    await sleep(20);
    expect(s.commands.at(-1)?.command).toBe('QUIT');
    expect(s.connections).toBe(0);
    expect(pool.stats.connections).toBe(0);
    // The next message opens a new one.
    await pool.send(mail(2));
    expect(s.totalConnections).toBe(2);
  });

  it('a connection busy past idleTimeout is kept; idleTimeout counts from its last message', async () => {
    // The idle timer of the first release fires while the second message is still being sent:
    // the connection is busy then and stays; the timer counts again from the second release.
    const s = await server({ replyDelayMs: { message: 80 } });
    const pool = openPool({ ...base(s), idleTimeout: 40 });
    const closed: { reason: string; at: number }[] = [];
    pool.on('connection-closed', (event) => closed.push({ reason: event.reason, at: Date.now() }));
    await pool.send(mail(1));
    await pool.send(mail(2));
    const released = Date.now();
    expect(closed).toEqual([]);
    expect(s.totalConnections).toBe(1);
    await sleep(150);
    expect(closed.map((c) => c.reason)).toEqual(['idle']);
    expect((closed[0] as { at: number }).at - released).toBeGreaterThanOrEqual(30);
  });

  it('with unref, an idle pool lets the process exit', async () => {
    const s = await server();
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `
      const { SmtpPool } = await import(${JSON.stringify(dist)});
      const pool = new SmtpPool({ url: ${JSON.stringify(s.url)}, unref: true, idleTimeout: 60000 });
      const result = await pool.send({ from: 'a@example.com', to: 'b@example.com', text: 'x' });
      console.log(result.outcome);`;
    const run = (code: string, timeout: number) =>
      new Promise<{ error: Error | null; stdout: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--input-type=module', '-e', code],
          { timeout },
          (error, stdout) => resolve({ error, stdout }),
        );
      });
    const unref = await run(script, 8000);
    expect(unref.error).toBeNull();
    expect(unref.stdout.trim()).toBe('accepted');
    // Without unref the idle connection holds the process until the timeout kills it.
    const kept = await run(script.replace('unref: true', 'unref: false'), 1500);
    expect(kept.error).not.toBeNull();
    expect(kept.stdout.trim()).toBe('accepted');
  }, 15_000);
});

describe('SmtpPool: rate limits', () => {
  it('never starts more than rateLimit messages in any rateInterval, by the server clock', async () => {
    const s = await server();
    const pool = openPool({ ...base(s), maxConnections: 4, rateLimit: 5, rateInterval: 300 });
    const started = Date.now();
    await Promise.all(many(20).map((m) => pool.send(m)));
    const elapsed = Date.now() - started;
    const times = s.commands.filter((c) => c.command === 'MAIL').map((c) => c.at);
    expect(times).toHaveLength(20);
    // The server reads each MAIL when its event loop gets to it, up to tens of ms after the pool
    // wrote it on a busy machine: the windows are checked 60 ms shorter than the limit's, while a
    // pool that let a burst through would put 6 starts within a few ms.
    for (let i = 0; i + 5 < times.length; i++) {
      expect((times[i + 5] as number) - (times[i] as number)).toBeGreaterThanOrEqual(240);
    }
    // 20 messages at 5 per 300 ms: three full windows at least.
    expect(elapsed).toBeGreaterThanOrEqual(900);
  });

  it('limits each connection with rateLimitPerConnection', async () => {
    const s = await server();
    const pool = openPool({
      ...base(s),
      maxConnections: 2,
      rateLimitPerConnection: 2,
      rateInterval: 200,
    });
    await Promise.all(many(8).map((m) => pool.send(m)));
    const byConnection = new Map<string, number[]>();
    for (const c of s.commands.filter((c) => c.command === 'MAIL')) {
      byConnection.set(c.connectionId, [...(byConnection.get(c.connectionId) ?? []), c.at]);
    }
    expect(byConnection.size).toBe(2);
    for (const times of byConnection.values()) {
      for (let i = 0; i + 2 < times.length; i++) {
        // 40 ms shorter than the limit's window, for the server's read delay (see above).
        expect((times[i + 2] as number) - (times[i] as number)).toBeGreaterThanOrEqual(160);
      }
    }
  });

  it('a message waiting for the rate limit stops when its signal aborts', async () => {
    const s = await server();
    const pool = openPool({ ...base(s), rateLimit: 1, rateInterval: 10_000 });
    await pool.send(mail(1));
    const controller = new AbortController();
    const waiting = pool.send(mail(2), { signal: controller.signal });
    await sleep(30);
    controller.abort();
    const error = await failure(waiting);
    expect(error).toMatchObject({ code: 'SMTP_ABORTED', outcome: 'not-sent', attempts: 0 });
    expect(s.messages).toHaveLength(1);
    expect(pool.stats.queued).toBe(0);
  });
});

describe('SmtpPool: the queue', () => {
  it('refuses a send at once when maxQueued messages wait', async () => {
    const s = await server({ replyDelayMs: { message: 100 } });
    const pool = openPool({ ...base(s), maxConnections: 1, maxQueued: 3 });
    const sends = many(4).map((m) => pool.send(m)); // one in flight, three queued
    const refused = await failure(pool.send(mail(5)));
    expect(refused).toMatchObject({
      name: 'SendError',
      code: 'SMTP_POOL_QUEUE_FULL',
      outcome: 'not-sent',
      temporary: true,
      attempts: 0,
    });
    expect((await Promise.all(sends)).length).toBe(4);
    expect(pool.stats.failed['not-sent']).toBe(1);
  });

  it("with whenFull: 'wait', sends wait for room and the queue never holds more", async () => {
    const s = await server({ replyDelayMs: { message: 5 } });
    const pool = openPool({ ...base(s), maxConnections: 2, maxQueued: 3, whenFull: 'wait' });
    let most = 0;
    pool.on('queued', ({ queued }) => {
      most = Math.max(most, queued);
    });
    const results = await Promise.all(many(30).map((m) => pool.send(m)));
    expect(results).toHaveLength(30);
    expect(most).toBeLessThanOrEqual(3);
    expect(s.messages).toHaveLength(30);
    // The sends went out in the order they were made.
    expect(
      s.messages.map(
        (m) =>
          Buffer.from(m.raw)
            .toString()
            .match(/Message (\d+)/)?.[1],
      ),
    ).toEqual(many(30).map((_, n) => String(n)));
  });

  it('a send waiting for room stops when its signal aborts', async () => {
    const s = await server({ replyDelayMs: { message: 100 } });
    const pool = openPool({ ...base(s), maxConnections: 1, maxQueued: 1, whenFull: 'wait' });
    const first = [pool.send(mail(1)), pool.send(mail(2))];
    const controller = new AbortController();
    const waiting = pool.send(mail(3), { signal: controller.signal });
    controller.abort();
    expect(await failure(waiting)).toMatchObject({ code: 'SMTP_ABORTED', outcome: 'not-sent' });
    await Promise.all(first);
    expect(s.messages).toHaveLength(2);
  });
});

describe('SmtpPool: retries', () => {
  it('retries a 4xx on another connection, with backoff, and says how many attempts', async () => {
    const s = await server({
      faults: onNth({
        mail: { 1: { action: 'reply', code: 451 }, 2: { action: 'reply', code: 451 } },
      }),
    });
    const pool = openPool({ ...base(s), maxConnections: 2, retryDelay: 20 });
    const retries: number[] = [];
    pool.on('retry', (event) => retries.push(event.attempt));
    const result = await pool.send(mail(1));
    expect(result).toMatchObject({ outcome: 'accepted', attempts: 3 });
    expect(retries).toEqual([2, 3]);
    expect(s.messages).toHaveLength(1);
    // Each retry on another connection than the attempt before it.
    const [first, second, third] = s.commands
      .filter((c) => c.command === 'MAIL')
      .map((c) => c.connectionId);
    expect(second).not.toBe(first);
    expect(third).not.toBe(second);
    expect(pool.stats.retried).toBe(2);
  });

  it('gives up after `retries` and reports the last failure with its attempts', async () => {
    const s = await server({ rejectRecipients: { 'bob@example.com': 452 } });
    const pool = openPool({ ...base(s), retries: 1, retryDelay: 1 });
    const error = await failure(pool.send(mail(1)));
    expect(error).toMatchObject({
      code: 'SMTP_REPLY',
      outcome: 'rejected',
      temporary: true,
      attempts: 2,
    });
    expect(s.commands.filter((c) => c.command === 'RCPT')).toHaveLength(2);
  });

  it('never retries a 5xx, an unknown outcome, or an invalid message', async () => {
    const refused = await server({ rejectRecipients: { 'bob@example.com': 550 } });
    const pool = openPool({ ...base(refused), retryDelay: 1 });
    expect(await failure(pool.send(mail(1)))).toMatchObject({ outcome: 'rejected', attempts: 1 });
    expect(refused.commands.filter((c) => c.command === 'RCPT')).toHaveLength(1);

    const dropping = await server({ faults: onNth({ message: { 1: { action: 'drop' } } }) });
    const other = openPool({ ...base(dropping), retryDelay: 1 });
    expect(await failure(other.send(mail(2)))).toMatchObject({ outcome: 'unknown', attempts: 1 });
    expect(dropping.messages).toHaveLength(1);
    await sleep(30);
    expect(dropping.messages).toHaveLength(1);

    const invalid = await failure(other.send({ from: 'not an address', to: 'b@example.com' }));
    expect(invalid).toMatchObject({ outcome: 'not-sent', attempts: 0 });
  });

  it('retries a connection that cannot open, then fails not-sent', async () => {
    const s = await server();
    const port = s.port;
    await s.close();
    const pool = openPool({ url: `smtp://127.0.0.1:${port}`, retries: 2, retryDelay: 5 });
    const error = await failure(pool.send(mail(1)));
    expect(error).toMatchObject({
      code: 'SMTP_CONNECTION_REFUSED',
      outcome: 'not-sent',
      temporary: true,
      attempts: 3,
    });
    expect(pool.stats.connectionsFailed).toBe(3);
  });

  it('retries raw bytes, but not a raw stream it already read', async () => {
    const s = await server({
      faults: onNth({
        message: { 1: { action: 'reply', code: 451 }, 2: { action: 'reply', code: 451 } },
      }),
    });
    const pool = openPool({ ...base(s), retryDelay: 1 });
    const envelope = { from: 'ann@example.com', to: 'bob@example.com' };
    const raw = 'Subject: raw\r\n\r\nbody\r\n';
    const bytes = await pool.send({ envelope, raw: new TextEncoder().encode(raw) });
    expect(bytes.attempts).toBe(3);
    async function* stream() {
      yield raw;
    }
    const other = await server({
      faults: onNth({ message: { 1: { action: 'reply', code: 451 } } }),
    });
    const streamed = await failure(
      openPool({ ...base(other), retryDelay: 1 }).send({ envelope, raw: stream() }),
    );
    expect(streamed).toMatchObject({ outcome: 'rejected', temporary: true, attempts: 1 });
    expect(other.messages).toHaveLength(0);
  });

  it('a connection is not reused after a timeout with an unknown outcome', async () => {
    const s = await server({ faults: onNth({ message: { 1: { action: 'delay', ms: 400 } } }) });
    const pool = openPool({
      ...base(s),
      maxConnections: 1,
      timeouts: { ...FAST, dataFinal: 100 },
    });
    const closed: string[] = [];
    pool.on('connection-closed', (event) => closed.push(event.reason));
    expect(await failure(pool.send(mail(1)))).toMatchObject({
      code: 'SMTP_TIMEOUT',
      outcome: 'unknown',
      attempts: 1,
    });
    expect(closed).toEqual(['failed']);
    await pool.send(mail(2));
    expect(s.totalConnections).toBe(2);
  });

  it('a 421 closes that connection only; the others go on', async () => {
    const s = await server({
      replyDelayMs: { message: 30 },
      faults: onNth({ rcpt: { 3: { action: 'reply', code: 421 } } }),
    });
    const pool = openPool({ ...base(s), maxConnections: 3, retryDelay: 1 });
    const closed: string[] = [];
    pool.on('connection-closed', (event) => closed.push(event.reason));
    const results = await Promise.all(many(9).map((m) => pool.send(m)));
    expect(results.every((r) => r.outcome === 'accepted')).toBe(true);
    expect(s.messages).toHaveLength(9);
    expect(closed).toEqual(['failed']);
    expect(pool.stats.connections).toBe(2 + (s.totalConnections - 3));
  });
});

describe('SmtpPool: close and destroy', () => {
  it('close() lets the queued messages finish first', async () => {
    const s = await server({ replyDelayMs: { message: 10 } });
    const pool = openPool({ ...base(s), maxConnections: 2 });
    const sends = many(10).map((m) => pool.send(m));
    const closing = pool.close();
    expect(await failure(pool.send(mail(10)))).toMatchObject({ code: 'SMTP_CLIENT_CLOSED' });
    await closing;
    expect((await Promise.all(sends)).length).toBe(10);
    expect(s.messages).toHaveLength(10);
    expect(s.commands.filter((c) => c.command === 'QUIT')).toHaveLength(2);
    expect(pool.close()).toBe(closing);
  });

  it('destroy() fails the queued messages at once and every send settles once', async () => {
    const s = await server({ replyDelayMs: { message: 200 } });
    const pool = openPool({ ...base(s), maxConnections: 2 });
    const settled: string[] = [];
    const sends = many(6).map((m, n) =>
      pool.send(m).then(
        () => settled.push(`${n} ok`),
        (error: { code: string; outcome: string }) =>
          settled.push(`${n} ${error.code} ${error.outcome}`),
      ),
    );
    await sleep(50);
    pool.destroy();
    pool.destroy();
    await Promise.all(sends);
    expect(settled).toHaveLength(6);
    const queued = settled.filter((line) => line.includes('SMTP_CLIENT_CLOSED not-sent'));
    expect(queued).toHaveLength(4);
    // The two in flight had written their end of data: their outcome is unknown.
    expect(settled.filter((line) => line.endsWith('unknown'))).toHaveLength(2);
    expect(pool.stats.connections).toBe(0);
    await pool.close();
  });
});

describe('SmtpPool: events and options', () => {
  it('publishes on the smtp:pool:* channels and emits the same events', async () => {
    const s = await server();
    const seen: string[] = [];
    const listeners = Object.entries(POOL_CHANNELS).map(([kind, name]) => {
      const listener = () => seen.push(kind);
      diagnosticsChannel.subscribe(name, listener);
      return () => diagnosticsChannel.unsubscribe(name, listener);
    });
    try {
      const pool = openPool(base(s));
      const accepted: SendResult[] = [];
      pool.on('accepted', (result) => accepted.push(result));
      await pool.send(mail(1));
      await pool.close();
      expect(seen).toEqual(['queued', 'connection-opened', 'accepted', 'connection-closed']);
      expect(accepted).toHaveLength(1);
    } finally {
      for (const stop of listeners) stop();
    }
  });

  it('validates the pool options with the client options', async () => {
    const s = await server();
    expect(() => openPool({ ...base(s), maxConnections: 0 })).toThrow(
      'maxConnections must be an integer from 1 to 1000',
    );
    expect(() => openPool({ ...base(s), whenFull: 'drop' as 'wait' })).toThrow(
      "whenFull must be 'reject' or 'wait'",
    );
    expect(() => openPool({ ...base(s), maxConection: 2 } as never)).toThrow(/maxConection/);
    expect(openPool(s.url).settings).toMatchObject({ maxConnections: 5, retries: 2 });
  });

  it('dryRun builds the bytes without connecting', async () => {
    const pool = openPool({ host: '127.0.0.1', port: 1, dryRun: true });
    const result = await pool.send(mail(1));
    expect(result.bytes).toBeInstanceOf(Uint8Array);
    expect(pool.stats.connections).toBe(0);
  });
});
