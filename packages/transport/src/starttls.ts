/**
 * TLS on an open socket: the STARTTLS upgrade (RFC 3207) and implicit TLS (RFC 8314) share it.
 *
 * Certificate checks (docs/security.md INV-3): the chain is verified (`rejectUnauthorized` is true
 * unless the caller wrote otherwise, whatever `NODE_TLS_REJECT_UNAUTHORIZED` says), and the
 * name is checked against the configured host or `servername` through an explicit
 * `checkServerIdentity`. Wrapping an existing socket, Node would otherwise check the name
 * `'localhost'`. SNI is sent for DNS names only (RFC 6066 section 3). TLS 1.2 is the minimum.
 *
 * Before the upgrade, {@link bytesAfterStartTlsReply} must be zero (docs/security.md INV-2,
 * decision 1): no byte may have arrived after the `220`, whether parsed into a reply, held by
 * the parser, or still in the socket's read buffer. Bytes there would otherwise be lost by the
 * TLS wrap, or worse, read as if they had come over TLS.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import tls, { type PeerCertificate, type TLSSocket } from 'node:tls';
import { sanitizeServerText } from '@smtp/protocol';
import { TlsError } from './errors/tls-error.ts';
import { TransportUsageError } from './errors/usage-error.ts';
import type { CertificateSummary, TlsInfo } from './events.ts';
import type { TlsSettings } from './options.ts';
import type { ReplyReader } from './reply-reader.ts';
import { toTlsError } from './socket-error.ts';
import { guard } from './timeouts.ts';

/** The minimum protocol version unless the caller asks otherwise (docs/security.md INV-3). */
export const DEFAULT_MIN_TLS_VERSION = 'TLSv1.2';

/**
 * Bytes received after the STARTTLS `220` that the TLS layer would never see: replies parsed
 * but not read, a partial reply in the parser, and bytes in the socket's read buffer.
 */
export function bytesAfterStartTlsReply(reader: ReplyReader, socket: Socket): number {
  return reader.queuedBytes + reader.bufferedBytes + socket.readableLength;
}

/** The `tls.connect()` options for `settings` on `socket`. */
export function tlsConnectOptions(socket: Socket, settings: TlsSettings): tls.ConnectionOptions {
  const { verifyName, sni, tlsOptions } = settings;
  const verify = tlsOptions.checkServerIdentity ?? tls.checkServerIdentity;
  return {
    ...tlsOptions,
    socket,
    minVersion: tlsOptions.minVersion ?? DEFAULT_MIN_TLS_VERSION,
    rejectUnauthorized: tlsOptions.rejectUnauthorized ?? true,
    checkServerIdentity: (_nodeName, certificate) =>
      verifyName === undefined
        ? Object.assign(new Error('There is no name to verify the certificate against'), {
            code: 'ERR_TLS_NO_NAME_TO_VERIFY',
          })
        : verify(verifyName, certificate),
    ...(sni === undefined ? {} : { servername: sni }),
  };
}

/** The result of a successful handshake. */
export interface Handshake {
  readonly socket: TLSSocket;
  readonly info: TlsInfo;
  readonly durationMs: number;
}

/**
 * Runs a TLS handshake over `socket`, within `timeoutMs` and by `deadline` (a
 * `performance.now()` time, when given), abortable. On any failure both sockets are destroyed
 * and the promise rejects with a {@link TlsError}, a `TimeoutError` (phase `tls`) or an
 * `AbortError`.
 */
