/**
 * LMTP (RFC 2033) against the scripted server, which plays exact bytes: LHLO and never HELO or
 * EHLO, then after the end of data (DATA's `.` or `BDAT ... LAST`) one reply per recipient RCPT
 * accepted, in RCPT order. Each case checks what the client makes of those replies: every
 * recipient delivered, some or all refused after the data (each with its own reply), a reply
 * that never comes (the connection lost, a deadline, a `421`: those recipients are `unknown`,
 * the others keep their replies), PIPELINING and CHUNKING as the server offers them, a RCPT
 * refused so fewer replies follow the data, STARTTLS then LHLO again, a UNIX socket, the pool
 * that never sends such a message again, and the connection kept after a complete transaction.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { type ScriptedServer, type ScriptStep, startScriptedServer } from 'test-servers';
import { describe, expect, it } from 'vitest';
import type { SendError } from './index.ts';
import {
  decode,
  FAST_EVERY_PHASE,
  failure,
  useIntegrationFixtures,
} from './testing/integration.ts';

const { certs, open, openPool, scripted, trackServer } = useIntegrationFixtures({
  closeServers: 'afterEach',
});

const FAST = FAST_EVERY_PHASE;
const BODY = 'Subject: lmtp\r\n\r\nhello\r\n';
const BOB_AND_CAROL = ['bob@example.com', 'carol@example.com'];

const message = (to: readonly string[] = BOB_AND_CAROL) => ({
  envelope: { from: 'ann@example.com', to: [...to] },
  raw: BODY,
});

/** The scripted server's address as an LMTP URL. */
const lmtpUrl = (sc: ScriptedServer): string => sc.url.replace(/^smtp:/, 'lmtp:');

/** Greeting and LHLO, offering `extensions`. */
const opening = (...extensions: string[]): ScriptStep[] => [
  { send: '220 scripted LMTP\r\n' },
  { expect: /^LHLO [^\r\n]+$/ },
  {
    send: ['mail.example.org', ...extensions]
      .map((line, i, all) => `250${i === all.length - 1 ? ' ' : '-'}${line}\r\n`)
      .join(''),
  },
];

/** MAIL and each RCPT in lock-step, answered by `rcptReplies` (`250 ok` when not given). */
const envelope = (to: readonly string[], rcptReplies: readonly string[] = []): ScriptStep[] => [
  { expect: 'MAIL FROM:<ann@example.com>' },
  { send: '250 2.1.0 ok\r\n' },
  ...to.flatMap((recipient, i): ScriptStep[] => [
    { expect: `RCPT TO:<${recipient}>` },
    { send: `${rcptReplies[i] ?? '250 2.1.5 ok'}\r\n` },
  ]),
];

/** DATA, its `354`, and the body up to the terminator. */
const DATA: ScriptStep[] = [
  { expect: 'DATA' },
  { send: '354 go ahead\r\n' },
  { expect: 'Subject: lmtp' },
  { expect: '' },
  { expect: 'hello' },
  { expect: '.' },
];

const QUIT: ScriptStep[] = [{ expect: 'QUIT' }, { send: '221 bye\r\n' }, { readUntilClose: true }];

/** One `expect` per line of `text` (every line of it ends in CRLF). */
const readAll = (text: string): ScriptStep[] =>
  text
    .split('\r\n')
    .slice(0, -1)
    .map((line) => ({ expect: line }));

