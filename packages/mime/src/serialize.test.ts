import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concat, latin1 } from 'test-servers/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { resetRandomPool } from './boundary.ts';
import { ContentError, InvalidMessageError } from './errors.ts';
import { FILE_CHUNK_SIZE } from './file-content.ts';
import { Message, type MessageOptions } from './message.ts';
import { SINGLE_CHUNK_SIZE } from './serialize.ts';

const dir = mkdtempSync(join(tmpdir(), 'smtp-mime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: MessageOptions = {
  from: 'a@example.com',
  to: 'b@example.org',
  subject: 's',
  text: 'hi',
};

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of source) out.push(chunk);
  return out;
}

/** A source of `count` chunks of `size` bytes that records how far it has been pulled. */
function counted(count: number, size: number) {
  const state = { pulled: 0, closed: false };
  async function* generate() {
    try {
      for (let i = 0; i < count; i++) {
        state.pulled++;
        const chunk = new Uint8Array(size);
        chunk.fill(i & 0xff);
        yield chunk;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, source: generate() };
}

describe('a message known in advance', () => {
  const small: MessageOptions = {
    ...base,
    text: 'Hello\nthere\n',
    html: '<p>Hello</p>',
    attachments: [{ filename: 'a.bin', content: new Uint8Array(300).fill(9) }],
  };

  it('comes from stream() as one chunk, the bytes of toBytes() and toBytesSync()', async () => {
    const message = new Message(small);
    const chunks = await collect(message.stream());
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toEqual(await message.toBytes());
    expect(chunks[0]).toEqual(message.toBytesSync());
    expect(chunks[0]?.length).toBe(message.envelope().size);
    // A fresh array each time: the caller may keep or change it.
    expect(message.toBytesSync()).not.toBe(message.toBytesSync());
  });

  it('is written only when pulled, and behaves as a one-shot async iterator', async () => {
    const stream = new Message(small).stream();
    const iterator = stream[Symbol.asyncIterator]() as AsyncIterableIterator<Uint8Array>;
    expect(iterator[Symbol.asyncIterator]()).toBe(iterator);
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });

    const stopped = new Message(small).stream()[Symbol.asyncIterator]();
    expect(await stopped.return?.()).toEqual({ done: true, value: undefined });
    expect(await stopped.next()).toEqual({ done: true, value: undefined });
  });

  it('comes in pieces past SINGLE_CHUNK_SIZE, with the same bytes', async () => {
    const message = new Message({
      ...small,
      attachments: [{ filename: 'big.bin', content: new Uint8Array(SINGLE_CHUNK_SIZE) }],
    });
    const chunks = await collect(message.stream());
    expect(chunks.length).toBeGreaterThan(1);
    expect(concat(chunks)).toEqual(message.toBytesSync());
  });

  it('streams a large text body kept as a string, and known parts after a streamed one', async () => {
    const long = new Message({ ...base, text: 'line of text\n'.repeat(8000) });
    const chunks = await collect(long.stream());
    expect(chunks.length).toBeGreaterThan(1);
    expect(concat(chunks)).toEqual(long.toBytesSync());
    expect(latin1(concat(chunks))).toMatch(
      /Content-Transfer-Encoding: 7bit\r\n\r\nline of text\r\n/,
    );

    async function* source() {
      yield new Uint8Array(70_000).fill(1);
      yield new Uint8Array(70_000).fill(2);
    }
    const mixed = new Message({
      ...base,
      attachments: [
        { filename: 's.bin', content: source() },
        { filename: 'after.txt', content: 'known text after a stream\n' },
      ],
    });
    expect(mixed.envelope().size).toBeUndefined();
    const raw = latin1(await mixed.toBytes());
    expect(raw).toContain('filename=after.txt\r\n\r\nknown text after a stream\r\n\r\n--=_');
    expect(raw.length).toBeGreaterThan(140_000 * (4 / 3));
  });

  it('has no synchronous form when a part is a stream or a file', () => {
    async function* source() {
      yield 'x';
    }
    expect(new Message({ ...base, attachments: [{ content: source() }] }).toBytesSync()).toBe(
      undefined,
    );
    expect(new Message({ ...base, attachments: [{ path: '/nonexistent' }] }).toBytesSync()).toBe(
      undefined,
    );
  });

  it('gives the same bytes for text given as a string or as its UTF-8 bytes', async () => {
    const te = new TextEncoder();
    for (const body of [
      'plain ASCII\nwith LF\r\nand CRLF\rand CR',
      'a=b\tc\u0001 control and = signs',
      'Grüße, 日本語\n',
      `${'long line '.repeat(120)}\n`,
      'nul \0 byte',
      'trailing dot\n.\n',
      '',
    ]) {
      for (const allow8Bit of [false, true]) {
        // A fixed Date: two messages built a second apart would otherwise differ in it.
        const options = { ...base, date: new Date(0), messageId: '<m@x>', subject: 's' };
        const asText = new Message({ ...options, text: body, html: body });
        const asBytes = new Message({ ...options, text: te.encode(body), html: te.encode(body) });
        const a = latin1(asText.toBytesSync({ allow8Bit }) as Uint8Array);
        const b = latin1(asBytes.toBytesSync({ allow8Bit }) as Uint8Array);
        const boundary = /boundary="([^"]+)"/;
        expect(a.replaceAll(boundary.exec(a)?.[1] as string, 'B')).toBe(
          b.replaceAll(boundary.exec(b)?.[1] as string, 'B'),
        );
        const attached = (content: string | Uint8Array) =>
          latin1(
            new Message({
              ...options,
              text: 'x',
              attachments: [{ filename: 'a.json', content }],
            }).toBytesSync() as Uint8Array,
          ).replace(/=_[0-9a-f]{32}/g, 'B');
        expect(attached(body)).toBe(attached(te.encode(body)));
      }
    }
  });
});

