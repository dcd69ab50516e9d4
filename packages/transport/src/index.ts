/**
 * `@smtp/transport`: the SMTP client's network layer. Sockets (TCP over IPv4 and IPv6, UNIX
 * sockets, tunnels through SOCKS and HTTP proxies), implicit TLS and the STARTTLS upgrade,
 * replies read through `@smtp/protocol`'s parser with deadlines, writes with backpressure, typed
 * errors, usage statistics and events.
 */
export { type ConnectContext, type Connector, connect } from './connect.ts';
export type {
  CloseOptions,
  Connection,
  ReadReplyOptions,
  UpgradeOptions,
  WriteOptions,
} from './connection.ts';
export {
  AbortError,
  ConnectionError,
  type ConnectionErrorCode,
  type ConnectionErrorDetails,
  MAX_PROXY_RESPONSE_HEAD_BYTES,
  ProxyError,
  type ProxyErrorCode,
  type ProxyErrorDetails,
  type ProxyStep,
  TimeoutError,
  type TimeoutPhase,
  TlsError,
  type TlsFailureReason,
  TransportUsageError,
  type TransportUsageErrorCode,
} from './errors/index.ts';
export {
  type CertificateSummary,
  type CloseEvent,
  type ConnectEvent,
  type DataEvent,
  type ErrorEvent,
  type ProxyEvent,
  type SlowEvent,
  type TlsEvent,
  type TlsInfo,
  TRANSPORT_CHANNELS,
  type TransportEvent,
} from './events.ts';
export {
  type ConnectOptions,
  DEFAULT_TIMEOUTS,
  type HostKind,
  type TlsConnectOptions,
} from './options.ts';
export { PROXY_PROTOCOLS, type ProxyOptions, type ProxyProtocol } from './proxy/proxy-options.ts';
export { DEFAULT_MIN_TLS_VERSION } from './starttls.ts';
export {
  type SlowOperation,
  type SlowOperationOptions,
  THROUGHPUT_MIN_DURATION_MS,
  type TransportUsage,
} from './usage.ts';
