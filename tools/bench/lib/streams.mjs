/**
 * The stream plumbing the encoder suites share: the same input cut into 64 KB chunks for every
 * contender, our push/end encoders wrapped in a `stream.Transform` (so that they pay the same
 * stream overhead as Nodemailer's and libqp's Transform encoders and the ratio compares like
 * with like), and a pipeline that feeds the chunks through a Transform into a sink.
 */
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Size of the chunks every contender is fed. */
export const CHUNK = 64 * 1024;

/** `input` cut into {@link CHUNK}-sized views. */
export function chunksOf(input) {
  const chunks = [];
  for (let i = 0; i < input.length; i += CHUNK) chunks.push(input.subarray(i, i + CHUNK));
  return chunks;
}

/** Feeds `chunks` to a fresh push/end encoder in a loop, handing every output to `sink`. */
export function pushLoop(createEncoder, chunks, sink) {
  const encoder = createEncoder();
  for (const chunk of chunks) sink(encoder.push(chunk));
  sink(encoder.end());
}

/** A `stream.Transform` around a fresh push/end encoder. */
export function encoderTransform(createEncoder) {
  const encoder = createEncoder();
  return new Transform({
    transform(chunk, _encoding, done) {
      done(null, encoder.push(chunk));
    },
    flush(done) {
      done(null, encoder.end());
    },
  });
}

/** Pipes `chunks` through `transform` into `sink`; resolves when everything came out. */
export async function throughStream(chunks, transform, sink) {
  await pipeline(
    Readable.from(chunks, { objectMode: false }),
    transform,
    new Writable({
      write(chunk, _encoding, done) {
        sink(chunk);
        done();
      },
    }),
  );
}

/** A sink that keeps every output chunk, and their concatenation on demand. */
export function collecting() {
  const parts = [];
  return { sink: (chunk) => parts.push(Buffer.from(chunk)), result: () => Buffer.concat(parts) };
}
