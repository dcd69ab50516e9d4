/** The inbox's HTTP server: node:http on a loopback address, closed down to its last socket. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';

/** The loopback addresses the page may be served on. */
export type InboxHttpHost = '127.0.0.1' | '::1';

/** A listening HTTP server. */
export interface InboxHttpServer {
  readonly host: InboxHttpHost;
  readonly port: number;
  /** `http://127.0.0.1:PORT/` (or `http://[::1]:PORT/`). */
  readonly url: string;
  /** Stops listening and ends every connection, idle or not. */
  close(): Promise<void>;
}

/** Listens on `host` and `port` (0: one the OS picks) and serves `listener`. */
export async function listenHttp(
  listener: (request: IncomingMessage, response: ServerResponse) => void,
  host: InboxHttpHost,
  port: number,
): Promise<InboxHttpServer> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  const authority = host.includes(':') ? `[${host}]:${actualPort}` : `${host}:${actualPort}`;
  let closing: Promise<void> | undefined;
  return {
    host,
    port: actualPort,
    url: `http://${authority}/`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive and event-stream connections would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
