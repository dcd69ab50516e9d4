/**
 * `beforeEndOfData` (SendOptions): awaited just before the end of data is handed to the
 * transport, on every path that can carry it: DATA with content in memory (one write with the
 * terminator) or streamed (before the terminator), BDAT frames and a BDAT stream (before LAST),
 * and the one-round-trip batch (before the batch). While the hook is pending the server has not
 * got the end of data; a hook that throws leaves the message `not-sent` and the server without
 * it. The durable queue's crash safety stands on this (decision 12 in docs/security.md).
 */
import type { ScriptStep } from 'test-servers';
import { describe, expect, it } from 'vitest';
import { decode, FAST, failure, useIntegrationFixtures } from './testing/integration.ts';

const { open, openPool, server, scripted } = useIntegrationFixtures({ closeServers: 'afterEach' });

const BODY = 'Subject: hook\r\n\r\nhello\r\n';

/** A message whose content is in memory, or the same content as a stream of two chunks. */
function raw(streamed: boolean) {
  async function* chunks(): AsyncGenerator<string> {
    yield 'Subject: hook\r\n\r\n';
    yield 'hello\r\n';
  }
  return {
    envelope: { from: 'ann@example.com', to: ['bob@example.com'] },
    raw: streamed ? chunks() : BODY,
  };
}

/** A hook that waits for `release()`, and says whether it has been called. */
function gate(): { hook: () => Promise<void>; called: Promise<void>; release: () => void } {
  let release = (): void => {};
  let entered = (): void => {};
  const called = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const hook = (): Promise<void> =>
    new Promise<void>((resolve) => {
      release = resolve;
      entered();
    });
  return { hook, called, release: () => release() };
}

describe('beforeEndOfData with DATA', () => {
  for (const streamed of [false, true]) {
    const form = streamed ? 'streamed' : 'in memory';

    it(`is awaited before the end of data (${form}): the server has nothing until it returns`, async () => {
      const s = await server({ security: 'none' });
      const client = open({ url: `smtp://127.0.0.1:${s.port}`, timeouts: FAST });
      const { hook, called, release } = gate();
      const sending = client.send(raw(streamed), { beforeEndOfData: hook });
      await called;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(s.messages).toHaveLength(0);
      release();
      expect((await sending).outcome).toBe('accepted');
      expect(s.messages).toHaveLength(1);
    });

    it(`fails the send not-sent when it throws (${form}), and the server gets no message`, async () => {
      const s = await server({ security: 'none' });
      const client = open({ url: `smtp://127.0.0.1:${s.port}`, timeouts: FAST });
      const cause = new Error('the outbox could not record it');
      const error = await failure(
        client.send(raw(streamed), {
          beforeEndOfData: () => {
            throw cause;
          },
        }),
      );
      expect(error).toMatchObject({ outcome: 'not-sent', temporary: false });
      expect(error.cause).toBe(cause);
      expect(s.messages).toHaveLength(0);
      // The dropped connection is replaced: the next message goes through.
      expect((await client.send(raw(streamed))).outcome).toBe('accepted');
    });
  }

  it('is not called when every recipient is refused', async () => {
    const s = await server({ security: 'none', rejectRecipients: { 'bob@example.com': 550 } });
    const client = open({ url: `smtp://127.0.0.1:${s.port}`, timeouts: FAST });
    let calls = 0;
    await failure(client.send(raw(false), { beforeEndOfData: () => void calls++ }));
    expect(calls).toBe(0);
  });

  it('is called once per attempt by a pool that retries', async () => {
    // The first message is refused with a 4xx after its data: a temporary failure, retried.
    let messages = 0;
    const s = await server({
      security: 'none',
      faults: (point) =>
        point.phase === 'message' && messages++ === 0
          ? { action: 'reply', code: 451, text: '4.3.0 try again' }
          : undefined,
    });
    const pool = openPool({ url: `smtp://127.0.0.1:${s.port}`, timeouts: FAST, retryDelay: 1 });
    let calls = 0;
    const result = await pool.send(raw(false), { beforeEndOfData: () => void calls++ });
    expect(result.outcome).toBe('accepted');
    expect(result.attempts).toBe(2);
    expect(calls).toBe(2);
  });
});

/** Greeting and EHLO, offering CHUNKING (and PIPELINING when asked). */
const opening = (pipelining: boolean): ScriptStep[] => [
  { send: '220 scripted ESMTP\r\n' },
  { expect: /^EHLO / },
  { send: `250-scripted\r\n${pipelining ? '250-PIPELINING\r\n' : ''}250 CHUNKING\r\n` },
];

describe('beforeEndOfData with BDAT', () => {
  it('comes before BDAT LAST, after the envelope, without PIPELINING', async () => {
    const sc = await scripted([
      ...opening(false),
      { expect: 'MAIL FROM:<ann@example.com>' },
      { send: '250 ok\r\n' },
      { expect: 'RCPT TO:<bob@example.com>' },
      { send: '250 ok\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: sc.url, chunking: true, timeouts: FAST });
    const error = await failure(
      client.send(raw(false), {
        beforeEndOfData: () => {
          throw new Error('no');
        },
      }),
    );
    expect(error.outcome).toBe('not-sent');
    await sc.done;
    const sent = sc.transcript
      .filter((entry) => entry.direction === 'in')
      .map((entry) => decode(entry.data))
      .join('');
    expect(sent).toContain('RCPT TO:<bob@example.com>');
    expect(sent).not.toContain('BDAT');
  });

  it('comes before the one-round-trip batch, so nothing of the message is written', async () => {
    const sc = await scripted([...opening(true), { readUntilClose: true }]);
    const client = open({ url: sc.url, timeouts: FAST });
    const error = await failure(
      client.send(raw(false), {
        beforeEndOfData: () => Promise.reject(new Error('no')),
      }),
    );
    expect(error.outcome).toBe('not-sent');
    await sc.done;
    const sent = sc.transcript
      .filter((entry) => entry.direction === 'in')
      .map((entry) => decode(entry.data))
      .join('');
    expect(sent).not.toContain('MAIL FROM');
  });

  it('comes before LAST in a streamed BDAT, after the chunks before it', async () => {
    // With PIPELINING the chunks go without waiting for their replies; the server reads on.
    const sc = await scripted([
      ...opening(true),
      { expect: 'MAIL FROM:<ann@example.com>' },
      { expect: 'RCPT TO:<bob@example.com>' },
      { send: '250 ok\r\n250 ok\r\n' },
      { readUntilClose: true },
    ]);
    // Chunks of 8 octets: the stream goes as BDAT chunks, and the hook stops it before LAST.
    const client = open({ url: sc.url, chunking: true, chunkSize: 8, timeouts: FAST });
    let calls = 0;
    const sending = client.send(raw(true), {
      beforeEndOfData: () => {
        calls++;
        throw new Error('stop');
      },
    });
    const error = await failure(sending);
    expect(calls).toBe(1);
    expect(error.outcome).toBe('not-sent');
    await sc.done;
    const sent = sc.transcript
      .filter((entry) => entry.direction === 'in')
      .map((entry) => decode(entry.data))
      .join('');
    expect(sent).toMatch(/BDAT 8\r\n/);
    expect(sent).not.toContain('LAST');
  });
});
