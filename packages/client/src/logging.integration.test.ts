/**
 * Logging and secrets end to end (docs/security.md INV-10): `log` gets one line per meaningful event,
 * `debugLog` the dialogue with AUTH redacted and the body as a size only; console-like and
 * pino-like logger objects work. Passwords, tokens and their base64 forms never reach a log
 * line, an error (message, JSON.stringify, util.inspect, the cause chain), `util.inspect(client)`
 * or `JSON.stringify(client.info)`, even when the server echoes them back; server text with
 * escape sequences is sanitised in errors and logs.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import type { AuthMechanism, ScriptedServer } from 'test-servers';
import { describe, expect, it } from 'vitest';
import { type ClientOptions, SmtpClient } from './index.ts';
import { FAST, failure, mailBuilder, useIntegrationFixtures } from './testing/integration.ts';

const fixtures = useIntegrationFixtures();
const { certs, server, scripted, trackClient } = fixtures;

interface Captured {
  log: string[];
  debug: string[];
}
/** A client destroyed after the test; with `captured`, its log and debug lines land there. */
function open(options: ClientOptions | string, captured?: Captured): SmtpClient {
  return captured === undefined
    ? fixtures.open(options)
    : fixtures.open(options, {
        log: (line: string) => captured.log.push(line),
        debugLog: (line: string) => captured.debug.push(line),
      });
}
const capture = (): Captured => ({ log: [], debug: [] });

const PASSWORD = 'Pa55-word_Secret!';
const TOKEN = 'ya29.a0Token-Secret_XYZ';
const mail = mailBuilder('Hello', 'The body text: do-not-log-this-body\n');

/**
 * Every form of `secret` that must never show: the text, its percent-encoding, and the base64
 * characters its bytes determine at each of the three alignments (so it is found inside the
 * base64 of any payload that contains it: PLAIN, LOGIN, XOAUTH2, OAUTHBEARER).
 */
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const out = [secret, encodeURIComponent(secret)];
  for (const alignment of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(alignment), bytes]).toString('base64');
    const first = Math.ceil((alignment * 8) / 6);
    const last = Math.floor((8 * (alignment + bytes.length) - 6) / 6);
    out.push(encoded.slice(first, last + 1));
  }
  return out.filter((f) => f.length >= 6);
}
/** Every text a secret could leak through for an error: message, stack, JSON, inspect, causes. */
function errorTexts(error: unknown): string[] {
  const texts = [inspect(error, { depth: 20, showHidden: true }), JSON.stringify(error)];
  let current: unknown = error;
  for (let i = 0; i < 10 && current instanceof Error; i += 1) {
    texts.push(current.message, current.stack ?? '', JSON.stringify(current));
    current = current.cause;
  }
  return texts;
}
function expectNoSecret(texts: readonly string[], secrets: readonly string[]): void {
  const all = texts.join('\n');
  for (const secret of secrets) {
    for (const form of forms(secret)) {
      expect(all.includes(form), `leaked ${JSON.stringify(form)} (a form of a secret)`).toBe(false);
    }
  }
}
function clientTexts(client: SmtpClient): string[] {
  return [
    inspect(client, { depth: 20, showHidden: true, getters: true }),
    JSON.stringify(client.info),
    JSON.stringify(client) ?? '',
    inspect(client.info, { depth: 20, showHidden: true }),
    JSON.stringify(client.stats) ?? '',
  ];
}

