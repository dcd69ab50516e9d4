import { hostname } from 'node:os';
import { validateDomain } from '@smtp/protocol';
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { defaultClientName, FALLBACK_CLIENT_NAME, resolveClientName } from './client-name.ts';
import { ClientStateError } from './errors.ts';

const params = propertyRuns(300);

describe('defaultClientName', () => {
  it('uses a valid host name as it is, lower-cased', () => {
    expect(defaultClientName('Build-Box.Example.COM')).toBe('build-box.example.com');
    expect(defaultClientName('laptop')).toBe('laptop');
  });

  it('repairs characters a domain may not hold', () => {
    expect(defaultClientName('Build_Box.local')).toBe('build-box.local');
    expect(defaultClientName('my host')).toBe('my-host');
    expect(defaultClientName('_svc._tcp.')).toBe('svc.tcp');
  });

  it('turns an IP address into its address literal', () => {
    expect(defaultClientName('192.0.2.7')).toBe('[192.0.2.7]');
    expect(defaultClientName('2001:db8::1')).toBe('[IPv6:2001:db8::1]');
  });

  it('falls back to [127.0.0.1] when nothing valid remains', () => {
    expect(defaultClientName('')).toBe(FALLBACK_CLIENT_NAME);
    expect(defaultClientName('___')).toBe(FALLBACK_CLIENT_NAME);
    expect(defaultClientName('ü')).toBe(FALLBACK_CLIENT_NAME);
    expect(defaultClientName('ünï')).toBe('n');
    expect(defaultClientName('...')).toBe(FALLBACK_CLIENT_NAME);
  });

  it('defaults to this machine, always valid for EHLO', () => {
    const name = defaultClientName();
    expect(() => validateDomain(name)).not.toThrow();
    expect(defaultClientName(hostname())).toBe(name);
  });

  it('gives a valid EHLO argument for any host name', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (host) => {
        expect(() => validateDomain(defaultClientName(host))).not.toThrow();
      }),
      params,
    );
  });
});

describe('resolveClientName', () => {
  it('keeps a valid domain or address literal', () => {
    expect(resolveClientName('client.example.com')).toBe('client.example.com');
    expect(resolveClientName('[192.0.2.1]')).toBe('[192.0.2.1]');
    expect(resolveClientName('[IPv6:2001:db8::1]')).toBe('[IPv6:2001:db8::1]');
  });

  it('turns a bare IP address into an address literal', () => {
    expect(resolveClientName('192.0.2.1')).toBe('[192.0.2.1]');
    expect(resolveClientName('::1')).toBe('[IPv6:::1]');
  });

  it('defaults to the host name', () => {
    expect(resolveClientName(undefined)).toBe(defaultClientName());
  });

  it.each([
    ['', /name must be a non-empty string/],
    [42, /name must be a non-empty string/],
    ['bad name', /name "bad name" is not a domain/],
    ['evil\r\nMAIL FROM:<x>', /name "evil\\\\x0d\\\\x0aMAIL/],
    ['a..b', /not a domain or an address literal/],
  ])('refuses %j with SMTP_CLIENT_INVALID_OPTIONS', (value, message) => {
    expect(() => resolveClientName(value)).toThrow(ClientStateError);
    expect(() => resolveClientName(value)).toThrow(message);
  });

  it('names the option it was given', () => {
    expect(() => resolveClientName('a b', 'options.name')).toThrow(/^options\.name /);
  });
});
