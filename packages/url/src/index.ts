/**
 * `@smtp/url`: the SMTP URL scheme table, a strict parser and a formatter that redacts the
 * password. No dependencies and no `node:` imports; it runs in any JavaScript runtime with a
 * WHATWG `URL` global (used only to convert internationalised host names to A-labels).
 *
 * @packageDocumentation
 */

export { createSmtpCredentials, type SmtpCredentials } from './credentials.ts';
export { isSmtpError, UrlError, type UrlErrorCode } from './errors.ts';
export { type FormatSmtpUrlOptions, formatSmtpUrl } from './format-smtp-url.ts';
export {
  parseSmtpUrl,
  type SmtpHostUrl,
  type SmtpSocketUrl,
  type SmtpUrl,
} from './parse-smtp-url.ts';
export {
  formatProxyUrl,
  PROXY_SCHEMES,
  type ProxyScheme,
  type ProxySchemeInfo,
  type ProxyUrl,
  parseProxyUrl,
} from './proxy-url.ts';
export {
  SMTP_SCHEMES,
  type SmtpProtocol,
  type SmtpScheme,
  type SmtpSchemeInfo,
  type SmtpSchemeName,
  type SmtpSecurity,
} from './scheme-table.ts';
