/**
 * The options of `connect()`, checked and resolved once, before any socket is opened.
 */
import { isIP, type LookupFunction } from 'node:net';
import { createReplyParser, type ReplyParserOptions } from '@smtp/protocol';
import { TransportUsageError } from './errors/usage-error.ts';
import type { TransportEvent } from './events.ts';
import { type ProxyOptions, type ProxySettings, resolveProxy } from './proxy/proxy-options.ts';
import { isTimeout } from './timeouts.ts';
import type { TlsConnectOptions } from './tls-connect-options.ts';

export type { TlsConnectOptions } from './tls-connect-options.ts';

/** What kind of address `host` is; the same facts as `SmtpUrl.kind` from `@smtp/url`. */
export type HostKind = 'dns' | 'ipv4' | 'ipv6';

/** Options of {@link connect}. Give `host` and `port`, or `path`. */
export interface ConnectOptions {
  /** A DNS name, an IPv4 address or an IPv6 address without brackets (`::1`). */
  readonly host?: string;
  /** The TCP port, 1 to 65535. Required with `host`. */
  readonly port?: number;
  /** A UNIX domain socket path, instead of `host` and `port`. */
  readonly path?: string;
  /** What `host` is; detected from its form when omitted (must agree when given). */
  readonly kind?: HostKind;
  /** Restrict DNS results to IPv4 (4) or IPv6 (6). */
  readonly family?: 0 | 4 | 6;
  /** The local address to connect from. */
  readonly localAddress?: string;
  /**
   * Race the addresses of a name that has both IPv6 and IPv4 ones (RFC 8305, "Happy Eyeballs"):
   * try the first, and start the next family's after {@link connectionAttemptDelayMs} if the
   * first has not connected; the first to connect wins. Default `true`. With `false`, only the
   * first address DNS returns is tried.
   */
  readonly autoSelectFamily?: boolean;
  /**
   * How long one address may try before the next one starts, with {@link autoSelectFamily}, in
   * ms. Default 250 (RFC 8305 section 5); at least 10. The connect deadline still bounds the
   * whole race.
   */
  readonly connectionAttemptDelayMs?: number;
  /**
   * Resolves `host` instead of `dns.lookup` (a cache, a resolver of your own, a test). Called
   * as `net.connect` calls it, with `{ all: true }` when racing.
   */
  readonly lookup?: LookupFunction;
  /** `'implicit'`: TLS from the first byte (port 465, RFC 8314). Default `'none'`. */
  readonly tls?: 'none' | 'implicit';
  /**
   * The name to verify the certificate against, and to send as SNI when it is a DNS name.
   * Defaults to `host`. Required for TLS over a UNIX socket (unless verification is off).
   */
  readonly servername?: string;
  /** Passed to `tls.connect()` for implicit TLS and for `upgradeToTls()`. */
  readonly tlsOptions?: TlsConnectOptions;
  /** Deadline for DNS and connect, in ms. Default 30 000. */
  readonly connectTimeoutMs?: number;
  /** Deadline for each TLS handshake, in ms. Default 30 000. */
  readonly tlsTimeoutMs?: number;
  /** Default deadline for `readReply`, in ms. Default 300 000 (RFC 5321 section 4.5.3.2). */
  readonly readTimeoutMs?: number;
  /** Default deadline for each write to be accepted, in ms. Default 180 000 (data block). */
  readonly writeTimeoutMs?: number;
  /** How long `close()` waits for the peer before destroying, in ms. Default 5 000. */
  readonly closeTimeoutMs?: number;
  /** Reply parser bounds (`maxLineLength`, `maxReplySize`, `maxLines`), passed through. */
  readonly replyParser?: ReplyParserOptions;
  /** Receives socket events; see {@link TransportEvent}. */
  readonly onEvent?: (event: TransportEvent) => void;
  /** Put the bytes themselves in data events (they may hold credentials). Default false. */
  readonly includeData?: boolean;
  /** Report any socket operation that takes at least this many ms (a `slow` event). */
  readonly slowOperationMs?: number;
  /** Report reads and writes slower than this many bytes per second (a `slow` event). */
  readonly minThroughput?: number;
  /**
   * Reach the server through this proxy (SOCKS or HTTP CONNECT). TCP then goes to the proxy,
   * `connectTimeoutMs` bounds the whole tunnel, and TLS (implicit or STARTTLS) runs end to end
   * with the SMTP server, verified against `servername` or `host`, never the proxy's name
   * (docs/security.md decision 11). Not with `path`.
   */
  readonly proxy?: ProxyOptions;
}

