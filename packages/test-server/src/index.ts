/**
 * @smtp/test-server: a real SMTP server for tests, on loopback and a port the OS picks.
 *
 * - {@link startSmtpServer}: smtp-server 3.21 configured per test (plain, STARTTLS or implicit
 *   TLS, AUTH, size limits, HELO-only, LMTP, extensions, refusals, delays, faults), recording
 *   every accepted message and command line; `waitForMessage` waits for one.
 * - {@link parseMessage}: a captured message as a mail program would show it.
 * - {@link createTestCertificates}: a CA and good/expired/wrong-name/untrusted certificates made
 *   at run time (no private key is ever committed); the CA goes to the client under test.
 * - {@link connectRaw}: a raw SMTP line client, for tests that speak the protocol by hand.
 * - {@link startInbox}: a local mail catcher with a web inbox (live list, HTML in a sandboxed
 *   frame, text, headers, source, attachments), in memory or in a folder of `.eml` files.
 *
 * The vitest binding is `@smtp/test-server/vitest`.
 */

export {
  type CertificateName,
  createTestCertificates,
  type KeyAndCertificate,
  pickCertificate,
  TEST_CERTIFICATE_NAMES,
  type TestCertificates,
} from './certificates.ts';
export type { InboxHttpHost } from './inbox/http-server.ts';
export {
  DEFAULT_INBOX_LIMIT,
  DEFAULT_INBOX_MESSAGE_SIZE,
  type RunningInbox,
  type StartInboxOptions,
  startInbox,
} from './inbox/inbox.ts';
export { InboxError, type InboxErrorCode } from './inbox/inbox-error.ts';
export type {
  InboxEnvelope,
  InboxMessageSummary,
} from './inbox/inbox-message.ts';
export type { InboxAttachment, InboxMessageDetail } from './inbox/message-detail.ts';
export {
  type ParsedAddress,
  type ParsedAttachment,
  type ParsedHeader,
  type ParsedMessage,
  parseMessage,
} from './parsed-message.ts';
export { connectRaw, type RawClient, type RawTarget } from './raw-client.ts';
export type { ReceivedMessage } from './received-message.ts';
export {
  type AuthMechanism,
  type CommandLogEntry,
  type Fault,
  type FaultPoint,
  type ReplyPhase,
  type RunningSmtpServer,
  type StartSmtpServerOptions,
  startSmtpServer,
} from './smtp-server.ts';
export {
  type CapturedMessage,
  type MessageQuery,
  type MessageSource,
  MessageWaitTimeoutError,
  waitForMessage,
} from './wait-for-message.ts';
