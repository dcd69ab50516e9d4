/**
 * What `SmtpClient` reports about itself and its server: `info` (what it is connected to and
 * how), `stats`, and what `ping()` found. Every piece of server text in them is sanitised
 * (reply-info.ts), and none holds a secret: the user name, never the password or token.
 */
import type { Capabilities } from '@smtp/protocol';
import type { TlsInfo, TransportUsage } from '@smtp/transport';
import type { ReplyInfo } from './errors.ts';
import type { Credentials, ResolvedClientOptions, Security } from './options.ts';
import { capabilityLines, sanitizeCapabilities } from './reply-info.ts';
import type { SessionStage, SessionTimings, SmtpConnection } from './smtp-connection.ts';

/** Options of {@link SmtpClient.ping}. */
export interface PingOptions {
  /** Where to stop before QUIT: after the greeting, EHLO, STARTTLS (and EHLO again), or AUTH (default). */
  readonly stopAfter?: SessionStage;
  readonly signal?: AbortSignal;
}

/** The TLS session in force, as `info` and `ping()` report it. */
export interface TlsSummary {
  readonly protocol: string | undefined;
  readonly cipher: string;
  readonly authorized: boolean;
  readonly authorizationError?: string;
}

/** What {@link SmtpClient.ping} found. */
export interface PingResult {
  /** What the server offers at the point reached (after TLS: only what it said after TLS), sanitised. */
  readonly capabilities: Capabilities;
  /** The EHLO (or HELO) reply, unless stopped after the greeting. */
  readonly ehlo: ReplyInfo | undefined;
  /** The greeting. */
  readonly greeting: ReplyInfo | undefined;
  readonly tls?: TlsSummary;
  readonly authenticated: boolean;
  /** Milliseconds per stage. */
  readonly timings: SessionTimings;
}

/** {@link SmtpClient.info}: what the client is connected to and how. Holds no secret. */
export interface ClientInfo {
  /** `host:port` (IPv6 in brackets), or the socket path. */
  readonly target: string;
  /** The configured security level. */
  readonly security: Security;
  /** True while a connection is open. */
  readonly connected: boolean;
  /** True when the open connection is TLS. */
  readonly secure: boolean;
  readonly tls?: TlsSummary;
  /** The user name in force (never the password or token). */
  readonly user?: string;
  /** True when the open connection is authenticated. */
  readonly authenticated: boolean;
  /** The AUTH mechanism used on the open connection. */
  readonly mechanism?: string;
  /** The extensions the server offers on the open connection, as advertised (`SIZE 10240000`), sanitised. */
  readonly capabilities: readonly string[];
  /** The EHLO (or HELO) reply on the open connection. */
  readonly ehlo?: ReplyInfo;
  /** The local address and port of the open connection. */
  readonly localAddress?: string;
  readonly localPort?: number;
}

/** {@link SmtpClient.stats}: transport usage summed over every connection, and counts. */
export interface ClientStats extends TransportUsage {
  /** Connections opened. */
  readonly connections: number;
  /** Messages the server accepted (fully or partially). */
  readonly messages: number;
}

/** The TLS session as `info` and `ping()` report it. */
export function summarizeTls(tls: TlsInfo): TlsSummary {
  return {
    protocol: tls.protocol,
    cipher: tls.cipher.name,
    authorized: tls.authorized,
    ...(tls.authorizationError === undefined ? {} : { authorizationError: tls.authorizationError }),
  };
}

/** `info` for a client with these options and credentials, and its open connection if any. */
export function describeClient(
  options: ResolvedClientOptions,
  credentials: Credentials | undefined,
  connection: SmtpConnection | undefined,
): ClientInfo {
  const target = options.target;
  const tls = connection?.tls;
  const user = credentials?.user;
  const ehlo = connection?.ehlo;
  const local = connection?.localEndpoint;
  return {
    target:
      target.kind === 'unix'
        ? target.path
        : `${target.kind === 'ipv6' ? `[${target.host}]` : target.host}:${target.port}`,
    security: options.security,
    connected: connection !== undefined,
    secure: connection?.secure ?? false,
    ...(tls === undefined ? {} : { tls: summarizeTls(tls) }),
    ...(user === undefined ? {} : { user }),
    authenticated: connection?.authenticatedAs !== undefined,
    ...(connection?.mechanism === undefined ? {} : { mechanism: connection.mechanism }),
    capabilities: connection === undefined ? [] : capabilityLines(connection.capabilities),
    ...(ehlo === undefined ? {} : { ehlo }),
    ...(local?.address === undefined ? {} : { localAddress: local.address }),
    ...(local?.port === undefined ? {} : { localPort: local.port }),
  };
}

/** What `ping()` found on a connection opened as far as it was asked to go. */
export function pingResult(connection: SmtpConnection, timings: SessionTimings): PingResult {
  const tls = connection.tls;
  return {
    capabilities: sanitizeCapabilities(connection.capabilities),
    ehlo: connection.ehlo,
    greeting: connection.greeting,
    ...(tls === undefined ? {} : { tls: summarizeTls(tls) }),
    authenticated: connection.authenticatedAs !== undefined,
    timings,
  };
}
