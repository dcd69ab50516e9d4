/**
 * EHLO reply parsing: the server's `250` answer to EHLO, as typed capabilities.
 *
 * Contract: pure and synchronous; no I/O, no `node:` imports. Takes a {@link Reply} the parser
 * already framed and validated; never throws anything but `ProtocolError`, and that only for a
 * reply that is not `250` (`SMTP_PROTOCOL_UNEXPECTED_REPLY`).
 *
 * Grammar (RFC 5321 section 4.1.1.1): the first line is the server's domain, optionally followed
 * by a greeting; every further line is `ehlo-keyword *(SP ehlo-param)`. Keywords are
 * case-insensitive and are upper-cased here; parameters keep their case, except AUTH mechanism
 * names (RFC 4954 section 3: SASL names are upper-case) which are upper-cased in `auth`.
 *
 * Leniency, on purpose: this reads what servers really send and lets the client decide.
 * - Every keyword is kept in `extensions`, known or not, with its parameters.
 * - Parameters are separated by any run of spaces or tabs; blank lines are skipped.
 * - A keyword cannot contain `=`, so `KEYWORD=a b` reads as `KEYWORD` with parameters `a b`.
 *   That is the pre-standard `AUTH=LOGIN PLAIN` form some servers still send next to
 *   `AUTH LOGIN PLAIN` for old Outlook clients; both land in `auth`, de-duplicated.
 * - A keyword on several lines keeps the parameters of every line, in order.
 * - SIZE (RFC 1870 section 4): `size` is the limit in octets, and 0 means SIZE was advertised
 *   without a usable limit: `SIZE 0` (RFC 1870: no fixed maximum), a bare `SIZE` (RFC 1870: no
 *   information given), or a parameter that is not a decimal number within
 *   `Number.MAX_SAFE_INTEGER`. A malformed parameter is not an error: the server did offer the
 *   extension, and a client that then sends a too-large message gets an ordinary 552.
 * - MT-PRIORITY (RFC 6710): `mtPriority` says it was offered; its optional policy name (the
 *   first parameter) is `mtPriorityPolicy`, upper-cased, when it is keyword-shaped.
 * - If the first line carries an enhanced status code (rare, but RFC 2034 allows it on any
 *   reply), it is removed from every line before the keywords are read.
 *
 * Not handled here: whether a capability may be used (STARTTLS policy, AUTH over plaintext,
 * forgetting pre-TLS capabilities after the upgrade, docs/security.md INV-2): that is the
 * client's job.
 */

import { ProtocolError } from './errors.ts';
import { type Reply, stripEnhancedStatusCode } from './reply.ts';

/**
 * What a server offers in its EHLO reply. The booleans are true when the keyword was advertised.
 *
 * @example
 * ```ts
 * const caps = parseEhlo(reply);
 * if (caps.startTls) await upgrade();
 * if (caps.size !== undefined && caps.size > 0 && messageSize > caps.size) refuse();
 * ```
 */
export interface Capabilities {
  /** The domain the server names itself with, the first word of the first line. */
  readonly domain: string;
  /** The rest of the first line, a free-form greeting (may be empty). */
  readonly greeting: string;
  /**
   * SIZE (RFC 1870): the largest message the server accepts, in octets; 0 when it advertised
   * SIZE without a usable limit; absent when it did not advertise SIZE.
   */
  readonly size?: number;
  /** PIPELINING (RFC 2920). */
  readonly pipelining: boolean;
  /** STARTTLS (RFC 3207). */
  readonly startTls: boolean;
  /** AUTH (RFC 4954) mechanisms, upper-cased, de-duplicated, in the server's order; may be empty. */
  readonly auth: readonly string[];
  /** 8BITMIME (RFC 6152). */
  readonly eightBitMime: boolean;
  /** SMTPUTF8 (RFC 6531). */
  readonly smtpUtf8: boolean;
  /** CHUNKING, the BDAT command (RFC 3030). */
  readonly chunking: boolean;
  /** BINARYMIME (RFC 3030); only usable together with CHUNKING. */
  readonly binaryMime: boolean;
  /** DSN, delivery status notifications (RFC 3461). */
  readonly dsn: boolean;
  /** ENHANCEDSTATUSCODES (RFC 2034). */
  readonly enhancedStatusCodes: boolean;
  /** REQUIRETLS (RFC 8689). */
  readonly requireTls: boolean;
  /** MT-PRIORITY (RFC 6710): the `MT-PRIORITY=n` parameter of MAIL FROM may be used. */
  readonly mtPriority: boolean;
  /**
   * The priority assignment policy the server named after MT-PRIORITY (RFC 6710 section 3),
   * upper-cased: `MIXER`, `STANAG4406`, `NSEP`, or another registered name. Absent when
   * MT-PRIORITY was not advertised, was advertised without a policy, or with a parameter that
   * is not keyword-shaped (letters, digits and `-`); `extensions` keeps what was sent.
   */
  readonly mtPriorityPolicy?: string;
  /**
   * Every keyword advertised, upper-cased, with its parameters as sent (known keywords
   * included, so nothing the server said is lost).
   */
  readonly extensions: ReadonlyMap<string, readonly string[]>;
}

