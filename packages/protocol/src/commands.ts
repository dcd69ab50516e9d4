/**
 * Encoders for the SMTP commands a client sends: each returns the complete command line as
 * bytes, CRLF included, ready to be written to the socket.
 *
 * Contract: pure and synchronous; no sockets, no timers, no `node:` imports. Every encoder
 * either returns a fresh `Uint8Array` (the caller may keep or mutate it) or throws an
 * `InvalidInputError` before producing anything; nothing is silently rewritten.
 *
 * Injection (docs/security.md INV-5): every caller string is checked before it is parsed (CR, LF,
 * NUL, other C0 controls, DEL, C1 controls, U+2028/U+2029 and lone surrogates are
 * `SMTP_INVALID_CHARACTER`), then against its grammar, and then the **final bytes** of the line
 * are checked again: printable US-ASCII and space, octets above 0x7F only where SMTPUTF8
 * allows them, exactly one CRLF and only at the end, and the length limit.
 *
 * Commands and RFCs:
 * - EHLO/HELO (RFC 5321 4.1.1.1): a domain or address literal, ASCII only: the client does
 *   not know yet whether the server offers SMTPUTF8, so U-labels must be sent as A-labels.
 *   HELO takes an address literal too, although RFC 5321's grammar lists only `Domain`: a
 *   client falling back from EHLO to HELO keeps the same identity. LHLO (RFC 2033 section
 *   4.1), LMTP's EHLO, takes the same argument; its reply is an EHLO reply (`parseEhlo`).
 * - MAIL FROM (4.1.1.2) with SIZE (RFC 1870), BODY (RFC 6152, RFC 3030), SMTPUTF8 (RFC 6531),
 *   RET and ENVID (RFC 3461), REQUIRETLS (RFC 8689), MT-PRIORITY (RFC 6710); RCPT TO (4.1.1.3)
 *   with NOTIFY and ORCPT (RFC 3461, RFC 6533). Paths are given without angle brackets and
 *   checked by `mailbox.ts`; `''` is the null reverse path `<>`, `postmaster` (any case) the
 *   special RCPT TO recipient.
 * - DATA, RSET, NOOP, QUIT (4.1.1.4 to 4.1.1.10), STARTTLS (RFC 3207), VRFY (4.1.1.6, with
 *   the SMTPUTF8 parameter of RFC 6531 section 3.1 item 6), BDAT (RFC 3030), AUTH and SASL continuation
 *   lines (RFC 4954).
 *
 * Line length: a command line is at most 512 octets with CRLF (RFC 5321 4.5.3.1.4). Extensions
 * raise that for MAIL and RCPT; the rule here is 512 plus the allowance of each extension whose
 * parameter is present, counting only allowances the RFCs state: SIZE 26 (RFC 1870 section 3),
 * SMTPUTF8 10 (RFC 6531 section 3.1), RET/ENVID 100 and NOTIFY/ORCPT 500 (RFC 3461 section 3).
 * BODY, REQUIRETLS and MT-PRIORITY get none: a path is at most 256 octets, so the base 512
 * always has room for them. Staying below the sum of the stated allowances is safe with every
 * conforming server. SASL continuation lines may be 12288 octets (RFC 4954 section 4); an AUTH
 * command with its initial response stays within 512, and a client whose initial response does
 * not fit must send it as the first continuation instead ({@link canSendInitialResponse}).
 *
 * Secrets (INV-10): error messages about an AUTH initial response or a SASL response never quote
 * the value.
 *
 * Not handled here: whether the server offered an extension (the client checks EHLO
 * capabilities before using a parameter), EXPN, HELP and ETRN, source routes, and AUTH= on MAIL
 * (pass it through `extra` if you need it).
 */

import {
  type CommandLimits,
  checkCharacters,
  finishCommand,
  invalid,
  quote,
  utf8,
} from './ascii.ts';
import {
  checkMailboxSyntax,
  validateDomain,
  validateLocalPart,
  validateMailbox,
} from './mailbox.ts';
import { encodeUtf8AddrUnitext, encodeUtf8AddrXtext, encodeXtext } from './xtext.ts';