/** The TLS facts a handshake needs. */
export interface TlsSettings {
  /** Checked against the certificate: the servername, or the host (an IP checks IP SANs). */
  readonly verifyName: string | undefined;
  /** Sent as SNI: the verify name when it is a DNS name, never an IP literal. */
  readonly sni: string | undefined;
  readonly tlsOptions: TlsConnectOptions;
}

/** {@link ConnectOptions} checked, with defaults applied. */
export interface Settings {
  readonly target:
    | { readonly host: string; readonly port: number; readonly kind: HostKind }
    | { readonly path: string };
  readonly family: 0 | 4 | 6 | undefined;
  readonly localAddress: string | undefined;
  readonly autoSelectFamily: boolean;
  readonly connectionAttemptDelayMs: number;
  readonly lookup: LookupFunction | undefined;
  readonly implicitTls: boolean;
  readonly tls: TlsSettings;
  readonly connectTimeoutMs: number;
  readonly tlsTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly replyParser: ReplyParserOptions;
  readonly onEvent: ((event: TransportEvent) => void) | undefined;
  readonly includeData: boolean;
  readonly slowOperationMs: number | undefined;
  readonly minThroughput: number | undefined;
  /** The proxy to tunnel through, checked; its password is hidden from JSON and inspect. */
  readonly proxy: ProxySettings | undefined;
}

export const DEFAULT_TIMEOUTS = {
  connectTimeoutMs: 30_000,
  tlsTimeoutMs: 30_000,
  readTimeoutMs: 300_000,
  writeTimeoutMs: 180_000,
  closeTimeoutMs: 5_000,
} as const;

/** RFC 8305 section 5's recommended Connection Attempt Delay. */
export const DEFAULT_CONNECTION_ATTEMPT_DELAY_MS = 250;

/** Node refuses a smaller attempt delay (`autoSelectFamilyAttemptTimeout`). */
const MIN_CONNECTION_ATTEMPT_DELAY_MS = 10;

/** The longest delay a Node timer can hold. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function invalid(message: string): TransportUsageError {
  return new TransportUsageError('SMTP_TRANSPORT_INVALID_OPTIONS', message);
}

function kindOf(host: string): HostKind {
  const version = isIP(host);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : 'dns';
}

function timeout(options: ConnectOptions, name: keyof typeof DEFAULT_TIMEOUTS): number {
  const value = options[name];
  if (value === undefined) return DEFAULT_TIMEOUTS[name];
  if (!isTimeout(value)) throw invalid(`${name} must be a positive number of milliseconds`);
  return value;
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0)) throw invalid(`${name} must be a positive number`);
  return value;
}

/**
 * The TLS facts for a host (or a socket path) and an optional servername. The servername
 * wins; an IP literal is verified against the certificate's IP SANs and never sent as SNI.
 */
export function resolveTls(
  host: string | undefined,
  servername: string | undefined,
  tlsOptions: TlsConnectOptions,
): TlsSettings {
  if (servername !== undefined && (typeof servername !== 'string' || servername === '')) {
    throw invalid('servername must be a non-empty string');
  }
  const verifyName = servername ?? host;
  const sni = verifyName !== undefined && kindOf(verifyName) === 'dns' ? verifyName : undefined;
  return { verifyName, sni, tlsOptions };
}

