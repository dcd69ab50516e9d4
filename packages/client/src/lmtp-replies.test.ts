/**
 * The LMTP replies after the data (lmtp-replies.ts), without a socket: how many are read and when
 * the reading stops (a `421`, a reply no recipient can have, a lost connection, a deadline), and
 * how the replies read become the per-recipient result: delivered, refused (in RCPT order, with
 * the recipient's own reply), or `unknown` when a reply did not come.
 */
import { createReplyParser, type Reply } from '@smtp/protocol';
import { type Connection, ConnectionError, TimeoutError } from '@smtp/transport';
import { describe, expect, it } from 'vitest';
import { type RecipientReply, SendError, SmtpReplyError } from './errors.ts';
import { deliveryOf, type RecipientReplies, readRecipientReplies } from './lmtp-replies.ts';
import { createClientLog } from './logging.ts';
import { createSecrets } from './redact.ts';
import { toReplyInfo } from './reply-info.ts';
import { Wire } from './wire.ts';

const secrets = createSecrets();
const silent = createClientLog(undefined, secrets);

function reply(text: string): Reply {
  const [parsed] = createReplyParser().push(new TextEncoder().encode(`${text}\r\n`));
  if (parsed === undefined) throw new Error(`not a reply: ${text}`);
  return parsed;
}

/** What the stub connection answers to each read: a reply, a failure, or nothing until the deadline. */
type Answer = string | Error | 'hang';

/** The part of a `Connection` a `Wire` reads with, answering from a script. */
function stubWire(answers: Answer[]): { wire: Wire; state: { destroyed: boolean; reads: number } } {
  const state = { destroyed: false, reads: 0 };
  const connection = {
    id: 1,
    pendingReplies: 0,
    get destroyed() {
      return state.destroyed;
    },
    destroy() {
      state.destroyed = true;
    },
    readReply(options: { deadline: number; phase: string }): Promise<Reply> {
      state.reads++;
      const answer = answers.shift();
      if (answer === undefined || answer instanceof Error) {
        state.destroyed = true;
        return Promise.reject(answer ?? new ConnectionError('SMTP_CONNECTION_CLOSED', 'closed'));
      }
      if (answer === 'hang') {
        return new Promise((_resolve, reject) => {
          const wait = Math.max(0, options.deadline - performance.now());
          setTimeout(() => reject(new TimeoutError(options.phase, wait)), wait);
        });
      }
      return Promise.resolve(reply(answer));
    },
  };
  return { wire: new Wire(connection as unknown as Connection, silent, secrets), state };
}

const read = (
  answers: Answer[],
  first: string,
  count: number,
  command: 'message' | 'BDAT' = 'message',
  timeoutMs = 1_000,
) => {
  const { wire, state } = stubWire(answers);
  return {
    state,
    result: readRecipientReplies(wire, command, reply(first), count, timeoutMs, undefined, secrets),
  };
};

describe('readRecipientReplies', () => {
  it('reads one reply per recipient after the first, and nothing more', async () => {
    const { state, result } = read(['452 4.2.2 full', '250 ok c', '250 never read'], '250 ok a', 3);
    const { replies, failure } = await result;
    expect(replies.map((r) => r.code)).toEqual([250, 452, 250]);
    expect(failure).toBeUndefined();
    expect(state).toEqual({ destroyed: false, reads: 2 });
  });

  it('reads nothing more for a single recipient', async () => {
    const { state, result } = read([], '550 5.2.1 no', 1, 'BDAT');
    expect((await result).replies.map((r) => r.code)).toEqual([550]);
    expect(state.reads).toBe(0);
  });

  it('stops at a 421 that leaves recipients without a reply, and drops the connection', async () => {
    const { state, result } = read(['421 4.3.2 closing', '250 late'], '250 ok', 3);
    const { replies, failure } = await result;
    expect(replies.map((r) => r.code)).toEqual([250, 421]);
    expect(failure).toBeInstanceOf(SmtpReplyError);
    expect((failure as SmtpReplyError).reply.code).toBe(421);
    expect(state.destroyed).toBe(true);
  });

  it('counts a 421 as the last reply when it is the last one owed, and still drops the connection', async () => {
    const { state, result } = read(['421 4.3.2 closing'], '250 ok', 2);
    const { replies, failure } = await result;
    expect(replies.map((r) => r.code)).toEqual([250, 421]);
    expect(failure).toBeUndefined();
    expect(state.destroyed).toBe(true);
  });

  it('does not count a reply no recipient can have drawn: a protocol error', async () => {
    const { state, result } = read(['354 go on'], '250 ok', 2);
    const { replies, failure } = await result;
    expect(replies.map((r) => r.code)).toEqual([250]);
    expect(failure).toMatchObject({ code: 'SMTP_PROTOCOL_UNEXPECTED_REPLY' });
    expect(state.destroyed).toBe(true);
  });

  it('takes nothing from a first reply no recipient can have drawn', async () => {
    const { result } = read([], '354 go on', 2, 'BDAT');
    expect((await result).replies).toEqual([]);
  });

  it('keeps the replies read before the connection was lost', async () => {
    const lost = new ConnectionError('SMTP_CONNECTION_RESET', 'reset');
    const { result } = read(['250 ok b', lost], '250 ok a', 4);
    const { replies, failure } = await result;
    expect(replies.map((r) => r.text)).toEqual(['ok a', 'ok b']);
    expect(failure).toBe(lost);
  });

  it('gives each reply its own deadline, from the one before', async () => {
    const { state, result } = read(['hang'], '250 ok', 2, 'message', 20);
    const { replies, failure } = await result;
    expect(replies).toHaveLength(1);
    expect(failure).toBeInstanceOf(TimeoutError);
    expect((failure as TimeoutError).phase).toBe('data-final');
    expect(state.destroyed).toBe(true);
  });
});