/** Longest command line, CRLF included (RFC 5321 section 4.5.3.1.4). */
export const MAX_COMMAND_LINE_LENGTH = 512;

/**
 * Longest SASL continuation line this encoder produces, CRLF included: RFC 4954 section 4 asks
 * servers to accept at least 12288 octets for them.
 */
export const MAX_SASL_LINE_LENGTH = 12288;

/** Longest ENVID value after xtext encoding (RFC 3461 section 4.4). */
const MAX_ENVID_LENGTH = 100;
/** Longest ORCPT value (`addr-type;encoded-address`), the RCPT TO allowance of RFC 3461. */
const MAX_ORCPT_LENGTH = 500;

/** Octets an extension's parameters add to the 512-octet limit, as each RFC states it. */
const LINE_ALLOWANCE = {
  /** RFC 1870 section 3, item 5. */
  size: 26,
  /** RFC 6531 section 3.1, item 5. */
  smtpUtf8: 10,
  /** RFC 3461 section 3, item 5: RET and ENVID together. */
  dsnMail: 100,
  /** RFC 3461 section 3, item 6: NOTIFY and ORCPT together. */
  dsnRcpt: 500,
} as const;

/** The values of the BODY parameter (RFC 6152 section 2, RFC 3030 section 3). */
export const BODY_TYPES = ['7BIT', '8BITMIME', 'BINARYMIME'] as const;
/** A BODY parameter value. `BINARYMIME` requires BDAT (RFC 3030 section 3). */
export type BodyType = (typeof BODY_TYPES)[number];

/** The values of the RET parameter (RFC 3461 section 4.3). */
export const DSN_RETURN_TYPES = ['FULL', 'HDRS'] as const;
/** A RET parameter value: return the full message or its headers in a failure DSN. */
export type DsnReturn = (typeof DSN_RETURN_TYPES)[number];

/** The conditions of the NOTIFY parameter (RFC 3461 section 4.1). */
export const DSN_NOTIFY_CONDITIONS = ['NEVER', 'SUCCESS', 'FAILURE', 'DELAY'] as const;
/** A NOTIFY condition. `NEVER` must stand alone. */
export type DsnNotify = (typeof DSN_NOTIFY_CONDITIONS)[number];

/**
 * ESMTP parameters no typed option covers, keyword to value (`true` for a keyword without a
 * value): keyword `(ALPHA / DIGIT) *(ALPHA / DIGIT / "-")`, value any printable octets except
 * `=` and space (RFC 5321 section 4.1.2 `esmtp-value`), UTF-8 only with SMTPUTF8. They are
 * sent after the typed ones, in insertion order, and get no line-length allowance.
 */
export type ExtraParameters = Readonly<Record<string, string | true>>;

/** Parameters of MAIL FROM. Each is sent only when set. */
export interface MailFromParameters {
  /** `SIZE=n`, the message size in octets (RFC 1870): a non-negative safe integer. */
  readonly size?: number;
  /** `BODY=...` (RFC 6152 8BITMIME, RFC 3030 BINARYMIME). */
  readonly body?: BodyType;
  /**
   * `SMTPUTF8` (RFC 6531): the transaction carries UTF-8 addresses or headers. Also allows
   * UTF-8 in the reverse path and in `extra` values.
   */
  readonly smtpUtf8?: boolean;
  /** `RET=FULL|HDRS` (RFC 3461 section 4.3). */
  readonly ret?: DsnReturn;
  /**
   * `ENVID=...` (RFC 3461 section 4.4): the envelope identifier, printable US-ASCII, given
   * decoded; it is xtext-encoded here and must then fit 100 octets.
   */
  readonly envid?: string;
  /** `REQUIRETLS` (RFC 8689): the message must only be relayed over TLS. */
  readonly requireTls?: boolean;
  /**
   * `MT-PRIORITY=n` (RFC 6710 section 3): the message's transfer priority, an integer from -9
   * (lowest) to 9 (highest), 0 being normal. Sent as RFC 6710's `priority-value`: an optional
   * `-` and one digit, never a `+` (the sign is optional in the grammar), and `0` for `-0`.
   * Anything else (out of range, fractional, not a number) is `SMTP_INVALID_NUMBER`.
   */
  readonly mtPriority?: number;
  /** Other parameters; see {@link ExtraParameters}. */
  readonly extra?: ExtraParameters;
}

