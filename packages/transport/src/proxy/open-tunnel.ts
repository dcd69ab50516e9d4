/**
 * Opens the tunnel to the SMTP server through the proxy, on the TCP socket `connect()` opened to
 * the proxy: TLS to the proxy for `https`, then the SOCKS or CONNECT exchange. What it returns is
 * the socket the SMTP dialogue runs on; implicit TLS and STARTTLS then run over it end to end
 * with the SMTP server, verified against the SMTP host's name (docs/security.md decision 11).
 *
 * - One deadline: `connectTimeoutMs` from the start of `connect()` bounds the TCP connect, TLS to
 *   the proxy and the exchange together; the caller's signal aborts any of them.
 * - `socks5` resolves the SMTP host name here, with the connection's `family` and `lookup`;
 *   the other protocols give the proxy the name.
 * - The handshake's bytes are never data events, so neither the CONNECT request's
 *   `Proxy-Authorization` nor a SOCKS password can reach a listener, even with `includeData`.
 * - On any failure both sockets are destroyed and an `error` event (phase `connect`) is emitted.
 */
import dns from 'node:dns';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ConnectionError } from '../errors/connection-error.ts';
import { ProxyError } from '../errors/proxy-error.ts';
import { TimeoutError } from '../errors/timeout-error.ts';
import { TlsError } from '../errors/tls-error.ts';
import type { EventSink } from '../events.ts';
import { resolveTls, type Settings } from '../options.ts';
import { toConnectionError } from '../socket-error.ts';
import { handshake } from '../starttls.ts';
import { guard } from '../timeouts.ts';
import type { UsageMeter } from '../usage.ts';
import { httpConnect, type TunnelTarget } from './http-connect.ts';
import type { ProxySettings } from './proxy-options.ts';
import { type SocksDestination, socksHandshake } from './socks-tunnel.ts';
import { asConnectAbort, proxyLabel, proxyTimeout, type TunnelWait } from './tunnel-wait.ts';

