/**
 * How results and errors are shown: a readable table for people, one JSON object on stdout for
 * scripts (`--json`). Errors go to stderr for people; with `--json` the error object goes to
 * stdout too, so a script reads one JSON value whatever happened.
 */
import {
  describeReply,
  type FailedOutcome,
  type RecipientRefusal,
  type ReplyInfo,
  SendError,
  type SendResult,
} from '@smtp/client';
import { type ExitCodeValue, exitCodeFor } from './exit-codes.ts';
import { formatBytes, formatMs, formatTable } from './format.ts';
import { type CliIo, writeLine } from './io.ts';

/** A reply as JSON shows it. */
export function replyJson(reply: ReplyInfo): Record<string, unknown> {
  return {
    code: reply.code,
    ...(reply.enhanced !== undefined ? { enhanced: reply.enhanced.code } : {}),
    text: reply.text,
    command: reply.command,
  };
}

/** A send result as JSON shows it (the `bytes` of a dry run left out). */
export function sendResultJson(result: SendResult): Record<string, unknown> {
  return {
    ok: true,
    outcome: result.outcome,
    accepted: result.accepted,
    rejected: result.rejected.map((r) => ({ recipient: r.recipient, reply: replyJson(r.reply) })),
    queueId: result.queueId ?? null,
    messageId: result.messageId ?? null,
    reply: replyJson(result.reply),
    envelope: result.envelope,
    size: result.size,
    timings: result.timings,
  };
}

/** The rows of a send result's table. */
export function sendResultRows(result: SendResult): [string, string][] {
  const t = result.timings;
  const rows: [string, string][] = [
    ['outcome', result.outcome],
    ['accepted', result.accepted.join('\n') || '(none)'],
  ];
  if (result.rejected.length > 0) {
    rows.push([
      'rejected',
      result.rejected.map((r) => `${r.recipient}: ${describeReply(r.reply)}`).join('\n'),
    ]);
  }
  rows.push(
    ['queue id', result.queueId ?? '(the server named none)'],
    ['message id', result.messageId ?? '(raw message)'],
    ['reply', describeReply(result.reply)],
    ['size', formatBytes(result.size)],
    [
      'timings',
      [
        t.connectMs !== undefined ? `connect ${formatMs(t.connectMs)}` : undefined,
        `envelope ${formatMs(t.envelopeMs)}`,
        `data ${formatMs(t.dataMs)}`,
        `total ${formatMs(t.totalMs)}`,
      ]
        .filter((part) => part !== undefined)
        .join(', '),
    ],
  );
  return rows;
}

/** Prints a send result as a table or JSON. */
export function printSendResult(result: SendResult, io: CliIo, json: boolean): void {
  if (json) writeLine(io.stdout, JSON.stringify(sendResultJson(result)));
  else writeLine(io.stdout, formatTable(sendResultRows(result)));
}

const HINTS: Record<string, string> = {
  rejected: 'the server refused it; a 4xx reply is temporary (retry later), a 5xx is not',
  'not-sent': 'nothing was delivered; it is safe to retry',
  unknown:
    'the end of data was sent and no final reply came: the message may have been delivered. Do not resend blindly',
};

/**
 * Prints an error (human: `smtp: CODE: message` on stderr, with what to do; JSON: one object on
 * stdout) and returns the exit code for it. Error messages of `@smtp` packages never carry a
 * secret (INV-10), so they are printed as they are.
 */
export function reportError(error: unknown, io: CliIo, json: boolean): ExitCodeValue {
  const exitCode = exitCodeFor(error);
  const ownCode: unknown = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  const code = typeof ownCode === 'string' ? ownCode : 'SMTP_CLI_INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  const outcome = error instanceof SendError ? error.outcome : undefined;
  if (json) {
    writeLine(
      io.stdout,
      JSON.stringify({
        ok: false,
        exitCode,
        code,
        message,
        ...(outcome !== undefined ? { outcome } : {}),
        ...(error instanceof SendError && error.reply !== undefined
          ? { reply: replyJson(error.reply) }
          : {}),
        ...(error instanceof SendError && error.rejected.length > 0
          ? {
              rejected: error.rejected.map((r) => ({
                recipient: r.recipient,
                reply: replyJson(r.reply),
              })),
            }
          : {}),
      }),
    );
    return exitCode;
  }
  const label = outcome !== undefined ? ` (${outcome})` : '';
  writeLine(io.stderr, `smtp: ${code}${label}: ${message}`);
  if (error instanceof SendError) {
    for (const r of error.rejected)
      writeLine(io.stderr, `  refused ${r.recipient}: ${describeReply(r.reply)}`);
    const hint = HINTS[error.outcome];
    if (hint !== undefined && exitCode !== 2) writeLine(io.stderr, `  ${hint}`);
  }
  if (exitCode === 1 && error instanceof Error && error.stack !== undefined) {
    writeLine(io.stderr, error.stack);
  }
  return exitCode;
}

/** A message of a run (`send --count`, `bulk`) that was not accepted by every recipient. */
export interface BulkFailure {
  /** `message 3`, or the file. */
  readonly label: string;
  /** Its place in the run, from 1. */
  readonly index: number;
  readonly file?: string;
  readonly outcome: 'partial' | FailedOutcome;
  /** The error code; `null` for a partial message (it was accepted). */
  readonly code: string | null;
  readonly message: string;
  readonly attempts: number;
  readonly rejected: readonly RecipientRefusal[];
  readonly reply?: ReplyInfo | undefined;
  readonly messageId?: string | undefined;
}