/** Parameters of RCPT TO. Each is sent only when set, except `smtpUtf8` which is never sent. */
export interface RcptToParameters {
  /**
   * `NOTIFY=...` (RFC 3461 section 4.1): `['NEVER']`, or one or more of `SUCCESS`, `FAILURE`,
   * `DELAY`, each at most once.
   */
  readonly notify?: readonly DsnNotify[];
  /**
   * `ORCPT=...` (RFC 3461 section 4.2), the original recipient, given decoded. An ASCII address
   * is sent as `rfc822;` + xtext; one with non-ASCII must be an RFC 6531 mailbox and is sent as
   * `utf-8;` + the RFC 6533 `utf-8-addr-unitext` form when `smtpUtf8` is set, or the 7-bit
   * `utf-8-addr-xtext` form otherwise. At most 500 octets once encoded.
   */
  readonly orcpt?: string;
  /**
   * The transaction was opened with `SMTPUTF8` on MAIL FROM: allows UTF-8 in the forward path
   * and in `extra` values. Adds nothing to the line (RCPT TO has no SMTPUTF8 parameter).
   */
  readonly smtpUtf8?: boolean;
  /** Other parameters; see {@link ExtraParameters}. */
  readonly extra?: ExtraParameters;
}

/** Options of commands whose argument may carry UTF-8 (VRFY). */
export interface VrfyOptions {
  /** Send the `SMTPUTF8` parameter (RFC 6531 section 3.1 item 6) and allow UTF-8 in the argument. */
  readonly smtpUtf8?: boolean;
}

/** `EHLO domain` (RFC 5321 4.1.1.1). `domain` is a domain or an address literal, ASCII only. */
export function encodeEhlo(domain: string): Uint8Array {
  return encodeGreeting('EHLO', domain);
}

/** `HELO domain` (RFC 5321 4.1.1.1), for servers that do not understand EHLO. */
export function encodeHelo(domain: string): Uint8Array {
  return encodeGreeting('HELO', domain);
}

/**
 * `LHLO domain` (RFC 2033 section 4.1): LMTP's greeting, in place of EHLO, with the same
 * argument (a domain or an address literal, ASCII only). The server answers as to EHLO, so
 * `parseEhlo` reads the reply. LMTP has no HELO: a refused LHLO has nothing to fall back to.
 *
 * @example
 * encodeLhlo('client.example.com'); // LHLO client.example.com

 */
export function encodeLhlo(domain: string): Uint8Array {
  return encodeGreeting('LHLO', domain);
}

function encodeGreeting(verb: 'EHLO' | 'HELO' | 'LHLO', domain: string): Uint8Array {
  checkCharacters(domain, `${verb} domain`, false);
  validateDomain(domain);
  return finishCommand(`${verb} ${domain}`, verb, plain(MAX_COMMAND_LINE_LENGTH));
}

/**
 * `MAIL FROM:<reverse-path> [parameters]` (RFC 5321 4.1.1.2).
 *
 * @param reversePath The sender mailbox without angle brackets, or `''` for the null path
 * `<>` (bounces and other DSNs).
 * @throws InvalidInputError with the code of the first problem found.
 * @example
 * encodeMailFrom('sender@example.com', { size: 12345, body: '8BITMIME' });
 * // MAIL FROM:<sender@example.com> SIZE=12345 BODY=8BITMIME\r\n
 */
