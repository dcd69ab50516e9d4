/**
 * The connector: `connect(options, { signal })` opens a socket (TCP over IPv4 or IPv6, or a
 * UNIX socket, or a tunnel through a proxy), runs the TLS handshake for implicit TLS, and returns
 * a {@link Connection}.
 * Shaped like undici's connector, so `@smtp/client` can accept a custom one.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Connection, SocketConnection } from './connection.ts';
import { ConnectionError } from './errors/connection-error.ts';
import { EventSink } from './events.ts';
import { type ConnectOptions, resolveOptions, type Settings } from './options.ts';
import { openTunnel, proxyConnectFailure } from './proxy/open-tunnel.ts';
import { toConnectionError } from './socket-error.ts';
import { type Handshake, handshake } from './starttls.ts';
import { guard } from './timeouts.ts';
import { UsageMeter } from './usage.ts';

/** The second argument of {@link connect}. */
export interface ConnectContext {
  /** Aborts the connection attempt (DNS, connect, a proxy tunnel, implicit TLS handshake). */
  readonly signal?: AbortSignal;
}

/** The shape of {@link connect}, for clients that accept a custom connector. */
export type Connector = (options: ConnectOptions, context?: ConnectContext) => Promise<Connection>;

let lastConnectionId = 0;

function ignore(): void {}

/** The addresses Node raced, when it raced more than one. */
function attempted(socket: net.Socket): { attemptedAddresses?: readonly string[] } {
  const addresses = socket.autoSelectFamilyAttemptedAddresses;
  return addresses !== undefined && addresses.length > 1
    ? { attemptedAddresses: [...addresses] }
    : {};
}

/**
 * `net.connect` options for a TCP connection to `host`: the caller's family, local address and
 * lookup, and RFC 8305 racing between the families (Node's `autoSelectFamily`).
 */
export function tcpOptions(settings: Settings, host: string, port: number): net.TcpNetConnectOpts {
  return {
    host,
    port,
    noDelay: true,
    autoSelectFamily: settings.autoSelectFamily,
    autoSelectFamilyAttemptTimeout: settings.connectionAttemptDelayMs,
    ...(settings.family === undefined ? {} : { family: settings.family }),
    ...(settings.localAddress === undefined ? {} : { localAddress: settings.localAddress }),
    ...(settings.lookup === undefined ? {} : { lookup: settings.lookup }),
  };
}

/**
 * Opens a connection to an SMTP server. Nothing is read or written: the caller reads the
 * greeting with `readReply({ phase: 'greeting' })`.
 *
 * @throws {TransportUsageError} for invalid options, before any I/O.
 * @throws {ConnectionError} `SMTP_CONNECTION_REFUSED`, `SMTP_DNS`, `SMTP_CONNECTION_RESET`,
 *   `SMTP_CONNECTION_CLOSED`, `SMTP_CONNECTION_FAILED`.
 * @throws {TimeoutError} with phase `connect` or `tls`.
 * @throws {AbortError} when `signal` fires.
 * @throws {TlsError} when the implicit TLS handshake fails (certificate reason included).
 * @throws {ProxyError} with the `proxy` option, when the tunnel cannot be opened: see its codes.
 *
 * @example
 * ```ts
 * const connection = await connect({ host: 'mail.example.com', port: 465, tls: 'implicit' });
 * const greeting = await connection.readReply({ phase: 'greeting', timeoutMs: 60_000 });
 * ```
 */
export const connect: Connector = async (options, context = {}) => {
  const settings = resolveOptions(options);
  const { signal } = context;
  const events = new EventSink(++lastConnectionId, settings.onEvent, settings.includeData);
  const usage = new UsageMeter(settings);
  const started = performance.now();
  const { target } = settings;

  if (signal?.aborted) {
    // Refuse before opening anything.
    await guard({ timeoutMs: undefined, phase: 'connect', signal }, () => undefined);
  }
  // Through a proxy, TCP goes to the proxy; the tunnel to `target` is opened once connected.
  const hop = settings.proxy ?? target;
  const socket =
    'path' in hop
      ? net.connect({ path: hop.path })
      : net.connect(tcpOptions(settings, hop.host, hop.port));
  // Every error is also seen by whoever waits (the guards below, then the connection); this
  // listener only keeps one that comes in between from being an uncaught exception.
  socket.on('error', ignore);

  try {
    await guard<void>(
      { timeoutMs: settings.connectTimeoutMs, phase: 'connect', signal },
      ({ resolve, reject }) => {
        const onConnect = (): void => resolve();
        const onError = (error: Error): void => reject(toConnectionError(error));
        const onClose = (): void =>
          reject(new ConnectionError('SMTP_CONNECTION_CLOSED', 'The connection closed'));
        socket.once('connect', onConnect);
        socket.once('error', onError);
        socket.once('close', onClose);
        return () => {
          socket.off('connect', onConnect);
          socket.off('error', onError);
          socket.off('close', onClose);
        };
      },
    );
  } catch (caught) {
    socket.destroy();
    const error =
      settings.proxy === undefined ? caught : proxyConnectFailure(caught, settings, settings.proxy);
    events.emit('error', () => ({ type: 'error', error: error as Error, phase: 'connect' }));
    throw error;
  }
  const connectMs = performance.now() - started;
  usage.connectMs = connectMs;
  events.emit('connect', () => ({
    type: 'connect',
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    localAddress: socket.localAddress,
    localPort: socket.localPort,
    path: 'path' in target ? target.path : undefined,
    ...attempted(socket),
    durationMs: connectMs,
  }));
  const slowConnect = usage.judge('connect', connectMs, 0);
  if (slowConnect !== undefined) events.emit('slow', () => ({ type: 'slow', ...slowConnect }));
  // Through a proxy: the tunnel, then TLS end to end over it (docs/security.md decision 11).
  const tunnel =
    settings.proxy === undefined
      ? socket
      : await openTunnel(socket, settings, settings.proxy, { events, usage, started, signal });

  let secured: Handshake | undefined;
  if (settings.implicitTls) {
    try {
      secured = await handshake(tunnel, settings.tls, {
        timeoutMs: settings.tlsTimeoutMs,
        signal,
      });
    } catch (error) {
      socket.destroy();
      events.emit('error', () => ({ type: 'error', error: error as Error, phase: 'tls' }));
      throw error;
    }
    const { info, durationMs } = secured;
    usage.tlsMs += durationMs;
    events.emit('tls', () => ({ type: 'tls', ...info, upgrade: false, durationMs }));
    const slowTls = usage.judge('tls', durationMs, 0);
    if (slowTls !== undefined) events.emit('slow', () => ({ type: 'slow', ...slowTls }));
  }
  return new SocketConnection({ socket: tunnel, settings, events, usage, handshake: secured });
};
