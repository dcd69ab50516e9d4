/**
 * Stale-connection classification (decision 9 in docs/security.md): whether a kept connection,
 * idle since its last transaction, can take the next one.
 *
 * Between transactions the server has nothing to say. So any byte that arrived while the
 * connection was idle makes it unusable: it is never read as the reply to a later command,
 * where it would shift every reply after it. A `421` there is a server closing an idle
 * connection (RFC 5321 section 3.8), which is routine: the connection is closed quietly. Either
 * way the next message goes on a new connection, and nothing of it was sent on the old one.
 *
 * There is a race no check can close: the server may drop the connection just as the client
 * writes the first command of a transaction. A `421`, or the connection closing, before the
 * first reply of that transaction means the same thing, and is reported as
 * {@link StaleConnectionError} so the client opens a new connection once; nothing of the
 * message body was written, so this cannot deliver a message twice (decision 8).
 */
import { ConnectionError } from '@smtp/transport';

/** What happened to an idle connection, if anything. */
export type IdleState =
  /** Nothing arrived and the connection is open: it can take the next transaction. */
  | 'ready'
  /** The server closed the connection (EOF, reset) while it was idle. */
  | 'closed'
  /** The server sent bytes while the connection was idle (a `421`, or anything else). */
  | 'spoke';

/** What {@link idleState} looks at. */
export interface IdleObservation {
  readonly destroyed: boolean;
  /** Octets received since the last transaction ended. */
  readonly bytesSinceIdle: number;
}

/** Classifies an idle kept connection before it is used again. */
export function idleState(observation: IdleObservation): IdleState {
  if (observation.bytesSinceIdle > 0) return 'spoke';
  return observation.destroyed ? 'closed' : 'ready';
}

/**
 * The server closed an idle kept connection (or is closing it): the client opens a new one,
 * once, and sends there. `cause` says what was seen.
 */
export class StaleConnectionError extends Error {
  override readonly name = 'StaleConnectionError';
  constructor(cause: unknown) {
    super('The server closed the idle connection', { cause });
  }
}

/** The peer closed or reset the connection (as opposed to a timeout, an abort or a protocol error). */
export function isConnectionGone(error: unknown): boolean {
  return (
    error instanceof ConnectionError &&
    (error.code === 'SMTP_CONNECTION_CLOSED' || error.code === 'SMTP_CONNECTION_RESET')
  );
}
