import { Buffer } from 'node:buffer';
import { createReplyParser, type Reply } from '@smtp/protocol';
import { describe, expect, it, vi } from 'vitest';
import { ClientStateError } from './errors.ts';
import { createClientLog, type Logger } from './logging.ts';
import { createSecrets, REDACTED } from './redact.ts';

function parse(wire: string): Reply {
  const [reply] = createReplyParser().push(new TextEncoder().encode(wire));
  if (reply === undefined) throw new Error('no reply');
  return reply;
}

function capture(): { lines: string[]; sink: (line: string) => void } {
  const lines: string[] = [];
  return { lines, sink: (line) => lines.push(line) };
}

describe('createClientLog', () => {
  it('is off entirely without logging options', () => {
    const log = createClientLog(undefined, createSecrets());
    expect(log.enabled).toBe(false);
    expect(log.debugEnabled).toBe(false);
    log.info('connected');
    log.debug('x');
    log.sent('EHLO x', false);
    log.sentBody(3);
    log.received(parse('250 OK\r\n'));
  });

  it('writes event lines with fields to log and the dialogue to debugLog', () => {
    const info = capture();
    const debug = capture();
    const log = createClientLog({ log: info.sink, debugLog: debug.sink }, createSecrets());
    expect(log.enabled).toBe(true);
    expect(log.debugEnabled).toBe(true);
    log.info('connected', { host: 'mail.example.com', port: 587, tls: true, extra: undefined });
    log.debug('upgrading', { to: 'TLSv1.3' });
    log.sent('EHLO client.example\r\n', false);
    log.received(parse('250-mail.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n'));
    log.sentBody(12345);
    expect(info.lines).toEqual(['connected host=mail.example.com port=587 tls=true']);
    expect(debug.lines).toEqual([
      'upgrading to=TLSv1.3',
      'C: EHLO client.example',
      'S: 250-mail.example.com',
      'S: 250-PIPELINING',
      'S: 250 SIZE 1000',
      'C: <message body, 12345 bytes>',
    ]);
  });

  it('formats field values: quoted text, null, bigint, errors, objects', () => {
    const info = capture();
    const log = createClientLog({ log: info.sink }, createSecrets());
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    log.info('event', {
      text: 'two words',
      eq: 'a=b',
      nothing: null,
      big: 10n,
      error: new Error('boom'),
      object: { a: 1 },
      circular,
      fn: () => 1,
    });
    log.info('plain');
    expect(info.lines).toEqual([
      'event text="two words" eq="a=b" nothing=null big=10 error="boom" object={"a":1} circular=[unserialisable] fn=() => 1',
      'plain',
    ]);
  });

  it('writes a bare reply code for an empty reply line', () => {
    const debug = capture();
    const log = createClientLog({ debugLog: debug.sink }, createSecrets());
    log.received(parse('250\r\n'));
    log.received({ code: 421, lines: [], text: '' });
    expect(debug.lines).toEqual(['S: 250', 'S: 421']);
  });

  it('never logs the initial response of AUTH nor a SASL continuation line', () => {
    const debug = capture();
    const log = createClientLog({ debugLog: debug.sink }, createSecrets());
    log.sent('AUTH PLAIN AGFsaWNlAHB3\r\n', false);
    log.sent('cGFzc3dvcmQ=\r\n', true);
    expect(debug.lines).toEqual([`C: AUTH PLAIN ${REDACTED}`, `C: ${REDACTED}`]);
  });

  it('scrubs registered secrets from every line, raw and base64 at every alignment', () => {
    const info = capture();
    const debug = capture();
    const secrets = createSecrets();
    const password = 'Tr0ub4dor&3-horse';
    secrets.add(password);
    const payload = `\u0000alice\u0000${password}`;
    secrets.addPayload(payload);
    const log = createClientLog({ log: info.sink, debugLog: debug.sink }, secrets);
    log.info(`error: server said ${password}`, { pass: password });
    for (const prefix of ['', 'x', 'xy']) {
      log.debug(`echo ${Buffer.from(`${prefix}${password}`).toString('base64')}`);
    }
    log.sent(`XPLAIN ${Buffer.from(payload).toString('base64')}`, false);
    log.received(parse(`535 5.7.8 bad password ${password}\r\n`));
    const all = [...info.lines, ...debug.lines].join('\n');
    expect(all).not.toContain(password);
    expect(all).not.toContain(Buffer.from(payload).toString('base64'));
    for (const prefix of ['', 'x', 'xy']) {
      const encoded = Buffer.from(`${prefix}${password}`).toString('base64');
      expect(all).not.toContain(encoded.slice(4, encoded.length - 4));
    }
    expect(info.lines[0]).toBe(`error: server said ${REDACTED} pass=${REDACTED}`);
    expect(debug.lines.at(-1)).toBe(`S: 535 5.7.8 bad password ${REDACTED}`);
  });

  it('sanitises server text and messages so no control or escape character reaches a logger', () => {
    const info = capture();
    const debug = capture();
    const log = createClientLog({ log: info.sink, debugLog: debug.sink }, createSecrets());
    log.received(parse('250 \u001b[2J\u202eevil\r\n'));
    log.info('line\nforged: yes');
    expect(debug.lines).toEqual(['S: 250 \\x1b[2J\\u{202e}evil']);
    expect(info.lines).toEqual(['line\\x0aforged: yes']);
  });

  it('uses info and debug of a logger object, called as methods', () => {
    const seen: string[] = [];
    const logger = {
      prefix: 'pino',
      info(this: { prefix: string }, message: string) {
        seen.push(`${this.prefix} info ${message}`);
      },
      debug(this: { prefix: string }, message: string) {
        seen.push(`${this.prefix} debug ${message}`);
      },
    };
    const log = createClientLog(logger, createSecrets());
    log.info('connected');
    log.sent('QUIT', false);
    expect(seen).toEqual(['pino info connected', 'pino debug C: QUIT']);
  });

  it('treats a logger without debug as a log without debugLog', () => {
    const info = vi.fn();
    const log = createClientLog({ info } satisfies Logger, createSecrets());
    expect(log.enabled).toBe(true);
    expect(log.debugEnabled).toBe(false);
  });

  it('takes logger objects as log and debugLog targets too', () => {
    const a = { info: vi.fn() };
    const b = { debug: vi.fn() };
    const log = createClientLog({ log: a, debugLog: b }, createSecrets());
    log.info('x');
    log.sent('NOOP', false);
    expect(a.info).toHaveBeenCalledWith('x');
    expect(b.debug).toHaveBeenCalledWith('C: NOOP');
  });

  it('accepts console', () => {
    const log = createClientLog(console, createSecrets());
    expect(log.enabled).toBe(true);
    expect(log.debugEnabled).toBe(true);
  });

  it('ignores a logger that throws or rejects', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => {
      rejections.push(reason);
    };
    process.on('unhandledRejection', onRejection);
    try {
      const log = createClientLog(
        {
          log: () => {
            throw new Error('disk full');
          },
          debugLog: async () => {
            throw new Error('async disk full');
          },
        },
        createSecrets(),
      );
      expect(() => log.info('connected')).not.toThrow();
      expect(() => log.sent('EHLO x', false)).not.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it.each([
    ['a string', 'verbose'],
    ['a number', 3],
    ['null', null],
  ])('refuses %s as the logging argument', (_, value) => {
    expect(() => createClientLog(value as never, createSecrets())).toThrow(ClientStateError);
  });

  it('refuses a log target that is neither a function nor a logger', () => {
    expect(() => createClientLog({ log: 'stdout' } as never, createSecrets())).toThrow(
      /logging\.log must be a function/,
    );
    expect(() => createClientLog({ debugLog: {} } as never, createSecrets())).toThrow(
      /logging\.debugLog must be a function/,
    );
  });

  it('refuses an unknown logging option and names it', () => {
    expect(() => createClientLog({ logger: () => {} } as never, createSecrets())).toThrow(
      /unknown logging option "logger"/,
    );
  });
});
