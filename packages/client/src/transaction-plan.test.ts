/**
 * The plan, reached directly: a pure function of the message, the server's capabilities and the
 * options, so every check "before any byte" is tested here without a connection.
 */
import { type Capabilities, InvalidInputError } from '@smtp/protocol';
import { describe, expect, it } from 'vitest';
import { batchShape, envelopeBatches } from './envelope-batch.ts';
import { SecurityError } from './errors.ts';
import { Message } from './index.ts';
import { createClientLog } from './logging.ts';
import { prepareMessage, type RawMessage } from './message-source.ts';
import { createSecrets } from './redact.ts';
import { noCapabilities } from './smtp-connection.ts';
import {
  ENCODE_IN_PLAN_LIMIT,
  type PlanContext,
  planTransaction,
  prepareOptionsFor,
  type SendOptions,
} from './transaction-plan.ts';

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function context(
  capabilities: Partial<Capabilities> = {},
  lines: string[] = [],
  options: Partial<PlanContext['options']> = {},
): PlanContext {
  return {
    capabilities: { ...noCapabilities('mx.example'), ...capabilities },
    secure: false,
    options: {
      chunking: 'auto',
      chunkSize: 65_536,
      allowFileAccess: true,
      pipelining: true,
      requireAllRecipients: false,
      ...options,
    },
    log: createClientLog({ log: (line) => lines.push(line) }, createSecrets()),
  };
}

/** Prepares `input` for the context's server, then plans it, as the connection does. */
const planFor = (input: Message | RawMessage, context: PlanContext, send: SendOptions) =>
  planTransaction(
    prepareMessage(input, prepareOptionsFor(context.capabilities, context.options)),
    context,
    send,
  );

const raw = (body: string | Uint8Array, to: string[] = ['b@example.com']) => ({
  envelope: { from: 'a@example.com', to },
  raw: body,
});

