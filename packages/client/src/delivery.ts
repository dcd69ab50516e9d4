/**
 * The two steps `SmtpClient` and `SmtpPool` share on a connection, so both log and report the
 * same way: opening it (with the `connected` log line) and turning the transaction of one
 * message on it into the `SendResult` (with the `message accepted` line). Which connection, when, and what happens after
 * a failure is the owner's business.
 */

import type { ClientLog } from './logging.ts';
import type { ResolvedClientOptions } from './options.ts';
import { describeProxy } from './proxy-option.ts';
import { NO_EHLO } from './reply-info.ts';
import { type SendResult, type SendTimings, toSendResult } from './send-result.ts';
import type { SentTransaction, SmtpConnection } from './smtp-connection.ts';

/** Opens `connection` (greeting to AUTH) and logs it; resolves with the time it took, in ms. */
export async function openConnection(
  connection: SmtpConnection,
  options: ResolvedClientOptions,
  log: ClientLog,
  signal: AbortSignal | undefined,
): Promise<number> {
  const timings = await connection.open({ signal });
  if (log.enabled) {
    const { target } = options;
    log.info('connected', {
      ...(target.kind === 'unix'
        ? { path: target.path }
        : { host: target.host, port: target.port }),
      ...(options.proxy === undefined ? {} : { proxy: describeProxy(options.proxy) }),
      secure: connection.secure,
      authenticated: connection.authenticatedAs !== undefined,
      ms: Math.round(timings.total),
    });
  }
  return timings.total;
}

/** When the send started, and how long opening its connection took when it opened one. */
export interface DeliveryTiming {
  readonly started: number;
  readonly connectMs: number | undefined;
  /** Attempts this message took, this one included (the pool retries; the client does not). */
  readonly attempts: number;
}

/**
 * Turns a transaction that ran on `connection` into the caller's result, and logs it. The caller
 * awaits `connection.send()` itself and calls this in the same turn: one async function less per
 * message than a wrapper awaiting the send.
 */
export function deliveryResult(
  connection: SmtpConnection,
  sent: SentTransaction,
  timing: DeliveryTiming,
  log: ClientLog,
): SendResult {
  const totalMs = performance.now() - timing.started;
  const connectMs = timing.connectMs;
  // Two literals rather than a spread: `connectMs` is there only when this send opened the
  // connection, and each literal is one fixed shape.
  const timings: SendTimings =
    connectMs === undefined
      ? { envelopeMs: sent.envelopeMs, dataMs: sent.dataMs, totalMs }
      : { connectMs, envelopeMs: sent.envelopeMs, dataMs: sent.dataMs, totalMs };
  const result = toSendResult(sent, connection.ehlo ?? NO_EHLO, timing.attempts, timings);
  if (log.enabled) {
    log.info('message accepted', {
      size: result.size,
      accepted: result.accepted.length,
      rejected: result.rejected.length,
      queueId: result.queueId,
    });
  }
  return result;
}
