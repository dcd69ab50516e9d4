/**
 * test-servers: the servers every integration test in this repository runs against, all on
 * loopback with OS-chosen ports, all closable down to the last socket.
 *
 * - {@link startSmtpServer}: smtp-server 3.21 configured per test (TLS modes, AUTH, HELO-only,
 *   LMTP, extensions, rejections, delays), recording messages and a command log.
 * - {@link startScriptedServer}: a raw TCP server that plays a script of bytes, for faults.
 * - {@link createTestCertificates}: a CA and good/expired/wrong-name/untrusted certificates,
 *   made at run time (no committed keys).
 *
 * The vitest binding is `test-servers/vitest`; shared test helpers are `test-servers/testing`.
 */

export { type Blackhole, startBlackhole } from './blackhole.ts';
export {
  type CertificateName,
  createTestCertificates,
  type KeyAndCertificate,
  pickCertificate,
  TEST_CERTIFICATE_NAMES,
  type TestCertificates,
} from './certificates.ts';
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
export {
  type AuthMechanism,
  type CommandLogEntry,
  type Fault,
  type FaultPoint,
  type ReceivedMessage,
  type ReplyPhase,
  type RunningSmtpServer,
  type StartSmtpServerOptions,
  startSmtpServer,
} from './smtp-server.ts';
