/**
 * Transactions against a fake connection: reply matching under PIPELINING for every refusal
 * combination, one command per round trip without it, the MAIL parameters (SIZE, BODY,
 * SMTPUTF8, DSN, REQUIRETLS) and the refusals before any byte, BDAT (the whole message in the
 * envelope batch when PIPELINING allows), and the outcome boundary (not-sent before the
 * terminator is handed over, unknown after it).
 */
import { ConnectionError, TimeoutError } from '@smtp/transport';
import { describe, expect, it } from 'vitest';
import { type ClientOptions, Message, SmtpClient } from './index.ts';
import {
  ehlo,
  FakeConnection,
  type FakeOptions,
  fakeConnector,
  HANG,
  type ScriptEntry,
} from './testing/fake-connection.ts';

const OPENING = ['220 hi'];

function setup(
  capabilities: string[],
  replies: ScriptEntry[],
  options: Partial<ClientOptions> = {},
  fakeOptions: FakeOptions = {},
): { connection: FakeConnection; client: SmtpClient } {
  const connection = new FakeConnection(
    [...OPENING, ehlo(...capabilities), ...replies],
    fakeOptions,
  );
  const client = new SmtpClient({
    host: 'mail.example.com',
    port: 25,
    name: 'client.example',
    security: 'none',
    connector: fakeConnector(connection),
    ...options,
  });
  return { connection, client };
}

const raw = (
  to: string[] = ['b@example.com', 'c@example.com'],
  body = 'Subject: t\r\n\r\nhello\r\n',
) => ({
  envelope: { from: 'a@example.com', to },
  raw: body,
});

async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

/** A raw message whose content is a stream of two chunks (then the terminator). */
const streamed = () => ({
  envelope: { from: 'a@example.com', to: 'b@example.com' },
  raw: (async function* () {
    yield 'Subject: t\r\n\r\n';
    yield 'hello\r\n';
  })(),
});

/** The command lines of the transaction (after EHLO). */
const txLines = (connection: FakeConnection) => connection.lines.slice(1);

