/**
 * Server text as the client hands it out: the one place a `Reply` becomes the {@link ReplyInfo}
 * that errors, results, logs and diagnostics carry, and where the server's capabilities are
 * made safe to show (`info`, `ping()`).
 *
 * Why: a reply's text comes from the server, which may be hostile or broken. Put raw into a log
 * line or an error message, an ESC sequence can rewrite a terminal, a CR or LF can forge extra
 * log lines, and a bidi override can make text read differently from what it is (INV-10 in
 * docs/security.md). `sanitizeServerText` from `@smtp/protocol`, the one sanitiser every layer
 * uses, turns each such character into a visible escape; then every registered secret is
 * scrubbed, for a server that echoes a credential back.
 */
import {
  type Capabilities,
  MAX_SERVER_TEXT_LENGTH,
  type Reply,
  sanitizeServerText,
} from '@smtp/protocol';
import type { ReplyInfo, SmtpCommandName } from './errors.ts';

export { MAX_SERVER_TEXT_LENGTH, sanitizeServerText } from '@smtp/protocol';

/**
 * What {@link toReplyInfo} needs of the secrets registry (`createSecrets()` in redact.ts):
 * naming only this shape keeps the two modules acyclic.
 */
export interface Scrubber {
  scrub(text: string): string;
  readonly size: number;
}

/**
 * Turns a parsed reply into the {@link ReplyInfo} that errors and results carry: every line
 * sanitised, `text` the human part of the reply (enhanced status code removed, as
 * `Reply.text` defines it) on one line, its lines joined with a space. The result is frozen.
 *
 * With `secrets`, every line and the text are also scrubbed of registered secrets, for a server
 * that echoes a credential back (`535 bad password hunter2`): errors and results then never
 * carry one (INV-10). Sanitise first, then scrub: the registry knows each secret's sanitised
 * form too.
 *
 * Lines are not truncated here: the reply parser already bounds them (INV-8), and results may
 * need the whole text (a queue id at the end of a long line). Messages use
 * {@link describeReply}, which does cut.
 *
 * @example
 * ```ts
 * toReplyInfo({ code: 550, enhanced, lines: ['5.1.1 <x@y>: no such user'], text: '<x@y>: no such user' }, 'RCPT');
 * // { code: 550, enhanced, lines: ['5.1.1 <x@y>: no such user'], text: '<x@y>: no such user', command: 'RCPT' }
 * ```
 */
export function toReplyInfo(reply: Reply, command: SmtpCommandName, secrets?: Scrubber): ReplyInfo {
  // Four replies per message go through here: no closure or intermediate arrays per call.
  const scrub = secrets !== undefined && secrets.size > 0 ? secrets : undefined;
  const lines = Object.freeze(cleanLines(reply.lines, scrub));
  const text =
    reply.text.indexOf('\n') === -1
      ? clean(reply.text, scrub)
      : cleanLines(reply.text.split('\n'), scrub).join(' ');
  const info: ReplyInfo =
    reply.enhanced === undefined
      ? { code: reply.code, lines, text, command }
      : { code: reply.code, enhanced: reply.enhanced, lines, text, command };
  return Object.freeze(info);
}

function clean(line: string, scrub: Scrubber | undefined): string {
  const safe = sanitizeServerText(line, Infinity);
  return scrub === undefined ? safe : scrub.scrub(safe);
}

function cleanLines(lines: readonly string[], scrub: Scrubber | undefined): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) out.push(clean(lines[i] as string, scrub));
  return out;
}

/** The EHLO reply a result carries when there was none (a dry run's stand-in). */
export const NO_EHLO: ReplyInfo = toReplyInfo({ code: 250, lines: [], text: '' }, 'EHLO');

/** How a command is named in a description: the end of DATA is not a command of its own. */
function commandLabel(command: SmtpCommandName): string {
  return command === 'message' ? 'end of data' : command;
}

/**
 * A one-line description of a reply for an error message or a log line:
 * `550 5.1.1 <x@y>: no such user (RCPT)`. The text is cut at `maxLength` characters (default
 * 500) and re-sanitised, so a hand-built `ReplyInfo` is safe too.
 */
export function describeReply(info: ReplyInfo, maxLength = MAX_SERVER_TEXT_LENGTH): string {
  const parts = [String(info.code)];
  if (info.enhanced !== undefined) parts.push(info.enhanced.code);
  const text = sanitizeServerText(info.text, maxLength);
  if (text !== '') parts.push(text);
  parts.push(`(${commandLabel(info.command)})`);
  return parts.join(' ');
}

/**
 * The server's capabilities as the client hands them out (`ping()`): every string the server
 * chose (its domain and greeting text, AUTH mechanism names, unknown keywords and their
 * parameters) sanitised. The booleans and numbers are the parser's own.
 */
export function sanitizeCapabilities(capabilities: Capabilities): Capabilities {
  const clean = (text: string): string => sanitizeServerText(text, Infinity);
  const extensions = new Map<string, readonly string[]>();
  for (const [keyword, params] of capabilities.extensions) {
    extensions.set(clean(keyword), Object.freeze(params.map(clean)));
  }
  return Object.freeze({
    ...capabilities,
    domain: clean(capabilities.domain),
    greeting: clean(capabilities.greeting),
    auth: Object.freeze(capabilities.auth.map(clean)),
    extensions,
  });
}

/**
 * The capabilities as `info` lists them: one sanitised line per extension, as advertised
 * (`SIZE 10240000`, `AUTH PLAIN LOGIN`).
 */
export function capabilityLines(capabilities: Capabilities): readonly string[] {
  const lines: string[] = [];
  for (const [keyword, params] of capabilities.extensions) {
    lines.push(sanitizeServerText([keyword, ...params].join(' '), Infinity));
  }
  return Object.freeze(lines);
}