export function encodeMailFrom(reversePath: string, params: MailFromParameters = {}): Uint8Array {
  const smtpUtf8 = params.smtpUtf8 === true;
  checkCharacters(reversePath, 'MAIL FROM reverse path', smtpUtf8);
  // The characters were just checked with the same SMTPUTF8 setting.
  if (reversePath !== '') checkMailboxSyntax(reversePath);

  let line = `MAIL FROM:<${reversePath}>`;
  let maxLength: number = MAX_COMMAND_LINE_LENGTH;
  if (params.size !== undefined) {
    line += ` SIZE=${checkInteger(params.size, 'SIZE', 0, Number.MAX_SAFE_INTEGER)}`;
    maxLength += LINE_ALLOWANCE.size;
  }
  if (params.body !== undefined) {
    line += ` BODY=${checkEnum(params.body, BODY_TYPES, 'BODY')}`;
  }
  if (smtpUtf8) {
    line += ' SMTPUTF8';
    maxLength += LINE_ALLOWANCE.smtpUtf8;
  }
  if (params.ret !== undefined) {
    line += ` RET=${checkEnum(params.ret, DSN_RETURN_TYPES, 'RET')}`;
  }
  if (params.envid !== undefined) {
    line += ` ENVID=${encodeEnvid(params.envid)}`;
  }
  if (params.ret !== undefined || params.envid !== undefined) {
    maxLength += LINE_ALLOWANCE.dsnMail;
  }
  if (params.requireTls === true) line += ' REQUIRETLS';
  if (params.mtPriority !== undefined) {
    line += ` MT-PRIORITY=${checkInteger(params.mtPriority, 'MT-PRIORITY', -9, 9)}`;
  }
  line += encodeExtra(params.extra, MAIL_KEYWORDS, smtpUtf8, 'MAIL FROM');
  return finishCommand(line, 'MAIL FROM', { allowUtf8: smtpUtf8, maxLength });
}

/**
 * `RCPT TO:<forward-path> [parameters]` (RFC 5321 4.1.1.3).
 *
 * @param forwardPath The recipient mailbox without angle brackets, or `postmaster`.
 * @throws InvalidInputError with the code of the first problem found.
 * @example
 * encodeRcptTo('rcpt@example.com', { notify: ['FAILURE', 'DELAY'], orcpt: 'rcpt@example.com' });
 * // RCPT TO:<rcpt@example.com> NOTIFY=FAILURE,DELAY ORCPT=rfc822;rcpt@example.com\r\n
 */
export function encodeRcptTo(forwardPath: string, params: RcptToParameters = {}): Uint8Array {
  const smtpUtf8 = params.smtpUtf8 === true;
  checkCharacters(forwardPath, 'RCPT TO forward path', smtpUtf8);
  // RFC 5321 4.1.1.3: "<Postmaster>" without a domain is always accepted.
  if (!isPostmaster(forwardPath)) checkMailboxSyntax(forwardPath);

  let line = `RCPT TO:<${forwardPath}>`;
  let maxLength: number = MAX_COMMAND_LINE_LENGTH;
  if (params.notify !== undefined) line += ` NOTIFY=${encodeNotify(params.notify)}`;
  if (params.orcpt !== undefined) line += ` ORCPT=${encodeOrcpt(params.orcpt, smtpUtf8)}`;
  if (params.notify !== undefined || params.orcpt !== undefined) {
    maxLength += LINE_ALLOWANCE.dsnRcpt;
  }
  line += encodeExtra(params.extra, RCPT_KEYWORDS, smtpUtf8, 'RCPT TO');
  return finishCommand(line, 'RCPT TO', { allowUtf8: smtpUtf8, maxLength });
}

function isPostmaster(path: string): boolean {
  return path.length === 10 && path.toLowerCase() === 'postmaster';
}

/** `DATA` (RFC 5321 4.1.1.4). The message itself goes through `createDataEncoder`. */
export function encodeData(): Uint8Array {
  return finishCommand('DATA', 'DATA', plain(MAX_COMMAND_LINE_LENGTH));
}

/**
 * `BDAT size [LAST]` (RFC 3030 section 2): announces the next `size` octets of the message.
 * `createBdatFramer` produces these together with their payloads.
 *
 * @throws InvalidInputError `SMTP_INVALID_NUMBER` unless `size` is a non-negative safe integer.
 */
