/**
 * The demo: the main job in one command.
 *
 * Without `--url` it starts the embedded test server from `test-servers` (STARTTLS with a
 * certificate made on the spot and trusted for this run only through `tls.ca`, never by turning
 * verification off; AUTH required, for a user made up for the run), sends a multipart message
 * (text, HTML, an inline image by Content-ID, an attachment) through `@smtp/client` with an
 * `esmtp://user:pass@localhost:PORT` URL, and shows the dialogue (credentials redacted), the
 * result, and the message as the server received it, saved as an `.eml` file.
 *
 * With `--url` it sends the same message to a real server (`--from`, `--to`; credentials from
 * the URL, the environment or a prompt, never echoed); no `.eml` can be saved then.
 *
 * With `--serve`, the embedded server is a web inbox's (`startInbox`, same STARTTLS and AUTH):
 * after the send it stays up with the message in it, and the page's URL is printed for a browser,
 * until Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SmtpClient } from '@smtp/client';
import {
  createTestCertificates,
  type RunningInbox,
  type RunningSmtpServer,
  type StartSmtpServerOptions,
  startInbox,
  startSmtpServer,
} from '@smtp/test-server';
import { formatSmtpUrl, parseSmtpUrl } from '@smtp/url';
import { CliInputError } from './cli-error.ts';
import { createCliClient } from './connection.ts';
import type { PasswordPrompt } from './credentials.ts';
import { DEMO_SUBJECT, demoMessage } from './demo-content.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { formatBytes, formatTable } from './format.ts';
import { type CliIo, writeLine } from './io.ts';
import { printSendResult, reportError } from './output.ts';
import { serveUntilStopped } from './serve.ts';

/** The options of `smtp demo`. */
export interface DemoFlags {
  readonly url?: string;
  readonly from?: string;
  readonly to?: string[];
  readonly ca?: string[];
  readonly name?: string;
  readonly out?: string;
  readonly json?: boolean;
  /** Keep the embedded server, with the message, in a web inbox until Ctrl-C. */
  readonly serve?: boolean;
}

/** Where the `.eml` goes when `--out` is not given. */
export function defaultDemoOutDir(): string {
  return join(tmpdir(), 'smtp-demo');
}

const DEMO_FROM = 'Demo Sender <sender@example.com>';
const DEMO_TO = 'Demo Recipient <recipient@example.org>';

/** A file name that sorts by time and never overwrites an earlier run's. */
function emlName(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `demo-${stamp}-${randomBytes(3).toString('hex')}.eml`;
}

function heading(io: CliIo, text: string): void {
  writeLine(io.stdout);
  writeLine(io.stdout, `== ${text}`);
}

/** Runs the demo and returns its exit code; every failure is reported with its code. */
export async function runDemo(
  flags: DemoFlags,
  io: CliIo,
  prompt?: PasswordPrompt,
): Promise<ExitCodeValue> {
  try {
    return flags.url === undefined
      ? await embeddedDemo(flags, io)
      : await realServerDemo(flags, io, prompt);
  } catch (error) {
    const code = reportError(error, io, false);
    writeLine(io.stderr, 'smtp demo failed (see the line above).');
    return code === ExitCode.ok ? ExitCode.internal : code;
  }
}