describe('PIPELINING: one write, replies matched in order', () => {
  it('MAIL, every RCPT and DATA go in one write; accepted', async () => {
    const { connection, client } = setup(
      ['PIPELINING'],
      ['250 ok', '250 ok', '250 ok', '354 go', '250 2.0.0 Ok: queued as ABC123'],
    );
    const result = await client.send(raw());
    const batch = connection.written[1];
    expect(batch?.text).toBe(
      'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n',
    );
    expect(result.outcome).toBe('accepted');
    expect(result.accepted).toEqual(['b@example.com', 'c@example.com']);
    expect(result.queueId).toBe('ABC123');
    expect(result.envelope).toEqual({
      from: 'a@example.com',
      to: ['b@example.com', 'c@example.com'],
    });
    expect(connection.content).toBe('Subject: t\r\n\r\nhello\r\n.\r\n');
    expect(result.size).toBe(connection.content.length);
  });

  it('MAIL refused: rejected with the MAIL reply; the RCPT and DATA replies are consumed', async () => {
    const { connection, client } = setup(
      ['PIPELINING'],
      ['550 5.7.1 sender refused', '503 no', '503 no', '503 no', '250 reset'],
    );
    const error = await rejection(client.send(raw()));
    expect(error.name).toBe('SendError');
    expect(error.outcome).toBe('rejected');
    expect((error.reply as { command: string; code: number }).command).toBe('MAIL');
    expect(error.temporary).toBe(false);
    expect(connection.remaining).toBe(1);
    expect(connection.destroyed).toBe(false);
  });

  it('one RCPT refused: partial, the refusal reported with its reply', async () => {
    const { client } = setup(
      ['PIPELINING'],
      ['250 ok', '550 5.1.1 no such user', '250 ok', '354 go', '250 ok'],
    );
    const result = await client.send(raw());
    expect(result.outcome).toBe('partial');
    expect(result.accepted).toEqual(['c@example.com']);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]?.recipient).toBe('b@example.com');
    expect(result.rejected[0]?.reply.enhanced?.code).toBe('5.1.1');
  });

  it('every RCPT refused: DATA reply consumed, RSET, rejected; the connection stays usable', async () => {
    const { connection, client } = setup(
      ['PIPELINING'],
      ['250 ok', '550 no', '450 later', '554 no valid recipients', '250 reset'],
    );
    const error = await rejection(client.send(raw()));
    expect(error.outcome).toBe('rejected');
    expect(error.rejected).toHaveLength(2);
    expect(error.temporary).toBe(false);
    expect(txLines(connection).at(-1)).toBe('RSET');
    expect(connection.content).toBe('');
    expect(connection.destroyed).toBe(false);
  });

  it('every RCPT refused with 4xx: temporary', async () => {
    const { client } = setup(['PIPELINING'], ['250 ok', '450 a', '451 b', '503 no', '250 reset']);
    const error = await rejection(client.send(raw()));
    expect(error.temporary).toBe(true);
  });

  it('every RCPT refused but DATA answered 354: no content, the connection is dropped', async () => {
    const { connection, client } = setup(['PIPELINING'], ['250 ok', '550 a', '550 b', '354 go']);
    const error = await rejection(client.send(raw()));
    expect(error.outcome).toBe('rejected');
    expect(connection.content).toBe('');
    expect(connection.destroyed).toBe(true);
  });

  it('DATA refused after accepted recipients: rejected, with the refused ones listed, RSET', async () => {
    const { connection, client } = setup(
      ['PIPELINING'],
      ['250 ok', '550 a', '250 ok', '451 4.3.0 try later', '250 reset'],
    );
    const error = await rejection(client.send(raw()));
    expect(error.outcome).toBe('rejected');
    expect((error.reply as { command: string }).command).toBe('DATA');
    expect(error.temporary).toBe(true);
    expect(error.rejected).toHaveLength(1);
    expect(txLines(connection).at(-1)).toBe('RSET');
  });

  it('requireAllRecipients: DATA is not pipelined; a refusal means RSET and nothing sent', async () => {
    const { connection, client } = setup(
      ['PIPELINING'],
      ['250 ok', '250 ok', '550 no', '250 reset'],
      { requireAllRecipients: true },
    );
    const error = await rejection(client.send(raw()));
    expect(error.outcome).toBe('rejected');
    expect(connection.written[1]?.text).not.toContain('DATA');
    expect(txLines(connection)).not.toContain('DATA');
    expect(txLines(connection).at(-1)).toBe('RSET');
  });

  it('pipelining: false sends one command per write', async () => {
    const { connection, client } = setup(
      ['PIPELINING'],
      ['250 ok', '250 ok', '250 ok', '354 go', '250 ok'],
      { pipelining: false },
    );
    await client.send(raw());
    const writes = connection.written.filter((w) => !w.stream).map((w) => w.text);
    expect(connection.written.filter((w) => w.stream)).toHaveLength(1);
    expect(writes.slice(1)).toEqual([
      'MAIL FROM:<a@example.com>\r\n',
      'RCPT TO:<b@example.com>\r\n',
      'RCPT TO:<c@example.com>\r\n',
      'DATA\r\n',
    ]);
  });
});

