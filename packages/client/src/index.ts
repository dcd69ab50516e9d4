/**
 * `@smtp/client`: an SMTP client for Node.js, correct to the RFCs and secure by default. It
 * composes `@smtp/url`, `@smtp/protocol`, `@smtp/transport`, `@smtp/mime` and `@smtp/dkim` into
 * `SmtpConnection` (one connection's dialogue: greeting, EHLO, STARTTLS, AUTH, pipelined
 * MAIL/RCPT/DATA or BDAT, QUIT), `SmtpClient` (one connection behind a queue) and `SmtpPool`
 * (many connections, rate limits, retries), with results
 * and typed errors, and the policy (TLS, credentials, timeouts, logging with secrets redacted).
 *
 * @packageDocumentation
 */
import { parseConnectionDefinition } from './connection-definition.ts';
import type { Logger, LoggingOptions } from './logging.ts';
import { SmtpClient } from './smtp-client.ts';

export type {
  Canonicalization,
  DkimAlgorithm,
  DkimSigner,
  DkimSignerOptions,
} from '@smtp/dkim';
export {
  type CalendarEvent,
  type DsnOptions,
  type DsnRequest,
  type Envelope,
  Message,
  type MessageOptions,
} from '@smtp/mime';
export type { SmtpProtocol } from '@smtp/url';
export type {
  ClientInfo,
  ClientStats,
  PingOptions,
  PingResult,
  TlsSummary,
} from './client-info.ts';
export {
  type ConnectionDefinition,
  parseConnectionDefinition,
} from './connection-definition.ts';
export type { DkimOption } from './dkim-signers.ts';
export * from './errors.ts';
export type { Logger, LoggingOptions, LogTarget } from './logging.ts';
export type { RawBodyType, RawMessage, SendInput } from './message-source.ts';
export type {
  ClientOptions,
  Credentials,
  PasswordCredentials,
  ProxyConfig,
  ProxyTls,
  Security,
  Timeouts,
  TokenCredentials,
} from './options.ts';
export {
  type ConnectionCloseReason,
  POOL_CHANNELS,
  type PoolEventMap,
} from './pool-events.ts';
export type {
  PoolOptions,
  PoolSettings,
  ResolvedPoolSettings,
  WhenFull,
} from './pool-options.ts';
export { describeReply, sanitizeServerText } from './reply-info.ts';
export { parseQueueId, type SendResult, type SendTimings } from './send-result.ts';
export { SmtpClient } from './smtp-client.ts';
export {
  type SentTransaction,
  type SessionStage,
  type SessionTimings,
  SmtpConnection,
  type SmtpConnectionContext,
} from './smtp-connection.ts';
export { type PoolSendOptions, type PoolStats, SmtpPool } from './smtp-pool.ts';
export type { TransactionReplies, TransactionResult } from './transaction-context.ts';
export type { DsnSendOptions, SendOptions } from './transaction-plan.ts';

/**
 * Builds a client from a serialisable connection definition: a URL plus options as JSON (no
 * functions), validated with clear errors, so a configuration can come from a file or another
 * process.
 *
 * @param definition A parsed JSON value, or JSON text.
 * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS` naming what is wrong.
 * @example
 * ```ts
 * const client = createClient({ url: 'smtp://mail.example.com:587', options: { timeouts: { command: 10000 } } });
 * ```
 */
export function createClient(definition: unknown, logging?: LoggingOptions | Logger): SmtpClient {
  return new SmtpClient(parseConnectionDefinition(definition), logging);
}
