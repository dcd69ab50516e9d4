import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UrlError, type UrlErrorCode } from './errors.ts';
import { formatProxyUrl, PROXY_SCHEMES, parseProxyUrl } from './proxy-url.ts';

function parseError(input: string): UrlError {
  try {
    parseProxyUrl(input);
  } catch (error) {
    expect(error).toBeInstanceOf(UrlError);
    return error as UrlError;
  }
  throw new Error(`parsed: ${input}`);
}

describe('PROXY_SCHEMES', () => {
  it('is frozen data with a default port for each scheme', () => {
    expect(Object.isFrozen(PROXY_SCHEMES)).toBe(true);
    expect(Object.entries(PROXY_SCHEMES).map(([name, info]) => [name, info.defaultPort])).toEqual([
      ['socks5', 1080],
      ['socks5h', 1080],
      ['socks4a', 1080],
      ['http', 80],
      ['https', 443],
    ]);
    expect(PROXY_SCHEMES.socks5.resolves).toBe('client');
    expect(PROXY_SCHEMES.https.encrypted).toBe(true);
  });
});

describe('parseProxyUrl', () => {
  it.each([
    [
      'socks5://proxy.example',
      { scheme: 'socks5', kind: 'dns', host: 'proxy.example', port: 1080 },
    ],
    ['SOCKS5H://Proxy.Example:9050/', { scheme: 'socks5h', host: 'proxy.example', port: 9050 }],
    ['socks4a://127.0.0.1', { scheme: 'socks4a', kind: 'ipv4', host: '127.0.0.1', port: 1080 }],
    ['http://[::1]:3128', { scheme: 'http', kind: 'ipv6', host: '::1', port: 3128 }],
    ['https://proxy.example', { scheme: 'https', port: 443 }],
    ['http://bücher.example', { host: 'xn--bcher-kva.example', port: 80 }],
  ])('parses %s', (input, expected) => {
    const url = parseProxyUrl(input);
    expect(url).toMatchObject(expected);
    expect(Object.isFrozen(url)).toBe(true);
  });

  it('decodes user and password and hides the password', () => {
    const url = parseProxyUrl('socks5://alice%40corp:p%3Ass%40w@proxy.example:1080');
    expect(url.credentials?.username).toBe('alice@corp');
    expect(url.credentials?.password).toBe('p:ss@w');
    expect(JSON.stringify(url)).not.toContain('p:ss@w');
    expect(inspect(url, { depth: 5, showHidden: true })).not.toContain('p:ss@w');
  });

  it('takes a SOCKS4 user id alone', () => {
    expect(parseProxyUrl('socks4a://mailer@proxy.example')).toMatchObject({ userId: 'mailer' });
  });

  it.each<[UrlErrorCode, string, string]>([
    ['SMTP_URL_UNKNOWN_SCHEME', 'an unknown scheme', 'socks6://p'],
    ['SMTP_URL_UNKNOWN_SCHEME', 'an SMTP scheme', 'smtp://p'],
    ['SMTP_URL_MALFORMED', 'no scheme', 'proxy.example:1080'],
    ['SMTP_URL_MALFORMED', 'whitespace', 'http://p roxy'],
    ['SMTP_URL_MALFORMED', 'a raw character in the password', 'http://u:p<w@p'],
    ['SMTP_URL_MALFORMED', 'two "@"', 'http://u:p@w@p'],
    ['SMTP_URL_EMPTY_HOST', 'no host', 'socks5://'],
    ['SMTP_URL_INVALID_HOST', 'a UNIX socket', 'socks5://%2Frun%2Fproxy.sock'],
    ['SMTP_URL_INVALID_HOST', 'an A-label that is not valid', 'socks5h://xn--abc.example'],
    ['SMTP_URL_INVALID_PORT', 'port 0', 'http://p:0'],
    ['SMTP_URL_MISSING_USER', 'a password without a user', 'http://:pw@p'],
    ['SMTP_URL_MISSING_PASSWORD', 'a user without a password', 'socks5://user@p'],
    ['SMTP_URL_INVALID_CREDENTIALS', 'a password for socks4a', 'socks4a://u:pw@p'],
    ['SMTP_URL_INVALID_CREDENTIALS', 'NUL in a SOCKS4 user id', 'socks4a://u%00x@p'],
    ['SMTP_URL_INVALID_CREDENTIALS', 'a ":" in an HTTP user', 'http://a%3Ab:pw@p'],
    [
      'SMTP_URL_INVALID_CREDENTIALS',
      'a SOCKS5 password over 255 bytes',
      `socks5://u:${'é'.repeat(128)}@p`,
    ],
    [
      'SMTP_URL_INVALID_CREDENTIALS',
      'a SOCKS5 user over 255 bytes',
      `socks5://${'日'.repeat(86)}:p@p`,
    ],
    [
      'SMTP_URL_INVALID_CREDENTIALS',
      'a SOCKS5 password of 256 bytes',
      `socks5://u:${'😀'.repeat(64)}@p`,
    ],
    ['SMTP_URL_UNSUPPORTED_PART', 'a path', 'http://p/path'],
    ['SMTP_URL_UNSUPPORTED_PART', 'a query', 'http://p?x=1'],
  ])('throws %s for %s', (code, _label, input) => {
    const error = parseError(input);
    expect(error.code).toBe(code);
    expect(error.message).not.toContain('pw');
  });

  it('names the proxy URL kind in its messages', () => {
    expect(parseError('http://p/x').message).toMatch(/^Proxy URLs take no path/);
    expect(parseError('socks6://p').message).toBe(
      'Unknown proxy URL scheme "socks6"; known schemes: socks5, socks5h, socks4a, http, https.',
    );
  });

  it('throws UrlError for a value that is not a string', () => {
    expect(() => parseProxyUrl(42 as never)).toThrow(UrlError);
  });

  it('throws nothing but UrlError, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite' }), (input) => {
        try {
          parseProxyUrl(input);
        } catch (error) {
          expect(error).toBeInstanceOf(UrlError);
        }
      }),
    );
  });
});

describe('formatProxyUrl', () => {
  it.each([
    'socks5://proxy.example',
    'socks5h://proxy.example:9050',
    'socks4a://mailer@127.0.0.1',
    'http://[::1]:3128',
    'https://proxy.example',
  ])('round-trips %s', (input) => {
    expect(formatProxyUrl(parseProxyUrl(input))).toBe(input);
  });

  it('writes the password as *** unless asked', () => {
    const url = parseProxyUrl('http://alice:s%40cret@proxy.example:3128');
    expect(formatProxyUrl(url)).toBe('http://alice:***@proxy.example:3128');
    expect(formatProxyUrl(url, { password: true })).toBe(
      'http://alice:s%40cret@proxy.example:3128',
    );
  });

  it('refuses an unknown scheme', () => {
    for (const scheme of ['ftp', 42]) {
      expect(() =>
        formatProxyUrl({ scheme: scheme as never, kind: 'dns', host: 'p', port: 1 }),
      ).toThrow(expect.objectContaining({ code: 'SMTP_URL_UNKNOWN_SCHEME' }));
    }
  });

  it('counts bytes, not characters, against the SOCKS5 limit', () => {
    expect(parseProxyUrl(`socks5://u:${'😀'.repeat(63)}@p`).credentials?.password).toHaveLength(
      126,
    );
    expect(parseProxyUrl(`socks5://${'日'.repeat(85)}:p@p`).credentials?.username).toHaveLength(85);
  });
});