describe('without PIPELINING', () => {
  it('MAIL refused: no RCPT is sent', async () => {
    const { connection, client } = setup([], ['550 no']);
    const error = await rejection(client.send(raw()));
    expect(error.outcome).toBe('rejected');
    expect(txLines(connection)).toEqual(['MAIL FROM:<a@example.com>']);
  });

  it('every RCPT refused: RSET, no DATA', async () => {
    const { connection, client } = setup([], ['250 ok', '550 a', '550 b', '250 reset']);
    const error = await rejection(client.send(raw()));
    expect(error.outcome).toBe('rejected');
    expect(txLines(connection)).toEqual([
      'MAIL FROM:<a@example.com>',
      'RCPT TO:<b@example.com>',
      'RCPT TO:<c@example.com>',
      'RSET',
    ]);
  });

  it('a 421 mid-transaction: rejected (temporary), the connection is dropped', async () => {
    const { connection, client } = setup([], ['250 ok', '421 shutting down']);
    const error = await rejection(client.send(raw()));
    expect(error.outcome).toBe('rejected');
    expect(error.temporary).toBe(true);
    expect(connection.destroyed).toBe(true);
  });
});

describe('MAIL parameters and refusals before any byte', () => {
  it('SIZE when offered and known', async () => {
    const { connection, client } = setup(['SIZE 1000'], ['250 ok', '250 ok', '354 go', '250 ok']);
    await client.send(raw(['b@example.com']));
    expect(txLines(connection)[0]).toBe('MAIL FROM:<a@example.com> SIZE=21');
  });

  it('larger than SIZE: SMTP_MESSAGE_TOO_LARGE, nothing written', async () => {
    const { connection, client } = setup(['SIZE 10'], []);
    const error = await rejection(client.send(raw()));
    expect(error.code).toBe('SMTP_MESSAGE_TOO_LARGE');
    expect(error.outcome).toBe('not-sent');
    expect(txLines(connection)).toEqual([]);
    expect(connection.destroyed).toBe(false);
  });

  it('a UTF-8 address without SMTPUTF8: SMTP_SMTPUTF8_UNAVAILABLE before MAIL', async () => {
    const { connection, client } = setup(['8BITMIME'], []);
    const error = await rejection(client.send(raw(['jörg@example.com'])));
    expect(error.code).toBe('SMTP_SMTPUTF8_UNAVAILABLE');
    expect(txLines(connection)).toEqual([]);
  });

  it('SMTPUTF8 and BODY=8BITMIME when needed and offered', async () => {
    const { connection, client } = setup(
      ['SMTPUTF8', '8BITMIME'],
      ['250 ok', '250 ok', '354 go', '250 ok'],
    );
    await client.send(raw(['jörg@example.com'], 'Subject: ü\r\n\r\nGrüße\r\n'));
    expect(txLines(connection)[0]).toBe('MAIL FROM:<a@example.com> BODY=8BITMIME SMTPUTF8');
  });

  it('a Message with non-ASCII text and no 8BITMIME goes 7bit-safe, without BODY=', async () => {
    const { connection, client } = setup([], ['250 ok', '250 ok', '354 go', '250 ok']);
    await client.send(new Message({ from: 'a@example.com', to: 'b@example.com', text: 'Grüße' }));
    expect(txLines(connection)[0]).toBe('MAIL FROM:<a@example.com>');
    expect(/[^\x00-\x7f]/.test(connection.content)).toBe(false);
  });

  it('DSN parameters only when offered', async () => {
    const dsn = {
      notify: ['SUCCESS', 'FAILURE'] as const,
      ret: 'HDRS' as const,
      envelopeId: 'e-1',
      orcpt: true,
    };
    const offered = setup(['DSN'], ['250 ok', '250 ok', '354 go', '250 ok']);
    await offered.client.send(raw(['b@example.com']), { dsn });
    expect(txLines(offered.connection).slice(0, 2)).toEqual([
      'MAIL FROM:<a@example.com> RET=HDRS ENVID=e-1',
      'RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.com',
    ]);
    const lines: string[] = [];
    const connection = new FakeConnection([
      ...OPENING,
      ehlo(),
      '250 ok',
      '250 ok',
      '354 go',
      '250 ok',
    ]);
    const client = new SmtpClient(
      { host: 'x.example', port: 25, security: 'none', connector: fakeConnector(connection) },
      { log: (line) => lines.push(line) },
    );
    await client.send(raw(['b@example.com']), { dsn });
    expect(txLines(connection).slice(0, 2)).toEqual([
      'MAIL FROM:<a@example.com>',
      'RCPT TO:<b@example.com>',
    ]);
    expect(lines.join('\n')).toMatch(/DSN/);
  });

  it('REQUIRETLS: refused on plaintext, sent over TLS when offered', async () => {
    const plain = setup(['REQUIRETLS'], []);
    const error = await rejection(plain.client.send(raw(), { requireTls: true }));
    expect(error.code).toBe('SMTP_REQUIRETLS_UNAVAILABLE');
    const secure = setup(
      ['REQUIRETLS'],
      ['250 ok', '250 ok', '354 go', '250 ok'],
      { security: 'implicit', port: 465 },
      { secure: true },
    );
    await secure.client.send(raw(['b@example.com']), { requireTls: true });
    expect(txLines(secure.connection)[0]).toBe('MAIL FROM:<a@example.com> REQUIRETLS');
  });

  it('invalid raw envelope: InvalidInputError code before any connection', async () => {
    const connection = new FakeConnection([]);
    const connector = fakeConnector(connection);
    const client = new SmtpClient({ host: 'x.example', port: 25, security: 'none', connector });
    const error = await rejection(
      client.send({
        envelope: { from: 'a@example.com\r\nRCPT TO:<x@y>', to: 'b@example.com' },
        raw: 'x',
      }),
    );
    expect(error.code).toMatch(/^SMTP_INVALID_/);
    expect(error.outcome).toBe('not-sent');
    expect(connector.calls).toHaveLength(0);
  });

  it('raw 8-bit content to a server without 8BITMIME: refused before MAIL', async () => {
    const { connection, client } = setup([], []);
    const error = await rejection(client.send(raw(['b@example.com'], 'Subject: x\r\n\r\nü\r\n')));
    expect(error.code).toBe('SMTP_INVALID_NON_ASCII');
    expect(txLines(connection)).toEqual([]);
  });
});

