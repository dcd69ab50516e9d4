/**
 * What a job holds in Redis: the message composed once by `enqueue`, as the bytes every attempt
 * sends (so each attempt writes the same Message-ID and the same octets), the envelope, and the
 * send options that can be JSON. Read back through {@link readJobData}, which refuses anything
 * `enqueue` did not write, so a worker never sends a stranger's job.
 */
import { Buffer } from 'node:buffer';
import type { RawMessage } from '@smtp/client';
import { QueueError } from './errors.ts';

/** The layout of {@link JobData}; a worker refuses a job with another. */
export const JOB_DATA_VERSION = 1;

/** The DSN wishes of a message, as `send()` takes them. */
export interface JobDsn {
  readonly notify?: 'NEVER' | readonly ('SUCCESS' | 'FAILURE' | 'DELAY')[];
  readonly ret?: 'FULL' | 'HDRS';
  readonly envelopeId?: string;
}

/** A job's data. */
export interface JobData {
  readonly v: typeof JOB_DATA_VERSION;
  /** The reverse path (`''` for `<>`). */
  readonly from: string;
  /** Every recipient. */
  readonly to: readonly string[];
  /** The composed message, base64. */
  readonly raw: string;
  /** Octets of the composed message. */
  readonly size: number;
  /** The message's Message-ID (angle brackets included), when it has one. */
  readonly messageId: string | null;
  /** What the content needs, when the caller said (`BINARYMIME` goes only with CHUNKING). */
  readonly body: '7BIT' | '8BITMIME' | 'BINARYMIME' | null;
  readonly dsn: JobDsn | null;
  /** Told apart from another `enqueue` of the same id: only one of them is stored. */
  readonly nonce: string;
}

function invalid(what: string): QueueError {
  return new QueueError(
    'SMTP_QUEUE_INVALID_JOB',
    `The job was not written by this version of @smtp/queue: ${what}`,
  );
}

const BODIES = new Set(['7BIT', '8BITMIME', 'BINARYMIME']);

/**
 * Checks that `data` is a job `enqueue` wrote and returns it typed.
 *
 * @throws {QueueError} `SMTP_QUEUE_INVALID_JOB`, naming the first field that is wrong.
 */
export function readJobData(data: unknown): JobData {
  if (typeof data !== 'object' || data === null) throw invalid('no data');
  const job = data as Record<string, unknown>;
  if (job.v !== JOB_DATA_VERSION) throw invalid(`layout ${String(job.v)}`);
  if (typeof job.from !== 'string') throw invalid('from');
  if (
    !Array.isArray(job.to) ||
    job.to.length === 0 ||
    !job.to.every((r) => typeof r === 'string')
  ) {
    throw invalid('to');
  }
  if (typeof job.raw !== 'string') throw invalid('raw');
  if (typeof job.size !== 'number') throw invalid('size');
  if (job.messageId !== null && typeof job.messageId !== 'string') throw invalid('messageId');
  if (job.body !== null && !BODIES.has(job.body as string)) throw invalid('body');
  if (job.dsn !== null && (typeof job.dsn !== 'object' || Array.isArray(job.dsn))) {
    throw invalid('dsn');
  }
  if (typeof job.nonce !== 'string') throw invalid('nonce');
  return job as unknown as JobData;
}

/** The message a job sends, as `send()` takes it. */
export function rawMessageOf(data: JobData): RawMessage {
  const raw = Buffer.from(data.raw, 'base64');
  return {
    envelope: { from: data.from, to: data.to },
    raw,
    ...(data.body === null ? {} : { body: data.body }),
  };
}