describe('stream()', () => {
  it('yields the same bytes as toBytes(), ending with the close delimiter and CRLF', async () => {
    const message = new Message({
      ...base,
      html: '<b>x</b>',
      attachments: [{ filename: 'a.bin', content: new Uint8Array(100_000).fill(7) }],
    });
    const streamed = concat(await collect(message.stream()));
    expect(streamed).toEqual(await message.toBytes());
    expect(latin1(streamed)).toMatch(/--=_[0-9a-f]{32}--\r\n$/);
  });

  it('never has a line over 998 octets or a bare CR or LF', async () => {
    const message = new Message({
      ...base,
      text: `${'word '.repeat(400)}\n${'x'.repeat(2000)}`,
      subject: 'y '.repeat(600),
    });
    const raw = latin1(await message.toBytes());
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('pulls a stream source one chunk at a time, only as the consumer reads', async () => {
    const { state, source } = counted(50, 64 * 1024);
    const iterator = new Message({
      ...base,
      attachments: [{ filename: 'big.bin', content: source }],
    })
      .stream()
      [Symbol.asyncIterator]();
    expect(state.pulled).toBe(0);
    let consumed = 0;
    let maxAhead = 0;
    while (!(await iterator.next()).done) {
      consumed++;
      maxAhead = Math.max(maxAhead, state.pulled - consumed);
    }
    expect(state.pulled).toBe(50);
    expect(maxAhead).toBeLessThanOrEqual(1);
    expect(state.closed).toBe(true);
  });

  /** 40 chunks of 64 KiB of varied bytes (the same for every call), as a stream. */
  async function* varied(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < 40; i++) {
      yield Uint8Array.from({ length: 64 * 1024 }, (_, j) => (i * 131 + j * 7 + (j >> 9)) & 255);
    }
  }
  async function* small(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < 100; i++) yield new Uint8Array(1000).fill(i);
  }
  const withStream = (): Message =>
    new Message({
      ...base,
      date: new Date(0),
      messageId: '<fixed@example.com>',
      attachments: [
        { filename: 'v.bin', content: varied() },
        // Known bytes large enough to go on alone, and a stream of small chunks, gathered.
        { filename: 'k.bin', content: new Uint8Array(100_000).fill(3) },
        { filename: 's.bin', content: small() },
        { filename: 't.txt', content: 'x'.repeat(20_000) },
      ],
    });

  it('encodes a streamed base64 part into one reused array while the consumer holds no chunk', async () => {
    const message = withStream();
    const expected = latin1(concat(await collect(message.stream())));
    const iterator = withStream().stream()[Symbol.asyncIterator]();
    let text = '';
    const memories = new Set<ArrayBufferLike>();
    let large = 0;
    for (let next = await iterator.next(); !next.done; next = await iterator.next(true)) {
      // Read before the next pull, which may overwrite it.
      text += latin1(next.value);
      // The encoded chunks of v.bin (k.bin comes whole, in one larger array of its own).
      if (next.value.length >= 64 * 1024 && next.value.length < 120_000) {
        large++;
        memories.add(next.value.buffer);
      }
    }
    // Another message, so other boundaries.
    expect(text.replace(/=_[0-9a-f]{32}/g, 'B')).toBe(expected.replace(/=_[0-9a-f]{32}/g, 'B'));
    expect(large).toBeGreaterThan(30);
    expect(memories.size).toBe(1);
  });

  it('gives a new array after a pull without next(true), and leaves the held one intact', async () => {
    const iterator = withStream().stream()[Symbol.asyncIterator]();
    let held: Uint8Array | undefined;
    let heldCopy: Uint8Array | undefined;
    let pulls = 0;
    for (let next = await iterator.next(); !next.done; ) {
      const chunk = next.value;
      pulls++;
      if (held !== undefined && chunk.length >= 64 * 1024) {
        expect(chunk.buffer).not.toBe(held.buffer);
        expect(held).toEqual(heldCopy);
        held = undefined;
      }
      // Hold the fifth chunk: say nothing when pulling the next one.
      const hold = pulls === 5;
      if (hold) {
        held = chunk;
        heldCopy = chunk.slice();
      }
      next = await iterator.next(hold ? undefined : true);
    }
    expect(pulls).toBeGreaterThan(30);
  });

  it('never reuses the arrays a for-await consumer gets', async () => {
    const chunks = await collect(withStream().stream());
    const big = chunks.filter((chunk) => chunk.length >= 64 * 1024);
    expect(new Set(big.map((chunk) => chunk.buffer)).size).toBe(big.length);
  });

  it('closes the source when the consumer stops early', async () => {
    const { state, source } = counted(1000, 1024 * 64);
    const message = new Message({ ...base, attachments: [{ content: source }] });
    let seen = 0;
    for await (const _chunk of message.stream()) {
      if (++seen === 3) break;
    }
    expect(state.closed).toBe(true);
    expect(state.pulled).toBeLessThan(5);
  });

  it('streams 256 MB in constant memory: output chunks stay small and RSS does not grow with it', async () => {
    const { state, source } = counted(4096, 64 * 1024);
    const before = process.memoryUsage().rss;
    let largest = 0;
    let total = 0;
    for await (const chunk of new Message({
      ...base,
      attachments: [{ content: source }],
    }).stream()) {
      largest = Math.max(largest, chunk.length);
      total += chunk.length;
    }
    expect(state.pulled).toBe(4096);
    expect(total).toBeGreaterThan(256 * 2 ** 20 * (4 / 3));
    // One encoded source chunk (64 KiB of input as base64 lines) plus gathered header bytes.
    expect(largest).toBeLessThan(128 * 1024);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 2 ** 20);
  }, 60_000);

  it('turns a failing source into ContentError SMTP_MIME_CONTENT_READ with the cause', async () => {
    const cause = new Error('disk on fire');
    async function* failing() {
      yield new Uint8Array(10);
      throw cause;
    }
    const message = new Message({ ...base, attachments: [{ content: failing() }] });
    const error = await message.toBytes().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentError);
    expect(error).toMatchObject({ code: 'SMTP_MIME_CONTENT_READ', cause });
  });

  it('refuses chunks that are neither bytes nor strings, and a stream read twice', async () => {
    async function* odd() {
      yield 42 as unknown as Uint8Array;
    }
    await expect(
      new Message({ ...base, attachments: [{ content: odd() }] }).toBytes(),
    ).rejects.toMatchObject({
      code: 'SMTP_MIME_CONTENT_READ',
    });
    async function* once() {
      yield 'text chunk';
    }
    const message = new Message({ ...base, attachments: [{ filename: 'a.txt', content: once() }] });
    expect(latin1(await message.toBytes())).toContain('text chunk');
    await expect(message.toBytes()).rejects.toThrow(/read once/);
  });

  it('reads a web ReadableStream, and cancels it when stopped early', async () => {
    const data = new TextEncoder().encode('streamed through a ReadableStream');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(data);
        controller.close();
      },
    });
    // Hide the async iterator, as in runtimes whose ReadableStream lacks one.
    const readerOnly = { getReader: () => stream.getReader() };
    const raw = latin1(
      await new Message({
        ...base,
        attachments: [{ filename: 'r.txt', content: readerOnly }],
      }).toBytes(),
    );
    expect(raw).toContain('streamed through a ReadableStream');

    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(65536));
      },
      cancel() {
        cancelled = true;
      },
    });
    const message = new Message({
      ...base,
      attachments: [{ content: { getReader: () => endless.getReader() } }],
    });
    let seen = 0;
    for await (const _chunk of message.stream()) if (++seen === 3) break;
    expect(cancelled).toBe(true);
  });

  it('writes an empty streamed base64 part with the CRLF its delimiter needs', async () => {
    async function* empty() {}
    const raw = latin1(
      await new Message({
        ...base,
        attachments: [
          { filename: 'e.bin', content: empty() },
          { filename: 'f.bin', content: new Uint8Array(0) },
        ],
      }).toBytes(),
    );
    expect(raw).toMatch(/Content-Disposition: attachment; filename=e\.bin\r\n\r\n\r\n--=_/);
    expect(raw).toMatch(/Content-Disposition: attachment; filename=f\.bin\r\n\r\n\r\n--=_/);
  });

  it('ends an empty base64 body that is the whole message with a CRLF', async () => {
    const { text: _text, ...rest } = base;
    const message = new Message(rest).setBody(new Uint8Array(0), 'base64');
    const raw = latin1(await message.toBytes());
    expect(raw).toMatch(/\r\nContent-Transfer-Encoding: base64\r\n\r\n\r\n$/);
    expect(message.envelope().size).toBe(raw.length);
  });

  it('encodes streamed text as quoted-printable and forced QP on binary streams in binary mode', async () => {
    async function* textSource() {
      yield 'Grüße\n';
    }
    async function* binarySource() {
      yield new Uint8Array([0x0d, 0x0a, 0x41]);
    }
    const raw = latin1(
      await new Message({
        ...base,
        attachments: [
          { filename: 't.txt', content: textSource() },
          { filename: 'b.bin', content: binarySource(), encoding: 'quoted-printable' },
        ],
      }).toBytes(),
    );
    expect(raw).toContain('\r\n\r\nGr=C3=BC=C3=9Fe\r\n\r\n--');
    expect(raw).toContain('\r\n\r\n=0D=0AA\r\n--');
  });

  it('refuses 7bit forced on a stream when the message is built', () => {
    async function* s() {
      yield 'x';
    }
    expect(() =>
      new Message({ ...base, attachments: [{ content: s(), encoding: '7bit' }] }).stream(),
    ).toThrow(InvalidMessageError);
  });
});

