/**
 * CHUNKING with PIPELINING against the scripted server: a message whose content is one
 * `BDAT n LAST` goes in the envelope batch, so it costs one round trip (envelope-batch.ts,
 * bdat-body.ts, transaction.ts). Each case proves it where it can be seen: the server reads the
 * whole batch before it answers anything (a client that waited for a reply would stall the
 * script), the transcript shows what had arrived when the first reply went out, and the client's
 * own write count shows one write. Then: replies matched to their commands, the outcomes when
 * MAIL or every RCPT is refused or the connection is lost after the write (INV-9), a BDAT reply
 * that comes while the batch is still being written (decision 10), the paths that keep the
 * envelope first, and the log (INV-10).
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { type Connector, connect, type WriteOptions } from '@smtp/transport';
import type { ScriptedServer, ScriptStep } from 'test-servers';
import { describe, expect, it } from 'vitest';
import { CLIENT_CHANNELS } from './diagnostics.ts';
import {
  decode,
  FAST_EVERY_PHASE,
  failure,
  sleep,
  useIntegrationFixtures,
} from './testing/integration.ts';

const { open, scripted } = useIntegrationFixtures({ closeServers: 'afterEach' });

const FAST = FAST_EVERY_PHASE;
const BODY = 'Subject: one write\r\n\r\nhello\r\n';
const BOB_AND_CAROL = ['bob@example.com', 'carol@example.com'];

const message = (
  to: readonly string[] = BOB_AND_CAROL,
  raw: string | AsyncIterable<string> = BODY,
) => ({ envelope: { from: 'ann@example.com', to: [...to] }, raw });

/** The envelope lines the client writes for `to`. */
const envelopeOf = (to: readonly string[] = BOB_AND_CAROL): string =>
  `MAIL FROM:<ann@example.com>\r\n${to.map((r) => `RCPT TO:<${r}>\r\n`).join('')}`;

/** The whole message in one batch: the envelope, `BDAT n LAST` and the content. */
const batchOf = (to?: readonly string[], body = BODY): string =>
  `${envelopeOf(to)}BDAT ${body.length} LAST\r\n${body}`;

/** Greeting and EHLO, offering PIPELINING and CHUNKING. */
const OPENING: ScriptStep[] = [
  { send: '220 scripted ESMTP\r\n' },
  { expect: /^EHLO / },
  { send: '250-scripted\r\n250-PIPELINING\r\n250 CHUNKING\r\n' },
];

/** One `expect` per line of `text` (every line of it ends in CRLF): the server reads it all. */
const readAll = (text: string): ScriptStep[] =>
  text
    .split('\r\n')
    .slice(0, -1)
    .map((line) => ({ expect: line }));

const QUIT: ScriptStep[] = [{ expect: 'QUIT' }, { send: '221 bye\r\n' }, { readUntilClose: true }];

/**
 * What the client had sent on `connection` between the server's `after`-th write and its next
 * one: with `after` = 2 (the greeting, the EHLO reply), what had arrived of the first transaction
 * when the server sent its first reply to it.
 */
function sentBetweenReplies(sc: ScriptedServer, after = 2, connection = 0): string {
  let writes = 0;
  let text = '';
  for (const entry of sc.transcript) {
    if (entry.connection !== connection) continue;
    if (entry.direction === 'out') writes += 1;
    else if (writes === after) text += decode(entry.data);
    if (writes > after) break;
  }
  return text;
}

/** The client's transport writes during `run` (after the connection is open). */
async function writesDuring(
  client: ReturnType<typeof open>,
  run: () => Promise<unknown>,
): Promise<number> {
  await client.connect();
  client.resetStats();
  await run();
  return client.stats.writes;
}

