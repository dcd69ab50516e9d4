/**
 * The one deadline of a tunnel: every wait while the tunnel opens (TLS to an `https` proxy, the
 * SOCKS or CONNECT exchange) ends at the connect phase's deadline, not at a timer of its own, so
 * a proxy that answers each step just in time still cannot stretch the phase (docs/security.md
 * INV-8). A deadline that passes is the proxy stalling: `SMTP_PROXY_TIMEOUT`.
 */
import { AbortError } from '../errors/abort-error.ts';
import { ProxyError, type ProxyStep } from '../errors/proxy-error.ts';
import { TimeoutError } from '../errors/timeout-error.ts';
import { guard, type Settle } from '../timeouts.ts';
import type { ProxyProtocol, ProxySettings } from './proxy-options.ts';

/** How long the tunnel may take, and the caller's signal. */
export interface TunnelWait {
  /** The connect phase's deadline, on the `performance.now()` clock (`Infinity` for none). */
  readonly deadline: number;
  /** `connectTimeoutMs`, for messages. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

/** How the proxy's protocol is named in messages. */
export const PROTOCOL_NAMES: Readonly<Record<ProxyProtocol, string>> = Object.freeze({
  socks4a: 'SOCKS4a',
  socks5: 'SOCKS5',
  socks5h: 'SOCKS5',
  http: 'HTTP',
  https: 'HTTPS',
});

/** `The SOCKS5 proxy 127.0.0.1:1080`: host and port are not secrets; credentials never appear. */
export function proxyLabel(proxy: ProxySettings): string {
  const host = proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host;
  return `The ${PROTOCOL_NAMES[proxy.protocol]} proxy ${host}:${proxy.port}`;
}

/** The deadline passed while the tunnel was opening. */
export function proxyTimeout(
  proxy: ProxySettings,
  step: ProxyStep,
  connectTimeoutMs: number,
  cause: TimeoutError,
): ProxyError {
  const what =
    step === 'connect'
      ? 'accept the connection'
      : step === 'tls'
        ? 'finish TLS'
        : 'open the tunnel';
  return new ProxyError(
    'SMTP_PROXY_TIMEOUT',
    `${proxyLabel(proxy)} did not ${what} within connectTimeoutMs (${connectTimeoutMs} ms)`,
    { protocol: proxy.protocol, step },
    { cause },
  );
}

/**
 * An abort is reported as the connect phase's, whichever step it interrupted (a handshake with
 * an `https` proxy names its own phase `tls`).
 */
export function asConnectAbort(error: unknown): unknown {
  return error instanceof AbortError && error.phase !== 'connect'
    ? new AbortError('connect', { cause: error.cause })
    : error;
}

/** {@link guard} for one step of the tunnel, against the tunnel's deadline and signal. */
export function tunnelGuard<T>(
  proxy: ProxySettings,
  step: ProxyStep,
  wait: TunnelWait,
  start: (settle: Settle<T>) => (() => void) | undefined,
): Promise<T> {
  return guard<T>(
    {
      timeoutMs: undefined,
      deadline: wait.deadline,
      phase: 'connect',
      signal: wait.signal,
      onInterrupt: (error) =>
        error instanceof TimeoutError ? proxyTimeout(proxy, step, wait.timeoutMs, error) : error,
    },
    start,
  );
}