describe('log and debugLog', () => {
  it('log: a few single-line events; debugLog: the dialogue, AUTH redacted, body as a size', async () => {
    const s = await server({
      security: 'starttls',
      auth: { users: { ann: PASSWORD }, mechanisms: ['PLAIN'] },
    });
    const captured = capture();
    const client = open(
      {
        url: `smtp://127.0.0.1:${s.port}`,
        tls: { ca: certs.ca.cert },
        auth: { user: 'ann', pass: PASSWORD },
      },
      captured,
    );
    await client.send(mail());
    await client.close();

    expect(captured.log.length).toBeGreaterThanOrEqual(2);
    expect(captured.log.length).toBeLessThan(15);
    for (const line of [...captured.log, ...captured.debug]) {
      expect(typeof line).toBe('string');
      expect(line).not.toMatch(/[\r\n]/);
    }
    const debug = captured.debug.join('\n');
    expect(debug).toMatch(/^C: EHLO /m);
    expect(debug).toMatch(/^S: 250[- ]/m);
    expect(debug).toMatch(/^C: STARTTLS$/m);
    expect(debug).toMatch(/^C: AUTH PLAIN <redacted>$/m);
    expect(debug).toMatch(/^C: MAIL FROM:<ann@example.com>/m);
    expect(debug).toMatch(/^C: <message body, \d+ bytes>$/m);
    expect(debug).toMatch(/^C: QUIT$/m);
    const everything = [...captured.log, ...captured.debug].join('\n');
    expect(everything).not.toContain('do-not-log-this-body');
    expect(everything).not.toMatch(/^Subject:/m);
    expectNoSecret([...captured.log, ...captured.debug], [PASSWORD, `\0ann\0${PASSWORD}`]);
  });

  it('log: a failed send is one line with its code and outcome', async () => {
    const s = await server({ rejectRecipients: { 'bob@example.com': 550 } });
    const captured = capture();
    const client = open({ url: `smtp://127.0.0.1:${s.port}` }, captured);
    await expect(client.send(mail({ to: 'bob@example.com' }))).rejects.toMatchObject({
      code: 'SMTP_REPLY',
    });
    await client.close();
    expect(captured.log.filter((line) => line.startsWith('send failed'))).toEqual([
      expect.stringMatching(/SMTP_REPLY.*rejected/),
    ]);
  });

  it('smtp:client:error: one event per failed send, the SendError, even when connecting failed', async () => {
    const s = await server({});
    const port = s.port;
    await s.close();
    const events: unknown[] = [];
    const listener = (message: unknown) => events.push((message as { error: unknown }).error);
    subscribe('smtp:client:error', listener);
    try {
      const client = open({ host: '127.0.0.1', port, timeouts: FAST });
      const error = await failure(client.send(mail()));
      expect(error.code).toBe('SMTP_CONNECTION_REFUSED');
      expect(events).toEqual([error]);
    } finally {
      unsubscribe('smtp:client:error', listener);
    }
  });

  it('works with a console-like logger object (methods called with their this)', async () => {
    const s = await server({});
    class ConsoleLike {
      readonly infos: string[] = [];
      readonly debugs: string[] = [];
      info(line: string): void {
        this.infos.push(line);
      }
      debug(line: string): void {
        this.debugs.push(line);
      }
      warn(): void {}
      error(): void {}
    }
    const logger = new ConsoleLike();
    const client = new SmtpClient(`smtp://127.0.0.1:${s.port}`, logger);
    trackClient(client);
    await client.send(mail());
    expect(logger.infos.length).toBeGreaterThan(0);
    expect(logger.debugs.join('\n')).toMatch(/C: MAIL FROM:/);
  });

  it('works with a pino-like logger object (level methods, child, bindings)', async () => {
    const s = await server({});
    const records: { level: string; msg: unknown }[] = [];
    const pinoLike = {
      level: 'debug',
      info(this: { records: typeof records }, msg: unknown) {
        this.records.push({ level: 'info', msg });
      },
      debug(this: { records: typeof records }, msg: unknown) {
        this.records.push({ level: 'debug', msg });
      },
      warn() {},
      error() {},
      trace() {},
      fatal() {},
      child() {
        return pinoLike;
      },
      bindings: () => ({}),
      records,
    };
    const client = new SmtpClient(`smtp://127.0.0.1:${s.port}`, pinoLike);
    trackClient(client);
    await client.send(mail());
    expect(records.some((r) => r.level === 'info')).toBe(true);
    expect(records.some((r) => r.level === 'debug')).toBe(true);
  });

  it('a logger that throws does not break a send', async () => {
    const s = await server({});
    const client = new SmtpClient(`smtp://127.0.0.1:${s.port}`, {
      log: () => {
        throw new Error('logger down');
      },
      debugLog: async () => {
        throw new Error('logger down');
      },
    });
    trackClient(client);
    await client.send(mail());
    expect(s.messages).toHaveLength(1);
  });
});

