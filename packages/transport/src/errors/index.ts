/**
 * Errors raised by `@smtp/transport`. Every class extends `Error` directly, has a literal
 * `name`, a stable `code` and the `Symbol.for('smtp.error')` brand. Malformed replies are
 * `ProtocolError`s from `@smtp/protocol`, re-thrown as the parser raised them.
 */
export { AbortError } from './abort-error.ts';

export {
  ConnectionError,
  type ConnectionErrorCode,
  type ConnectionErrorDetails,
} from './connection-error.ts';
export {
  MAX_PROXY_RESPONSE_HEAD_BYTES,
  ProxyError,
  type ProxyErrorCode,
  type ProxyErrorDetails,
  type ProxyStep,
} from './proxy-error.ts';
export { TimeoutError, type TimeoutPhase } from './timeout-error.ts';
export { TlsError, type TlsFailureReason } from './tls-error.ts';
export { TransportUsageError, type TransportUsageErrorCode } from './usage-error.ts';