/** What `connect()` shares with the tunnel. */
export interface TunnelContext {
  readonly events: EventSink;
  readonly usage: UsageMeter;
  /** When `connect()` started, on the `performance.now()` clock: the deadline runs from there. */
  readonly started: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * A failure to reach the proxy at all (the TCP connect), as `connect()` saw it, in the proxy's
 * vocabulary: a socket error is `SMTP_PROXY_UNREACHABLE` (its `ConnectionError` the cause), the
 * deadline `SMTP_PROXY_TIMEOUT`. An abort stays an `AbortError`.
 */
export function proxyConnectFailure(
  error: unknown,
  settings: Settings,
  proxy: ProxySettings,
): unknown {
  if (error instanceof TimeoutError) {
    return proxyTimeout(proxy, 'connect', settings.connectTimeoutMs, error);
  }
  if (error instanceof ConnectionError) {
    return new ProxyError(
      'SMTP_PROXY_UNREACHABLE',
      `${proxyLabel(proxy)} cannot be reached: ${error.message}`,
      { protocol: proxy.protocol, step: 'connect' },
      { cause: error },
    );
  }
  return error;
}

/** TLS to an `https` proxy, verified against the proxy's own name with its own options. */
async function proxyTls(socket: Socket, proxy: ProxySettings, wait: TunnelWait): Promise<Socket> {
  try {
    const secured = await handshake(socket, resolveTls(proxy.host, undefined, proxy.tlsOptions), {
      // The connect phase's deadline alone bounds it: one deadline for the whole tunnel.
      timeoutMs: Number.POSITIVE_INFINITY,
      deadline: wait.deadline,
      signal: wait.signal,
    });
    return secured.socket;
  } catch (error) {
    if (error instanceof TimeoutError) throw proxyTimeout(proxy, 'tls', wait.timeoutMs, error);
    if (error instanceof TlsError) {
      throw new ProxyError(
        'SMTP_PROXY_UNREACHABLE',
        `${proxyLabel(proxy)} cannot be reached over TLS: ${error.message}`,
        { protocol: proxy.protocol, step: 'tls' },
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Resolves the SMTP host name on this machine (`socks5`), with the connection's `family` and
 * `lookup`, within the connect deadline. A name that does not resolve is `SMTP_DNS`, as it is
 * without a proxy: it is not the proxy's failure.
 */
function resolveLocally(host: string, settings: Settings, wait: TunnelWait): Promise<string> {
  const lookup = settings.lookup ?? dns.lookup;
  return guard<string>(
    { timeoutMs: undefined, deadline: wait.deadline, phase: 'connect', signal: wait.signal },
    ({ resolve, reject }) => {
      lookup(host, { family: settings.family ?? 0 }, (error, address) => {
        if (error !== null) {
          reject(toConnectionError(error));
          return;
        }
        const first = typeof address === 'string' ? address : address[0]?.address;
        if (first === undefined) {
          reject(new ConnectionError('SMTP_DNS', 'The server name could not be resolved'));
          return;
        }
        resolve(first);
      });
      return undefined;
    },
  );
}

async function socksDestination(
  proxy: ProxySettings,
  target: TunnelTarget,
  settings: Settings,
  wait: TunnelWait,
): Promise<SocksDestination> {
  if (proxy.protocol !== 'socks5' || target.kind !== 'dns') {
    return { host: target.host, port: target.port };
  }
  return { host: await resolveLocally(target.host, settings, wait), port: target.port };
}

/**
 * Opens the tunnel on `socket`, which is connected to the proxy. Resolves with the socket the
 * SMTP dialogue runs on (for `https`, the TLS socket to the proxy), paused, with the SMTP
 * server's first bytes, if any came with the proxy's answer, at the front of its buffer.
 *
 * @throws {ProxyError} `SMTP_PROXY_UNREACHABLE` (TLS to the proxy), `SMTP_PROXY_AUTH`,
 *   `SMTP_PROXY_REFUSED`, `SMTP_PROXY_PROTOCOL`, `SMTP_PROXY_CLOSED`, `SMTP_PROXY_TIMEOUT`.
 * @throws {ConnectionError} `SMTP_DNS` when `socks5` cannot resolve the SMTP host name.
 * @throws {TimeoutError} when that resolution outlasts the deadline.
 * @throws {AbortError} (phase `connect`) when the signal fires.
 */
export async function openTunnel(
  socket: Socket,
  settings: Settings,
  proxy: ProxySettings,
  context: TunnelContext,
): Promise<Socket> {
  // resolveProxy refused a socket path: the target is a host and port.
  const target = settings.target as TunnelTarget;
  const wait: TunnelWait = {
    deadline: context.started + settings.connectTimeoutMs,
    timeoutMs: settings.connectTimeoutMs,
    signal: context.signal,
  };
  const handshakeStarted = performance.now();
  let tunnel = socket;
  try {
    if (proxy.protocol === 'https') tunnel = await proxyTls(socket, proxy, wait);
    if (proxy.protocol === 'http' || proxy.protocol === 'https') {
      await httpConnect(tunnel, proxy, target, wait);
    } else {
      await socksHandshake(
        tunnel,
        proxy,
        await socksDestination(proxy, target, settings, wait),
        wait,
      );
    }
    // Implicit TLS starts with our ClientHello: a server has nothing to say before it, and bytes
    // left in the buffer would be lost under the TLS layer.
    if (settings.implicitTls && tunnel.readableLength > 0) {
      throw new ProxyError(
        'SMTP_PROXY_PROTOCOL',
        `${proxyLabel(proxy)} relayed ${tunnel.readableLength} byte(s) before the TLS handshake with the SMTP server`,
        { protocol: proxy.protocol, step: 'handshake' },
      );
    }
  } catch (error) {
    tunnel.destroy();
    socket.destroy();
    const failure = asConnectAbort(error) as Error;
    context.events.emit('error', () => ({ type: 'error', error: failure, phase: 'connect' }));
    throw failure;
  }
  const now = performance.now();
  // The connect phase, as the caller waited for it: TCP and tunnel.
  context.usage.connectMs = now - context.started;
  context.events.emit('proxy', () => ({
    type: 'proxy',
    protocol: proxy.protocol,
    host: proxy.host,
    port: proxy.port,
    durationMs: now - handshakeStarted,
  }));
  return tunnel;
}
