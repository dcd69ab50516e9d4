/**
 * Usage statistics of one connection, and the slow-operation judge.
 *
 * Times are wall-clock milliseconds from `performance.now()`. `sendMs` is the time writes spent
 * waiting for the socket to accept bytes (backpressure), not the time the network took to
 * deliver them; `waitMs` is the time `readReply` waited for a reply.
 */

/** What one connection has done so far; see `Connection.usage`. */
export interface TransportUsage {
  /** Bytes handed to the socket (after TLS: plaintext bytes, before encryption). */
  readonly bytesSent: number;
  /** Bytes received from the socket (after TLS: decrypted bytes). */
  readonly bytesReceived: number;
  /** DNS lookup and TCP (or UNIX socket) connect. */
  readonly connectMs: number;
  /** TLS handshakes (implicit TLS or STARTTLS). */
  readonly tlsMs: number;
  /** Time writes waited for the socket to accept their bytes (`drain`). */
  readonly sendMs: number;
  /** Time `readReply` waited for replies. */
  readonly waitMs: number;
  /** Calls that wrote bytes (each chunk of `writeStream` counts). */
  readonly writes: number;
  /** Replies returned by `readReply`. */
  readonly replies: number;
  /**
   * The most bytes ever queued in the socket's write buffer. Backpressure keeps it at most one
   * chunk plus the socket's `writableHighWaterMark`.
   */
  readonly maxWriteBufferBytes: number;
}

/** Thresholds for slow-operation warnings; both optional. */
export interface SlowOperationOptions {
  /** Any socket operation (connect, tls, read, write) lasting at least this many ms. */
  readonly slowOperationMs?: number | undefined;
  /** Reads and writes moving fewer bytes per second than this (judged from 100 ms on). */
  readonly minThroughput?: number | undefined;
}

/**
 * Operations shorter than this are not judged on throughput: their time is round-trip latency,
 * not transfer, and a 10-byte command answered in 2 ms is not a slow link.
 */
export const THROUGHPUT_MIN_DURATION_MS = 100;

/** A slow operation: what it was and the figures that crossed a threshold. */
export interface SlowOperation {
  readonly operation: 'connect' | 'tls' | 'read' | 'write' | 'write-stream';
  readonly durationMs: number;
  readonly bytes: number;
  /** Bytes per second, when throughput was judged. */
  readonly throughput: number | undefined;
  /** Which thresholds were crossed. */
  readonly exceeded: readonly ('slowOperationMs' | 'minThroughput')[];
  readonly slowOperationMs: number | undefined;
  readonly minThroughput: number | undefined;
}

/** Mutable counters behind {@link TransportUsage}. */
export class UsageMeter {
  bytesSent = 0;
  bytesReceived = 0;
  connectMs = 0;
  tlsMs = 0;
  sendMs = 0;
  waitMs = 0;
  writes = 0;
  replies = 0;
  maxWriteBufferBytes = 0;
  readonly #slow: SlowOperationOptions;

  constructor(slow: SlowOperationOptions) {
    this.#slow = slow;
  }

  snapshot(): TransportUsage {
    return Object.freeze({
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      connectMs: this.connectMs,
      tlsMs: this.tlsMs,
      sendMs: this.sendMs,
      waitMs: this.waitMs,
      writes: this.writes,
      replies: this.replies,
      maxWriteBufferBytes: this.maxWriteBufferBytes,
    });
  }

  /**
   * Judges one finished operation; returns the warning to report, or `undefined`.
   * `transferMs` is the part of `durationMs` during which bytes moved (defaults to all of it).
   */
  judge(
    operation: SlowOperation['operation'],
    durationMs: number,
    bytes: number,
    transferMs = durationMs,
  ): SlowOperation | undefined {
    const { slowOperationMs, minThroughput } = this.#slow;
    // Neither threshold set (the default): nothing to judge, nothing allocated.
    if (slowOperationMs === undefined && minThroughput === undefined) return undefined;
    const exceeded: ('slowOperationMs' | 'minThroughput')[] = [];
    if (slowOperationMs !== undefined && durationMs >= slowOperationMs) {
      exceeded.push('slowOperationMs');
    }
    let throughput: number | undefined;
    if (minThroughput !== undefined && bytes > 0 && transferMs >= THROUGHPUT_MIN_DURATION_MS) {
      throughput = (bytes * 1000) / transferMs;
      if (throughput < minThroughput) exceeded.push('minThroughput');
    }
    if (exceeded.length === 0) return undefined;
    return { operation, durationMs, bytes, throughput, exceeded, slowOperationMs, minThroughput };
  }
}
