import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseMessage } from './parsed-message.ts';
import type { ReceivedMessage } from './received-message.ts';
import { type RunningSmtpServer, startSmtpServer } from './smtp-server.ts';
import { deliver } from './testing/deliver.ts';
import { plainMessage } from './testing/messages.ts';
import { type MessageSource, MessageWaitTimeoutError, waitForMessage } from './wait-for-message.ts';

let server: RunningSmtpServer;
beforeAll(async () => {
  server = await startSmtpServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const send = (subject: string, to = 'bob@example.org', from = 'ann@example.com') =>
  deliver(server, { from, to: [to], message: plainMessage({ subject }) });

describe('waitForMessage', () => {
  it('resolves with a message that arrives after the call, parsed', async () => {
    const waiting = server.waitForMessage({ to: 'bob@example.org', subject: 'Later' });
    await send('Earlier, other subject');
    await send('Later');
    const message = await waiting;
    expect(message.parsed.subject).toBe('Later');
    expect(message.envelope).toMatchObject({
      mailFrom: 'ann@example.com',
      rcptTo: ['bob@example.org'],
    });
    expect(new TextDecoder().decode(message.raw)).toContain('Subject: Later\r\n');
  });

  it('resolves with a message already received', async () => {
    await send('Already here');
    const message = await server.waitForMessage({ subject: 'Already here', timeout: 0 });
    expect(message.parsed.subject).toBe('Already here');
  });

  it('matches recipients and senders without regard to case, and patterns', async () => {
    await send('One', 'carol@example.org', 'Zed@Example.com');
    await send('Two', 'Dan@Example.org');
    expect((await server.waitForMessage({ to: 'DAN@example.ORG' })).parsed.subject).toBe('Two');
    expect((await server.waitForMessage({ from: 'zed@example.com' })).parsed.subject).toBe('One');
    expect((await server.waitForMessage({ to: /^carol@/, subject: /^O/ })).parsed.subject).toBe(
      'One',
    );
    const found = await server.waitForMessage({ where: (m) => m.parsed.subject === 'Two' });
    expect(found.envelope.rcptTo).toEqual(['Dan@Example.org']);
  });

  it('returns the first match in arrival order', async () => {
    await send('Match A');
    await send('Match B');
    expect((await server.waitForMessage({ subject: /^Match/ })).parsed.subject).toBe('Match A');
  });

  it('rejects after the timeout, naming what it waited for and what arrived', async () => {
    await send('Something else', 'carol@example.org');
    const error = await server
      .waitForMessage({ to: 'bob@example.org', subject: 'Never', timeout: 50 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MessageWaitTimeoutError);
    expect(error).toMatchObject({
      name: 'MessageWaitTimeoutError',
      code: 'SMTP_TEST_SERVER_WAIT_TIMEOUT',
    });
    expect((error as Error).message).toBe(
      'no message to bob@example.org, with subject "Never" arrived within 50 ms; 1 message(s) ' +
        'received (last: from <ann@example.com> to <carol@example.org>)',
    );
  });

  it('says "at all" when nothing arrived and nothing was asked for', async () => {
    await expect(server.waitForMessage({ timeout: 10 })).rejects.toThrow(
      'no message at all arrived within 10 ms; 0 message(s) received',
    );
  });

  it('stops waiting when its signal aborts, with the signal reason', async () => {
    const controller = new AbortController();
    const waiting = server.waitForMessage({ subject: 'x', signal: controller.signal });
    controller.abort(new Error('test over'));
    await expect(waiting).rejects.toThrow('test over');
    await expect(
      server.waitForMessage({ signal: AbortSignal.abort(new Error('already')) }),
    ).rejects.toThrow('already');
  });

  it('refuses a negative or non-finite timeout', async () => {
    await expect(server.waitForMessage({ timeout: -1 })).rejects.toThrow(RangeError);
    await expect(server.waitForMessage({ timeout: Number.NaN })).rejects.toThrow(RangeError);
  });

  it('ends with the error a `where` throws', async () => {
    await send('Any');
    await expect(
      server.waitForMessage({
        where: () => {
          throw new Error('bad predicate');
        },
      }),
    ).rejects.toThrow('bad predicate');
  });

  it('skips a message the parser refuses and goes on waiting', async () => {
    const broken: ReceivedMessage = {
      envelope: {
        mailFrom: 'a@example.com',
        rcptTo: ['b@example.org'],
        mailParams: {},
        rcptParams: [],
      },
      raw: new Uint8Array(0),
      secure: false,
      connectionId: 'x',
      receivedAt: 0,
    };
    const good = { ...broken, raw: new TextEncoder().encode('Subject: ok\r\n\r\nok\r\n') };
    let listener: ((message: ReceivedMessage) => void) | undefined;
    // A raw value postal-mime rejects, standing in for bytes no parser can read.
    const unreadable = { ...broken, raw: 42 as unknown as Uint8Array };
    const source: MessageSource = {
      messages: [unreadable],
      onMessage(next) {
        listener = next;
        return () => {
          listener = undefined;
        };
      },
    };
    const waiting = waitForMessage(source, { to: 'b@example.org', timeout: 1000 });
    listener?.(good);
    expect((await waiting).parsed.subject).toBe('ok');
    expect(listener).toBeUndefined();
  });
});

describe('startSmtpServer: bounded capture', () => {
  it('keeps only the newest maxMessages and tells every listener', async () => {
    const bounded = await startSmtpServer({ maxMessages: 2, recordCommands: false });
    try {
      const seen: string[] = [];
      const stop = bounded.onMessage((message) => seen.push(message.connectionId));
      for (const subject of ['1', '2', '3']) {
        await deliver(bounded, {
          from: 'a@example.com',
          to: ['b@example.org'],
          message: plainMessage({ subject }),
        });
      }
      stop();
      await deliver(bounded, {
        from: 'a@example.com',
        to: ['b@example.org'],
        message: plainMessage({ subject: '4' }),
      });
      expect(seen).toHaveLength(3);
      const subjects = await Promise.all(
        bounded.messages.map(async (message) => (await parseMessage(message)).subject),
      );
      expect(subjects).toEqual(['3', '4']);
      expect(bounded.commands).toEqual([]);
    } finally {
      await bounded.close();
    }
  });

  it('refuses a negative maxMessages', async () => {
    await expect(startSmtpServer({ maxMessages: -1 })).rejects.toThrow(RangeError);
  });
});
