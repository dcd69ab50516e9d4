/**
 * SOCKS5 (RFC 1928, with RFC 1929 user name and password) and SOCKS4a on a socket open to the
 * proxy, spoken by the `socks` package: we hand it the connected socket and keep the deadline,
 * the abort and the error vocabulary to ourselves.
 *
 * - `socks5` sends the IP address this machine resolved; `socks5h` and `socks4a` send the name
 *   (the `socks` package sends a name as SOCKS4a's or SOCKS5's domain form, an IP address as an
 *   address).
 * - The library's errors are never passed on: they carry its options, proxy password included
 *   (docs/security.md INV-10). Each becomes a {@link ProxyError} whose message we write, with
 *   the proxy's reply code read from the bytes it sent.
 * - Bytes the proxy relayed right after its reply (the SMTP server's greeting) are re-emitted by
 *   the library on the next turn of the event loop; they are caught and put back in front of the
 *   socket's buffer, as for HTTP CONNECT.
 */
import type { Socket } from 'node:net';
import { SocksClient } from 'socks';
import { ProxyError, type ProxyErrorCode } from '../errors/proxy-error.ts';
import { TransportUsageError } from '../errors/usage-error.ts';
import { toConnectionError } from '../socket-error.ts';
import { MAX_TIMER_MS, timeLeft } from '../timeouts.ts';
import type { ProxySettings } from './proxy-options.ts';
import { proxyLabel, type TunnelWait, tunnelGuard } from './tunnel-wait.ts';

/** Where the proxy must connect: an IP address (socks5) or the name (socks5h, socks4a). */
export interface SocksDestination {
  readonly host: string;
  readonly port: number;
}

/** RFC 1928 section 6. */
const SOCKS5_REPLIES: Readonly<Record<number, string>> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

/** SOCKS4: 90 is granted; 92 and 93 are about the user id (identd), so they are `AUTH`. */
const SOCKS4_REPLIES: Readonly<Record<number, string>> = {
  91: 'request rejected or failed',
  92: 'the proxy could not reach identd on this machine',
  93: 'identd reported another user id',
};

/** The proxy's handshake bytes we keep to read its reply code: far more than any reply. */
const MAX_RECORDED_BYTES = 1024;

/** The library's own timer runs this much after ours, so ours (and its message) wins. */
const LIBRARY_TIMER_SLACK_MS = 1000;

/** What the proxy sent, and what the socket reported, by the time the library failed. */
export interface SocksFailureContext {
  readonly proxy: ProxySettings;
  readonly destination: SocksDestination;
  /** The bytes the proxy sent during the handshake (at most {@link MAX_RECORDED_BYTES}). */
  readonly received: Uint8Array;
  /** A socket error seen during the handshake (a reset), if any. */
  readonly socketError: Error | undefined;
  readonly wait: TunnelWait;
}

/**
 * Where the proxy's reply to the CONNECT request starts: SOCKS5 has a method selection (2 bytes)
 * first, and a user name and password answer (2 bytes) when it chose that method (0x02).
 */
function replyOffset(context: SocksFailureContext): number {
  if (context.proxy.protocol === 'socks4a') return 0;
  return context.received[1] === 0x02 ? 4 : 2;
}

