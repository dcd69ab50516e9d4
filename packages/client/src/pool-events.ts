/**
 * What `SmtpPool` tells the world: the events a pool emits (`pool.on('accepted', ...)`) and the
 * same events on `node:diagnostics_channel` (`smtp:pool:*`, like the client's `smtp:client:*` in
 * diagnostics.ts), for APM tools that watch every pool of a process without holding one.
 *
 * Payloads hold no secret (INV-10): results and `SendError`s are secret-free by construction,
 * connection ids are numbers. Nothing is built for a channel without subscribers.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { SendError } from './errors.ts';
import type { SendResult } from './send-result.ts';

/** Why a pooled connection was closed. */
export type ConnectionCloseReason =
  /** Idle for `idleTimeout`. */
  | 'idle'
  /** It carried `maxMessages` messages. */
  | 'max-messages'
  /** It failed, timed out, fell out of step or answered `421`: never reused (policy.ts). */
  | 'failed'
  /** It was closed by the server while idle (stale.ts), or had to make room for a retry. */
  | 'replaced'
  /** `close()` or `destroy()`. */
  | 'closed';

/** The events of a pool and their payloads. */
export interface PoolEventMap {
  /** A message entered the queue; `queued` is the queue's length now. */
  queued: [event: { readonly queued: number }];
  /** A message was accepted (for some or all recipients). */
  accepted: [result: SendResult];
  /** A message failed for good (after its retries), with its outcome. */
  failed: [error: SendError];
  /** A message failed temporarily and goes back to the queue for attempt `attempt`. */
  retry: [event: { readonly attempt: number; readonly delayMs: number; readonly error: SendError }];
  /** A connection finished opening (greeting to AUTH). */
  'connection-opened': [event: { readonly connectionId: number }];
  /** A connection that had opened was closed or dropped (one that failed to open has no event). */
  'connection-closed': [
    event: { readonly connectionId: number; readonly reason: ConnectionCloseReason },
  ];
}

/** The event names, and each one's diagnostics channel. */
export const POOL_CHANNELS = Object.freeze({
  queued: 'smtp:pool:queued',
  accepted: 'smtp:pool:accepted',
  failed: 'smtp:pool:failed',
  retry: 'smtp:pool:retry',
  'connection-opened': 'smtp:pool:connection-opened',
  'connection-closed': 'smtp:pool:connection-closed',
} as const satisfies { readonly [K in keyof PoolEventMap]: string });

const channels = Object.fromEntries(
  Object.entries(POOL_CHANNELS).map(([kind, name]) => [kind, diagnosticsChannel.channel(name)]),
) as { readonly [K in keyof PoolEventMap]: diagnosticsChannel.Channel };

/** True when `kind`'s channel has subscribers; check it before building a payload. */
export function hasPoolSubscribers(kind: keyof PoolEventMap): boolean {
  return channels[kind].hasSubscribers;
}

/** Publishes a pool event on its channel, when anyone listens: the payload the pool emits. */
export function publishPool<K extends keyof PoolEventMap>(
  kind: K,
  payload: PoolEventMap[K][0],
): void {
  const channel = channels[kind];
  if (channel.hasSubscribers) channel.publish(payload);
}