describe('the whole message in one write', () => {
  it('one write carries MAIL, every RCPT, BDAT n LAST and the body, all of it at the server before its first reply', async () => {
    const sc = await scripted([
      ...OPENING,
      // The server answers nothing until it has read every line: a client that waited for the
      // MAIL or RCPT replies before BDAT would stall here and time out.
      ...readAll(batchOf()),
      { send: '250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n250 2.0.0 queued as Q1\r\n' },
      ...QUIT,
    ]);
    const client = open({ url: sc.url, timeouts: FAST, chunking: true });
    let result: Awaited<ReturnType<typeof client.send>> | undefined;
    const writes = await writesDuring(client, async () => {
      result = await client.send(message());
    });
    expect(writes).toBe(1);
    expect(sentBetweenReplies(sc)).toBe(batchOf());
    expect(result?.outcome).toBe('accepted');
    expect(result?.accepted).toEqual(BOB_AND_CAROL);
    expect(result?.reply.command).toBe('BDAT');
    expect(result?.queueId).toBe('Q1');
    expect(result?.size).toBe(BODY.length);
    await client.close();
    await sc.done;
  });

  it('each RCPT reply goes to its own recipient: partial, the refusals exactly matched', async () => {
    const to = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'];
    const sc = await scripted([
      ...OPENING,
      ...readAll(batchOf(to)),
      {
        send: '250 ok\r\n250 a ok\r\n550 5.1.1 b unknown\r\n251 c forwarded\r\n452 4.2.2 d full\r\n250 queued\r\n',
      },
      ...QUIT,
    ]);
    const client = open({ url: sc.url, timeouts: FAST, chunking: true });
    const result = await client.send(message(to));
    expect(result.outcome).toBe('partial');
    expect(result.accepted).toEqual(['a@example.com', 'c@example.com']);
    expect(result.rejected.map((r) => [r.recipient, r.reply.code, r.reply.text])).toEqual([
      ['b@example.com', 550, 'b unknown'],
      ['d@example.com', 452, 'd full'],
    ]);
    expect(result.replies.rcpt.map((r) => [r.recipient, r.reply.code])).toEqual([
      ['a@example.com', 250],
      ['b@example.com', 550],
      ['c@example.com', 251],
      ['d@example.com', 452],
    ]);
    expect(result.reply.text).toBe('queued');
    expect(sentBetweenReplies(sc)).toBe(batchOf(to));
    await client.close();
    await sc.done;
  });

  it('the dialogue log shows the command lines and the content as a size only (INV-10)', async () => {
    const secretBody = 'Subject: s\r\n\r\ndo-not-log-this-body\r\n';
    const sc = await scripted([
      ...OPENING,
      ...readAll(batchOf(['bob@example.com'], secretBody)),
      { send: '250 ok\r\n250 ok\r\n250 queued\r\n' },
      ...QUIT,
    ]);
    const debug: string[] = [];
    const published: string[] = [];
    const listener = (event: unknown) => published.push((event as { line: string }).line);
    diagnosticsChannel.subscribe(CLIENT_CHANNELS.command, listener);
    try {
      const client = open(
        { url: sc.url, timeouts: FAST, chunking: true },
        { debugLog: (line) => debug.push(line) },
      );
      await client.send(message(['bob@example.com'], secretBody));
      await client.close();
    } finally {
      diagnosticsChannel.unsubscribe(CLIENT_CHANNELS.command, listener);
    }
    const sent = debug.filter((line) => line.startsWith('C: ')).slice(1, 5);
    expect(sent).toEqual([
      'C: MAIL FROM:<ann@example.com>',
      'C: RCPT TO:<bob@example.com>',
      `C: BDAT ${secretBody.length} LAST`,
      `C: <message body, ${secretBody.length} bytes>`,
    ]);
    expect(published.slice(1, 4)).toEqual([
      'MAIL FROM:<ann@example.com>',
      'RCPT TO:<bob@example.com>',
      `BDAT ${secretBody.length} LAST`,
    ]);
    expect([...debug, ...published].join('\n')).not.toMatch(/do-not-log-this-body|Subject:/);
    await sc.done;
  });
});