describe('planTransaction', () => {
  it('encodes MAIL and every RCPT, and DATA-encodes content in memory with its terminator', () => {
    const plan = planFor(
      raw('Subject: x\r\n\r\n.dot\nbare LF\r\n', ['b@example.com', 'c@example.com']),
      context(),
      {},
    );
    expect(decode(plan.mail)).toBe('MAIL FROM:<a@example.com>\r\n');
    expect(plan.rcpts.map((r) => decode(r.line))).toEqual([
      'RCPT TO:<b@example.com>\r\n',
      'RCPT TO:<c@example.com>\r\n',
    ]);
    expect(plan.bdat).toBe(false);
    expect(plan.body.kind).toBe('bytes');
    if (plan.body.kind === 'bytes') {
      expect(decode(plan.body.bytes)).toBe('Subject: x\r\n\r\n..dot\r\nbare LF\r\n.\r\n');
    }
  });

  it('a Message streams its content (encoded as it is sent)', () => {
    const plan = planFor(
      new Message({ from: 'a@example.com', to: 'b@example.com', text: 'hi' }),
      context(),
      {},
    );
    expect(plan.body.kind === 'stream' || plan.body.kind === 'bytes').toBe(true);
  });

  it('content in memory over the limit is checked now and streamed later', () => {
    const big = new Uint8Array(ENCODE_IN_PLAN_LIMIT + 10).fill(0x61);
    for (let i = 500; i < big.length; i += 500) big[i] = 0x0a;
    const plan = planFor(raw(big), context(), {});
    expect(plan.body.kind).toBe('stream');
    big[big.length - 3] = 0;
    expect(() => planFor(raw(big), context(), {})).toThrow(InvalidInputError);
  });

  it('a NUL or a line over 998 octets in memory fails before anything is written', () => {
    expect(() => planFor(raw('a\u0000b\r\n'), context(), {})).toThrow(InvalidInputError);
    expect(() => planFor(raw(`${'x'.repeat(999)}\r\n`), context(), {})).toThrow(InvalidInputError);
  });

  it('SIZE when offered and the size is known; a message over it is refused', () => {
    const plan = planFor(raw('Subject: x\r\n\r\nhi\r\n'), context({ size: 1000 }), {});
    expect(decode(plan.mail)).toContain(' SIZE=');
    expect(() => planFor(raw('x'.repeat(50)), context({ size: 10 }), {})).toThrow(SecurityError);
  });

  it.each([
    ['ends with CRLF', 'Subject: x\r\n\r\nhi\r\n', 0],
    ['ends with a bare LF', 'Subject: x\r\n\r\nhi\n', 0],
    ['ends with a bare CR (it becomes CRLF)', 'Subject: x\r\n\r\nhi\r', 1],
    ['ends without a line end (CRLF is added)', 'Subject: x\r\n\r\nhi', 2],
  ])('SIZE counts the line end the encoder adds: content that %s', (_, text, added) => {
    const plan = planFor(raw(text), context({ size: 1000 }), {});
    expect(decode(plan.mail)).toContain(` SIZE=${text.length + added}`);
  });

  it('REQUIRETLS needs TLS and the extension', () => {
    expect(() =>
      planFor(raw('x\r\n'), context({ requireTls: true }), { requireTls: true }),
    ).toThrow(/not TLS/);
    const plan = planFor(
      raw('x\r\n'),
      { ...context({ requireTls: true }), secure: true },
      { requireTls: true },
    );
    expect(decode(plan.mail)).toContain(' REQUIRETLS');
  });

  it('MT-PRIORITY only when offered; otherwise left out and logged', () => {
    const offered = planFor(raw('x\r\n'), context({ mtPriority: true }), { priority: -3 });
    expect(decode(offered.mail)).toContain(' MT-PRIORITY=-3');
    const lines: string[] = [];
    const missing = planFor(raw('x\r\n'), context({}, lines), { priority: 5 });
    expect(decode(missing.mail)).not.toContain('MT-PRIORITY');
    expect(lines.join('\n')).toMatch(/MT-PRIORITY/);
    expect(() => planFor(raw('x\r\n'), context({ mtPriority: true }), { priority: 12 })).toThrow(
      InvalidInputError,
    );
  });

  it('BDAT frames content in memory when chunking is on and offered', () => {
    const plan = planFor(
      raw('Subject: x\r\n\r\nhello\r\n'),
      context({ chunking: true }, [], { chunking: true, chunkSize: 8 }),
      {},
    );
    expect(plan.bdat).toBe(true);
    if (plan.bdat && plan.body.kind === 'frames') {
      const commands = plan.body.frames.map((f) => decode(f.command));
      expect(commands.at(-1)).toMatch(/^BDAT \d+ LAST\r\n$/);
      expect(commands.slice(0, -1).every((c) => c === 'BDAT 8\r\n')).toBe(true);
    } else {
      throw new Error('expected frames');
    }
  });

  it('BINARYMIME needs CHUNKING and BINARYMIME', () => {
    const binary = { ...raw(new Uint8Array([0, 1, 2, 13, 10])), body: 'BINARYMIME' as const };
    expect(() => planFor(binary, context(), {})).toThrow(InvalidInputError);
    const plan = planFor(binary, context({ chunking: true, binaryMime: true }), {});
    expect(plan.bdat && plan.binary).toBe(true);
    expect(decode(plan.mail)).toContain('BODY=BINARYMIME');
  });

  it('DATA and BDAT plans have the same fields in the same order (one shape for the JIT)', () => {
    const data = planFor(raw('x\r\n'), context(), {});
    const bdat = planFor(raw('x\r\n'), context({ chunking: true }, [], { chunking: true }), {});
    expect(data.bdat).toBe(false);
    expect(data.binary).toBe(false);
    expect(bdat.bdat).toBe(true);
    expect(Object.keys(data)).toEqual(['prepared', 'mail', 'rcpts', 'bdat', 'binary', 'body']);
    expect(Object.keys(bdat)).toEqual(Object.keys(data));
  });

  it('MAIL and RCPT parameters: each sent only when asked for and offered, as before', () => {
    const offered = context({ size: 10_000, dsn: true, mtPriority: true, requireTls: true });
    const plan = planFor(
      raw('Subject: x\r\n\r\nhi\r\n', ['b@example.com', 'c@example.com']),
      { ...offered, secure: true },
      {
        dsn: { notify: ['FAILURE', 'DELAY'], ret: 'HDRS', envelopeId: 'env-1', orcpt: true },
        priority: -3,
        requireTls: true,
      },
    );
    expect(decode(plan.mail)).toBe(
      'MAIL FROM:<a@example.com> SIZE=18 RET=HDRS ENVID=env-1 REQUIRETLS MT-PRIORITY=-3\r\n',
    );
    expect(plan.rcpts.map((r) => decode(r.line))).toEqual([
      'RCPT TO:<b@example.com> NOTIFY=FAILURE,DELAY ORCPT=rfc822;b@example.com\r\n',
      'RCPT TO:<c@example.com> NOTIFY=FAILURE,DELAY ORCPT=rfc822;c@example.com\r\n',
    ]);
    const plain = planFor(raw('x\r\n'), context({ size: 10_000 }), {});
    expect(decode(plain.mail)).toBe('MAIL FROM:<a@example.com> SIZE=3\r\n');
    expect(decode((plain.rcpts[0] as { line: Uint8Array }).line)).toBe(
      'RCPT TO:<b@example.com>\r\n',
    );
  });
});

