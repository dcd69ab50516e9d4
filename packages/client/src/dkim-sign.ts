/**
 * DKIM signing of one message, between the server's capabilities being known (the bytes of a
 * `Message` depend on 8BITMIME and SMTPUTF8) and the plan (so that SIZE counts the signature
 * fields, and a signing failure writes nothing: not even MAIL). The message that goes out is the
 * `DKIM-Signature` field(s), the first signer's on top, then the message as it was prepared.
 *
 * How the content is read depends on what it is:
 * - in memory (a raw string or bytes, a composed `Message` up to `COMPOSE_IN_MEMORY_LIMIT`):
 *   signed from memory;
 * - a stream that can be produced again (a `Message` of strings, bytes and files:
 *   `Message.rereadable`): read twice, once to sign and once to send. Its serialisations are the
 *   same bytes (mime keeps the Date, Message-ID, boundaries and plan), so the signature holds;
 * - a stream that can be read once (a raw async iterable, a `Message` with a stream part): copied
 *   into a {@link Spool} while it is signed (memory up to 1 MiB, a temporary file beyond), and
 *   sent from the spool. The caller removes the spool with {@link SignedMessage.dispose} when the
 *   transaction is over, however it ended.
 *
 * Every wait honours the send's signal and the connection's lifetime; each chunk of a stream is
 * read within the data block deadline, as when it is sent (INV-8). A failure of the source keeps
 * its own error (`SMTP_MIME_CONTENT_READ`, `SMTP_TIMEOUT`, `SMTP_ABORTED`); a failure to sign is
 * the `DkimError` (`SMTP_DKIM_*`), which the client reports as outcome `not-sent`. The debug log
 * names each signature by `d=`, `s=` and `a=`; the keys are never logged (decision 11).
 */
import { type DkimSigner, type DkimSource, signWithAll } from '@smtp/dkim';
import { utf8 } from './bytes.ts';
import type { DkimSigners } from './dkim-signers.ts';
import type { ClientLog } from './logging.ts';
import { type PrefixedBody, type PreparedMessage, withHeaderFields } from './message-source.ts';
import { Spool } from './spool.ts';
import { settleWithin, type Wait, waitFor } from './wait.ts';

/** What signing needs besides the message and the signers. */
export interface SigningContext {
  readonly log: ClientLog;
  /** The deadline for each chunk of a stream read to sign it: the data block deadline. */
  readonly blockTimeoutMs: number;
  /** The send's signal. */
  readonly signal: AbortSignal | undefined;
  /** Aborted when the connection is destroyed. */
  readonly lifetime: AbortSignal | undefined;
}

/** A signed message, ready to plan. */
export interface SignedMessage {
  readonly prepared: PreparedMessage;
  /**
   * The content could be read once and was read to sign it: another attempt (on a new
   * connection) cannot read it again.
   */
  readonly consumed: boolean;
  /** Removes the spool, if there is one. Never throws. */
  dispose(): Promise<void>;
}

/** A stream's reading, as the signer pulled it. */
interface Reading {
  /** Octets read. */
  size: number;
  /** What the source (or the wait for it) failed with: reported as it is, not as a DKIM error. */
  error: unknown;
}

function ignore(): void {}

const NOTHING_TO_DISPOSE = (): Promise<void> => Promise.resolve();

/**
 * Signs `prepared` with every signer of `dkim` (see the module docblock).
 *
 * @throws DkimError (a key that cannot be read, a message that cannot be signed), the source's
 *   own error, `TimeoutError` (a stalled stream), `AbortError`.
 */
export async function signMessage(
  prepared: PreparedMessage,
  dkim: DkimSigners,
  context: SigningContext,
): Promise<SignedMessage> {
  const { log } = context;
  const whole: Wait = { deadline: Number.POSITIVE_INFINITY, signal: context.signal };
  const warn = (warning: string): void => log.info('DKIM key warning', { warning });
  const signers = await settleWithin(dkim.signers(warn), whole, 'dkim', ignore, context.lifetime);
  const bytes = prepared.bytes;
  if (bytes !== undefined) {
    const fields = await sign(bytes, signers, context, undefined);
    const signed = withSignature(prepared, fields, { bytes }, signers, log);
    return { prepared: signed, consumed: false, dispose: NOTHING_TO_DISPOSE };
  }
  const reading: Reading = { size: 0, error: undefined };
  if (prepared.rereadable) {
    const fields = await sign(
      pull(prepared.content(), context, reading),
      signers,
      context,
      reading,
    );
    const content = (): AsyncIterable<Uint8Array> => prepared.content();
    const signed = withSignature(prepared, fields, { content, size: reading.size }, signers, log);
    return { prepared: signed, consumed: false, dispose: NOTHING_TO_DISPOSE };
  }
  const spool = new Spool();
  try {
    const source = pull(prepared.content(), context, reading, spool);
    const fields = await sign(source, signers, context, reading);
    const spooled = await spool.finish();
    const body: PrefixedBody =
      spooled.kind === 'bytes'
        ? { bytes: spooled.bytes }
        : { content: spooled.content, size: spooled.size };
    const signed = withSignature(prepared, fields, body, signers, log);
    return { prepared: signed, consumed: true, dispose: () => spool.dispose() };
  } catch (error) {
    await spool.dispose();
    throw error;
  }
}

/** The signature fields for `source`, as bytes; a failure of the source is its own error. */
async function sign(
  source: DkimSource,
  signers: readonly DkimSigner[],
  context: SigningContext,
  reading: Reading | undefined,
): Promise<Uint8Array> {
  const whole: Wait = { deadline: Number.POSITIVE_INFINITY, signal: context.signal };
  try {
    const fields = await settleWithin(
      signWithAll(source, signers),
      whole,
      'dkim',
      ignore,
      context.lifetime,
    );
    return utf8.encode(fields);
  } catch (error) {
    throw reading?.error ?? error;
  }
}

/** The fields in front of the message; a debug line per signature names its `d=`, `s=`, `a=`. */
function withSignature(
  prepared: PreparedMessage,
  fields: Uint8Array,
  body: PrefixedBody,
  signers: readonly DkimSigner[],
  log: ClientLog,
): PreparedMessage {
  if (log.debugEnabled) {
    for (const signer of signers) {
      log.debug('DKIM-Signature added', {
        d: signer.domain,
        s: signer.selector,
        a: signer.algorithm,
      });
    }
  }
  return withHeaderFields(prepared, fields, body);
}

/**
 * `source` as the signer pulls it: each chunk within the data block deadline and the signals,
 * counted, and written to `spool` first when there is one. The source is closed when the signer
 * stops early.
 */
async function* pull(
  source: AsyncIterable<Uint8Array>,
  context: SigningContext,
  reading: Reading,
  spool?: Spool,
): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        // A caller's stream that stalls is bounded like a socket wait (INV-8).
        next = await settleWithin(
          iterator.next(),
          waitFor(context.blockTimeoutMs, context.signal),
          'body-source',
          ignore,
          context.lifetime,
        );
      } catch (error) {
        reading.error = error;
        throw error;
      }
      if (next.done === true) {
        ended = true;
        return;
      }
      const chunk = next.value;
      reading.size += chunk.byteLength;
      if (spool !== undefined) await spool.write(chunk);
      yield chunk;
    }
  } finally {
    if (!ended) iterator.return?.()?.catch(ignore);
  }
}