/** Runs of spaces and tabs separate an EHLO line's keyword and parameters. */
const WHITESPACE = /[ \t]+/;

/** RFC 1870 size-param is decimal digits; a plain `Number()` would also accept `1e3` or `0x10`. */
const DECIMAL = /^[0-9]+$/;

/**
 * A policy name after MT-PRIORITY: keyword-shaped (RFC 5321 `esmtp-keyword`), so the typed field
 * never carries a control or a space, whatever the server sent.
 */
const POLICY = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** The SIZE limit a parameter list declares; see the module doc for the 0 cases. */
function sizeLimit(params: readonly string[] | undefined): number {
  const value = params?.[0];
  if (value === undefined || !DECIMAL.test(value)) return 0;
  const size = Number(value);
  return Number.isSafeInteger(size) ? size : 0;
}

/**
 * Reads the capabilities out of a `250` reply to EHLO (or LHLO, RFC 2033).
 *
 * @throws {ProtocolError} `SMTP_PROTOCOL_UNEXPECTED_REPLY` when the reply code is not 250: a
 *   negative reply is for the caller to handle (HELO fallback on 5xx), not to parse.
 *
 * @example
 * ```ts
 * // 250-mx.example.com Hello\r\n250-SIZE 35882577\r\n250-AUTH LOGIN PLAIN\r\n250 STARTTLS
 * const caps = parseEhlo(reply);
 * caps.size;     // 35882577
 * caps.auth;     // ['LOGIN', 'PLAIN']
 * caps.startTls; // true
 * ```
 */
export function parseEhlo(reply: Reply): Capabilities {
  if (reply.code !== 250) {
    throw new ProtocolError(
      'SMTP_PROTOCOL_UNEXPECTED_REPLY',
      `Expected a 250 reply to EHLO, got ${reply.code}`,
    );
  }

  const prefix = reply.enhanced?.code;
  const lines =
    prefix === undefined
      ? reply.lines
      : reply.lines.map((line) => stripEnhancedStatusCode(line, prefix));

  const first = (lines[0] ?? '').trim();
  const gap = first.search(WHITESPACE);
  const domain = gap === -1 ? first : first.slice(0, gap);
  const greeting = gap === -1 ? '' : first.slice(gap).trim();

  const extensions = new Map<string, string[]>();
  for (let i = 1; i < lines.length; i++) {
    const words = (lines[i] as string).split(WHITESPACE).filter((word) => word !== '');
    const head = words[0];
    if (head === undefined) continue;
    const equals = head.indexOf('=');
    const keyword = (equals === -1 ? head : head.slice(0, equals)).toUpperCase();
    const params = words.slice(1);
    if (equals !== -1 && equals < head.length - 1) params.unshift(head.slice(equals + 1));
    const known = extensions.get(keyword);
    if (known === undefined) extensions.set(keyword, params);
    else known.push(...params);
  }

  const auth = [...new Set((extensions.get('AUTH') ?? []).map((name) => name.toUpperCase()))];
  const priority = extensions.get('MT-PRIORITY');
  const policy = priority?.[0];

  return {
    domain,
    greeting,
    ...(extensions.has('SIZE') ? { size: sizeLimit(extensions.get('SIZE')) } : {}),
    pipelining: extensions.has('PIPELINING'),
    startTls: extensions.has('STARTTLS'),
    auth,
    eightBitMime: extensions.has('8BITMIME'),
    smtpUtf8: extensions.has('SMTPUTF8'),
    chunking: extensions.has('CHUNKING'),
    binaryMime: extensions.has('BINARYMIME'),
    dsn: extensions.has('DSN'),
    enhancedStatusCodes: extensions.has('ENHANCEDSTATUSCODES'),
    requireTls: extensions.has('REQUIRETLS'),
    mtPriority: priority !== undefined,
    ...(policy !== undefined && POLICY.test(policy)
      ? { mtPriorityPolicy: policy.toUpperCase() }
      : {}),
    extensions,
  };
}

/**
 * True when the server advertised `keyword` (compared case-insensitively), known to
 * {@link Capabilities} or not.
 *
 * @example
 * ```ts
 * hasExtension(caps, 'xclient'); // true for Postfix with XCLIENT enabled
 * ```
 */
export function hasExtension(capabilities: Capabilities, keyword: string): boolean {
  return capabilities.extensions.has(keyword.toUpperCase());
}
