/**
 * The client's two logs: `log`, one line per meaningful event (connected, TLS established,
 * authenticated, message accepted with sizes, errors), and `debugLog`, the whole dialogue
 * (`C: EHLO client.example` / `S: 250-mail.example.com`).
 *
 * What reaches a logger, whatever the caller does (docs/security.md INV-10):
 * - every line has passed through the secret registry's `scrub`, after sanitising, so neither a
 *   password, a token, their base64 forms nor a control or escape character gets out;
 * - AUTH lines lose their initial response and SASL continuation lines are `<redacted>`;
 * - message content is never logged, only its size (`C: <message body, 12345 bytes>`).
 *
 * A logger is a function taking a line, or an object with `info`/`debug` methods (`console`,
 * pino, winston...), called as methods so their `this` holds. A logger that throws, or returns
 * a promise that rejects, is ignored: logging must never break or change a send.
 */
import type { Reply } from '@smtp/protocol';
import { ClientStateError } from './errors.ts';
import { redactCommandLine, type Secrets } from './redact.ts';
import { sanitizeServerText } from './reply-info.ts';

/** A logger object: `console`, pino and most others fit. Either method may be absent. */
export interface Logger {
  info?(message: string): void;
  debug?(message: string): void;
}

/** A log destination: a function taking one line, or a {@link Logger} (its `info` is used for `log`, its `debug` for `debugLog`). */
export type LogTarget = ((line: string) => void) | Logger;

/**
 * The second argument of `new SmtpClient(target, logging)`, when it is not a {@link Logger}.
 * With a Logger, `log` goes to its `info` and `debugLog` to its `debug`.
 */
export interface LoggingOptions {
  /** One line per meaningful event. */
  readonly log?: LogTarget;
  /** The whole dialogue, redacted: every command and reply line. */
  readonly debugLog?: LogTarget;
}

/** The client's view of its logs. Every method is a no-op when its log is off. */
export interface ClientLog {
  /** True when `log` has a destination. */
  readonly enabled: boolean;
  /** True when `debugLog` has a destination; check it before building costly debug text. */
  readonly debugEnabled: boolean;
  /**
   * One event line: `message` then `key=value` for each defined field
   * (`connected host=mail.example.com port=587`).
   */
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  /** A free-form line for the debug log (`TLS upgrade to mail.example.com`), same format as `info`. */
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  /** A command line the client wrote, `C: ...`, redacted by `redactCommandLine(line, sensitive)`. */
  sent(line: string, sensitive: boolean): void;
  /** The message data the client wrote, by size only: `C: <message body, 12345 bytes>`. */
  sentBody(octets: number): void;
  /** A reply the client read, one `S: NNN-text` line per reply line, sanitised. */
  received(reply: Reply): void;
}

type LineSink = (line: string) => void;

function invalid(message: string): ClientStateError {
  return new ClientStateError('SMTP_CLIENT_INVALID_OPTIONS', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** True for something that looks like a {@link Logger} rather than {@link LoggingOptions}. */
function isLogger(value: Record<string, unknown>): boolean {
  return typeof value.info === 'function' || typeof value.debug === 'function';
}

/** Calls `write` and swallows whatever it throws or rejects with. */
function guarded(write: (line: string) => unknown): LineSink {
  return (line) => {
    try {
      const result = write(line);
      if (isObject(result) && typeof result.then === 'function') {
        // An async logger's failure must not become an unhandled rejection.
        (result as unknown as PromiseLike<unknown>).then(undefined, () => undefined);
      }
    } catch {
      // A broken logger must not break a send (see the module docblock).
    }
  };
}

/** The sink for a method of a logger object, called as a method so that `this` holds. */
function methodSink(logger: Logger, method: 'info' | 'debug'): LineSink | undefined {
  if (typeof logger[method] !== 'function') return undefined;
  return guarded((line) => logger[method]?.(line));
}

function targetSink(
  target: unknown,
  option: string,
  method: 'info' | 'debug',
): LineSink | undefined {
  if (target === undefined) return undefined;
  if (typeof target === 'function') {
    const write = target as (line: string) => unknown;
    return guarded((line) => write(line));
  }
  if (isObject(target) && isLogger(target)) return methodSink(target as Logger, method);
  throw invalid(`${option} must be a function taking a line, or an object with info/debug methods`);
}

/** `key=value`: bare when the value is one plain token, JSON-quoted otherwise. */
function formatField(key: string, value: unknown): string {
  let text: string;
  if (typeof value === 'string') {
    text = /^[\x21-\x7e]+$/.test(value) && !/["=]/.test(value) ? value : JSON.stringify(value);
  } else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    text = String(value);
  } else if (value === null) {
    text = 'null';
  } else if (value instanceof Error) {
    text = JSON.stringify(value.message);
  } else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = '[unserialisable]';
    }
  }
  return `${key}=${text}`;
}

