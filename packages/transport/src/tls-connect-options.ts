/**
 * The TLS options a caller may pass, in a file of their own so that both `options.ts` and the
 * proxy options (which `options.ts` checks) can name them without importing each other.
 */
import type { ConnectionOptions as NodeTlsConnectionOptions } from 'node:tls';

/**
 * TLS options passed through to `tls.connect()`: `ca`, `cert`, `key`, `minVersion`,
 * `rejectUnauthorized`, `ciphers`, `checkServerIdentity`, `session`... The transport sets the
 * socket, the SNI name and the name to verify itself (see `servername`).
 *
 * Defaults that differ from Node's: `minVersion` is `'TLSv1.2'`, and `rejectUnauthorized` is
 * `true` whatever `NODE_TLS_REJECT_UNAUTHORIZED` says; turning it off must be written here.
 * A custom `checkServerIdentity` is called with the configured name, never Node's fallback.
 */
export type TlsConnectOptions = Omit<
  NodeTlsConnectionOptions,
  'socket' | 'host' | 'port' | 'path' | 'servername' | 'timeout' | 'lookup'
>;