/** What a run of many messages did; the outcome counts add up to `started`. */
export interface BulkSummary {
  /** Messages the run was to send. */
  readonly total: number;
  /** Messages handed to the pool (or that failed to be read). */
  readonly started: number;
  /** Accepted by every recipient. */
  readonly accepted: number;
  /** Accepted by some recipients, refused by others. */
  readonly partial: number;
  readonly rejected: number;
  readonly notSent: number;
  readonly unknown: number;
  /** Never handed over: the run was interrupted first. */
  readonly skipped: number;
  readonly interrupted: boolean;
  /** Retries the pool started (a message retried twice counts twice). */
  readonly retried: number;
  /** Connections opened. */
  readonly connections: number;
  /** Connections that failed to open. */
  readonly connectionsFailed: number;
  readonly elapsedMs: number;
  /** The first failures, at most `MAX_LISTED_FAILURES` (bulk-run.ts). */
  readonly failures: readonly BulkFailure[];
  /** Failures not in `failures`. */
  readonly failuresOmitted: number;
  readonly exitCode: ExitCodeValue;
}

/** Messages accepted (by every recipient or some) per second of the run. */
export function messagesPerSecond(summary: BulkSummary): number {
  const seconds = summary.elapsedMs / 1000;
  return seconds > 0 ? (summary.accepted + summary.partial) / seconds : 0;
}

/** A run's summary as JSON shows it. */
export function bulkSummaryJson(summary: BulkSummary): Record<string, unknown> {
  return {
    ok: summary.exitCode === 0,
    exitCode: summary.exitCode,
    total: summary.total,
    started: summary.started,
    outcomes: {
      accepted: summary.accepted,
      partial: summary.partial,
      rejected: summary.rejected,
      'not-sent': summary.notSent,
      unknown: summary.unknown,
    },
    skipped: summary.skipped,
    interrupted: summary.interrupted,
    retried: summary.retried,
    connections: { opened: summary.connections, failed: summary.connectionsFailed },
    elapsedMs: Math.round(summary.elapsedMs),
    messagesPerSecond: Math.round(messagesPerSecond(summary) * 10) / 10,
    failures: summary.failures.map((failure) => ({
      index: failure.index,
      ...(failure.file !== undefined ? { file: failure.file } : {}),
      outcome: failure.outcome,
      code: failure.code,
      message: failure.message,
      attempts: failure.attempts,
      ...(failure.reply !== undefined ? { reply: replyJson(failure.reply) } : {}),
      rejected: failure.rejected.map((r) => ({
        recipient: r.recipient,
        reply: replyJson(r.reply),
      })),
      ...(failure.messageId !== undefined ? { messageId: failure.messageId } : {}),
    })),
    failuresOmitted: summary.failuresOmitted,
  };
}

/** The rows of a run's summary table. */
export function bulkSummaryRows(summary: BulkSummary): [string, string][] {
  const rows: [string, string][] = [
    [
      'messages',
      summary.started === summary.total
        ? String(summary.total)
        : `${summary.started} of ${summary.total} handed over`,
    ],
    ['accepted', String(summary.accepted)],
    ['partial', String(summary.partial)],
    ['rejected', String(summary.rejected)],
    ['not-sent', String(summary.notSent)],
    ['unknown', String(summary.unknown)],
  ];
  if (summary.interrupted) {
    rows.push([
      'interrupted',
      summary.skipped > 0
        ? `yes: ${summary.skipped} never handed over (safe to send)`
        : 'yes: every message had been handed over',
    ]);
  }
  rows.push(
    ['retried', String(summary.retried)],
    [
      'connections',
      summary.connectionsFailed > 0
        ? `${summary.connections} (${summary.connectionsFailed} failed to open)`
        : String(summary.connections),
    ],
    ['elapsed', formatMs(summary.elapsedMs)],
    ['msg/s', messagesPerSecond(summary).toFixed(1)],
  );
  return rows;
}

/**
 * Prints a run's summary: a table on stdout, one JSON object with `--json`; with `--quiet`,
 * nothing when every message was accepted, else one line on stderr.
 */
export function printBulkSummary(
  summary: BulkSummary,
  io: CliIo,
  options: { readonly json: boolean; readonly quiet: boolean },
): void {
  if (options.json) {
    writeLine(io.stdout, JSON.stringify(bulkSummaryJson(summary)));
    return;
  }
  if (!options.quiet) {
    writeLine(io.stdout, formatTable(bulkSummaryRows(summary)));
    return;
  }
  if (summary.exitCode === 0) return;
  const parts = (
    [
      ['partial', summary.partial],
      ['rejected', summary.rejected],
      ['not sent', summary.notSent],
      ['unknown', summary.unknown],
      ['never handed over', summary.skipped],
    ] as const
  )
    .filter(([, n]) => n > 0)
    .map(([what, n]) => `${n} ${what}`);
  writeLine(
    io.stderr,
    `smtp: ${summary.total - summary.accepted} of ${summary.total} messages not accepted by every recipient: ${parts.join(', ')}`,
  );
}