function formatLine(
  message: string,
  fields: Readonly<Record<string, unknown>> | undefined,
): string {
  if (fields === undefined) return message;
  const parts = [message];
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) parts.push(formatField(key, value));
  }
  return parts.join(' ');
}

/**
 * Builds the client's logs from the caller's `logging` argument and the client's secret
 * registry.
 *
 * @param logging `{ log, debugLog }`, or a logger object (`console`, pino), or `undefined` for
 *   no logging.
 * @throws {ClientStateError} `SMTP_CLIENT_INVALID_OPTIONS` when `logging` is neither.
 * @example
 * ```ts
 * const log = createClientLog({ debugLog: (line) => process.stderr.write(`${line}\n`) }, secrets);
 * log.sent('EHLO client.example', false); // "C: EHLO client.example"
 * ```
 */
export function createClientLog(
  logging: LoggingOptions | Logger | undefined,
  secrets: Secrets,
): ClientLog {
  let info: LineSink | undefined;
  let debug: LineSink | undefined;
  if (logging !== undefined) {
    if (!isObject(logging)) {
      throw invalid('logging must be { log, debugLog } or a logger object with info/debug methods');
    }
    if (isLogger(logging)) {
      info = methodSink(logging as Logger, 'info');
      debug = methodSink(logging as Logger, 'debug');
    } else {
      for (const key of Object.keys(logging)) {
        if (key !== 'log' && key !== 'debugLog') {
          throw invalid(
            `unknown logging option "${sanitizeServerText(key, 64)}": use log or debugLog`,
          );
        }
      }
      const options = logging as LoggingOptions;
      info = targetSink(options.log, 'logging.log', 'info');
      debug = targetSink(options.debugLog, 'logging.debugLog', 'debug');
    }
  }

  // Sanitise first, then scrub what the logger will actually see: the registry also holds each
  // secret's sanitised form, and sanitising maps character by character, so a secret in the raw
  // line is still whole in the sanitised one. Nothing is truncated: a cut could split a secret
  // and leave a prefix that no longer matches.
  const clean = (line: string): string => secrets.scrub(sanitizeServerText(line, Infinity));
  const emit = (sink: LineSink, line: string): void => sink(clean(line));

  return Object.freeze({
    enabled: info !== undefined,
    debugEnabled: debug !== undefined,
    info(message: string, fields?: Readonly<Record<string, unknown>>): void {
      if (info !== undefined) emit(info, formatLine(message, fields));
    },
    debug(message: string, fields?: Readonly<Record<string, unknown>>): void {
      if (debug !== undefined) emit(debug, formatLine(message, fields));
    },
    sent(line: string, sensitive: boolean): void {
      if (debug !== undefined) emit(debug, `C: ${redactCommandLine(line, sensitive)}`);
    },
    sentBody(octets: number): void {
      if (debug !== undefined) emit(debug, `C: <message body, ${octets} bytes>`);
    },
    received(reply: Reply): void {
      if (debug === undefined) return;
      const { code, lines } = reply;
      if (lines.length === 0) {
        // Only a hand-built reply has no lines; the parser gives a bare `NNN` one empty line.
        emit(debug, `S: ${code}`);
        return;
      }
      const last = lines.length - 1;
      lines.forEach((line, index) => {
        const separator = index === last ? (line === '' ? '' : ' ') : '-';
        emit(debug, `S: ${code}${separator}${line}`);
      });
    },
  });
}