describe('outcomes at the end of data (INV-9)', () => {
  it('the content source fails before the terminator: not-sent', async () => {
    const { connection, client } = setup([], ['250 ok', '250 ok', '354 go']);
    async function* body() {
      yield new TextEncoder().encode('Subject: x\r\n\r\n');
      throw new Error('disk on fire');
    }
    const error = await rejection(
      client.send({ envelope: { from: 'a@example.com', to: 'b@example.com' }, raw: body() }),
    );
    expect(error.outcome).toBe('not-sent');
    expect(error.code).toBe('SMTP_SEND_FAILED');
    expect(connection.destroyed).toBe(true);
  });

  it('the connection fails on the chunk before the terminator: not-sent', async () => {
    const reset = new ConnectionError('SMTP_CONNECTION_RESET', 'reset');
    const { client } = setup(
      [],
      ['250 ok', '250 ok', '354 go'],
      {},
      {
        failStream: { afterChunks: 0, error: reset },
      },
    );
    const error = await rejection(client.send(streamed()));
    expect(error.outcome).toBe('not-sent');
    expect(error.code).toBe('SMTP_CONNECTION_RESET');
  });

  it('the terminator chunk fails to be written: unknown (it was handed to the transport)', async () => {
    const reset = new ConnectionError('SMTP_CONNECTION_RESET', 'reset');
    const { client } = setup(
      [],
      ['250 ok', '250 ok', '354 go'],
      {},
      {
        failStream: { afterChunks: 2, error: reset },
      },
    );
    const error = await rejection(client.send(streamed()));
    expect(error.outcome).toBe('unknown');
    expect(error.temporary).toBe(false);
  });

  it('content in memory goes in one write with its terminator: a failed write is unknown', async () => {
    const reset = new ConnectionError('SMTP_CONNECTION_RESET', 'reset');
    // Writes: EHLO, MAIL, RCPT, DATA, then the content.
    const { connection, client } = setup(
      [],
      ['250 ok', '250 ok', '354 go'],
      {},
      {
        failWrite: { at: 4, error: reset },
      },
    );
    const error = await rejection(client.send(raw(['b@example.com'])));
    expect(error.outcome).toBe('unknown');
    expect(connection.lines.at(-1)).toBe('DATA');
  });

  it('no final reply (timeout): unknown, the connection is never reused', async () => {
    const timeout = new TimeoutError('data-final', 100);
    const connection = new FakeConnection([
      ...OPENING,
      ehlo('PIPELINING'),
      '250 ok',
      '250 ok',
      '354 go',
      timeout,
    ]);
    const second = new FakeConnection([...OPENING, ehlo(), '250 ok', '250 ok', '354 go', '250 ok']);
    const connector = fakeConnector(connection, second);
    const client = new SmtpClient({ host: 'x.example', port: 25, security: 'none', connector });
    const error = await rejection(client.send(raw(['b@example.com'])));
    expect(error.outcome).toBe('unknown');
    expect(error.code).toBe('SMTP_TIMEOUT');
    expect(connection.destroyed).toBe(true);
    await client.send(raw(['b@example.com']));
    expect(connector.calls).toHaveLength(2);
    expect(second.lines).not.toContain('RSET');
  });

  it('a final 5xx: rejected', async () => {
    const { client } = setup([], ['250 ok', '250 ok', '354 go', '554 5.7.1 spam']);
    const error = await rejection(client.send(raw(['b@example.com'])));
    expect(error.outcome).toBe('rejected');
    expect((error.reply as { command: string }).command).toBe('message');
  });

  it('an abort while waiting for the final reply: SMTP_ABORTED, unknown', async () => {
    const { client } = setup([], ['250 ok', '250 ok', '354 go', HANG]);
    const controller = new AbortController();
    const sending = rejection(client.send(raw(['b@example.com']), { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    const error = await sending;
    expect(error.code).toBe('SMTP_ABORTED');
    expect(error.outcome).toBe('unknown');
  });

  it('an abort while waiting for MAIL: SMTP_ABORTED, not-sent', async () => {
    const { client } = setup([], [HANG]);
    const controller = new AbortController();
    const sending = rejection(client.send(raw(['b@example.com']), { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    const error = await sending;
    expect(error.code).toBe('SMTP_ABORTED');
    expect(error.outcome).toBe('not-sent');
  });
});

describe('CHUNKING', () => {
  it('chunking: true sends BDAT frames, one round trip each without PIPELINING', async () => {
    const body = `Subject: b\r\n\r\n${'x'.repeat(30)}\r\n`;
    const { connection, client } = setup(
      ['CHUNKING'],
      ['250 ok', '250 ok', '250 chunk', '250 chunk', '250 done'],
      { chunking: true, chunkSize: 20 },
    );
    const result = await client.send(raw(['b@example.com'], body));
    expect(result.outcome).toBe('accepted');
    const text = connection.written.map((w) => w.text).join('');
    expect(text).toContain('BDAT 20\r\n');
    expect(text).toMatch(/BDAT 6 LAST\r\n/);
    expect(text).not.toContain('DATA\r\n');
    expect(result.size).toBe(body.length);
  });

  it('chunking auto: BINARYMIME raw content goes with BDAT and BODY=BINARYMIME', async () => {
    const { connection, client } = setup(
      ['CHUNKING', 'BINARYMIME', 'PIPELINING'],
      ['250 ok', '250 ok', '250 done'],
    );
    await client.send({
      envelope: { from: 'a@example.com', to: 'b@example.com' },
      raw: new Uint8Array([0, 1, 2, 10]),
      body: 'BINARYMIME',
    });
    expect(txLines(connection)[0]).toBe('MAIL FROM:<a@example.com> BODY=BINARYMIME');
    expect(txLines(connection)).toContain('BDAT 4 LAST');
  });

  it('a refused BDAT chunk: RSET, rejected, LAST never sent', async () => {
    const { connection, client } = setup(
      ['CHUNKING'],
      ['250 ok', '250 ok', '552 too big', '250 reset'],
      { chunking: true, chunkSize: 10 },
    );
    const error = await rejection(client.send(raw(['b@example.com'], `${'y'.repeat(40)}\r\n`)));
    expect(error.outcome).toBe('rejected');
    expect(connection.lines.some((line) => line.includes('LAST'))).toBe(false);
    expect(txLines(connection).at(-1)).toBe('RSET');
  });

  it('no final reply to BDAT LAST: unknown', async () => {
    const { client } = setup(
      ['CHUNKING'],
      ['250 ok', '250 ok', new TimeoutError('data-final', 10)],
      { chunking: true },
    );
    const error = await rejection(client.send(raw(['b@example.com'])));
    expect(error.outcome).toBe('unknown');
  });
});

describe('CHUNKING with PIPELINING: the whole message in one write', () => {
  const body = 'Subject: t\r\n\r\nhello\r\n';
  const three = ['b@example.com', 'c@example.com', 'd@example.com'];
  const oneShot = (replies: ScriptEntry[], options: Partial<ClientOptions> = {}, fake = {}) =>
    setup(['PIPELINING', 'CHUNKING'], replies, { chunking: true, ...options }, fake);

  it('MAIL, every RCPT, BDAT n LAST and the payload go in one write; accepted', async () => {
    const { connection, client } = oneShot([
      '250 ok',
      '250 ok',
      '250 ok',
      '250 2.0.0 queued as Q1',
    ]);
    const result = await client.send(raw());
    expect(connection.written).toHaveLength(2);
    expect(connection.written[1]?.text).toBe(
      `MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nBDAT ${body.length} LAST\r\n${body}`,
    );
    expect(result.outcome).toBe('accepted');
    expect(result.reply.command).toBe('BDAT');
    expect(result.queueId).toBe('Q1');
    expect(result.size).toBe(body.length);
    expect(result.replies.data).toBeUndefined();
    expect(connection.remaining).toBe(0);
  });

  it('each RCPT reply is matched to its recipient: partial', async () => {
    const { client } = oneShot([
      '250 ok',
      '550 5.1.1 no b',
      '250 ok',
      '452 4.2.2 d full',
      '250 ok',
    ]);
    const result = await client.send(raw(three));
    expect(result.outcome).toBe('partial');
    expect(result.accepted).toEqual(['c@example.com']);
    expect(result.rejected.map((r) => [r.recipient, r.reply.code])).toEqual([
      ['b@example.com', 550],
      ['d@example.com', 452],
    ]);
    expect(result.replies.rcpt.map((r) => [r.recipient, r.reply.code])).toEqual([
      ['b@example.com', 550],
      ['c@example.com', 250],
      ['d@example.com', 452],
    ]);
  });

  it('MAIL refused: rejected with the MAIL reply, the BDAT reply consumed, no RSET', async () => {
    const { connection, client } = oneShot(['550 5.7.1 no', '503 no', '503 no', '503 no mail']);
    const error = await rejection(client.send(raw()));
    expect(error.outcome).toBe('rejected');
    expect((error.reply as { command: string }).command).toBe('MAIL');
    expect(txLines(connection)).not.toContain('RSET');
    expect(connection.remaining).toBe(0);
    expect(connection.destroyed).toBe(false);
  });

  it('every RCPT refused: rejected with the refusals, RSET; the connection stays usable', async () => {
    const { connection, client } = oneShot([
      '250 ok',
      '550 5.1.1 no b',
      '451 4.3.0 c later',
      '554 5.5.1 no valid recipients',
      '250 reset',
    ]);
    const error = await rejection(client.send(raw()));
    expect(error.outcome).toBe('rejected');
    expect((error.reply as { code: number }).code).toBe(550);
    expect((error.rejected as { recipient: string }[]).map((r) => r.recipient)).toEqual([
      'b@example.com',
      'c@example.com',
    ]);
    expect(txLines(connection).at(-1)).toBe('RSET');
    expect(connection.destroyed).toBe(false);
  });

  it('every RCPT refused and yet a 250 to BDAT: a protocol error, unknown, dropped', async () => {
    const { connection, client } = oneShot(['250 ok', '550 no', '550 no', '250 ok']);
    const error = await rejection(client.send(raw()));
    expect(error.code).toBe('SMTP_PROTOCOL_UNEXPECTED_REPLY');
    expect(error.outcome).toBe('unknown');
    expect(connection.destroyed).toBe(true);
  });

  it('BDAT refused after accepted recipients: rejected with the BDAT reply, no RSET', async () => {
    const { connection, client } = oneShot(['250 ok', '550 no', '250 ok', '552 5.3.4 too big']);
    const error = await rejection(client.send(raw()));
    expect(error.outcome).toBe('rejected');
    expect((error.reply as { command: string; code: number }).code).toBe(552);
    expect((error.reply as { command: string }).command).toBe('BDAT');
    expect(error.rejected).toHaveLength(1);
    expect(txLines(connection)).not.toContain('RSET');
  });

  it('a 354 to BDAT: a protocol error, unknown (LAST was handed over)', async () => {
    const { connection, client } = oneShot(['250 ok', '250 ok', '250 ok', '354 go']);
    const error = await rejection(client.send(raw()));
    expect(error.code).toBe('SMTP_PROTOCOL_UNEXPECTED_REPLY');
    expect(error.outcome).toBe('unknown');
    expect(connection.destroyed).toBe(true);
  });

  it('no BDAT reply: unknown; the connection is never reused', async () => {
    const { connection, client } = oneShot([
      '250 ok',
      '250 ok',
      '250 ok',
      new TimeoutError('bdat', 10),
    ]);
    const error = await rejection(client.send(raw()));
    expect(error.outcome).toBe('unknown');
    expect(error.temporary).toBe(false);
    expect(connection.destroyed).toBe(true);
  });

  it('the one write fails: unknown (the end of data was handed to the transport)', async () => {
    const reset = new ConnectionError('SMTP_CONNECTION_RESET', 'reset');
    // Writes: EHLO, then the batch.
    const { client } = oneShot([], {}, { failWrite: { at: 1, error: reset } });
    const error = await rejection(client.send(raw()));
    expect(error.outcome).toBe('unknown');
    expect(error.temporary).toBe(false);
  });

  it('requireAllRecipients: the envelope first, then BDAT', async () => {
    const { connection, client } = oneShot(['250 ok', '250 ok', '250 ok', '250 done'], {
      requireAllRecipients: true,
    });
    await client.send(raw());
    expect(connection.written[1]?.text).toBe(
      'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\n',
    );
    expect(connection.written[2]?.text).toBe(`BDAT ${body.length} LAST\r\n`);
  });

  it('content in several chunks or streamed: the chunks follow the envelope replies', async () => {
    // Three chunks of at most 10 octets: BDAT 10, BDAT 10, BDAT 3 LAST.
    const several = oneShot(['250 ok', '250 ok', '250 ok', '250 ok', '250 ok', '250 done'], {
      chunkSize: 10,
    });
    expect((await several.client.send(raw())).outcome).toBe('accepted');
    expect(several.connection.written[1]?.text).not.toContain('BDAT');
    expect(several.connection.written[2]?.text).toBe('BDAT 10\r\n');
    const stream = oneShot(['250 ok', '250 ok', '250 done']);
    expect((await stream.client.send(streamed())).outcome).toBe('accepted');
    expect(stream.connection.written[1]?.text).toBe(
      'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n',
    );
  });
});