export async function handshake(
  socket: Socket,
  settings: TlsSettings,
  wait: {
    readonly timeoutMs: number;
    readonly deadline?: number | undefined;
    readonly signal: AbortSignal | undefined;
  },
): Promise<Handshake> {
  const started = performance.now();
  let secure: TLSSocket;
  try {
    secure = tls.connect(tlsConnectOptions(socket, settings));
  } catch (error) {
    socket.destroy();
    throw new TransportUsageError(
      'SMTP_TRANSPORT_INVALID_OPTIONS',
      'tls.connect() refused the TLS options',
      { cause: error },
    );
  }
  // Errors after the handshake belong to the connection, which adds its own listener; this
  // one keeps an error emitted in between from becoming an uncaught exception.
  secure.on('error', ignore);
  try {
    await guard<void>(
      { timeoutMs: wait.timeoutMs, deadline: wait.deadline, phase: 'tls', signal: wait.signal },
      ({ resolve, reject }) => {
        const onSecure = (): void => resolve();
        const onError = (error: Error): void => reject(toTlsError(error, settings.verifyName));
        const onClose = (): void =>
          reject(
            new TlsError(
              'connection-closed',
              'TLS handshake failed: the server closed the connection during the handshake',
              { servername: settings.verifyName },
            ),
          );
        secure.once('secureConnect', onSecure);
        secure.on('error', onError);
        secure.once('close', onClose);
        return () => {
          secure.off('secureConnect', onSecure);
          secure.off('error', onError);
          secure.off('close', onClose);
        };
      },
    );
  } catch (error) {
    secure.destroy();
    socket.destroy();
    throw error;
  }
  return {
    socket: secure,
    info: tlsInfo(secure, settings),
    durationMs: performance.now() - started,
  };
}

function ignore(): void {}

/**
 * What `Connection.tls` reports about an established session. The certificate's names and the
 * authorization error can come from the server (a subject is whatever the certificate says,
 * verified or not), so they go through `sanitizeServerText` before they reach an event or a
 * log line (docs/security.md INV-10).
 */
export function tlsInfo(socket: TLSSocket, settings: TlsSettings): TlsInfo {
  const cipher = socket.getCipher();
  return Object.freeze({
    protocol: socket.getProtocol() ?? undefined,
    cipher: Object.freeze({
      name: cipher.name,
      standardName: cipher.standardName,
      version: cipher.version,
    }),
    authorized: socket.authorized,
    authorizationError: socket.authorized
      ? undefined
      : authorizationText(socket.authorizationError as unknown),
    servername: settings.sni,
    verifiedName: settings.verifyName,
    peerCertificate: summarise(socket.getPeerCertificate()),
  });
}

/**
 * Why verification failed: Node's code (`CERT_HAS_EXPIRED`), or a message, which may quote the
 * certificate, sanitised.
 */
export function authorizationText(error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined;
  const text =
    error instanceof Error
      ? (((error as { code?: string }).code ?? error.message) as string)
      : String(error);
  return sanitizeServerText(text);
}

function distinguishedName(name: Readonly<Record<string, string | string[]>> | undefined): string {
  if (name === undefined) return '';
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
    .join(', ');
}

/**
 * The certificate's summary. Subject, issuer and alternative names are the server's text: their
 * control and bidi characters are escaped, but they are not cut (the certificate bounds them,
 * and a cut list of names would hide the one a reader looks for). The dates, fingerprint and
 * serial number are formatted by Node and OpenSSL.
 */
export function summarise(
  certificate: PeerCertificate | undefined,
): CertificateSummary | undefined {
  if (certificate === undefined || Object.keys(certificate).length === 0) return undefined;
  const altNames = certificate.subjectaltname;
  return Object.freeze({
    subject: sanitizeServerText(
      distinguishedName(certificate.subject as unknown as Record<string, string>),
      Number.POSITIVE_INFINITY,
    ),
    issuer: sanitizeServerText(
      distinguishedName(certificate.issuer as unknown as Record<string, string>),
      Number.POSITIVE_INFINITY,
    ),
    subjectAltName:
      altNames === undefined ? undefined : sanitizeServerText(altNames, Number.POSITIVE_INFINITY),
    validFrom: certificate.valid_from,
    validTo: certificate.valid_to,
    fingerprint256: certificate.fingerprint256,
    serialNumber: certificate.serialNumber,
  });
}