function failure(
  context: SocksFailureContext,
  code: ProxyErrorCode,
  message: string,
  replyCode?: number,
  cause?: Error,
): ProxyError {
  return new ProxyError(
    code,
    `${proxyLabel(context.proxy)} ${message}`,
    { protocol: context.proxy.protocol, step: 'handshake', replyCode },
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The library's failure (its message, one of its fixed strings) as a {@link ProxyError}. The
 * reply code comes from the bytes the proxy sent, not from the library's wording.
 */
export function socksFailure(libraryMessage: string, context: SocksFailureContext): ProxyError {
  const { received, proxy, destination } = context;
  const offset = replyOffset(context);
  const version = received[offset];
  const reply = received[offset + 1];
  const where = `${destination.host.includes(':') ? `[${destination.host}]` : destination.host}:${destination.port}`;
  if (context.socketError !== undefined) {
    return failure(
      context,
      'SMTP_PROXY_CLOSED',
      'reset the connection during the SOCKS handshake',
      undefined,
      toConnectionError(context.socketError),
    );
  }
  if (libraryMessage.includes('invalid socks version')) {
    return failure(
      context,
      'SMTP_PROXY_PROTOCOL',
      `answered with SOCKS version ${received[0]}, not 5`,
    );
  }
  if (libraryMessage.includes('no accepted authentication type')) {
    return failure(
      context,
      'SMTP_PROXY_AUTH',
      proxy.username === undefined
        ? 'requires authentication; no credentials are configured'
        : 'accepts neither no authentication nor a user name and password',
    );
  }
  if (libraryMessage.includes('unknown authentication type')) {
    return failure(
      context,
      'SMTP_PROXY_PROTOCOL',
      `chose an authentication method that was not offered (${received[1]})`,
    );
  }
  if (libraryMessage.startsWith('Socks5 Authentication failed')) {
    return failure(context, 'SMTP_PROXY_AUTH', 'refused the user name and password (RFC 1929)');
  }
  if (libraryMessage.startsWith('Socks5 proxy rejected connection')) {
    if (version !== 0x05 || reply === 0) {
      return failure(
        context,
        'SMTP_PROXY_PROTOCOL',
        `answered the CONNECT request with SOCKS version ${version}, not 5`,
      );
    }
    const reason = SOCKS5_REPLIES[reply as number] ?? 'an unassigned reply code';
    return failure(
      context,
      'SMTP_PROXY_REFUSED',
      `would not connect to ${where}: ${reason} (SOCKS5 reply ${reply})`,
      reply,
    );
  }
  if (libraryMessage.startsWith('Socks4 Proxy rejected connection')) {
    const reason = SOCKS4_REPLIES[reply as number] ?? 'an unassigned reply code';
    return failure(
      context,
      reply === 92 || reply === 93 ? 'SMTP_PROXY_AUTH' : 'SMTP_PROXY_REFUSED',
      `would not connect to ${where}: ${reason} (SOCKS4 reply ${reply})`,
      reply,
    );
  }
  if (libraryMessage === 'Proxy connection timed out') {
    return failure(
      context,
      'SMTP_PROXY_TIMEOUT',
      `did not open the tunnel within connectTimeoutMs (${context.wait.timeoutMs} ms)`,
    );
  }
  if (libraryMessage === 'Socket closed') {
    return failure(
      context,
      'SMTP_PROXY_CLOSED',
      'closed the connection during the SOCKS handshake',
    );
  }
  return failure(context, 'SMTP_PROXY_PROTOCOL', 'broke off the SOCKS handshake');
}

/**
 * Runs the SOCKS handshake on `socket` (connected to the proxy) for `destination`. Resolves with
 * the socket paused, bytes the proxy relayed after its reply put back in front of its buffer.
 *
 * @throws {ProxyError} `SMTP_PROXY_AUTH`, `SMTP_PROXY_REFUSED`, `SMTP_PROXY_PROTOCOL`,
 *   `SMTP_PROXY_CLOSED`, `SMTP_PROXY_TIMEOUT`.
 * @throws {AbortError} when the signal fires.
 */
export async function socksHandshake(
  socket: Socket,
  proxy: ProxySettings,
  destination: SocksDestination,
  wait: TunnelWait,
): Promise<void> {
  let client: SocksClient;
  try {
    client = new SocksClient({
      command: 'connect',
      destination: { host: destination.host, port: destination.port },
      proxy: {
        host: proxy.host,
        port: proxy.port,
        type: proxy.protocol === 'socks4a' ? 4 : 5,
        ...(proxy.username === undefined ? {} : { userId: proxy.username }),
        ...(proxy.password === undefined ? {} : { password: proxy.password }),
      },
      timeout: Math.min(MAX_TIMER_MS, timeLeft(undefined, wait.deadline) + LIBRARY_TIMER_SLACK_MS),
      existing_socket: socket,
    });
  } catch {
    // Its error holds the options, password included: not a cause to keep.
    throw new TransportUsageError(
      'SMTP_TRANSPORT_INVALID_OPTIONS',
      'The SOCKS client refused the proxy or destination options',
    );
  }
  let received: Uint8Array = new Uint8Array(0);
  let socketError: Error | undefined;
  const record = (chunk: Buffer): void => {
    if (received.length < MAX_RECORDED_BYTES) {
      received = Buffer.concat([received, chunk]).subarray(0, MAX_RECORDED_BYTES);
    }
  };
  const onSocketError = (error: Error): void => {
    socketError = error;
  };
  const context = (): SocksFailureContext => ({
    proxy,
    destination,
    received,
    socketError,
    wait,
  });
  await tunnelGuard<void>(proxy, 'handshake', wait, ({ resolve, reject }) => {
    // Ours first, so a reset is known when the library reports it in words.
    socket.on('data', record);
    socket.on('error', onSocketError);
    // Kept for the client's life: the library reports a socket destroyed after a timeout or an
    // abort as an error event, which must not go unheard.
    client.on('error', (error) => reject(socksFailure(error.message, context())));
    client.once('established', (info: { readonly remoteHost?: unknown }) => {
      if (proxy.protocol !== 'socks4a' && info.remoteHost === undefined) {
        reject(failure(context(), 'SMTP_PROXY_PROTOCOL', 'answered with an unknown address type'));
        return;
      }
      const early: Buffer[] = [];
      const collect = (chunk: Buffer): void => {
        early.push(chunk);
      };
      socket.on('data', collect);
      // The library re-emits what came after its reply, then resumes the socket, in a
      // setImmediate queued before this one.
      setImmediate(() => {
        socket.off('data', collect);
        socket.pause();
        if (early.length > 0 && !socket.destroyed) socket.unshift(Buffer.concat(early));
        resolve();
      });
    });
    client.connect(socket);
    return () => {
      socket.off('data', record);
      socket.off('error', onSocketError);
    };
  });
}
