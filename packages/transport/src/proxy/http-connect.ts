/**
 * HTTP CONNECT (RFC 9110 section 9.3.6) on a socket open to the proxy: one request, one response
 * head, then the socket is the tunnel.
 *
 * - One CONNECT only. A `407` fails with `SMTP_PROXY_AUTH` whether credentials were sent or not:
 *   answering it again would loop against a proxy that refuses them, and there is no other
 *   credential to try.
 * - Credentials go as `Proxy-Authorization: Basic` (RFC 7617, UTF-8). The header value is built
 *   into the request bytes only; no error, event or log line carries it (docs/security.md
 *   decision 11), and these bytes are not data events.
 * - The response head is read by {@link ResponseHeadReader}, bounded. Whatever came after it in
 *   the same reads is the SMTP server's greeting: it is put back at the front of the socket's
 *   buffer (`unshift`) after the flow is stopped, so the connection reads it as its first bytes.
 * - A 2xx ends the exchange whatever its headers say (RFC 9110 section 9.3.6: a client ignores
 *   `Content-Length` and `Transfer-Encoding` in a successful CONNECT response).
 */
import type { Socket } from 'node:net';
import { ProxyError } from '../errors/proxy-error.ts';
import { toConnectionError } from '../socket-error.ts';
import { ResponseHeadReader, type ResponseHeadResult } from './http-response-head.ts';
import type { ProxySettings } from './proxy-options.ts';
import { proxyLabel, type TunnelWait, tunnelGuard } from './tunnel-wait.ts';

/** Where the tunnel must lead: the SMTP server as the caller named it. */
export interface TunnelTarget {
  readonly host: string;
  readonly port: number;
  readonly kind: 'dns' | 'ipv4' | 'ipv6';
}

/** `host:port`, with an IPv6 address in brackets (RFC 9112 section 3.2.3, authority-form). */
export function authority(target: TunnelTarget): string {
  return target.kind === 'ipv6'
    ? `[${target.host}]:${target.port}`
    : `${target.host}:${target.port}`;
}

/** The CONNECT request's bytes, credentials included when configured. */
export function connectRequest(target: TunnelTarget, proxy: ProxySettings): Uint8Array {
  const where = authority(target);
  const lines = [`CONNECT ${where} HTTP/1.1`, `Host: ${where}`];
  if (proxy.username !== undefined) {
    const token = Buffer.from(`${proxy.username}:${proxy.password ?? ''}`, 'utf8').toString(
      'base64',
    );
    lines.push(`Proxy-Authorization: Basic ${token}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/**
 * Sends CONNECT on `socket` and reads the answer. Resolves with the socket paused, any bytes
 * after the response head put back in front of its buffer.
 *
 * @throws {ProxyError} `SMTP_PROXY_AUTH` (407), `SMTP_PROXY_REFUSED` (any other non-2xx),
 *   `SMTP_PROXY_PROTOCOL`, `SMTP_PROXY_CLOSED`, `SMTP_PROXY_TIMEOUT`.
 * @throws {AbortError} when the signal fires.
 */
export async function httpConnect(
  socket: Socket,
  proxy: ProxySettings,
  target: TunnelTarget,
  wait: TunnelWait,
): Promise<void> {
  const reader = new ResponseHeadReader(proxy.protocol);
  const details = { protocol: proxy.protocol, step: 'handshake' } as const;
  const { head } = await tunnelGuard<ResponseHeadResult>(
    proxy,
    'handshake',
    wait,
    ({ resolve, reject }) => {
      const onData = (chunk: Buffer): void => {
        let result: ResponseHeadResult | undefined;
        try {
          result = reader.push(chunk);
        } catch (error) {
          reject(error);
          return;
        }
        if (result === undefined) return;
        // Stopped here, inside the data event, so no later chunk is emitted to nobody.
        socket.pause();
        if (result.rest.length > 0) socket.unshift(result.rest);
        resolve(result);
      };
      const onClosed = (): void =>
        reject(
          new ProxyError(
            'SMTP_PROXY_CLOSED',
            `${proxyLabel(proxy)} closed the connection before answering CONNECT`,
            details,
          ),
        );
      const onError = (error: Error): void =>
        reject(
          new ProxyError(
            'SMTP_PROXY_CLOSED',
            `${proxyLabel(proxy)} reset the connection before answering CONNECT`,
            details,
            { cause: toConnectionError(error) },
          ),
        );
      socket.on('data', onData);
      socket.once('end', onClosed);
      socket.once('close', onClosed);
      socket.once('error', onError);
      socket.write(connectRequest(target, proxy));
      socket.resume();
      return () => {
        socket.off('data', onData);
        socket.off('end', onClosed);
        socket.off('close', onClosed);
        socket.off('error', onError);
      };
    },
  );
  if (head.status >= 200 && head.status < 300) return;
  const answer = `${head.status}${head.reason === '' ? '' : ` ${head.reason}`}`;
  if (head.status === 407) {
    throw new ProxyError(
      'SMTP_PROXY_AUTH',
      proxy.username === undefined
        ? `${proxyLabel(proxy)} requires authentication (${answer}); no credentials are configured`
        : `${proxyLabel(proxy)} refused the credentials (${answer})`,
      { ...details, replyCode: head.status },
    );
  }
  throw new ProxyError(
    'SMTP_PROXY_REFUSED',
    `${proxyLabel(proxy)} would not connect to ${authority(target)} (${answer})`,
    { ...details, replyCode: head.status },
  );
}