describe('outcomes when the envelope is refused (INV-9)', () => {
  it('every RCPT refused: rejected with each refusal, the BDAT refused, nothing accepted; RSET', async () => {
    const sc = await scripted([
      ...OPENING,
      ...readAll(batchOf()),
      {
        send: '250 ok\r\n550 5.1.1 no bob\r\n450 4.2.1 carol later\r\n554 5.5.1 no valid recipients\r\n',
      },
      { expect: 'RSET' },
      { send: '250 reset\r\n' },
      ...QUIT,
    ]);
    const client = open({ url: sc.url, timeouts: FAST, chunking: true });
    const error = await failure(client.send(message()));
    expect(error.name).toBe('SendError');
    expect(error.outcome).toBe('rejected');
    expect(error.temporary).toBe(false);
    expect(error.reply).toMatchObject({ command: 'RCPT', code: 550 });
    expect(
      (error.rejected as { recipient: string; reply: { code: number } }[]).map((r) => [
        r.recipient,
        r.reply.code,
      ]),
    ).toEqual([
      ['bob@example.com', 550],
      ['carol@example.com', 450],
    ]);
    // Reset, and the connection kept: the next message could go on it.
    expect(client.info.connected).toBe(true);
    await client.close();
    await sc.done;
  });

  it('MAIL refused: rejected with the MAIL reply, the RCPT and BDAT replies consumed, no RSET', async () => {
    const sc = await scripted([
      ...OPENING,
      ...readAll(batchOf()),
      {
        send: '550 5.7.1 sender refused\r\n503 5.5.1 no MAIL\r\n503 5.5.1 no MAIL\r\n503 5.5.1 no MAIL\r\n',
      },
      // QUIT comes next: an RSET here would fail the script.
      ...QUIT,
    ]);
    const client = open({ url: sc.url, timeouts: FAST, chunking: true });
    const error = await failure(client.send(message()));
    expect(error.outcome).toBe('rejected');
    expect(error.reply).toMatchObject({ command: 'MAIL', code: 550 });
    expect(client.info.connected).toBe(true);
    await client.close();
    await sc.done;
  });
});

describe('the connection lost after the write (INV-9)', () => {
  it('closed after the MAIL and RCPT replies, before the BDAT reply: unknown, never retried', async () => {
    const sc = await scripted([
      ...OPENING,
      ...readAll(batchOf()),
      { send: '250 ok\r\n250 ok\r\n250 ok\r\n' },
      { close: true },
    ]);
    const client = open({ url: sc.url, timeouts: FAST, chunking: true });
    const error = await failure(client.send(message()));
    expect(error.outcome).toBe('unknown');
    expect(error.temporary).toBe(false);
    expect(error.rejected).toEqual([]);
    expect(client.info.connected).toBe(false);
    expect(sc.connections).toBe(1);
  });

  it('a reused connection closed before any reply: unknown, not a stale connection to try again on (decision 8)', async () => {
    const sc = await scripted((connection) =>
      connection === 0
        ? [
            ...OPENING,
            ...readAll(batchOf()),
            { send: '250 ok\r\n250 ok\r\n250 ok\r\n250 queued\r\n' },
            // The second message, LAST and all, is read; then the server goes without a word.
            ...readAll(batchOf()),
            { close: true },
          ]
        : [...OPENING, { readUntilClose: true }],
    );
    const client = open({ url: sc.url, timeouts: FAST, chunking: true });
    expect((await client.send(message())).outcome).toBe('accepted');
    await sleep(20);
    const error = await failure(client.send(message()));
    expect(error.outcome).toBe('unknown');
    expect(error.temporary).toBe(false);
    // Sent once: the client did not take it to a new connection.
    expect(sc.connections).toBe(1);
    await sc.done;
  });
  it('a reused connection whose server answers 421 to MAIL: rejected (temporary), not sent again on its own (decision 8)', async () => {
    const sc = await scripted((connection) =>
      connection === 0
        ? [
            ...OPENING,
            ...readAll(batchOf()),
            { send: '250 ok\r\n250 ok\r\n250 ok\r\n250 queued\r\n' },
            ...readAll(batchOf()),
            { send: '421 4.4.2 idle too long\r\n' },
            { close: true },
          ]
        : [...OPENING, { readUntilClose: true }],
    );
    const client = open({ url: sc.url, timeouts: FAST, chunking: true });
    expect((await client.send(message())).outcome).toBe('accepted');
    await sleep(20);
    const error = await failure(client.send(message()));
    expect(error.outcome).toBe('rejected');
    expect(error.temporary).toBe(true);
    expect(error.reply).toMatchObject({ command: 'MAIL', code: 421 });
    expect(sc.connections).toBe(1);
    await sc.done;
  });
});

/**
 * A connector whose connections report a write that carries BDAT `ms` late: the bytes leave at
 * once, so the server's replies arrive while the client still counts the batch as being written
 * (as when the socket's buffer was full and `drain` has not come yet).
 */