describe('secrets never leak (INV-10)', () => {
  const mechanisms: [AuthMechanism, 'pass' | 'token'][] = [
    ['PLAIN', 'pass'],
    ['LOGIN', 'pass'],
    ['CRAM-MD5', 'pass'],
    ['XOAUTH2', 'token'],
  ];
  for (const [mechanism, kind] of mechanisms) {
    it(`${mechanism}: not in logs, errors, inspect(client) or client.info; success and failure`, async () => {
      const s = await server({
        security: 'starttls',
        auth: { users: { ann: PASSWORD }, tokens: { ann: TOKEN }, mechanisms: [mechanism] },
      });
      const secret = kind === 'pass' ? PASSWORD : TOKEN;
      const auth =
        kind === 'pass' ? { user: 'ann', pass: PASSWORD } : { user: 'ann', accessToken: TOKEN };
      const captured = capture();
      const good = open(
        { url: `smtp://127.0.0.1:${s.port}`, tls: { ca: certs.ca.cert }, auth },
        captured,
      );
      await good.send(mail());
      expectNoSecret([...captured.log, ...captured.debug, ...clientTexts(good)], [secret]);
      expect(JSON.stringify(good.info)).toContain('ann');

      const wrong = kind === 'pass' ? 'Wrong-Secret-Pass9' : 'Wrong-Secret-Token9';
      const badCaptured = capture();
      const bad = open(
        {
          url: `smtp://127.0.0.1:${s.port}`,
          tls: { ca: certs.ca.cert },
          auth:
            kind === 'pass' ? { user: 'ann', pass: wrong } : { user: 'ann', accessToken: wrong },
        },
        badCaptured,
      );
      const error = await failure(bad.send(mail()));
      expect(error.code).toBe('SMTP_AUTH_FAILED');
      expectNoSecret(
        [...badCaptured.log, ...badCaptured.debug, ...errorTexts(error), ...clientTexts(bad)],
        [wrong],
      );
    });
  }

  it('credentials in the URL do not show in info, inspect or logs', async () => {
    const s = await server({
      security: 'starttls',
      auth: { users: { ann: PASSWORD }, mechanisms: ['PLAIN'] },
    });
    const captured = capture();
    const client = open(
      {
        url: `smtp://ann:${encodeURIComponent(PASSWORD)}@127.0.0.1:${s.port}`,
        tls: { ca: certs.ca.cert },
      },
      captured,
    );
    expectNoSecret(clientTexts(client), [PASSWORD]);
    await client.send(mail());
    expectNoSecret([...captured.log, ...captured.debug, ...clientTexts(client)], [PASSWORD]);
  });

  it('a server that echoes the AUTH payload back: scrubbed from the error and the logs', async () => {
    let sc: ScriptedServer | undefined;
    sc = await scripted([
      { send: '220 scripted ESMTP\r\n' },
      { expect: /^EHLO / },
      { send: '250-scripted\r\n250 STARTTLS\r\n' },
      { expect: 'STARTTLS' },
      { send: '220 go ahead\r\n' },
      { upgradeToTls: true },
      { expect: /^EHLO / },
      { send: '250-scripted\r\n250 AUTH PLAIN\r\n' },
      { expect: /^AUTH PLAIN \S+$/ },
      {
        get send() {
          const received = Buffer.from((sc as ScriptedServer).received()).toString('utf8');
          const payload = /AUTH PLAIN (\S+)\r\n/.exec(received)?.[1] ?? '';
          const decoded = Buffer.from(payload, 'base64').toString('utf8').replaceAll('\0', ' ');
          return `535 5.7.8 bad credentials ${payload} (${decoded})\r\n`;
        },
      },
      { readUntilClose: true },
    ]);
    const captured = capture();
    const client = open(
      {
        url: sc.url,
        tls: { ca: certs.ca.cert },
        auth: { user: 'ann', pass: PASSWORD },
        timeouts: FAST,
      },
      captured,
    );
    const error = await failure(client.send(mail()));
    expect(error.code).toBe('SMTP_AUTH_FAILED');
    expectNoSecret(
      [...captured.log, ...captured.debug, ...errorTexts(error), ...clientTexts(client)],
      [PASSWORD, `\0ann\0${PASSWORD}`],
    );
  });

  it('a token provider that fails: its error is reported without the token', async () => {
    const s = await server({
      security: 'starttls',
      auth: { users: {}, tokens: { ann: TOKEN }, mechanisms: ['XOAUTH2'] },
    });
    const client = open({
      url: `smtp://127.0.0.1:${s.port}`,
      tls: { ca: certs.ca.cert },
      auth: {
        user: 'ann',
        accessToken: async () => {
          throw new Error('token endpoint down');
        },
      },
    });
    const error = await failure(client.send(mail()));
    expect(errorTexts(error).join('\n')).toContain('token endpoint down');
    expect(s.commands.filter((c) => c.command === 'AUTH')).toHaveLength(0);
  });
});

describe('server text is sanitised (INV-10)', () => {
  it('escape and control sequences in a reply never reach an error or a log raw', async () => {
    const hostile = '550 5.7.1 \u001b[31mred\u001b[0m \u001b]0;owned\u0007 bell\u0007 rejected\r\n';
    const sc = await scripted([
      { send: '220 \u001b[2Jscripted ESMTP\r\n' },
      { expect: /^EHLO / },
      { send: '250 scripted\r\n' },
      { expect: /^MAIL FROM:/ },
      { send: hostile },
      { readUntilClose: true },
    ]);
    const captured = capture();
    const client = open({ url: sc.url, timeouts: FAST }, captured);
    const error = await failure(client.send(mail()));
    expect(error.outcome).toBe('rejected');
    const texts = [
      error.message,
      String((error.reply as { text: string }).text),
      ...((error.reply as { lines: string[] }).lines ?? []),
      ...captured.log,
      ...captured.debug,
    ];
    for (const text of texts) {
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    }
    expect(error.message).toContain('rejected');
  });
});
