/**
 * Socket events, for an `onEvent` listener and for `node:diagnostics_channel` subscribers.
 *
 * Each event type is published on its own channel (`smtp:transport:connect`, `...:tls`,
 * `...:data`, `...:close`, `...:error`, `...:slow`, `...:proxy`), only when the channel has
 * subscribers, so an unobserved connection pays nothing. Data events carry sizes; the bytes
 * themselves only when the connection was opened with `includeData: true` (they may hold
 * credentials).
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { TimeoutPhase } from './errors/timeout-error.ts';
import type { ProxyProtocol } from './proxy/proxy-options.ts';
import type { SlowOperation, TransportUsage } from './usage.ts';

/** The negotiated TLS session, as reported by `Connection.tls` and the `tls` event. */
export interface TlsInfo {
  /** `TLSv1.2`, `TLSv1.3`... */
  readonly protocol: string | undefined;
  /** The negotiated cipher suite. */
  readonly cipher: {
    readonly name: string;
    readonly standardName: string;
    readonly version: string;
  };
  /** True when the chain and the name were verified. False only with `rejectUnauthorized: false`. */
  readonly authorized: boolean;
  /** Why verification failed, when `authorized` is false (`CERT_HAS_EXPIRED`...); sanitised. */
  readonly authorizationError: string | undefined;
  /** The SNI name sent, or `undefined` (IP literals get none, RFC 6066 section 3). */
  readonly servername: string | undefined;
  /** The name (or IP address) the certificate was checked against. */
  readonly verifiedName: string | undefined;
  /** A summary of the server's certificate. */
  readonly peerCertificate: CertificateSummary | undefined;
}

/**
 * What a log line needs from a certificate; the full one is on the socket if ever needed.
 * `subject`, `issuer` and `subjectAltName` are the server's text, sanitised with
 * `sanitizeServerText` from `@smtp/protocol` (control and bidi characters escaped, not cut).
 */
export interface CertificateSummary {
  /** `CN=mail.example.com, O=Example` */
  readonly subject: string;
  /** `CN=Example CA` */
  readonly issuer: string;
  /** `DNS:mail.example.com, IP Address:192.0.2.1` */
  readonly subjectAltName: string | undefined;
  readonly validFrom: string;
  readonly validTo: string;
  readonly fingerprint256: string;
  readonly serialNumber: string;
}

interface EventBase {
  /** Distinguishes the connections of one process; starts at 1. */
  readonly connectionId: number;
}

/**
 * The socket connected (TCP or UNIX socket, before any TLS). Through a proxy, this is the TCP
 * connection to the proxy: the remote address and port are the proxy's, and a `proxy` event
 * follows once the tunnel to the SMTP server is up.
 */
export interface ConnectEvent extends EventBase {
  readonly type: 'connect';
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  readonly path: string | undefined;
  /**
   * Every `address:port` tried, in order, when the host name had several addresses and they
   * were raced (RFC 8305); the last one connected. Absent when only one was tried.
   */
  readonly attemptedAddresses?: readonly string[];
  readonly durationMs: number;
}

/**
 * The tunnel through the proxy is up (the `proxy` option of `connect()`): the SOCKS or CONNECT
 * exchange succeeded, after TLS to the proxy for `https`. It names the proxy, never its
 * credentials, and the handshake's bytes are not data events (docs/security.md decision 11).
 */
export interface ProxyEvent extends EventBase {
  readonly type: 'proxy';
  readonly protocol: ProxyProtocol;
  /** The proxy's host and port as configured. */
  readonly host: string;
  readonly port: number;
  /**
   * From the TCP connection to the proxy to the tunnel being up (TLS to an `https` proxy and the
   * SOCKS or CONNECT exchange); the `connect` event's `durationMs` is the TCP part before it.
   */
  readonly durationMs: number;
}

/** A TLS handshake finished (implicit TLS, or STARTTLS when `upgrade` is true). */
export interface TlsEvent extends EventBase, TlsInfo {
  readonly type: 'tls';
  readonly upgrade: boolean;
  readonly durationMs: number;
}

