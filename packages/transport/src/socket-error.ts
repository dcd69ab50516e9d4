/**
 * Turns the errors Node's sockets raise into {@link ConnectionError}s with stable codes, and
 * TLS handshake failures into {@link TlsError}s with the certificate reason.
 */
import { ConnectionError, type ConnectionErrorCode } from './errors/connection-error.ts';
import { TlsError, type TlsFailureReason } from './errors/tls-error.ts';

interface SystemError {
  readonly code?: unknown;
  readonly syscall?: unknown;
  readonly message?: unknown;
  readonly errors?: unknown;
}

function fields(error: unknown): { code: string | undefined; syscall: string | undefined } {
  if (typeof error !== 'object' || error === null) return { code: undefined, syscall: undefined };
  const e = error as SystemError;
  let code = typeof e.code === 'string' ? e.code : undefined;
  // Happy eyeballs (autoSelectFamily) reports every failed attempt in an AggregateError.
  if (code === undefined && Array.isArray(e.errors) && e.errors.length > 0) {
    return fields(e.errors[0]);
  }
  if (code === '') code = undefined;
  return { code, syscall: typeof e.syscall === 'string' ? e.syscall : undefined };
}

const DNS_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EAI_NODATA',
  'EAI_ADDRFAMILY',
  'EAI_SERVICE',
]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

const MESSAGES: Record<ConnectionErrorCode, string> = {
  SMTP_CONNECTION_REFUSED: 'The server refused the connection',
  SMTP_DNS: 'The server name could not be resolved',
  SMTP_CONNECTION_RESET: 'The server reset the connection',
  SMTP_CONNECTION_CLOSED: 'The connection is closed',
  SMTP_CONNECTION_FAILED: 'The connection failed',
};

/** A socket `error` event as a {@link ConnectionError}; one already is stays as it is. */
export function toConnectionError(error: unknown): ConnectionError {
  if (error instanceof ConnectionError) return error;
  const { code: socketCode, syscall } = fields(error);
  let code: ConnectionErrorCode = 'SMTP_CONNECTION_FAILED';
  if (socketCode === 'ECONNREFUSED') code = 'SMTP_CONNECTION_REFUSED';
  else if (socketCode !== undefined && DNS_CODES.has(socketCode)) code = 'SMTP_DNS';
  else if (socketCode !== undefined && RESET_CODES.has(socketCode)) code = 'SMTP_CONNECTION_RESET';
  const suffix = socketCode === undefined ? '' : ` (${socketCode})`;
  return new ConnectionError(
    code,
    `${MESSAGES[code]}${suffix}`,
    {
      ...(socketCode === undefined ? {} : { socketCode }),
      ...(syscall === undefined ? {} : { syscall }),
    },
    { cause: error },
  );
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'CERT_REJECTED',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'INVALID_PURPOSE',
]);

/** The stable reason for a Node or OpenSSL TLS error code. */
export function tlsReason(tlsCode: string | undefined): TlsFailureReason {
  if (tlsCode === undefined) return 'other';
  if (tlsCode === 'CERT_HAS_EXPIRED') return 'certificate-expired';
  if (tlsCode === 'CERT_NOT_YET_VALID') return 'certificate-not-yet-valid';
  if (tlsCode === 'ERR_TLS_CERT_ALTNAME_INVALID' || tlsCode === 'ERR_TLS_NO_NAME_TO_VERIFY') {
    return 'certificate-name-mismatch';
  }
  if (tlsCode === 'CERT_REVOKED') return 'certificate-revoked';
  if (UNTRUSTED.has(tlsCode)) return 'certificate-untrusted';
  if (RESET_CODES.has(tlsCode) || tlsCode === 'ERR_TLS_CLOSED') return 'connection-closed';
  if (tlsCode.startsWith('ERR_SSL_') || tlsCode.startsWith('ERR_TLS_')) return 'protocol';
  return 'other';
}

const REASON_TEXT: Record<TlsFailureReason, string> = {
  'certificate-expired': 'the server certificate has expired',
  'certificate-not-yet-valid': 'the server certificate is not valid yet',
  'certificate-name-mismatch': 'the server certificate does not match the name',
  'certificate-untrusted': 'the server certificate is not trusted',
  'certificate-revoked': 'the server certificate was revoked',
  protocol: 'the peers could not agree on TLS',
  'connection-closed': 'the server closed the connection during the handshake',
  other: 'the handshake failed',
};

/** A handshake failure as a {@link TlsError}, checked against `servername`. */
export function toTlsError(error: unknown, servername: string | undefined): TlsError {
  const { code } = fields(error);
  const reason = tlsReason(code);
  const about = servername === undefined ? '' : ` for ${JSON.stringify(servername)}`;
  return new TlsError(
    reason,
    `TLS handshake failed${about}: ${REASON_TEXT[reason]}${code === undefined ? '' : ` (${code})`}`,
    { tlsCode: code, servername },
    { cause: error },
  );
}
