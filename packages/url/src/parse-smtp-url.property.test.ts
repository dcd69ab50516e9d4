import { inspect } from 'node:util';
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { createSmtpCredentials } from './credentials.ts';
import { isSmtpError, UrlError } from './errors.ts';
import { formatSmtpUrl } from './format-smtp-url.ts';
import { parseSmtpUrl, type SmtpUrl } from './parse-smtp-url.ts';
import { SMTP_SCHEMES, type SmtpScheme } from './scheme-table.ts';

const params = propertyRuns(200);
/** Wider budgets get proportionally more time than vitest's 5 s default. */
const timeout = Math.max(5_000, params.numRuns * 10);

const schemes = Object.keys(SMTP_SCHEMES).filter(
  (name) => !('aliasOf' in SMTP_SCHEMES[name as SmtpScheme]),
) as SmtpScheme[];

/** One character, biased towards the ones URLs give meaning to. */
const character = fc.oneof(
  fc.constantFrom('@', ':', '/', '%', '?', '#', '[', ']', '*', '+', '&', '=', ' ', '\r', '\n', '~'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
);
const text = fc.string({ unit: character, minLength: 1, maxLength: 24 });

const dnsHost = fc.oneof(
  fc.domain(),
  fc.constantFrom('localhost', 'mail_relay', 'xn--bcher-kva.example', 'xn--r8jz45g.xn--zckzah'),
);

const endpoint = fc.oneof(
  fc.record({
    kind: fc.constant('dns' as const),
    host: dnsHost,
    port: fc.integer({ min: 1, max: 65535 }),
  }),
  fc.record({
    kind: fc.constant('ipv4' as const),
    host: fc.ipV4(),
    port: fc.integer({ min: 1, max: 65535 }),
  }),
  fc.record({
    kind: fc.constant('ipv6' as const),
    host: fc.ipV6().map((host) => host.toLowerCase()),
    port: fc.integer({ min: 1, max: 65535 }),
  }),
  fc.record({
    kind: fc.constant('unix' as const),
    path: fc
      .string({ unit: character, maxLength: 40 })
      .map((rest) => `/${rest.replaceAll('\0', '')}`),
  }),
);

const smtpUrl: fc.Arbitrary<SmtpUrl> = fc
  .record(
    {
      scheme: fc.constantFrom(...schemes),
      endpoint,
      credentials: fc.record({ username: text, password: text }),
    },
    { requiredKeys: ['scheme', 'endpoint'] },
  )
  .map(({ scheme, endpoint, credentials }) => {
    const { security, protocol } = SMTP_SCHEMES[scheme];
    // RFC 2033 section 5: LMTP is never on port 25, so the parser refuses it (tested apart).
    const where =
      protocol === 'lmtp' && endpoint.kind !== 'unix' && endpoint.port === 25
        ? { ...endpoint, port: 24 }
        : endpoint;
    const url = { scheme, security, protocol, ...where };
    return credentials === undefined
      ? url
      : { ...url, credentials: createSmtpCredentials(credentials.username, credentials.password) };
  });

/** Deep equality plus the non-enumerable password, which toEqual does not see. */
function expectSameUrl(actual: SmtpUrl, expected: SmtpUrl): void {
  expect(actual).toEqual(expected);
  expect(actual.credentials?.password).toBe(expected.credentials?.password);
}

/** Strings made of the pieces SMTP URLs are built from, so the parser's branches are reached. */
const urlLike = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'smtp',
        'SMTPS',
        'lmtp',
        'estmps',
        'esmtptls',
        'http',
        '://',
        ':',
        '@',
        '[',
        ']',
        '::1',
        '::',
        '%2F',
        '%2f',
        '%',
        '%40',
        '%C3',
        '%00',
        '/',
        '?',
        '#',
        '.',
        '..',
        'a',
        'xn--',
        'ü',
        'ａ',
        '１',
        '0x',
        '1',
        '25',
        '0',
        '65536',
        '127.0.0.1',
        '256',
        ' ',
        '\n',
        '\u0000',
        '\ud800',
        '\udc00',
        '-',
        '_',
        '!',
        '*',
      ),
      character,
    ),
    { maxLength: 16 },
  )
  .map((parts) => parts.join(''));