/** Bytes went out or came in. `data` only with `includeData: true`; do not mutate it. */
export interface DataEvent extends EventBase {
  readonly type: 'data';
  readonly direction: 'in' | 'out';
  readonly size: number;
  readonly data?: Uint8Array;
}

/** The socket closed; `usage` holds the final figures. */
export interface CloseEvent extends EventBase {
  readonly type: 'close';
  readonly hadError: boolean;
  readonly usage: TransportUsage;
}

/** The connection failed; the error is also what the pending operation rejected with. */
export interface ErrorEvent extends EventBase {
  readonly type: 'error';
  readonly error: Error;
  readonly phase: TimeoutPhase | undefined;
}

/** An operation crossed `slowOperationMs` or fell under `minThroughput`. */
export interface SlowEvent extends EventBase, SlowOperation {
  readonly type: 'slow';
}

/** Everything an `onEvent` listener can receive. */
export type TransportEvent =
  | ConnectEvent
  | ProxyEvent
  | TlsEvent
  | DataEvent
  | CloseEvent
  | ErrorEvent
  | SlowEvent;

/** The `diagnostics_channel` names, by event type. */
export const TRANSPORT_CHANNELS = {
  connect: 'smtp:transport:connect',
  tls: 'smtp:transport:tls',
  data: 'smtp:transport:data',
  close: 'smtp:transport:close',
  error: 'smtp:transport:error',
  slow: 'smtp:transport:slow',
  proxy: 'smtp:transport:proxy',
} as const;

const channels = {
  connect: diagnosticsChannel.channel(TRANSPORT_CHANNELS.connect),
  tls: diagnosticsChannel.channel(TRANSPORT_CHANNELS.tls),
  data: diagnosticsChannel.channel(TRANSPORT_CHANNELS.data),
  close: diagnosticsChannel.channel(TRANSPORT_CHANNELS.close),
  error: diagnosticsChannel.channel(TRANSPORT_CHANNELS.error),
  slow: diagnosticsChannel.channel(TRANSPORT_CHANNELS.slow),
  proxy: diagnosticsChannel.channel(TRANSPORT_CHANNELS.proxy),
};

type Without<E> = E extends unknown ? Omit<E, 'connectionId'> : never;

/** Delivers one connection's events to its listener and to the channels. */
export class EventSink {
  readonly connectionId: number;
  readonly includeData: boolean;
  readonly #listener: ((event: TransportEvent) => void) | undefined;

  constructor(
    connectionId: number,
    listener: ((event: TransportEvent) => void) | undefined,
    includeData: boolean,
  ) {
    this.connectionId = connectionId;
    this.#listener = listener;
    this.includeData = includeData;
  }

  /** Whether anyone would receive an event of this type (build it only then). */
  wants(type: TransportEvent['type']): boolean {
    return this.#listener !== undefined || channels[type].hasSubscribers;
  }

  /**
   * Emits `make()` if anyone listens. A listener that throws does not break the connection:
   * its error is ignored (as an observer it must not change what the transport does).
   */
  emit(type: TransportEvent['type'], make: () => Without<TransportEvent>): void {
    if (!this.wants(type)) return;
    const event = { connectionId: this.connectionId, ...make() } as TransportEvent;
    if (this.#listener !== undefined) {
      try {
        this.#listener(event);
      } catch {
        // Observers cannot fail the connection.
      }
    }
    const channel = channels[type];
    if (channel.hasSubscribers) channel.publish(event);
  }

  /** A data event, with the bytes only when asked for. */
  data(direction: 'in' | 'out', bytes: Uint8Array): void {
    // Checked first: no closure per chunk when nobody listens.
    if (!this.wants('data')) return;
    this.emit('data', () =>
      this.includeData
        ? { type: 'data', direction, size: bytes.byteLength, data: bytes }
        : { type: 'data', direction, size: bytes.byteLength },
    );
  }
}
