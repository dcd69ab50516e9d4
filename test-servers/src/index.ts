/**
 * test-servers: what only this repository's tests need, beside the published
 * `@smtp/test-server` (whose servers, certificates and parsing it re-exports, so a test imports
 * every server from one place). All on loopback with OS-chosen ports, all closable down to the
 * last socket.
 *
 * - {@link startScriptedServer}: a raw TCP server that plays a script of bytes, for faults.
 * - {@link startSocksProxy}, {@link startHttpProxy}: proxies that record what they relayed.
 * - {@link startBlackhole}: an address where a TCP connect hangs.
 * - {@link startRedis}, {@link ensureRedisServer}: a real redis-server per test file.
 * - {@link launchChromium}, {@link ensureChromium}: the machine's Chromium, headless, through
 *   playwright-core (Debian's, installed with apt-get where missing; never a downloaded one).
 *
 * The vitest binding is `test-servers/vitest`; shared test helpers are `test-servers/testing`.
 */

export {
  type AuthMechanism,
  type CapturedMessage,
  type CertificateName,
  type CommandLogEntry,
  connectRaw,
  createTestCertificates,
  type Fault,
  type FaultPoint,
  type KeyAndCertificate,
  type MessageQuery,
  MessageWaitTimeoutError,
  type ParsedMessage,
  parseMessage,
  pickCertificate,
  type RawClient,
  type ReceivedMessage,
  type ReplyPhase,
  type RunningSmtpServer,
  type StartSmtpServerOptions,
  startSmtpServer,
  TEST_CERTIFICATE_NAMES,
  type TestCertificates,
} from '@smtp/test-server';
export { type Blackhole, startBlackhole } from './blackhole.ts';
export {
  CHROMIUM_ARGS,
  CHROMIUM_ENV,
  CHROMIUM_MISSING,
  CHROMIUM_NAMES,
  type EnsureChromiumOptions,
  ensureChromium,
  findChromium,
  type LaunchChromiumOptions,
  launchChromium,
} from './chromium.ts';
export {
  type HttpProxyOptions,
  type ProxyAuth,
  type ProxyTunnel,
  type RunningProxy,
  type SocksProxyOptions,
  startHttpProxy,
  startSocksProxy,
} from './proxies.ts';
export {
  type EnsureRedisOptions,
  ensureRedisServer,
  findRedisServer,
  type RedisExit,
  type RedisOptions,
  type RedisStopSignal,
  type RunningRedis,
  startRedis,
} from './redis.ts';
export {
  ScriptError,
  type ScriptedServer,
  type ScriptedServerOptions,
  type ScriptStep,
  startScriptedServer,
  type TranscriptEntry,
} from './scripted-server.ts';