describe('LMTP: one reply per recipient after DATA', () => {
  it('every recipient delivered: accepted, each with its own reply; the connection is kept', async () => {
    const sc = await scripted([
      ...opening('8BITMIME', 'ENHANCEDSTATUSCODES'),
      ...envelope(BOB_AND_CAROL),
      ...DATA,
      { send: '250 2.0.0 <bob@example.com> queued as B1\r\n' },
      { send: '250 2.0.0 <carol@example.com> queued as C1\r\n' },
      // The next message goes on the same connection, with no RSET in between.
      ...envelope(['dave@example.com']),
      ...DATA,
      { send: '250 2.0.0 <dave@example.com> queued as D1\r\n' },
      ...QUIT,
    ]);
    const client = open({ url: lmtpUrl(sc), timeouts: FAST });
    const result = await client.send(message());
    expect(result.outcome).toBe('accepted');
    expect(result.accepted).toEqual(BOB_AND_CAROL);
    expect(result.rejected).toEqual([]);
    expect(result.replies.final?.map((r) => [r.recipient, r.reply.code, r.reply.command])).toEqual([
      ['bob@example.com', 250, 'message'],
      ['carol@example.com', 250, 'message'],
    ]);
    expect(result.replies.rcpt.map((r) => r.reply.code)).toEqual([250, 250]);
    expect(result.reply.text).toBe('<bob@example.com> queued as B1');
    expect(result.queueId).toBe('B1');
    expect(result.ehlo.command).toBe('LHLO');
    const second = await client.send(message(['dave@example.com']));
    expect(second.replies.final?.map((r) => r.reply.text)).toEqual([
      '<dave@example.com> queued as D1',
    ]);
    expect(client.stats.connections).toBe(1);
    await client.close();
    await sc.done;
    expect(decode(sc.received())).not.toMatch(/^(EHLO|HELO|RSET)/m);
  });

  it('some refused after the data: partial, each refused recipient with its own reply', async () => {
    const to = ['a@example.com', 'b@example.com', 'c@example.com'];
    const sc = await scripted([
      ...opening(),
      ...envelope(to),
      ...DATA,
      { send: '250 2.0.0 a saved\r\n552 5.2.2 b mailbox full\r\n451 4.3.0 c try later\r\n' },
      ...QUIT,
    ]);
    const lines: string[] = [];
    const client = open({ url: lmtpUrl(sc), timeouts: FAST }, { log: (line) => lines.push(line) });
    const result = await client.send(message(to));
    expect(result.outcome).toBe('partial');
    expect(result.accepted).toEqual(['a@example.com']);
    expect(result.rejected.map((r) => [r.recipient, r.reply.code, r.reply.command])).toEqual([
      ['b@example.com', 552, 'message'],
      ['c@example.com', 451, 'message'],
    ]);
    // The RCPT replies stay as they were: every recipient was accepted there.
    expect(result.replies.rcpt.map((r) => r.reply.code)).toEqual([250, 250, 250]);
    expect(result.reply.text).toBe('a saved');
    expect(lines).toContain('some recipients refused after the data accepted=1 rejected=2');
    expect(lines).toContain('message accepted size=27 accepted=1 rejected=2');
    await client.close();
    await sc.done;
  });

  it('every recipient refused after the data: rejected, with each reply', async () => {
    const sc = await scripted([
      ...opening(),
      ...envelope(BOB_AND_CAROL),
      ...DATA,
      { send: '452 4.2.2 bob over quota\r\n450 4.2.1 carol busy\r\n' },
      ...QUIT,
    ]);
    const client = open({ url: lmtpUrl(sc), timeouts: FAST });
    const error = (await failure(client.send(message()))) as unknown as SendError;
    expect(error).toMatchObject({
      name: 'SendError',
      code: 'SMTP_REPLY',
      outcome: 'rejected',
      temporary: true,
      accepted: [],
      unknown: [],
    });
    expect(error.reply).toMatchObject({ code: 452, command: 'message' });
    expect(error.rejected.map((r) => [r.recipient, r.reply.code])).toEqual([
      ['bob@example.com', 452],
      ['carol@example.com', 450],
    ]);
    expect(error.finalReplies).toHaveLength(2);
    // The transaction is over: the connection is still in step, and QUIT ends it.
    await client.close();
    await sc.done;
  });

  it('a RCPT refused: one reply fewer after the data, and the connection stays in step', async () => {
    const to = ['a@example.com', 'nobody@example.com', 'c@example.com'];
    const sc = await scripted([
      ...opening(),
      ...envelope(to, ['250 ok', '550 5.1.1 no such user']),
      ...DATA,
      // Two replies, for a and c: a third read would wait for ever and fail the send.
      { send: '250 2.0.0 a saved\r\n' },
      { send: '550 5.7.1 c refused by a filter\r\n' },
      ...envelope(['d@example.com']),
      ...DATA,
      { send: '250 2.0.0 d saved\r\n' },
      ...QUIT,
    ]);
    const client = open({ url: lmtpUrl(sc), timeouts: FAST });
    const result = await client.send(message(to));
    expect(result.outcome).toBe('partial');
    expect(result.accepted).toEqual(['a@example.com']);
    expect(result.rejected.map((r) => [r.recipient, r.reply.code, r.reply.command])).toEqual([
      ['nobody@example.com', 550, 'RCPT'],
      ['c@example.com', 550, 'message'],
    ]);
    expect(result.replies.final?.map((r) => r.recipient)).toEqual([
      'a@example.com',
      'c@example.com',
    ]);
    expect((await client.send(message(['d@example.com']))).outcome).toBe('accepted');
    await client.close();
    await sc.done;
  });
});

