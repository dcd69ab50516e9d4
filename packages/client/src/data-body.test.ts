/**
 * The DATA form of a body as the transport pulls it: what the transport says with `next(true)`
 * (it holds no chunk) reaches the content, so that `@smtp/mime` can reuse an attachment's
 * output memory; and the content is released when the body stops early.
 */
import { describe, expect, it } from 'vitest';
import { dataEncoded } from './data-body.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const decode = (parts: readonly Uint8Array[]): string =>
  parts.map((part) => new TextDecoder().decode(part)).join('');

/** A content source that records what each `next()` was given and whether it was closed. */
function recorded(chunks: readonly Uint8Array[]) {
  const state = { answers: [] as unknown[], closed: false };
  let at = 0;
  const iterator: AsyncIterableIterator<Uint8Array> = {
    next(answer?: unknown) {
      state.answers.push(answer);
      const chunk = chunks[at++];
      return Promise.resolve(
        chunk === undefined ? { done: true, value: undefined } : { done: false, value: chunk },
      );
    },
    return() {
      state.closed = true;
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return { state, source: iterator };
}

describe('dataEncoded', () => {
  it('passes the transport’s next(true) on to the content, and encodes for DATA', async () => {
    const { state, source } = recorded([text('a\r\n'), text(''), text('.b\r\n')]);
    let ended = false;
    const body = dataEncoded(source, () => {
      ended = true;
    });
    const out: Uint8Array[] = [];
    let next = await body.next();
    while (next.done !== true) {
      out.push(next.value);
      next = await body.next(out.length !== 2);
    }
    expect(decode(out)).toBe('a\r\n..b\r\n.\r\n');
    expect(ended).toBe(true);
    // First pull: nothing said yet. The empty chunk yields nothing, so the answer to `a` stands.
    expect(state.answers).toEqual([false, true, true, false]);
    expect(state.closed).toBe(false);
  });

  it('hands the encoder a Buffer view of a plain chunk, and a Buffer chunk as it is', async () => {
    const plain = text('plain\r\n');
    const buffer = Buffer.from('buffer\r\n');
    const body = dataEncoded(recorded([plain, buffer]).source, () => {});
    const first = (await body.next()).value as Uint8Array;
    expect(Buffer.isBuffer(first)).toBe(true);
    expect(first.buffer).toBe(plain.buffer);
    expect((await body.next(true)).value).toBe(buffer);
  });

  it('closes the content when the transport stops pulling', async () => {
    const { state, source } = recorded([text('a\r\n'), text('b\r\n')]);
    const body = dataEncoded(source, () => {});
    await body.next();
    await body.return(undefined);
    expect(state.closed).toBe(true);
  });

  it('closes the content when a chunk cannot be sent in DATA', async () => {
    const { state, source } = recorded([text('a\r\n'), Uint8Array.of(0x61, 0, 0x62)]);
    const body = dataEncoded(source, () => {});
    await body.next();
    await expect(body.next(true)).rejects.toMatchObject({ code: 'SMTP_INVALID_CHARACTER' });
    expect(state.closed).toBe(true);
  });

  it('does not close content that failed or ended by itself', async () => {
    let closed = false;
    const failing: AsyncIterableIterator<Uint8Array> = {
      next: () => Promise.reject(new Error('read failed')),
      return() {
        closed = true;
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => failing,
    };
    await expect(dataEncoded(failing, () => {}).next()).rejects.toThrow('read failed');
    expect(closed).toBe(false);
  });
});
