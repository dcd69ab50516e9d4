/**
 * `smtp serve` and `smtp demo --serve`, run as a user runs them (`node dist/bin.js ...` in a
 * child process), with mail sent through `@smtp/client` and the inbox read over HTTP: what they
 * print, what the inbox holds, TLS and AUTH, a folder of .eml files, the stop signals and their
 * exit codes, busy ports and bad flags. The browser's view is serve.browser.test.ts.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpClient } from '@smtp/client';
import { startInbox } from '@smtp/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectUser } from './commands/serve.ts';
import type { CommandContext } from './commands/shared.ts';
import { DEMO_ATTACHMENT, DEMO_ATTACHMENT_NAME, DEMO_SUBJECT } from './demo-content.ts';
import { ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import type { StopSignal, WorkerSignals } from './queue-worker.ts';
import { inboxOptionsFor, runServe, waitForStopSignal } from './serve.ts';
import { runSmtp, type StartedRun, startSmtp } from './testing/run-cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smtp-serve-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs started by a test: a failed test must not leave one running. */
const runs = new Set<StartedRun>();
afterEach(async () => {
  for (const run of runs) {
    run.child.kill('SIGKILL');
    await run.done;
  }
  runs.clear();
});

/** Resolves with the output once `pattern` matches stdout; rejects if the run ends first. */
async function waitForOutput(
  run: StartedRun,
  pattern: RegExp,
  timeoutMs = 20_000,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  let ended = false;
  run.done.then(() => {
    ended = true;
  });
  for (;;) {
    const match = pattern.exec(run.output().stdout);
    if (match !== null) return match;
    if (ended || Date.now() > deadline) {
      const { stdout, stderr } = run.output();
      throw new Error(`no ${pattern} in the output:\n${stdout}\nstderr:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Serving {
  readonly run: StartedRun;
  readonly smtpUrl: string;
  readonly inboxUrl: string;
}

/** Starts `smtp serve ARGS` on free ports and waits for its two URLs. */
async function serve(args: readonly string[] = []): Promise<Serving> {
  const run = startSmtp(['serve', '--port', '0', '--http', '0', ...args]);
  runs.add(run);
  const smtp = await waitForOutput(run, /^smtp +(smtps?:\/\/\S+)/m);
  const inbox = await waitForOutput(run, /^inbox +(http:\/\/\S+)$/m);
  return { run, smtpUrl: smtp[1] as string, inboxUrl: inbox[1] as string };
}

async function stop(serving: Serving, signal: StopSignal = 'SIGTERM') {
  serving.run.child.kill(signal);
  const result = await serving.run.done;
  runs.delete(serving.run);
  return result;
}

async function send(url: string, subject: string, options: { ca?: string } = {}) {
  const client = new SmtpClient({ url, ...(options.ca ? { tls: { ca: [options.ca] } } : {}) });
  try {
    return await client.send({
      from: 'app@example.com',
      to: ['user@example.org'],
      subject,
      text: `The ${subject} message.`,
      attachments: [{ filename: 'data.bin', content: new Uint8Array([0, 1, 2, 255]) }],
    });
  } finally {
    await client.close();
  }
}

interface Line {
  readonly id: string;
  readonly subject: string;
}

async function listed(inboxUrl: string): Promise<Line[]> {
  const response = await fetch(`${inboxUrl}api/messages`);
  expect(response.status).toBe(200);
  return (await response.json()) as Line[];
}

/** The list once it holds `count` messages (a message is stored just after its 250). */
async function listedWhen(inboxUrl: string, count: number): Promise<Line[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const lines = await listed(inboxUrl);
    if (lines.length === count || Date.now() > deadline) return lines;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('smtp serve', () => {
  it('catches mail on the SMTP URL it prints, shows it at the inbox URL, and stops on SIGTERM with 0', async () => {
    const serving = await serve();
    expect(serving.smtpUrl).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
    expect(serving.inboxUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { stdout } = serving.run.output();
    expect(stdout).toMatch(/\(no TLS, no AUTH\)/);
    expect(stdout).toMatch(/^store +in memory, the newest 500 kept \(gone on exit\)$/m);
    expect(stdout).toContain(`Open ${serving.inboxUrl} in a browser. Stop with Ctrl-C.`);

    const result = await send(serving.smtpUrl, 'first');
    expect(result.outcome).toBe('accepted');
    const [line] = await listedWhen(serving.inboxUrl, 1);
    expect(line?.subject).toBe('first');
    const detail = (await (await fetch(`${serving.inboxUrl}api/messages/${line?.id}`)).json()) as {
      attachments: { url: string; filename: string }[];
    };
    expect(detail.attachments.map((a) => a.filename)).toEqual(['data.bin']);
    const download = await fetch(new URL(detail.attachments[0]?.url ?? '', serving.inboxUrl));
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(new Uint8Array([0, 1, 2, 255]));
    await waitForOutput(
      serving.run,
      /received from <app@example\.com> to <user@example\.org>, \d+/,
    );

    const stopped = await stop(serving, 'SIGTERM');
    expect(stopped.code).toBe(ExitCode.ok);
    expect(stopped.stderr).toContain('stopping (SIGTERM): closing the inbox');
    expect(stopped.stderr).toMatch(/stopped\n$/);
    await expect(fetch(serving.inboxUrl)).rejects.toThrow();
  });

  it('stops on SIGINT (Ctrl-C) with 0 too', async () => {
    const serving = await serve();
    const stopped = await stop(serving, 'SIGINT');
    expect(stopped.code).toBe(ExitCode.ok);
    expect(stopped.stderr).toContain('stopping (SIGINT)');
  });

  it('with --tls starttls and --user: writes the CA to trust, requires AUTH, removes the CA on exit', async () => {
    const serving = await serve(['--tls', 'starttls', '--user', 'app:s3cret:with:colons']);
    const { stdout } = serving.run.output();
    expect(stdout).toContain('(STARTTLS offered, AUTH required (app))');
    const caPath = /^ca +(\S+ca\.pem) /m.exec(stdout)?.[1] as string;
    const ca = await readFile(caPath, 'utf8');
    expect(ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const port = new URL(serving.smtpUrl).port;
    await expect(send(`smtp://127.0.0.1:${port}`, 'anonymous', { ca })).rejects.toMatchObject({
      outcome: 'rejected',
    });
    const accepted = await send(
      `esmtp://app:s3cret%3Awith%3Acolons@127.0.0.1:${port}`,
      'signed in',
      {
        ca,
      },
    );
    expect(accepted.outcome).toBe('accepted');
    expect((await listedWhen(serving.inboxUrl, 1)).map((line) => line.subject)).toEqual([
      'signed in',
    ]);
    expect(stdout).not.toContain('s3cret');
    expect((await stop(serving)).code).toBe(ExitCode.ok);
    await expect(readFile(caPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('with --tls implicit: an smtps:// URL', async () => {
    const serving = await serve(['--tls', 'implicit']);
    expect(serving.smtpUrl).toMatch(/^smtps:\/\//);
    const ca = await readFile(
      /^ca +(\S+) /m.exec(serving.run.output().stdout)?.[1] as string,
      'utf8',
    );
    expect((await send(serving.smtpUrl, 'implicit', { ca })).outcome).toBe('accepted');
  });

  it('with --host ::1: both sides on IPv6 loopback', async () => {
    const serving = await serve(['--host', '::1']);
    expect(serving.smtpUrl).toMatch(/^smtp:\/\/\[::1\]:\d+$/);
    expect(serving.inboxUrl).toMatch(/^http:\/\/\[::1\]:\d+\/$/);
    expect((await send(serving.smtpUrl, 'six')).outcome).toBe('accepted');
    expect(await listedWhen(serving.inboxUrl, 1)).toHaveLength(1);
  });

  it('with --dir: one .eml file per message, listed again by the next run; --limit deletes the oldest', async () => {
    const mail = join(dir, 'mail');
    const first = await serve(['--dir', mail]);
    expect(first.run.output().stdout).toContain(`${mail} (one .eml file per message, 0 there now)`);
    await send(first.smtpUrl, 'one');
    await send(first.smtpUrl, 'two');
    await listedWhen(first.inboxUrl, 2);
    expect(await stop(first)).toMatchObject({ code: ExitCode.ok });
    expect(await readdir(mail)).toHaveLength(2);

    const second = await serve(['--dir', mail, '--limit', '1']);
    expect(second.run.output().stdout).toContain('1 there now, the newest 1 kept)');
    expect((await listed(second.inboxUrl)).map((line) => line.subject)).toEqual(['two']);
    const files = await readdir(mail);
    expect(files).toHaveLength(1);
    expect(await readFile(join(mail, files[0] as string), 'utf8')).toContain('Subject: two');
  });

  it('with --limit in memory: the newest n', async () => {
    const serving = await serve(['--limit', '1']);
    expect(serving.run.output().stdout).toContain('in memory, the newest 1 kept');
    await send(serving.smtpUrl, 'old');
    await send(serving.smtpUrl, 'new');
    const deadline = Date.now() + 5000;
    let subjects: string[] = [];
    while (Date.now() < deadline) {
      subjects = (await listed(serving.inboxUrl)).map((line) => line.subject);
      if (subjects[0] === 'new') break;
    }
    expect(subjects).toEqual(['new']);
  });

  it('says which port is in use, and exits 2', async () => {
    const taken = await startInbox();
    try {
      const smtpBusy = await runSmtp(['serve', '--port', String(taken.smtp.port), '--http', '0']);
      expect(smtpBusy.code).toBe(ExitCode.usage);
      expect(smtpBusy.stderr).toBe(
        `smtp: SMTP_TEST_SERVER_LISTEN_FAILED: cannot listen for SMTP on 127.0.0.1:${taken.smtp.port}: the port is in use (EADDRINUSE)\n` +
          '  choose another port with --port (0: any free port)\n',
      );
      const httpPort = new URL(taken.url).port;
      const httpBusy = await runSmtp(['serve', '--port', '0', '--http', httpPort]);
      expect(httpBusy.code).toBe(ExitCode.usage);
      expect(httpBusy.stderr).toContain(
        `cannot listen for HTTP on 127.0.0.1:${httpPort}: the port is in use (EADDRINUSE)`,
      );
      expect(httpBusy.stderr).toContain('choose another port with --http');
    } finally {
      await taken.close();
    }
  });

  it('refuses a --dir that is a file, with exit 2', async () => {
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'x');
    const run = await runSmtp(['serve', '--port', '0', '--http', '0', '--dir', file]);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(
      /^smtp: SMTP_TEST_SERVER_STORAGE_FAILED: cannot use .*not-a-folder as the inbox folder/,
    );
    expect(run.stderr).not.toContain('choose another port');
  });

  it.each([
    [['--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['--http', 'x'], /--http must be a whole number from 0 to 65535/],
    [['--limit', '0'], /--limit must be a whole number 1 or more/],
    [
      ['--host', '0.0.0.0'],
      /argument '0\.0\.0\.0' is invalid\. Allowed choices are 127\.0\.0\.1, ::1/,
    ],
    [['--tls', 'maybe'], /Allowed choices are none, starttls, implicit/],
    [['--user', 'nopassword'], /--user must be NAME:PASSWORD, both non-empty/],
    [['--user', ':pw'], /--user must be NAME:PASSWORD, both non-empty/],
  ])('refuses %j with exit 2', async (args, message) => {
    const run = await runSmtp(['serve', ...args]);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(message);
  });

  it('shows its help, with the exit codes', async () => {
    const run = await runSmtp(['serve', '--help']);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toContain('--port <n>');
    expect(run.stdout).toContain('(default: 1025)');
    expect(run.stdout).toContain('(default: 8025)');
    expect(run.stdout).toContain('a second signal exits at once');
    expect((await runSmtp(['--help'])).stdout).toContain('serve');
  });
});

describe('smtp serve, in process', () => {
  function fakeIo(): CliIo & { out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
      stdin: process.stdin,
      env: {},
      cwd: dir,
    };
  }

  function fakeSignals(): WorkerSignals & { send(signal: StopSignal): void; exits: number[] } {
    const handlers = new Set<(signal: StopSignal) => void>();
    const exits: number[] = [];
    return {
      exits,
      on(handler) {
        handlers.add(handler);
        return () => handlers.delete(handler);
      },
      exitNow: (code) => exits.push(code),
      send: (signal) => {
        for (const handler of [...handlers]) handler(signal);
      },
    };
  }

  it('a second stop signal exits at once: 130 for SIGINT, 143 for SIGTERM', async () => {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const signals = fakeSignals();
      const io = fakeIo();
      const { signal: first, stop: unsubscribe } = waitForStopSignal(signals, io);
      signals.send(signal);
      expect(await first).toBe(signal);
      signals.send(signal);
      expect(signals.exits).toEqual([code]);
      expect(io.err.join('')).toBe(`stopping at once (${signal})\n`);
      unsubscribe();
      signals.send(signal);
      expect(signals.exits).toEqual([code]);
    }
  });

  it('runs, prints a failure to store, and stops at the first signal', async () => {
    const signals = fakeSignals();
    const io = fakeIo();
    const context: CommandContext = { io, prompt: undefined, exitCode: ExitCode.ok };
    const mail = join(dir, 'in-process');
    const running = runServe(
      { port: 0, http: 0, host: '127.0.0.1', tls: 'none', dir: 'in-process' },
      context,
      signals,
    );
    const deadline = Date.now() + 10_000;
    while (!io.out.join('').includes('Stop with Ctrl-C') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const smtpUrl = /^smtp +(smtp:\/\/\S+)/m.exec(io.out.join(''))?.[1] as string;
    await rm(mail, { recursive: true });
    expect((await send(smtpUrl, 'lost')).outcome).toBe('accepted');
    while (!io.err.join('').includes('STORAGE_FAILED') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(io.err.join('')).toMatch(
      /smtp: SMTP_TEST_SERVER_STORAGE_FAILED: a message from <app@example\.com> was accepted but could not be stored/,
    );
    signals.send('SIGTERM');
    expect(await running).toBe(ExitCode.ok);
  });

  it('turns the flags into the inbox options', () => {
    expect(
      inboxOptionsFor(
        {
          port: 1025,
          http: 8025,
          host: '::1',
          tls: 'starttls',
          limit: 5,
          dir: 'mail',
          user: collectUser('b:2', collectUser('a:1:x', undefined)),
        },
        '/work',
      ),
    ).toEqual({
      smtp: {
        host: '::1',
        port: 1025,
        security: 'starttls',
        auth: { users: { a: '1:x', b: '2' }, required: true },
      },
      http: { host: '::1', port: 8025 },
      limit: 5,
      dir: '/work/mail',
    });
  });
});

describe('smtp demo --serve', () => {
  it('keeps the inbox with the demo message in it, prints its URL, and stops on SIGINT with 0', async () => {
    const run = startSmtp(['demo', '--serve', '--json', '--out', join(dir, 'demo-out')]);
    runs.add(run);
    const summary = await waitForOutput(
      run,
      /^(\{"ok":true.*"inbox":"(http:\/\/127\.0\.0\.1:\d+\/)"\})$/m,
    );
    const inboxUrl = summary[2] as string;
    const { stdout } = run.output();
    expect(stdout).toContain(`The message is in the inbox: open ${inboxUrl} in a browser.`);
    expect(stdout).toContain('C: STARTTLS');
    const [line] = await listed(inboxUrl);
    expect(line?.subject).toBe(DEMO_SUBJECT);
    const detail = (await (await fetch(`${inboxUrl}api/messages/${line?.id}`)).json()) as {
      attachments: { url: string; filename: string }[];
      hasHtml: boolean;
    };
    expect(detail.hasHtml).toBe(true);
    const csv = detail.attachments.find((a) => a.filename === DEMO_ATTACHMENT_NAME);
    const download = await fetch(new URL(csv?.url ?? '', inboxUrl));
    expect(download.headers.get('content-type')).toBe('text/csv');
    // The inbox serves a part as parseMessage (postal-mime) decodes it, and postal-mime gives a
    // text part that was not base64 LF line ends: the CSV's text, not its exact CRLF bytes.
    const lines = (text: string) => text.split(/\r?\n/).filter((line) => line !== '');
    expect(lines(await download.text())).toEqual(lines(new TextDecoder().decode(DEMO_ATTACHMENT)));
    run.child.kill('SIGINT');
    const result = await run.done;
    runs.delete(run);
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout.trim().split('\n').at(-1)).toBe(summary[1]);
  });

  it('refuses --serve with --url', async () => {
    const run = await runSmtp(['demo', '--serve', '--url', 'smtp://127.0.0.1:1']);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toContain("option '--serve' cannot be used with option '--url <url>'");
  });
});
