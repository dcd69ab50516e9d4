import { describe, expect, it } from 'vitest';
import { ED25519_SEED } from './__fixtures__/rfc8463.ts';
import { createDkimSigner, type DkimSource, isSmtpError } from './index.ts';
import { readSource } from './source.ts';

const MESSAGE = 'From: a@example.com\r\nSubject: source\r\n\r\nBody \u00e9 \ud83d\udce8.\r\n';
const BYTES = new TextEncoder().encode(MESSAGE);
const timestamp = new Date('2026-12-03T10:00:00Z');

async function collect(source: DkimSource): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of readSource(source)) parts.push(chunk.slice());
  return Buffer.concat(parts).toString('utf8');
}

async function failure(source: DkimSource): Promise<{ code: string; cause: unknown }> {
  try {
    await collect(source);
  } catch (error) {
    if (isSmtpError(error)) return { code: error.code, cause: (error as Error).cause };
    throw error;
  }
  throw new Error('did not throw');
}

describe('sources', () => {
  it('reads bytes, text, iterables, async iterables and web streams alike', async () => {
    const sources: DkimSource[] = [
      BYTES,
      MESSAGE,
      [MESSAGE.slice(0, 10), BYTES.subarray(10)],
      new Set([MESSAGE]),
      (async function* () {
        yield BYTES.subarray(0, 5);
        yield MESSAGE.slice(5);
      })(),
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(BYTES.subarray(0, 7));
          controller.enqueue(BYTES.subarray(7));
          controller.close();
        },
      }),
    ];
    const signer = await createDkimSigner({
      domain: 'example.com',
      selector: 's',
      privateKey: ED25519_SEED,
    });
    const expected = await signer.sign(BYTES, { timestamp });
    for (const source of sources) {
      expect(await signer.sign(source, { timestamp })).toBe(expected);
    }
  });

  it('encodes long text in slices without splitting a surrogate pair', async () => {
    const text = `${'a'.repeat(65535)}\ud83d\udce8${'b'.repeat(70000)}`;
    expect(await collect(text)).toBe(text);
  });

  it('refuses a source or chunk of the wrong type', async () => {
    for (const source of [42, null, {}, [42], [{}]] as unknown as DkimSource[]) {
      expect((await failure(source)).code).toBe('SMTP_DKIM_INVALID_OPTION');
    }
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(42);
        controller.close();
      },
    }) as unknown as DkimSource;
    expect((await failure(stream)).code).toBe('SMTP_DKIM_INVALID_OPTION');
  });

  it('wraps what the source throws, with the cause kept', async () => {
    const boom = new Error('disk on fire');
    const iterable = (async function* () {
      yield BYTES;
      throw boom;
    })();
    expect(await failure(iterable)).toEqual({ code: 'SMTP_DKIM_SOURCE_READ', cause: boom });
    const syncIterable = {
      [Symbol.iterator]: () => ({
        next: () => {
          throw boom;
        },
      }),
    } as unknown as DkimSource;
    expect(await failure(syncIterable)).toEqual({ code: 'SMTP_DKIM_SOURCE_READ', cause: boom });
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(boom);
      },
    });
    expect(await failure(stream)).toEqual({ code: 'SMTP_DKIM_SOURCE_READ', cause: boom });
    const locked = new ReadableStream<Uint8Array>();
    locked.getReader();
    expect((await failure(locked)).code).toBe('SMTP_DKIM_SOURCE_READ');
  });

  it('cancels a web stream, or returns an iterator, when signing stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('not a header line\r\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const signer = await createDkimSigner({
      domain: 'example.com',
      selector: 's',
      privateKey: ED25519_SEED,
    });
    await expect(signer.sign(stream)).rejects.toMatchObject({ code: 'SMTP_DKIM_INVALID_MESSAGE' });
    expect(cancelled).toBe(true);

    let returned = false;
    const iterator = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: 'garbage line\r\n' }),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    } as unknown as DkimSource;
    await expect(signer.sign(iterator)).rejects.toMatchObject({
      code: 'SMTP_DKIM_INVALID_MESSAGE',
    });
    expect(returned).toBe(true);

    // A source that fails while being closed does not hide why signing stopped.
    const badCancel = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('not a header line\r\n'));
      },
      cancel() {
        throw new Error('cannot cancel');
      },
    });
    await expect(signer.sign(badCancel)).rejects.toMatchObject({
      code: 'SMTP_DKIM_INVALID_MESSAGE',
    });
    const badReturn = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: 'garbage line\r\n' }),
        return: async () => {
          throw new Error('cannot return');
        },
      }),
    } as unknown as DkimSource;
    await expect(signer.sign(badReturn)).rejects.toMatchObject({
      code: 'SMTP_DKIM_INVALID_MESSAGE',
    });
  });
});
