import type { ProxyProtocol } from '../proxy/proxy-options.ts';
import { brand } from './brand.ts';

/** Codes of {@link ProxyError}: how the tunnel through the proxy failed. */
export type ProxyErrorCode =
  /**
   * The proxy itself could not be reached: its name did not resolve, it refused the TCP
   * connection, reset or closed it before the handshake started, or (an `https` proxy) the TLS
   * handshake with it failed. `cause` is the `ConnectionError` or `TlsError` underneath.
   */
  | 'SMTP_PROXY_UNREACHABLE'
  /**
   * The proxy refused to let us in: SOCKS5 user name and password refused (RFC 1929), no
   * authentication method both sides accept, a SOCKS4 user id refused (replies 92 and 93), or
   * HTTP `407 Proxy Authentication Required`, whether credentials were sent or not. Only one
   * attempt is ever made: a 407 is never answered with a second CONNECT.
   */
  | 'SMTP_PROXY_AUTH'
  /**
   * The proxy would not, or could not, connect to the SMTP server: a SOCKS reply other than
   * success (host unreachable, connection refused, not allowed by ruleset...) or an HTTP status
   * other than 2xx and 407. `replyCode` holds the SOCKS reply code or the HTTP status.
   */
  | 'SMTP_PROXY_REFUSED'
  /**
   * The proxy's answer was not the protocol: a wrong SOCKS version byte, a method or address type
   * nobody asked for, a malformed HTTP status line or header, a response head over
   * {@link MAX_PROXY_RESPONSE_HEAD_BYTES}, or bytes after the handshake when implicit TLS was
   * to start.
   */
  | 'SMTP_PROXY_PROTOCOL'
  /** The proxy closed or reset the connection in the middle of the handshake. */
  | 'SMTP_PROXY_CLOSED'
  /**
   * The tunnel was not up within `connectTimeoutMs`: one deadline for the whole connect phase
   * (TCP to the proxy, TLS to an `https` proxy, the SOCKS or CONNECT exchange), so a proxy that
   * trickles its answer still runs out of time.
   */
  | 'SMTP_PROXY_TIMEOUT';

/**
 * Which step of opening the tunnel failed: `connect` (TCP to the proxy), `tls` (the handshake
 * with an `https` proxy), `handshake` (the SOCKS or CONNECT exchange).
 */
export type ProxyStep = 'connect' | 'tls' | 'handshake';

/** Details of a {@link ProxyError}. */
export interface ProxyErrorDetails {
  readonly protocol: ProxyProtocol;
  readonly step: ProxyStep;
  /** The SOCKS reply code or the HTTP status, when the proxy gave one. */
  readonly replyCode?: number | undefined;
}

/** The most bytes an HTTP proxy's response head to CONNECT may take: 16 KiB. */
export const MAX_PROXY_RESPONSE_HEAD_BYTES = 16 * 1024;

/**
 * The tunnel through the proxy could not be opened; nothing reached the SMTP server. The socket
 * is destroyed.
 *
 * The message may quote the proxy's own text (an HTTP reason phrase), sanitised with
 * `sanitizeServerText` from `@smtp/protocol`; it never holds the proxy password or the
 * `Proxy-Authorization` value (docs/security.md INV-10, decision 11).
 */
export class ProxyError extends Error {
  override readonly name = 'ProxyError' as const;
  readonly code: ProxyErrorCode;
  /** The proxy's protocol. */
  readonly protocol: ProxyProtocol;
  /** Which step failed. */
  readonly step: ProxyStep;
  /**
   * The proxy's answer, when it gave one: the SOCKS5 reply code (RFC 1928 section 6: 1 general
   * failure, 2 not allowed, 3 network unreachable, 4 host unreachable, 5 connection refused...),
   * the SOCKS4 reply code (91 to 93), or the HTTP status (403, 407, 502...).
   */
  readonly replyCode: number | undefined;

  constructor(
    code: ProxyErrorCode,
    message: string,
    details: ProxyErrorDetails,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.protocol = details.protocol;
    this.step = details.step;
    this.replyCode = details.replyCode;
    brand(this);
  }
}