export function encodeBdat(size: number, last = false): Uint8Array {
  const value = checkInteger(size, 'BDAT size', 0, Number.MAX_SAFE_INTEGER);
  return finishCommand(
    last ? `BDAT ${value} LAST` : `BDAT ${value}`,
    'BDAT',
    plain(MAX_COMMAND_LINE_LENGTH),
  );
}

/** `RSET` (RFC 5321 4.1.1.5): abandon the current transaction. */
export function encodeRset(): Uint8Array {
  return finishCommand('RSET', 'RSET', plain(MAX_COMMAND_LINE_LENGTH));
}

/** `NOOP` (RFC 5321 4.1.1.9). */
export function encodeNoop(): Uint8Array {
  return finishCommand('NOOP', 'NOOP', plain(MAX_COMMAND_LINE_LENGTH));
}

/** `QUIT` (RFC 5321 4.1.1.10). */
export function encodeQuit(): Uint8Array {
  return finishCommand('QUIT', 'QUIT', plain(MAX_COMMAND_LINE_LENGTH));
}

/** `STARTTLS` (RFC 3207 section 4). */
export function encodeStarttls(): Uint8Array {
  return finishCommand('STARTTLS', 'STARTTLS', plain(MAX_COMMAND_LINE_LENGTH));
}

/**
 * `VRFY string [SMTPUTF8]` (RFC 5321 4.1.1.6, RFC 6531 3.1): `target` is a mailbox, or a user
 * name written as a dot-string or quoted string.
 *
 * @throws InvalidInputError `SMTP_INVALID_CHARACTER`, `SMTP_INVALID_NON_ASCII`,
 * `SMTP_INVALID_MAILBOX` or `SMTP_INVALID_DOMAIN`.
 */
export function encodeVrfy(target: string, options: VrfyOptions = {}): Uint8Array {
  const smtpUtf8 = options.smtpUtf8 === true;
  checkCharacters(target, 'VRFY argument', smtpUtf8);
  try {
    validateLocalPart(target, { smtpUtf8 });
  } catch (error) {
    // Not a user name; with an "@" it may still be a mailbox, whose error says more.
    if (!target.includes('@')) throw error;
    validateMailbox(target, { smtpUtf8 });
  }
  // A mailbox is at most 254 octets, so VRFY always fits 512 (RFC 6531 grants no allowance to
  // VRFY; its 10 octets are for MAIL only).
  const line = smtpUtf8 ? `VRFY ${target} SMTPUTF8` : `VRFY ${target}`;
  return finishCommand(line, 'VRFY', { allowUtf8: smtpUtf8, maxLength: MAX_COMMAND_LINE_LENGTH });
}

// RFC 4954 section 4 / RFC 4422 section 3.1: a SASL mechanism name.
const SASL_MECHANISM = /^[A-Z0-9_-]{1,20}$/;
// RFC 4648 section 4 base64 with padding, the form RFC 4954 requires.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * `AUTH mechanism [initial-response]` (RFC 4954 section 4).
 *
 * @param mechanism A SASL mechanism name: 1 to 20 upper-case letters, digits, `-` or `_`.
 * @param initialResponse Base64 text; `''` (or `'='`) is an empty initial response, sent as
 * `=`; omit it to send none. Never quoted in errors.
 * @throws InvalidInputError `SMTP_INVALID_PARAMETER` for a bad name or non-base64 response,
 * `SMTP_INVALID_LINE_TOO_LONG` if the line would exceed 512 octets (check first with
 * {@link canSendInitialResponse}).
 */
export function encodeAuth(mechanism: string, initialResponse?: string): Uint8Array {
  checkMechanism(mechanism);
  if (initialResponse === undefined) {
    return finishCommand(`AUTH ${mechanism}`, 'AUTH', plain(MAX_COMMAND_LINE_LENGTH));
  }
  const response = initialResponse === '' ? '=' : initialResponse;
  if (response !== '=') checkBase64(response, 'AUTH initial response');
  return finishCommand(`AUTH ${mechanism} ${response}`, 'AUTH', plain(MAX_COMMAND_LINE_LENGTH));
}

