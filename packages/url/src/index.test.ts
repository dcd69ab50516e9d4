import { describe, expect, it } from 'vitest';
import * as api from './index.ts';

describe('@smtp/url public entry', () => {
  it('exports exactly the documented runtime values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'PROXY_SCHEMES',
      'SMTP_SCHEMES',
      'UrlError',
      'createSmtpCredentials',
      'formatProxyUrl',
      'formatSmtpUrl',
      'isSmtpError',
      'parseProxyUrl',
      'parseSmtpUrl',
    ]);
  });

  it('parses and formats through the entry point', () => {
    const url = api.parseSmtpUrl('esmtps://user:secret@mail.example.com');
    expect(api.formatSmtpUrl(url)).toBe('esmtps://user:***@mail.example.com');
  });
});