/** Checks `options` and applies the defaults. Throws before any I/O. */
export function resolveOptions(options: ConnectOptions): Settings {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  const { host, port, path } = options;
  let target: Settings['target'];
  if (path !== undefined) {
    if (host !== undefined || port !== undefined) {
      throw invalid('give either host and port, or path, not both');
    }
    if (typeof path !== 'string' || path === '') throw invalid('path must be a non-empty string');
    target = { path };
  } else {
    if (typeof host !== 'string' || host === '') {
      throw invalid('host (with port) or path is required');
    }
    if (host.startsWith('[')) throw invalid('give an IPv6 host without brackets');
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw invalid('port must be an integer from 1 to 65535');
    }
    const detected = kindOf(host);
    if (options.kind !== undefined && options.kind !== detected) {
      throw invalid(`kind says ${options.kind} but host is ${detected}`);
    }
    target = { host, port, kind: detected };
  }
  if (options.tls !== undefined && options.tls !== 'none' && options.tls !== 'implicit') {
    throw invalid("tls must be 'none' or 'implicit'");
  }
  if (options.family !== undefined && ![0, 4, 6].includes(options.family)) {
    throw invalid('family must be 0, 4 or 6');
  }
  if (options.autoSelectFamily !== undefined && typeof options.autoSelectFamily !== 'boolean') {
    throw invalid('autoSelectFamily must be a boolean');
  }
  const attemptDelay = options.connectionAttemptDelayMs ?? DEFAULT_CONNECTION_ATTEMPT_DELAY_MS;
  if (
    !Number.isInteger(attemptDelay) ||
    attemptDelay < MIN_CONNECTION_ATTEMPT_DELAY_MS ||
    attemptDelay > MAX_TIMER_MS
  ) {
    throw invalid(
      `connectionAttemptDelayMs must be a whole number of milliseconds from ${MIN_CONNECTION_ATTEMPT_DELAY_MS} to ${MAX_TIMER_MS}`,
    );
  }
  if (options.lookup !== undefined && typeof options.lookup !== 'function') {
    throw invalid('lookup must be a function');
  }
  const tlsOptions = options.tlsOptions ?? {};
  const tls = resolveTls(
    'host' in target ? target.host : undefined,
    options.servername,
    tlsOptions,
  );
  const implicitTls = options.tls === 'implicit';
  if (implicitTls && tls.verifyName === undefined && tlsOptions.rejectUnauthorized !== false) {
    throw invalid('TLS over a UNIX socket needs a servername to verify the certificate against');
  }
  const replyParser = options.replyParser ?? {};
  try {
    createReplyParser(replyParser);
  } catch (error) {
    throw new TransportUsageError(
      'SMTP_TRANSPORT_INVALID_OPTIONS',
      'replyParser bounds must be positive integers',
      { cause: error },
    );
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw invalid('onEvent must be a function');
  }
  return {
    target,
    family: options.family,
    localAddress: options.localAddress,
    autoSelectFamily: options.autoSelectFamily ?? true,
    connectionAttemptDelayMs: attemptDelay,
    lookup: options.lookup,
    implicitTls,
    tls,
    connectTimeoutMs: timeout(options, 'connectTimeoutMs'),
    tlsTimeoutMs: timeout(options, 'tlsTimeoutMs'),
    readTimeoutMs: timeout(options, 'readTimeoutMs'),
    writeTimeoutMs: timeout(options, 'writeTimeoutMs'),
    closeTimeoutMs: timeout(options, 'closeTimeoutMs'),
    replyParser,
    onEvent: options.onEvent,
    includeData: options.includeData === true,
    slowOperationMs: positive(options.slowOperationMs, 'slowOperationMs'),
    minThroughput: positive(options.minThroughput, 'minThroughput'),
    proxy: resolveProxy(options.proxy, target),
  };
}