describe('file attachments', () => {
  it('opens the file only when streaming reaches it, and closes it at the end', async () => {
    const path = join(dir, 'lazy.bin');
    writeFileSync(path, new Uint8Array(FILE_CHUNK_SIZE * 2 + 5).fill(65));
    const message = new Message({ ...base, attachments: [{ path }] });
    const iterator = message.stream()[Symbol.asyncIterator]();
    // The file changes after attach(): what is sent is what is there when streaming reaches it.
    writeFileSync(path, new Uint8Array(FILE_CHUNK_SIZE * 2 + 5).fill(66));
    const chunks: Uint8Array[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) chunks.push(r.value);
    const raw = latin1(concat(chunks));
    expect(raw).toContain('Content-Disposition: attachment; filename=lazy.bin');
    expect(raw).toContain('QkJC'); // base64 of "BBB"
    expect(raw).not.toContain('QUFB'); // "AAA"
  });

  it('reports a missing file as ContentError SMTP_MIME_CONTENT_READ when reached', async () => {
    const message = new Message({ ...base, attachments: [{ path: join(dir, 'missing.pdf') }] });
    const stream = message.stream();
    const error = await collect(stream).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ContentError', code: 'SMTP_MIME_CONTENT_READ' });
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('reports a read error (a directory) as ContentError', async () => {
    const error = await new Message({ ...base, attachments: [{ path: dir, filename: 'd' }] })
      .toBytes()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SMTP_MIME_CONTENT_READ' });
    expect((error as Error).cause).toMatchObject({ code: 'EISDIR' });
  });

  it('can be read again on a second serialisation, with the same bytes', async () => {
    const path = join(dir, 'again.txt');
    writeFileSync(path, 'line one\nline two\n');
    const message = new Message({ ...base, attachments: [{ path }] });
    expect(await message.toBytes()).toEqual(await message.toBytes());
  });
});

describe('boundaries', () => {
  it('are redrawn when 7bit content contains one', async () => {
    // The pool is refilled from the replaced source: the first two boundaries drawn (octets 0 to
    // 31) collide with the text, the third (octets 32 to 47) does not.
    resetRandomPool();
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(((
      array: Uint8Array,
    ) => {
      array.fill(0x11, 0, 32);
      array.fill(0x22, 32);
      return array;
    }) as never);
    try {
      const collide = `--=_${'11'.repeat(16)}`;
      const message = new Message({ ...base, messageId: 'x@y', text: collide, html: 'h' });
      const raw = latin1(await message.toBytes());
      expect(raw).toContain(`boundary="=_${'22'.repeat(16)}"`);
      expect(raw).not.toContain(`boundary="=_${'11'.repeat(16)}"`);
    } finally {
      spy.mockRestore();
      resetRandomPool();
    }
  });

  it('give up with SMTP_MIME_BOUNDARY_COLLISION when the CSPRNG keeps colliding', async () => {
    resetRandomPool();
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(((
      array: Uint8Array,
    ) => {
      array.fill(0x11);
      return array;
    }) as never);
    try {
      const message = new Message({
        ...base,
        messageId: 'x@y',
        text: `--=_${'11'.repeat(16)}`,
        html: 'h',
      });
      expect(() => message.stream()).toThrow(
        expect.objectContaining({ code: 'SMTP_MIME_BOUNDARY_COLLISION' }),
      );
    } finally {
      spy.mockRestore();
      resetRandomPool();
    }
  });
});