/** RCPT replies for `entries` (`[recipient, reply text]`), as the transaction holds them. */
const rcpt = (...entries: [string, string][]): RecipientReply[] =>
  entries.map(([recipient, text]) => ({
    recipient,
    reply: toReplyInfo(reply(text), 'RCPT', secrets),
  }));

const replies = (failure: unknown, ...texts: string[]): RecipientReplies => ({
  replies: texts.map(reply),
  failure,
});

function thrown(run: () => unknown): SendError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SendError);
    return error as SendError;
  }
  throw new Error('expected a SendError');
}

describe('deliveryOf', () => {
  const envelope = rcpt(
    ['a@example.com', '250 ok'],
    ['b@example.com', '550 5.1.1 no such user'],
    ['c@example.com', '250 ok'],
    ['d@example.com', '250 ok'],
  );

  it('every recipient RCPT accepted got it: its own reply, and the first is the result reply', () => {
    const { delivery, reply: first } = deliveryOf(
      'message',
      envelope,
      replies(undefined, '250 2.0.0 a saved', '250 2.0.0 c saved', '250 2.0.0 d saved'),
      secrets,
      silent,
    );
    expect(delivery.accepted).toEqual(['a@example.com', 'c@example.com', 'd@example.com']);
    expect(delivery.rejected.map((r) => [r.recipient, r.reply.command])).toEqual([
      ['b@example.com', 'RCPT'],
    ]);
    expect(delivery.final.map((r) => [r.recipient, r.reply.text, r.reply.command])).toEqual([
      ['a@example.com', 'a saved', 'message'],
      ['c@example.com', 'c saved', 'message'],
      ['d@example.com', 'd saved', 'message'],
    ]);
    expect(first.text).toBe('a saved');
  });

  it('refusals after the data join those at RCPT, in RCPT order, each with its own reply', () => {
    const lines: string[] = [];
    const log = createClientLog({ log: (line) => lines.push(line) }, secrets);
    const { delivery, reply: first } = deliveryOf(
      'BDAT',
      envelope,
      replies(undefined, '452 4.2.2 a over quota', '250 c ok', '552 5.2.2 d full'),
      secrets,
      log,
    );
    expect(delivery.accepted).toEqual(['c@example.com']);
    expect(delivery.rejected.map((r) => [r.recipient, r.reply.code, r.reply.command])).toEqual([
      ['a@example.com', 452, 'BDAT'],
      ['b@example.com', 550, 'RCPT'],
      ['d@example.com', 552, 'BDAT'],
    ]);
    expect(first.text).toBe('c ok');
    expect(lines).toEqual(['some recipients refused after the data accepted=1 rejected=2']);
  });

  it('no recipient got it: rejected, temporary only when every refusal is a 4xx', () => {
    const all4xx = thrown(() =>
      deliveryOf(
        'message',
        rcpt(['a@example.com', '250 ok'], ['b@example.com', '250 ok']),
        replies(undefined, '452 4.2.2 a full', '451 4.3.0 b later'),
        secrets,
        silent,
      ),
    );
    expect(all4xx).toMatchObject({
      code: 'SMTP_REPLY',
      outcome: 'rejected',
      temporary: true,
      accepted: [],
      unknown: [],
    });
    expect(all4xx.reply?.text).toBe('a full');
    expect(all4xx.finalReplies.map((r) => r.reply.code)).toEqual([452, 451]);
    expect(all4xx.message).toContain('every recipient');

    const mixed = thrown(() =>
      deliveryOf(
        'message',
        envelope,
        replies(undefined, '450 a', '451 c', '452 d'),
        secrets,
        silent,
      ),
    );
    expect(mixed.temporary).toBe(false);
    expect(mixed.rejected.map((r) => r.recipient)).toEqual([
      'a@example.com',
      'b@example.com',
      'c@example.com',
      'd@example.com',
    ]);
  });

  it('a reply that did not come: unknown, the others keeping their replies', () => {
    const lines: string[] = [];
    const log = createClientLog({ log: (line) => lines.push(line) }, secrets);
    const lost = new ConnectionError('SMTP_CONNECTION_RESET', 'reset by peer');
    const error = thrown(() =>
      deliveryOf('message', envelope, replies(lost, '250 a saved'), secrets, log),
    );
    expect(error).toMatchObject({
      code: 'SMTP_CONNECTION_RESET',
      outcome: 'unknown',
      temporary: false,
      accepted: ['a@example.com'],
      unknown: ['c@example.com', 'd@example.com'],
    });
    expect(error.rejected.map((r) => r.recipient)).toEqual(['b@example.com']);
    expect(error.finalReplies.map((r) => [r.recipient, r.reply.text])).toEqual([
      ['a@example.com', 'a saved'],
    ]);
    expect(error.cause).toBe(lost);
    expect(error.message).toBe(
      'The message may have been delivered to 2 recipient(s) whose reply after the data did not come (1 delivered, 1 refused): reset by peer',
    );
    expect(lines).toEqual(['replies after the data missing accepted=1 rejected=1 unknown=2']);
  });

  it('no reply at all: every recipient RCPT accepted is unknown, none reported delivered', () => {
    const lost = new ConnectionError('SMTP_CONNECTION_CLOSED', 'closed');
    const error = thrown(() => deliveryOf('BDAT', envelope, replies(lost), secrets, silent));
    expect(error.accepted).toEqual([]);
    expect(error.unknown).toEqual(['a@example.com', 'c@example.com', 'd@example.com']);
    expect(error.finalReplies).toEqual([]);
  });
});