/**
 * Whether `AUTH mechanism initialResponse` fits in 512 octets. When it does not, RFC 4954
 * section 4 says to send `AUTH mechanism` alone and the response after the server's empty
 * `334` challenge.
 */
export function canSendInitialResponse(mechanism: string, initialResponse: string): boolean {
  // "AUTH " + mechanism + " " + response (at least "=") + CRLF
  const length = 5 + mechanism.length + 1 + Math.max(initialResponse.length, 1) + 2;
  return length <= MAX_COMMAND_LINE_LENGTH;
}

/**
 * A SASL continuation line answering a `334` challenge (RFC 4954 section 4): the base64
 * response, `''` for an empty one. Never quoted in errors.
 *
 * @throws InvalidInputError `SMTP_INVALID_PARAMETER` if it is not base64,
 * `SMTP_INVALID_LINE_TOO_LONG` beyond {@link MAX_SASL_LINE_LENGTH}.
 */
export function encodeSaslResponse(response: string): Uint8Array {
  checkBase64(response, 'SASL response');
  return finishCommand(response, 'SASL response', plain(MAX_SASL_LINE_LENGTH));
}

/** `*`: cancels the SASL exchange (RFC 4954 section 4); the server answers 501. */
export function encodeSaslCancel(): Uint8Array {
  return finishCommand('*', 'SASL cancel', plain(MAX_SASL_LINE_LENGTH));
}

function plain(maxLength: number): CommandLimits {
  return { allowUtf8: false, maxLength };
}

function checkMechanism(mechanism: string): void {
  checkCharacters(mechanism, 'AUTH mechanism', false);
  if (!SASL_MECHANISM.test(mechanism)) {
    invalid(
      'SMTP_INVALID_PARAMETER',
      `AUTH mechanism ${quote(mechanism)} is not a SASL mechanism name: 1 to 20 upper-case letters, digits, "-" or "_" (RFC 4422 section 3.1)`,
    );
  }
}

function checkBase64(value: string, what: string): void {
  checkCharacters(value, what, false, true);
  if (!BASE64.test(value)) {
    // The value is a credential: say what is wrong, never what it is (INV-10).
    invalid(
      'SMTP_INVALID_PARAMETER',
      `${what} is not padded base64 (RFC 4648 section 4), as RFC 4954 requires`,
    );
  }
}

function checkInteger(value: number, what: string, min: number, max: number): string {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    invalid(
      'SMTP_INVALID_NUMBER',
      `${what} must be an integer from ${min} to ${max}, got ${quote(String(value))}`,
    );
  }
  return String(value);
}

function checkEnum<T extends string>(value: T, allowed: readonly T[], what: string): T {
  if (!allowed.includes(value)) {
    invalid(
      'SMTP_INVALID_PARAMETER',
      `${what} must be one of ${allowed.join(', ')}, got ${quote(String(value))}`,
    );
  }
  return value;
}

function encodeEnvid(envid: string): string {
  checkCharacters(envid, 'ENVID', false);
  if (envid === '') invalid('SMTP_INVALID_PARAMETER', 'ENVID is empty');
  const encoded = encodeXtext(envid);
  if (encoded.length > MAX_ENVID_LENGTH) {
    invalid(
      'SMTP_INVALID_PARAMETER',
      `ENVID ${quote(envid)} is ${encoded.length} octets as xtext; RFC 3461 section 4.4 allows ${MAX_ENVID_LENGTH}`,
    );
  }
  return encoded;
}

