import { describe, expect, it } from 'vitest';
import { ConnectionError } from './errors/connection-error.ts';
import { tlsReason, toConnectionError, toTlsError } from './socket-error.ts';

const systemError = (code: string, syscall = 'connect'): Error =>
  Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

describe('toConnectionError', () => {
  it.each([
    ['ECONNREFUSED', 'SMTP_CONNECTION_REFUSED'],
    ['ENOTFOUND', 'SMTP_DNS'],
    ['EAI_AGAIN', 'SMTP_DNS'],
    ['EAI_FAIL', 'SMTP_DNS'],
    ['ECONNRESET', 'SMTP_CONNECTION_RESET'],
    ['EPIPE', 'SMTP_CONNECTION_RESET'],
    ['EHOSTUNREACH', 'SMTP_CONNECTION_FAILED'],
    ['ENOENT', 'SMTP_CONNECTION_FAILED'],
  ])('maps %s to %s, keeping the socket code and the cause', (socketCode, code) => {
    const cause = systemError(socketCode);
    const error = toConnectionError(cause);
    expect(error.code).toBe(code);
    expect(error.socketCode).toBe(socketCode);
    expect(error.syscall).toBe('connect');
    expect(error.cause).toBe(cause);
    expect(error.message).toContain(socketCode);
  });

  it('reads the first error of an AggregateError (happy eyeballs)', () => {
    const error = toConnectionError(
      new AggregateError([systemError('ECONNREFUSED')], 'all failed'),
    );
    expect(error.code).toBe('SMTP_CONNECTION_REFUSED');
  });

  it('maps anything without a code to SMTP_CONNECTION_FAILED', () => {
    expect(toConnectionError(new Error('odd')).code).toBe('SMTP_CONNECTION_FAILED');
    expect(toConnectionError('a string').code).toBe('SMTP_CONNECTION_FAILED');
    expect(
      toConnectionError(Object.assign(new Error('empty'), { code: '' })).socketCode,
    ).toBeUndefined();
  });

  it('returns a ConnectionError unchanged', () => {
    const error = new ConnectionError('SMTP_CONNECTION_CLOSED', 'closed');
    expect(toConnectionError(error)).toBe(error);
  });
});

describe('tlsReason', () => {
  it.each([
    ['CERT_HAS_EXPIRED', 'certificate-expired'],
    ['CERT_NOT_YET_VALID', 'certificate-not-yet-valid'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'certificate-name-mismatch'],
    ['ERR_TLS_NO_NAME_TO_VERIFY', 'certificate-name-mismatch'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'certificate-untrusted'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'certificate-untrusted'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'certificate-untrusted'],
    ['CERT_REVOKED', 'certificate-revoked'],
    ['ECONNRESET', 'connection-closed'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'protocol'],
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'protocol'],
    ['SOMETHING_ELSE', 'other'],
    [undefined, 'other'],
  ] as const)('reads %s as %s', (code, reason) => {
    expect(tlsReason(code)).toBe(reason);
  });

  it('builds a TlsError that names the host and the code', () => {
    const error = toTlsError(systemError('CERT_HAS_EXPIRED', 'handshake'), 'localhost');
    expect(error.code).toBe('SMTP_TLS_HANDSHAKE');
    expect(error.reason).toBe('certificate-expired');
    expect(error.tlsCode).toBe('CERT_HAS_EXPIRED');
    expect(error.message).toBe(
      'TLS handshake failed for "localhost": the server certificate has expired (CERT_HAS_EXPIRED)',
    );
    expect(toTlsError(new Error('x'), undefined).message).toBe(
      'TLS handshake failed: the handshake failed',
    );
  });
});
