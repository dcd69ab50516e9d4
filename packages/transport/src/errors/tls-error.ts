import { brand } from './brand.ts';

/**
 * Why a TLS handshake failed, in words a caller can act on. `tlsCode` on the error keeps the
 * exact code from Node or OpenSSL.
 */
export type TlsFailureReason =
  /** The certificate's validity period has ended (`CERT_HAS_EXPIRED`). */
  | 'certificate-expired'
  /** The certificate's validity period has not started (`CERT_NOT_YET_VALID`). */
  | 'certificate-not-yet-valid'
  /** The certificate does not name the host (`ERR_TLS_CERT_ALTNAME_INVALID`). */
  | 'certificate-name-mismatch'
  /** The chain does not lead to a trusted CA (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`, self-signed...). */
  | 'certificate-untrusted'
  /** The certificate was revoked (`CERT_REVOKED`). */
  | 'certificate-revoked'
  /** No common protocol version or cipher, or the peer did not speak TLS (`ERR_SSL_*`). */
  | 'protocol'
  /** The peer closed or reset the connection during the handshake. */
  | 'connection-closed'
  /** Anything else; see `tlsCode` and `cause`. */
  | 'other';

/**
 * A TLS handshake (implicit TLS or STARTTLS) failed: the certificate was refused, or the peers
 * could not agree. Never retried in plaintext (docs/security.md INV-1); the connection is
 * destroyed.
 */
export class TlsError extends Error {
  override readonly name = 'TlsError' as const;
  readonly code = 'SMTP_TLS_HANDSHAKE' as const;
  /** Why, in a stable vocabulary. */
  readonly reason: TlsFailureReason;
  /** Node's or OpenSSL's code (`CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`...), if any. */
  readonly tlsCode: string | undefined;
  /** The name the certificate was checked against (host name, IP address or `servername`). */
  readonly servername: string | undefined;

  constructor(
    reason: TlsFailureReason,
    message: string,
    details: { readonly tlsCode?: string | undefined; readonly servername?: string | undefined },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.reason = reason;
    this.tlsCode = details.tlsCode;
    this.servername = details.servername;
    brand(this);
  }
}