function lateBdatWrites(ms: number): Connector {
  return async (options, context) => {
    const real = await connect(options, context);
    return new Proxy(real, {
      get(target, property) {
        if (property === 'write') {
          return async (bytes: Uint8Array, writeOptions?: WriteOptions) => {
            await target.write(bytes, writeOptions);
            if (decode(bytes).includes('BDAT ')) await sleep(ms);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
}

describe('a BDAT reply while the batch is still being written (decision 10)', () => {
  const earlyReply = (bdatReply: string) =>
    scripted([
      ...OPENING,
      ...readAll(batchOf()),
      { send: `250 ok\r\n550 5.1.1 no bob\r\n250 ok\r\n${bdatReply}\r\n` },
      { readUntilClose: true },
    ]);

  it('a 552: rejected with it; the envelope replies that came during the write matched in order', async () => {
    const sc = await earlyReply('552 5.3.4 too big');
    const client = open({
      url: sc.url,
      timeouts: FAST,
      chunking: true,
      connector: lateBdatWrites(200),
    });
    const error = await failure(client.send(message()));
    expect(error.outcome).toBe('rejected');
    expect(error.reply).toMatchObject({ command: 'BDAT', code: 552 });
    expect((error.rejected as { recipient: string }[]).map((r) => r.recipient)).toEqual([
      'bob@example.com',
    ]);
    expect(client.info.connected).toBe(false);
  });

  it('a 250: never taken for an accepted message; a protocol error, unknown', async () => {
    const sc = await earlyReply('250 queued');
    const client = open({
      url: sc.url,
      timeouts: FAST,
      chunking: true,
      connector: lateBdatWrites(200),
    });
    const error = await failure(client.send(message()));
    expect(error.code).toBe('SMTP_PROTOCOL_UNEXPECTED_REPLY');
    expect(error.outcome).toBe('unknown');
    expect(client.info.connected).toBe(false);
  });
});

describe('the paths that keep the envelope first', () => {
  /** The envelope answered, then the content read and answered with `contentReplies`. */
  const twoSteps = (content: string, contentReplies: string, to?: readonly string[]) => [
    ...OPENING,
    ...readAll(envelopeOf(to)),
    { send: `250 ok\r\n${(to ?? BOB_AND_CAROL).map(() => '250 ok\r\n').join('')}` },
    ...readAll(content),
    { send: contentReplies },
    ...QUIT,
  ];

  it('requireAllRecipients: MAIL and RCPT first, BDAT only after their replies', async () => {
    const sc = await scripted(twoSteps(`BDAT ${BODY.length} LAST\r\n${BODY}`, '250 queued\r\n'));
    const client = open({
      url: sc.url,
      timeouts: FAST,
      chunking: true,
      requireAllRecipients: true,
    });
    const writes = await writesDuring(client, async () => {
      expect((await client.send(message())).outcome).toBe('accepted');
    });
    expect(sentBetweenReplies(sc)).toBe(envelopeOf());
    expect(writes).toBeGreaterThan(1);
    await client.close();
    await sc.done;
  });

  it('a streamed body: chunked after the envelope replies', async () => {
    const sc = await scripted(twoSteps(`BDAT ${BODY.length} LAST\r\n${BODY}`, '250 queued\r\n'));
    const client = open({ url: sc.url, timeouts: FAST, chunking: true });
    const content = (async function* () {
      yield BODY.slice(0, 10);
      yield BODY.slice(10);
    })();
    expect((await client.send(message(BOB_AND_CAROL, content))).outcome).toBe('accepted');
    expect(sentBetweenReplies(sc)).toBe(envelopeOf());
    await client.close();
    await sc.done;
  });

  it('a body larger than one chunk: BDAT chunks after the envelope replies', async () => {
    const cut = 16;
    const chunks = `BDAT ${cut}\r\n${BODY.slice(0, cut)}BDAT ${BODY.length - cut} LAST\r\n${BODY.slice(cut)}`;
    const sc = await scripted(twoSteps(chunks, '250 ok\r\n250 queued\r\n'));
    const client = open({ url: sc.url, timeouts: FAST, chunking: true, chunkSize: cut });
    const result = await client.send(message());
    expect(result.outcome).toBe('accepted');
    expect(result.reply.text).toBe('queued');
    expect(sentBetweenReplies(sc)).toBe(envelopeOf());
    await client.close();
    await sc.done;
  });
});
