import { inspect } from 'node:util';
import { isSmtpError } from '@smtp/protocol';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  ConnectionError,
  MAX_PROXY_RESPONSE_HEAD_BYTES,
  ProxyError,
  TimeoutError,
  TlsError,
  TransportUsageError,
} from './index.ts';

const cases = [
  [
    new ConnectionError('SMTP_CONNECTION_REFUSED', 'refused'),
    'ConnectionError',
    'SMTP_CONNECTION_REFUSED',
  ],
  [new TimeoutError('greeting', 250), 'TimeoutError', 'SMTP_TIMEOUT'],
  [new AbortError('read'), 'AbortError', 'SMTP_ABORTED'],
  [
    new TlsError('certificate-expired', 'expired', { tlsCode: 'CERT_HAS_EXPIRED' }),
    'TlsError',
    'SMTP_TLS_HANDSHAKE',
  ],
  [
    new TransportUsageError('SMTP_TRANSPORT_INVALID_STATE', 'state'),
    'TransportUsageError',
    'SMTP_TRANSPORT_INVALID_STATE',
  ],
  [
    new ProxyError('SMTP_PROXY_REFUSED', 'refused', { protocol: 'socks5', step: 'handshake' }),
    'ProxyError',
    'SMTP_PROXY_REFUSED',
  ],
] as const;

describe('transport errors', () => {
  it.each(cases)('%s has its literal name, stable code and the smtp brand', (error, name, code) => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(isSmtpError(error)).toBe(true);
  });

  it('keeps the brand out of JSON and inspect output', () => {
    const error = new TimeoutError('read', 100);
    expect(JSON.stringify(error)).not.toContain('smtp.error');
    expect(Object.keys(error)).not.toContain(Symbol.for('smtp.error'));
    expect(inspect(error)).not.toContain('smtp.error');
  });

  it('names the phase and the deadline in a timeout', () => {
    const error = new TimeoutError('greeting', 250);
    expect(error.phase).toBe('greeting');
    expect(error.timeoutMs).toBe(250);
    expect(error.message).toBe('SMTP greeting timed out after 250 ms');
  });

  it('carries the abort reason as its cause', () => {
    const reason = new Error('user gave up');
    const error = new AbortError('connect', { cause: reason });
    expect(error.cause).toBe(reason);
    expect(error.phase).toBe('connect');
  });

  it('carries socket details in a connection error', () => {
    const error = new ConnectionError('SMTP_CONNECTION_CLOSED', 'closed', {
      socketCode: 'ECONNRESET',
      syscall: 'read',
      partialReplyBytes: 4,
    });
    expect([error.socketCode, error.syscall, error.partialReplyBytes]).toEqual([
      'ECONNRESET',
      'read',
      4,
    ]);
    const bare = new ConnectionError('SMTP_DNS', 'dns');
    expect([bare.socketCode, bare.syscall, bare.partialReplyBytes]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('keeps the proxy protocol, step and reply code, and caps response heads at 16 KiB', () => {
    const error = new ProxyError(
      'SMTP_PROXY_AUTH',
      'denied',
      { protocol: 'http', step: 'handshake', replyCode: 407 },
      { cause: 'why' },
    );
    expect([error.protocol, error.step, error.replyCode, error.cause]).toEqual([
      'http',
      'handshake',
      407,
      'why',
    ]);
    expect(
      new ProxyError('SMTP_PROXY_TIMEOUT', 't', { protocol: 'https', step: 'tls' }).replyCode,
    ).toBeUndefined();
    expect(MAX_PROXY_RESPONSE_HEAD_BYTES).toBe(16_384);
  });

  it('keeps the TLS reason, code and name', () => {
    const error = new TlsError('certificate-name-mismatch', 'mismatch', {
      tlsCode: 'ERR_TLS_CERT_ALTNAME_INVALID',
      servername: 'localhost',
    });
    expect([error.reason, error.tlsCode, error.servername]).toEqual([
      'certificate-name-mismatch',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'localhost',
    ]);
  });
});