/** A valid URL with a few pieces cut out or pasted in: near misses reach the deepest checks. */
const damagedUrl = fc
  .tuple(
    smtpUrl.map((url) => formatSmtpUrl(url, { password: true })),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), urlLike), { minLength: 1, maxLength: 3 }),
  )
  .map(([text, edits]) =>
    edits.reduce((acc, [at, cut, pasted]) => {
      const index = at % (acc.length + 1);
      return acc.slice(0, index) + pasted + acc.slice(index + cut);
    }, text),
  );

const anyString = fc.oneof(
  urlLike,
  damagedUrl,
  fc.string({ unit: 'binary' }),
  // Arbitrary UTF-16 code units, lone surrogates included.
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)) }),
);

describe('parseSmtpUrl and formatSmtpUrl (properties)', () => {
  it(
    'parse(format(x, { password: true })) deep-equals x for any valid x',
    () => {
      fc.assert(
        fc.property(smtpUrl, (url) => {
          expectSameUrl(parseSmtpUrl(formatSmtpUrl(url, { password: true })), url);
        }),
        params,
      );
    },
    timeout,
  );

  it(
    'a redacted URL still parses, to the same value with the password ***',
    () => {
      fc.assert(
        fc.property(smtpUrl, (url) => {
          const parsed = parseSmtpUrl(formatSmtpUrl(url));
          expect({ ...parsed, credentials: parsed.credentials?.username }).toEqual({
            ...url,
            credentials: url.credentials?.username,
          });
          if (parsed.credentials) expect(parsed.credentials.password).toBe('***');
        }),
        params,
      );
    },
    timeout,
  );

  it(
    'arbitrary strings never throw anything but UrlError',
    () => {
      fc.assert(
        fc.property(anyString, (input) => {
          try {
            parseSmtpUrl(input);
          } catch (error) {
            expect(error).toBeInstanceOf(UrlError);
            expect(isSmtpError(error)).toBe(true);
          }
        }),
        params,
      );
    },
    timeout,
  );

  it(
    'whatever parses formats back to a URL that parses to the same value',
    () => {
      fc.assert(
        fc.property(anyString, (input) => {
          let parsed: SmtpUrl;
          try {
            parsed = parseSmtpUrl(input);
          } catch {
            return;
          }
          expectSameUrl(parseSmtpUrl(formatSmtpUrl(parsed, { password: true })), parsed);
        }),
        params,
      );
    },
    timeout,
  );

  it(
    'the password never appears in JSON, inspect output or a redacted URL',
    () => {
      const secret = fc.stringMatching(/^[A-Za-z0-9]{12}$/);
      fc.assert(
        fc.property(smtpUrl, secret, text, (url, core, extra) => {
          const password = `${extra}${core}${extra}`;
          const withSecret = { ...url, credentials: createSmtpCredentials('user', password) };
          const parsed = parseSmtpUrl(formatSmtpUrl(withSecret, { password: true }));
          for (const output of [
            JSON.stringify(parsed),
            inspect(parsed, { depth: null }),
            inspect(parsed, { depth: null, showHidden: true }),
            formatSmtpUrl(parsed),
          ]) {
            expect(output).not.toContain(core);
          }
        }),
        params,
      );
    },
    timeout,
  );

  it(
    'an error from a damaged URL never contains the password',
    () => {
      const damage = fc.constantFrom(
        '@',
        '/',
        '?',
        '#',
        '%',
        '[',
        ']',
        ':',
        ' ',
        '\n',
        '<',
        '\ud800',
      );
      fc.assert(
        fc.property(
          smtpUrl,
          fc.stringMatching(/^[A-Za-z0-9]{12}$/),
          damage,
          fc.nat(),
          (url, password, inserted, at) => {
            const withSecret = { ...url, credentials: createSmtpCredentials('user', password) };
            const text = formatSmtpUrl(withSecret, { password: true });
            const index = at % (text.length + 1);
            const damaged = text.slice(0, index) + inserted + text.slice(index);
            try {
              parseSmtpUrl(damaged);
            } catch (error) {
              expect(error).toBeInstanceOf(UrlError);
              expect(String((error as Error).stack)).not.toContain(password);
              expect(inspect(error)).not.toContain(password);
            }
          },
        ),
        params,
      );
    },
    timeout,
  );
});