function encodeNotify(notify: readonly DsnNotify[]): string {
  if (!Array.isArray(notify) || notify.length === 0) {
    invalid('SMTP_INVALID_PARAMETER', 'NOTIFY needs at least one condition');
  }
  const seen = new Set<string>();
  for (const condition of notify) {
    checkEnum(condition, DSN_NOTIFY_CONDITIONS, 'NOTIFY condition');
    if (seen.has(condition)) invalid('SMTP_INVALID_PARAMETER', `NOTIFY lists ${condition} twice`);
    seen.add(condition);
  }
  if (seen.has('NEVER') && seen.size > 1) {
    invalid(
      'SMTP_INVALID_PARAMETER',
      'NOTIFY=NEVER cannot be combined with other conditions (RFC 3461 section 4.1)',
    );
  }
  return notify.join(',');
}

function encodeOrcpt(orcpt: string, smtpUtf8: boolean): string {
  // RFC 3461 section 4.2 wants printable US-ASCII for rfc822 addresses; RFC 6533 carries a
  // UTF-8 mailbox in its own address type, and its 7-bit form needs no SMTPUTF8.
  checkCharacters(orcpt, 'ORCPT', true);
  if (orcpt === '') invalid('SMTP_INVALID_PARAMETER', 'ORCPT is empty');
  let encoded: string;
  if (/^[\u0020-\u007e]*$/.test(orcpt)) {
    encoded = `rfc822;${encodeXtext(orcpt)}`;
  } else {
    validateMailbox(orcpt, { smtpUtf8: true });
    encoded = `utf-8;${smtpUtf8 ? encodeUtf8AddrUnitext(orcpt) : encodeUtf8AddrXtext(orcpt)}`;
  }
  if (utf8(encoded).length > MAX_ORCPT_LENGTH) {
    invalid(
      'SMTP_INVALID_PARAMETER',
      `ORCPT ${quote(orcpt)} is longer than ${MAX_ORCPT_LENGTH} octets once encoded (RFC 3461 section 3)`,
    );
  }
  return encoded;
}

/** Keywords the typed options of each command own; `extra` may not repeat them. */
const MAIL_KEYWORDS: readonly string[] = [
  'SIZE',
  'BODY',
  'SMTPUTF8',
  'RET',
  'ENVID',
  'REQUIRETLS',
  'MT-PRIORITY',
];
const RCPT_KEYWORDS: readonly string[] = ['NOTIFY', 'ORCPT'];
// RFC 5321 section 4.1.2: esmtp-keyword and esmtp-value (printable except "=" and space;
// RFC 6531 section 3.3 adds UTF-8, allowed only when checkCharacters let it through).
const ESMTP_KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const ESMTP_VALUE = /^[^\u0000-\u0020=\u007f]+$/;

function encodeExtra(
  extra: ExtraParameters | undefined,
  reserved: readonly string[],
  smtpUtf8: boolean,
  verb: string,
): string {
  if (extra === undefined) return '';
  let out = '';
  const seen = new Set<string>(reserved);
  for (const [keyword, value] of Object.entries(extra)) {
    checkCharacters(keyword, `${verb} parameter keyword`, false);
    if (!ESMTP_KEYWORD.test(keyword)) {
      invalid(
        'SMTP_INVALID_PARAMETER',
        `${verb} parameter keyword ${quote(keyword)} is not an esmtp-keyword (RFC 5321 section 4.1.2)`,
      );
    }
    const upper = keyword.toUpperCase();
    if (seen.has(upper)) {
      invalid(
        'SMTP_INVALID_PARAMETER',
        `${verb} parameter ${upper} is given twice, or belongs to a typed option`,
      );
    }
    seen.add(upper);
    if (value === true) {
      out += ` ${keyword}`;
      continue;
    }
    if (typeof value !== 'string') {
      invalid('SMTP_INVALID_PARAMETER', `${verb} parameter ${upper} must be a string or true`);
    }
    checkCharacters(value, `${verb} parameter ${upper}`, smtpUtf8);
    if (!ESMTP_VALUE.test(value)) {
      invalid(
        'SMTP_INVALID_PARAMETER',
        `${verb} parameter ${upper} value ${quote(value)} is empty or holds "=" or a space (RFC 5321 section 4.1.2 esmtp-value)`,
      );
    }
    out += ` ${keyword}=${value}`;
  }
  return out;
}
