/**
 * The two steps `SmtpClient` and `SmtpPool` share on a connection, so both log and report the
 * same way: opening it (with the `connected` log line) and running one message on it (the
 * `SendResult` and the `message accepted` line). Which connection, when, and what happens after
 * a failure is the owner's business.
 */

import type { ClientLog } from './logging.ts';
import type { SendableMessage } from './message-source.ts';
import type { ResolvedClientOptions } from './options.ts';
import { NO_EHLO } from './reply-info.ts';
import { type SendResult, toSendResult } from './send-result.ts';
import type { SmtpConnection } from './smtp-connection.ts';
import type { SendOptions } from './transaction-plan.ts';

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
 * Runs one message on an open connection and turns the transaction into the caller's result.
 *
 * @throws what `SmtpConnection.send()` throws.
 */
export async function deliverOn(
  connection: SmtpConnection,
  message: SendableMessage,
  options: SendOptions,
  timing: DeliveryTiming,
  log: ClientLog,
): Promise<SendResult> {
  const sent = await connection.send(message, options);
  const result = toSendResult(sent, connection.ehlo ?? NO_EHLO, timing.attempts, {
    ...(timing.connectMs === undefined ? {} : { connectMs: timing.connectMs }),
    envelopeMs: sent.envelopeMs,
    dataMs: sent.dataMs,
    totalMs: performance.now() - timing.started,
  });
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