async function embeddedDemo(flags: DemoFlags, io: CliIo): Promise<ExitCodeValue> {
  const outDir = resolve(io.cwd, flags.out ?? defaultDemoOutDir());
  writeLine(
    io.stdout,
    'smtp demo: send a real message through @smtp/client to an embedded SMTP server',
  );
  writeLine(
    io.stdout,
    '(STARTTLS with a certificate made for this run, AUTH required, nothing leaves this machine)',
  );

  const certificates = await createTestCertificates();
  const user = `demo-${randomBytes(3).toString('hex')}`;
  const pass = randomBytes(18).toString('base64url');
  let server: RunningSmtpServer | undefined;
  let inbox: RunningInbox | undefined;
  let client: SmtpClient | undefined;
  try {
    const serverOptions: StartSmtpServerOptions = {
      host: 'localhost',
      security: 'starttls',
      auth: { required: true, users: { [user]: pass } },
    };
    if (flags.serve === true) {
      inbox = await startInbox({ smtp: serverOptions });
      server = inbox.smtp;
    } else {
      server = await startSmtpServer(serverOptions);
    }
    const url = `esmtp://${user}:${pass}@localhost:${server.port}`;
    heading(io, 'Setup');
    writeLine(
      io.stdout,
      formatTable([
        ['server', `embedded test server (smtp-server) on localhost:${server.port}`],
        ['certificate', 'test CA made just now, trusted by this client only (tls.ca)'],
        ['url', `${formatSmtpUrl(parseSmtpUrl(url))}  (password redacted)`],
        ['message', `"${DEMO_SUBJECT}": text, HTML, inline image (cid), report.csv`],
      ]),
    );

    heading(io, 'Dialogue (C: client, S: server, * events; credentials redacted)');
    const lines: string[] = [];
    const show = (prefix: string) => (line: string) => {
      lines.push(line);
      writeLine(io.stdout, `${prefix}${line}`);
    };
    client = new SmtpClient(
      {
        url,
        tls: { ca: [certificates.ca.cert] },
        ...(flags.name !== undefined ? { name: flags.name } : {}),
      },
      { log: show('* '), debugLog: show('  ') },
    );
    const result = await client.send(demoMessage(DEMO_FROM, [DEMO_TO]));
    await client.close();
    client = undefined;
    const leaked = secretForms(user, pass).some((secret) =>
      lines.some((line) => line.includes(secret)),
    );
    if (leaked) throw new Error('a credential appeared in the dialogue log (INV-10 broken)');

    heading(io, 'Result');
    printSendResult(result, io, false);

    heading(io, 'As the server received it');
    const received = server.messages.at(-1);
    if (received === undefined) throw new Error('the server recorded no message');
    await mkdir(outDir, { recursive: true });
    const path = join(outDir, emlName());
    await writeFile(path, received.raw);
    writeLine(
      io.stdout,
      formatTable([
        [
          'envelope',
          `MAIL FROM:<${received.envelope.mailFrom}> RCPT TO:<${received.envelope.rcptTo.join('>, <')}>`,
        ],
        ['over TLS', received.secure ? 'yes' : 'no'],
        ['as user', received.user ?? '(not authenticated)'],
        ['size', formatBytes(received.raw.length)],
        ['saved to', path],
      ]),
    );
    writeLine(io.stdout);
    writeLine(io.stdout, 'Open the .eml file in a mail program to see the message. Done.');
    if (inbox !== undefined) {
      heading(io, 'Inbox');
      writeLine(io.stdout, `The message is in the inbox: open ${inbox.url} in a browser.`);
      writeLine(io.stdout, 'Stop with Ctrl-C.');
    }
    if (flags.json === true) {
      writeLine(
        io.stdout,
        JSON.stringify({
          ok: true,
          eml: path,
          outcome: result.outcome,
          ...(inbox === undefined ? {} : { inbox: inbox.url }),
        }),
      );
    }
    if (inbox !== undefined) await serveUntilStopped(inbox, io);
    return result.outcome === 'accepted' ? ExitCode.ok : ExitCode.partial;
  } finally {
    client?.destroy();
    await inbox?.close();
    await server?.close();
  }
}

/** The password, and the base64 forms AUTH PLAIN and LOGIN would send. */
function secretForms(user: string, pass: string): string[] {
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  return [pass, b64(pass), b64(`\0${user}\0${pass}`)];
}

async function realServerDemo(
  flags: DemoFlags,
  io: CliIo,
  prompt?: PasswordPrompt,
): Promise<ExitCodeValue> {
  if (flags.from === undefined || (flags.to ?? []).length === 0) {
    throw new CliInputError(
      'SMTP_CLI_USAGE',
      'with --url, give --from and --to (a real server needs real addresses)',
    );
  }
  writeLine(io.stdout, 'smtp demo: send the demo message through @smtp/client to a real server');
  // The dialogue goes through the client's own redaction (INV-10).
  const { client, target } = await createCliClient(flags, io, prompt, {
    logging: { debugLog: (line) => writeLine(io.stdout, `  ${line}`) },
  });
  try {
    heading(io, 'Setup');
    writeLine(
      io.stdout,
      formatTable([
        ['url', `${target.display}${target.auth !== undefined ? '  (password redacted)' : ''}`],
        ['message', `"${DEMO_SUBJECT}": text, HTML, inline image (cid), report.csv`],
      ]),
    );
    heading(io, 'Dialogue (C: client, S: server, * events; credentials redacted)');
    const result = await client.send(demoMessage(flags.from, flags.to ?? []));
    heading(io, 'Result');
    printSendResult(result, io, false);
    writeLine(io.stdout);
    writeLine(
      io.stdout,
      'No .eml is saved: the message went to a real server, which keeps what it received. Check the recipient mailbox.',
    );
    return result.outcome === 'accepted' ? ExitCode.ok : ExitCode.partial;
  } finally {
    await client.close().catch(() => client.destroy());
  }
}