describe('envelopeBatches (the batch builder)', () => {
  const plan = planFor(raw('x\r\n', ['b@example.com', 'c@example.com']), context(), {});

  it('pipelined: MAIL, every RCPT and DATA in one write, with the replies it must draw', () => {
    const batches = envelopeBatches(plan, batchShape(plan, true, false));
    expect(batches).toHaveLength(1);
    expect(batches[0]?.commands).toEqual(['MAIL', 'RCPT', 'RCPT', 'DATA']);
    expect(decode(batches[0]?.bytes as Uint8Array)).toBe(
      'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n',
    );
  });

  it('requireAllRecipients keeps DATA out of the batch', () => {
    const batches = envelopeBatches(plan, batchShape(plan, true, true));
    expect(batches[0]?.commands).toEqual(['MAIL', 'RCPT', 'RCPT']);
  });

  it('without PIPELINING, one command per write', () => {
    const batches = envelopeBatches(plan, batchShape(plan, false, false));
    expect(batches.map((b) => b.commands)).toEqual([['MAIL'], ['RCPT'], ['RCPT']]);
    expect(batches.every((b) => b.payloadOctets === 0)).toBe(true);
  });

  describe('with CHUNKING', () => {
    const body = 'Subject: x\r\n\r\nhello\r\n';
    const chunking = (chunkSize = 65_536) =>
      context({ chunking: true, pipelining: true }, [], { chunking: true, chunkSize });
    const bdatPlan = (chunkSize?: number) =>
      planFor(raw(body, ['b@example.com', 'c@example.com']), chunking(chunkSize), {});

    it('pipelined, one frame in memory: MAIL, every RCPT, BDAT LAST and its payload in one write', () => {
      const one = bdatPlan();
      const shape = batchShape(one, true, false);
      expect(shape).toEqual({ pipelined: true, dataInBatch: false, bdatInBatch: true });
      const batches = envelopeBatches(one, shape);
      expect(batches).toHaveLength(1);
      expect(batches[0]?.commands).toEqual(['MAIL', 'RCPT', 'RCPT', 'BDAT']);
      expect(decode(batches[0]?.bytes as Uint8Array)).toBe(
        `MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nBDAT ${body.length} LAST\r\n${body}`,
      );
      // The payload is the tail of the write, so the writer can log it as a size only.
      expect(batches[0]?.payloadOctets).toBe(body.length);
    });

    it('requireAllRecipients keeps BDAT out of the batch', () => {
      const one = bdatPlan();
      const shape = batchShape(one, true, true);
      expect(shape.bdatInBatch).toBe(false);
      const [batch] = envelopeBatches(one, shape);
      expect(batch?.commands).toEqual(['MAIL', 'RCPT', 'RCPT']);
      expect(batch?.payloadOctets).toBe(0);
      expect(decode(batch?.bytes as Uint8Array)).not.toContain('BDAT');
    });

    it('content in several frames keeps BDAT out of the batch', () => {
      const several = bdatPlan(8);
      expect(several.bdat && several.body.kind === 'frames' && several.body.frames.length).toBe(3);
      const shape = batchShape(several, true, false);
      expect(shape.bdatInBatch).toBe(false);
      expect(envelopeBatches(several, shape)[0]?.commands).toEqual(['MAIL', 'RCPT', 'RCPT']);
    });

    it('streamed content keeps BDAT out of the batch', () => {
      const content = (async function* () {
        yield body;
      })();
      const streamed = planFor(
        { envelope: { from: 'a@example.com', to: ['b@example.com'] }, raw: content },
        chunking(),
        {},
      );
      expect(streamed.body.kind).toBe('stream');
      expect(batchShape(streamed, true, false).bdatInBatch).toBe(false);
    });

    it('without PIPELINING, BDAT is never in a batch', () => {
      const one = bdatPlan();
      expect(batchShape(one, false, false)).toEqual({
        pipelined: false,
        dataInBatch: false,
        bdatInBatch: false,
      });
      expect(envelopeBatches(one, batchShape(one, false, false)).map((b) => b.commands)).toEqual([
        ['MAIL'],
        ['RCPT'],
        ['RCPT'],
      ]);
    });

    it("chunking 'auto' takes BDAT where it saves a round trip, and DATA elsewhere (decision 14)", () => {
      const auto = (capabilities: Partial<Capabilities>, options = {}, content: string = body) =>
        planFor(raw(content), context({ chunking: true, ...capabilities }, [], options), {}).bdat;
      expect(auto({ pipelining: true })).toBe(true);
      expect(auto({ pipelining: false })).toBe(false);
      expect(auto({ pipelining: true }, { pipelining: false })).toBe(false);
      expect(auto({ pipelining: true }, { requireAllRecipients: true })).toBe(false);
      expect(auto({ pipelining: true }, { chunkSize: 8 })).toBe(false);
      expect(auto({ chunking: false, pipelining: true })).toBe(false);
      expect(auto({ pipelining: true }, { chunking: false })).toBe(false);
    });

    it('a DATA plan never carries BDAT', () => {
      expect(batchShape(plan, true, false).bdatInBatch).toBe(false);
      expect(envelopeBatches(plan, batchShape(plan, true, false))[0]?.payloadOctets).toBe(0);
    });
  });
});
