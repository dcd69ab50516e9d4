/**
 * How results and errors are shown: a readable table for people, one JSON object on stdout for
 * scripts (`--json`). Errors go to stderr for people; with `--json` the error object goes to
 * stdout too, so a script reads one JSON value whatever happened.
 */
import { describeReply, type ReplyInfo, SendError, type SendResult } from '@smtp/client';
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
