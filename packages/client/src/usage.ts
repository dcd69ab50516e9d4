/**
 * Transport usage as the client reports it: the figures of every connection it opened, added up
 * (`client.stats`), starting from zero (also what a `dryRun` connection reports).
 */
import type { TransportUsage } from '@smtp/transport';

/** Usage of a connection that has done nothing. */
export const ZERO_USAGE: TransportUsage = Object.freeze({
  bytesSent: 0,
  bytesReceived: 0,
  connectMs: 0,
  tlsMs: 0,
  sendMs: 0,
  waitMs: 0,
  writes: 0,
  replies: 0,
  maxWriteBufferBytes: 0,
});

/** The usage of two connections together: sums, except the largest write buffer seen. */
export function addUsage(a: TransportUsage, b: TransportUsage): TransportUsage {
  return {
    bytesSent: a.bytesSent + b.bytesSent,
    bytesReceived: a.bytesReceived + b.bytesReceived,
    connectMs: a.connectMs + b.connectMs,
    tlsMs: a.tlsMs + b.tlsMs,
    sendMs: a.sendMs + b.sendMs,
    waitMs: a.waitMs + b.waitMs,
    writes: a.writes + b.writes,
    replies: a.replies + b.replies,
    maxWriteBufferBytes: Math.max(a.maxWriteBufferBytes, b.maxWriteBufferBytes),
  };
}

/**
 * The usage of `a` since `b` was taken from the same connection: differences, except the
 * largest write buffer, which is `a`'s (a maximum cannot be taken apart).
 */
export function usageSince(a: TransportUsage, b: TransportUsage): TransportUsage {
  return {
    bytesSent: a.bytesSent - b.bytesSent,
    bytesReceived: a.bytesReceived - b.bytesReceived,
    connectMs: a.connectMs - b.connectMs,
    tlsMs: a.tlsMs - b.tlsMs,
    sendMs: a.sendMs - b.sendMs,
    waitMs: a.waitMs - b.waitMs,
    writes: a.writes - b.writes,
    replies: a.replies - b.replies,
    maxWriteBufferBytes: a.maxWriteBufferBytes,
  };
}