describe('LMTP: a reply that does not come (INV-9)', () => {
  it('the connection lost between replies: the replied keep their replies, the rest unknown', async () => {
    const to = ['a@example.com', 'b@example.com', 'c@example.com'];
    const sc = await scripted([
      ...opening(),
      ...envelope(to),
      ...DATA,
      { send: '250 2.0.0 a saved\r\n' },
      { send: '550 5.2.1 b disabled\r\n' },
      // The replies reach the client before the reset does.
      { delay: 50 },
      { destroy: true },
    ]);
    const client = open({ url: lmtpUrl(sc), timeouts: FAST });
    const error = (await failure(client.send(message(to)))) as unknown as SendError;
    expect(error).toMatchObject({
      name: 'SendError',
      outcome: 'unknown',
      temporary: false,
      accepted: ['a@example.com'],
      unknown: ['c@example.com'],
    });
    expect(error.code).toMatch(/^SMTP_CONNECTION_/);
    expect(error.rejected.map((r) => [r.recipient, r.reply.code])).toEqual([
      ['b@example.com', 550],
    ]);
    expect(error.finalReplies.map((r) => [r.recipient, r.reply.text])).toEqual([
      ['a@example.com', 'a saved'],
      ['b@example.com', 'b disabled'],
    ]);
    await sc.done;
  });

  it('a deadline between replies: the recipients still owed a reply are unknown', async () => {
    const sc = await scripted([
      ...opening(),
      ...envelope(BOB_AND_CAROL),
      ...DATA,
      { send: '250 2.0.0 bob saved\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: lmtpUrl(sc), timeouts: { ...FAST, dataFinal: 150 } });
    const error = (await failure(client.send(message()))) as unknown as SendError;
    expect(error).toMatchObject({
      code: 'SMTP_TIMEOUT',
      outcome: 'unknown',
      accepted: ['bob@example.com'],
      unknown: ['carol@example.com'],
      rejected: [],
    });
    // The connection was dropped: the next message opens a new one.
    expect(client.info.connected).toBe(false);
    await sc.done;
  });

  it('no reply at all after the data: every recipient is unknown, none delivered', async () => {
    const sc = await scripted([...opening(), ...envelope(BOB_AND_CAROL), ...DATA, { close: true }]);
    const client = open({ url: lmtpUrl(sc), timeouts: FAST });
    const error = (await failure(client.send(message()))) as unknown as SendError;
    expect(error).toMatchObject({ outcome: 'unknown', accepted: [], unknown: BOB_AND_CAROL });
    await sc.done;
  });

  it('a 421 between replies refuses its recipient and leaves the others unknown', async () => {
    const to = ['a@example.com', 'b@example.com', 'c@example.com'];
    const sc = await scripted([
      ...opening(),
      ...envelope(to),
      ...DATA,
      { send: '250 2.0.0 a saved\r\n421 4.3.2 shutting down\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: lmtpUrl(sc), timeouts: FAST });
    const error = (await failure(client.send(message(to)))) as unknown as SendError;
    expect(error).toMatchObject({
      code: 'SMTP_REPLY',
      outcome: 'unknown',
      accepted: ['a@example.com'],
      unknown: ['c@example.com'],
    });
    expect(error.rejected.map((r) => [r.recipient, r.reply.code])).toEqual([
      ['b@example.com', 421],
    ]);
    await sc.done;
  });

  it('SmtpPool never sends again a message a recipient already got after the data', async () => {
    const sc = await scripted((connection) =>
      connection === 0
        ? [
            ...opening(),
            ...envelope(BOB_AND_CAROL),
            ...DATA,
            { send: '250 2.0.0 bob saved\r\n' },
            { delay: 50 },
            { destroy: true },
          ]
        : [{ send: '421 4.3.2 no second attempt expected\r\n' }, { close: true }],
    );
    const pool = openPool({ url: lmtpUrl(sc), timeouts: FAST, retries: 3, retryDelay: 10 });
    const error = (await failure(pool.send(message()))) as unknown as SendError;
    expect(error).toMatchObject({
      outcome: 'unknown',
      attempts: 1,
      accepted: ['bob@example.com'],
      unknown: ['carol@example.com'],
    });
    expect(sc.connections).toBe(1);
    expect(pool.stats.retried).toBe(0);
    await sc.done;
  });
});

describe('LMTP: PIPELINING and CHUNKING as the server offers them', () => {
  it('PIPELINING: MAIL, every RCPT and DATA in one write, then a reply per recipient', async () => {
    const sc = await scripted([
      ...opening('PIPELINING'),
      ...readAll(
        'MAIL FROM:<ann@example.com>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\n',
      ),
      { send: '250 ok\r\n250 ok\r\n450 4.2.1 carol busy\r\n354 go ahead\r\n' },
      ...DATA.slice(2),
      { send: '250 2.0.0 bob saved\r\n' },
      ...QUIT,
    ]);
    const client = open({ url: lmtpUrl(sc), timeouts: FAST, chunking: false });
    const result = await client.send(message());
    expect(result.outcome).toBe('partial');
    expect(result.accepted).toEqual(['bob@example.com']);
    expect(result.rejected.map((r) => [r.recipient, r.reply.command])).toEqual([
      ['carol@example.com', 'RCPT'],
    ]);
    expect(result.replies.final).toHaveLength(1);
    await client.close();
    await sc.done;
  });

  it('CHUNKING: BDAT ... LAST draws a reply per recipient', async () => {
    const to = ['a@example.com', 'b@example.com'];
    const sc = await scripted([
      ...opening('CHUNKING'),
      ...envelope(to),
      ...readAll(`BDAT ${BODY.length} LAST\r\n${BODY}`),
      { send: '250 2.0.0 a saved\r\n' },
      { send: '552 5.2.2 b full\r\n' },
      ...QUIT,
    ]);
    const client = open({ url: lmtpUrl(sc), timeouts: FAST, chunking: true });
    const result = await client.send(message(to));
    expect(result.outcome).toBe('partial');
    expect(result.rejected.map((r) => [r.recipient, r.reply.code, r.reply.command])).toEqual([
      ['b@example.com', 552, 'BDAT'],
    ]);
    expect(result.reply).toMatchObject({ command: 'BDAT', text: 'a saved' });
    await client.close();
    await sc.done;
  });

  it('a BDAT chunk refused while LAST was out: rejected, and the connection dropped', async () => {
    // Chunks of 10 octets, pipelined: the first chunk's refusal is read after LAST went out, and
    // how many replies LAST draws then is not said, so the dialogue cannot go on.
    const chunks = `BDAT 10\r\n${BODY.slice(0, 10)}BDAT 10\r\n${BODY.slice(10, 20)}BDAT 4 LAST\r\n${BODY.slice(20)}`;
    const sc = await scripted([
      ...opening('PIPELINING', 'CHUNKING'),
      ...readAll(
        'MAIL FROM:<ann@example.com>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<carol@example.com>\r\n',
      ),
      { send: '250 ok\r\n250 ok\r\n250 ok\r\n' },
      ...readAll(chunks),
      { send: '552 5.3.4 chunk refused\r\n554 5.5.0 no\r\n554 5.5.0 no\r\n' },
      { readUntilClose: true },
    ]);
    const client = open({ url: lmtpUrl(sc), timeouts: FAST, chunking: true, chunkSize: 10 });
    const error = (await failure(client.send(message()))) as unknown as SendError;
    expect(error).toMatchObject({ outcome: 'rejected', accepted: [], unknown: [] });
    expect(error.reply).toMatchObject({ code: 552, command: 'BDAT' });
    expect(client.info.connected).toBe(false);
    await sc.done;
  });

  it('CHUNKING with PIPELINING: the whole message in one write, then a reply per recipient', async () => {
    const batch = `MAIL FROM:<ann@example.com>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<carol@example.com>\r\nBDAT ${BODY.length} LAST\r\n${BODY}`;
    const sc = await scripted([
      ...opening('PIPELINING', 'CHUNKING'),
      ...readAll(batch),
      { send: '250 ok\r\n250 ok\r\n250 ok\r\n250 2.0.0 bob saved\r\n' },
      { send: '250 2.0.0 carol saved\r\n' },
      ...QUIT,
    ]);
    const client = open({ url: lmtpUrl(sc), timeouts: FAST, chunking: true });
    const result = await client.send(message());
    expect(result.outcome).toBe('accepted');
    expect(result.replies.final?.map((r) => r.reply.text)).toEqual(['bob saved', 'carol saved']);
    await client.close();
    await sc.done;
  });

  it('CHUNKING with PIPELINING: a reply lost after the batch leaves its recipient unknown', async () => {
    const batch = `MAIL FROM:<ann@example.com>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<carol@example.com>\r\nBDAT ${BODY.length} LAST\r\n${BODY}`;
    const sc = await scripted([
      ...opening('PIPELINING', 'CHUNKING'),
      ...readAll(batch),
      { send: '250 ok\r\n250 ok\r\n250 ok\r\n452 4.2.2 bob full\r\n' },
      { delay: 50 },
      { destroy: true },
    ]);
    const client = open({ url: lmtpUrl(sc), timeouts: FAST, chunking: true });
    const error = (await failure(client.send(message()))) as unknown as SendError;
    expect(error).toMatchObject({
      outcome: 'unknown',
      accepted: [],
      unknown: ['carol@example.com'],
    });
    expect(error.rejected.map((r) => [r.recipient, r.reply.command])).toEqual([
      ['bob@example.com', 'BDAT'],
    ]);
    await sc.done;
  });
});

describe('LMTP: the opening', () => {
  it('LHLO refused: a typed error, and neither HELO nor EHLO is ever sent', async () => {
    const sc = await scripted([
      { send: '220 scripted SMTP only\r\n' },
      { expect: /^LHLO / },
      { send: '500 5.5.1 command unrecognized\r\n' },
      ...QUIT,
    ]);
    const client = open({ url: lmtpUrl(sc), timeouts: FAST });
    const error = await failure(client.send(message()));
    expect(error).toMatchObject({ name: 'SendError', code: 'SMTP_REPLY', outcome: 'not-sent' });
    expect(error.reply).toMatchObject({ code: 500, command: 'LHLO' });
    expect(error.cause).toMatchObject({ name: 'SmtpReplyError', code: 'SMTP_REPLY' });
    expect((error.cause as Error).message).toContain('LHLO');
    await sc.done;
    expect(decode(sc.received())).not.toMatch(/^(HELO|EHLO)/m);
    // connect() throws the SmtpReplyError itself.
    const again = await scripted([
      { send: '220 scripted\r\n' },
      { expect: /^LHLO / },
      { send: '502 not implemented\r\n' },
      ...QUIT,
    ]);
    const other = open({ url: lmtpUrl(again), timeouts: FAST });
    expect(await failure(other.connect())).toMatchObject({ name: 'SmtpReplyError' });
    await again.done;
  });

  it('the protocol option makes an smtp URL speak LMTP', async () => {
    const sc = await scripted([
      ...opening(),
      ...envelope(['bob@example.com']),
      ...DATA,
      { send: '250 2.0.0 saved\r\n' },
      ...QUIT,
    ]);
    const client = open({ url: sc.url, protocol: 'lmtp', timeouts: FAST });
    expect((await client.send(message(['bob@example.com']))).outcome).toBe('accepted');
    await client.close();
    await sc.done;
  });

  it('STARTTLS, then LHLO again with what came before TLS forgotten', async () => {
    const sc = await scripted([
      { send: '220 scripted LMTP\r\n' },
      { expect: /^LHLO / },
      { send: '250-mail.example.org\r\n250-PIPELINING\r\n250 STARTTLS\r\n' },
      { expect: 'STARTTLS' },
      { send: '220 go ahead\r\n' },
      { upgradeToTls: true },
      { expect: /^LHLO / },
      { send: '250-localhost\r\n250 8BITMIME\r\n' },
      ...envelope(['bob@example.com']),
      ...DATA,
      { send: '250 2.0.0 saved\r\n' },
      ...QUIT,
    ]);
    const client = open({
      url: lmtpUrl(sc),
      timeouts: FAST,
      tls: { ca: [certs.ca.cert], servername: 'localhost' },
    });
    const result = await client.send(message(['bob@example.com']));
    expect(result.outcome).toBe('accepted');
    expect(client.info.secure).toBe(true);
    // PIPELINING was offered before TLS only: forgotten, the envelope went in lock-step.
    expect(client.info.capabilities).toEqual(['8BITMIME']);
    await client.close();
    await sc.done;
  });

  it('over a UNIX socket: lmtp:// and the percent-encoded path', async () => {
    const folder = await mkdtemp(join(os.tmpdir(), 'lmtp-'));
    try {
      const path = join(folder, 'lmtp.sock');
      const sc = await startScriptedServer(
        [
          ...opening(),
          ...envelope(BOB_AND_CAROL),
          ...DATA,
          { send: '250 2.0.0 bob saved\r\n250 2.0.0 carol saved\r\n' },
          ...QUIT,
        ],
        { path },
      );
      trackServer(sc);
      const url = `lmtp://${encodeURIComponent(path)}`;
      expect(url).toBe(lmtpUrl(sc));
      const client = open({ url, timeouts: FAST });
      const result = await client.send(message());
      expect(result.outcome).toBe('accepted');
      expect(result.replies.final).toHaveLength(2);
      await client.close();
      await sc.done;
      await sc.close();
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('dryRun answers as an LMTP server would: LHLO, and a reply per recipient', async () => {
    const client = open({ host: 'lmtp.example', protocol: 'lmtp', dryRun: true });
    const result = await client.send(message());
    expect(result.outcome).toBe('accepted');
    expect(result.replies.final?.map((r) => r.recipient)).toEqual(BOB_AND_CAROL);
    const bdat = open({ host: 'lmtp.example', protocol: 'lmtp', dryRun: true, chunking: true });
    expect((await bdat.send(message())).replies.final).toHaveLength(2);
  });
});
