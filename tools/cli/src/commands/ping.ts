/**
 * `smtp ping`: connects, runs the greeting, EHLO, STARTTLS and AUTH (or stops earlier), QUITs,
 * and reports what the server offers: extensions, TLS protocol, cipher and certificate, AUTH
 * mechanisms and timings, as a table or JSON.
 */

import { describeReply, type PingResult, type SmtpClient } from '@smtp/client';
import { formatProxyUrl, parseProxyUrl } from '@smtp/url';
import { type Command, Option } from 'commander';
import { createCliClient } from '../connection.ts';
import type { Target } from '../credentials.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { formatBytes, formatMs, formatTable } from '../format.ts';
import { writeLine } from '../io.ts';
import { replyJson, reportError } from '../output.ts';
import {
  addConnectionOptions,
  addOutputOptions,
  type CommandContext,
  CREDENTIALS_HELP,
} from './shared.ts';

/** The options of `smtp ping`. */
export interface PingFlags {
  readonly url?: string;
  readonly ca?: string[];
  readonly name?: string;
  readonly verbose?: boolean;
  readonly proxy?: string;
  readonly proxyInsecureAuth?: boolean;
  readonly quiet?: boolean;
  readonly json?: boolean;
  readonly stopAfter?: 'greeting' | 'ehlo' | 'tls' | 'auth';
}

/** The server certificate as the transport's `tls` event reports it. */
export interface CertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly subjectAltName: string | undefined;
  readonly validFrom: string;
  readonly validTo: string;
  readonly fingerprint256: string;
}

const EXAMPLES = `
Examples:
  $ smtp ping --url smtp://mail.example.com
  $ smtp ping --url esmtps://ana%40example.com@smtp.example.com --json
  $ smtp ping --url smtp://localhost:2525 --stop-after ehlo
  $ smtp ping --url smtps://smtp.example.com --proxy socks5h://127.0.0.1:1080

${CREDENTIALS_HELP}
Without credentials the AUTH step is skipped; the mechanisms offered are still shown.

Exit codes: 0 the server answered; 2 bad input (URL, file, option);
5 the dialogue failed (connection, TLS, AUTH, timeout, refusing reply).
See 'smtp --help' for the full table.
`;

/** Registers `smtp ping`. */
export function registerPing(program: Command, context: CommandContext): void {
  const command = program
    .command('ping')
    .summary('show what a server offers: extensions, TLS, AUTH, timings')
    .description(
      'Connect, run the greeting, EHLO, STARTTLS and AUTH (or stop earlier), QUIT, and show what the server offers. Nothing is sent.',
    )
    .addOption(
      new Option('--stop-after <stage>', 'stop after this stage')
        .choices(['greeting', 'ehlo', 'tls', 'auth'])
        .default('auth'),
    );
  addConnectionOptions(command, true);
  addOutputOptions(command);
  command.addHelpText('after', EXAMPLES).action(async (flags: PingFlags) => {
    context.exitCode = await runPing(flags, context);
  });
}

/** Runs `smtp ping` and returns its exit code. */
export async function runPing(flags: PingFlags, context: CommandContext): Promise<ExitCodeValue> {
  const { io } = context;
  const json = flags.json === true;
  let client: SmtpClient | undefined;
  let certificate: CertificateInfo | undefined;
  try {
    const created = await createCliClient(flags, io, context.prompt, {
      onEvent: (event) => {
        if (event.type === 'tls' && event.peerCertificate !== undefined)
          certificate = event.peerCertificate;
      },
    });
    client = created.client;
    const result = await client.ping({ stopAfter: flags.stopAfter ?? 'auth' });
    const proxy = proxyDisplay(flags.proxy);
    if (json) {
      writeLine(io.stdout, JSON.stringify(pingJson(result, created.target, certificate, proxy)));
    } else if (flags.quiet !== true) {
      writeLine(io.stdout, formatTable(pingRows(result, created.target, certificate, proxy)));
    }
    return ExitCode.ok;
  } catch (error) {
    return reportError(error, io, json);
  } finally {
    await client?.close().catch(() => client?.destroy());
  }
}

/** The proxy URL as ping shows it (any password as `***`), or `undefined` without one. */
export function proxyDisplay(url: string | undefined): string | undefined {
  // The client has already accepted the URL by the time ping reports.
  return url === undefined || url === '' ? undefined : formatProxyUrl(parseProxyUrl(url));
}

function extensionList(result: PingResult): string[] {
  return [...result.capabilities.extensions].map(([keyword, params]) =>
    [keyword, ...params].join(' '),
  );
}

function certificateJson(certificate: CertificateInfo | undefined): Record<string, unknown> | null {
  if (certificate === undefined) return null;
  return {
    subject: certificate.subject,
    issuer: certificate.issuer,
    subjectAltName: certificate.subjectAltName ?? null,
    validFrom: certificate.validFrom,
    validTo: certificate.validTo,
    fingerprint256: certificate.fingerprint256,
  };
}

/** The JSON `smtp ping --json` prints. */
export function pingJson(
  result: PingResult,
  target: Target,
  certificate: CertificateInfo | undefined,
  proxy?: string,
): Record<string, unknown> {
  const caps = result.capabilities;
  return {
    ok: true,
    server: target.display,
    security: target.parsed.security,
    proxy: proxy ?? null,
    greeting: result.greeting !== undefined ? replyJson(result.greeting) : null,
    ehlo: result.ehlo !== undefined ? replyJson(result.ehlo) : null,
    extensions: extensionList(result),
    size: caps.size ?? null,
    auth: caps.auth,
    tls:
      result.tls === undefined
        ? null
        : {
            protocol: result.tls.protocol ?? null,
            cipher: result.tls.cipher,
            authorized: result.tls.authorized,
            certificate: certificateJson(certificate),
          },
    authenticated: result.authenticated,
    user: target.auth?.user ?? null,
    timings: result.timings,
  };
}

/** The rows of the table `smtp ping` prints. */
export function pingRows(
  result: PingResult,
  target: Target,
  certificate: CertificateInfo | undefined,
  proxy?: string,
): [string, string][] {
  const caps = result.capabilities;
  const t = result.timings;
  const rows: [string, string][] = [
    ['server', `${target.display} (security: ${target.parsed.security})`],
  ];
  if (proxy !== undefined) {
    rows.push(['proxy', `through ${proxy} (TLS, if any, runs end to end with the server)`]);
  }
  if (result.greeting !== undefined) rows.push(['greeting', describeReply(result.greeting)]);
  if (result.ehlo !== undefined) {
    rows.push(['ehlo', `${result.ehlo.code} ${result.ehlo.lines[0] ?? ''}`.trimEnd()]);
    rows.push(['extensions', extensionList(result).join('\n') || '(none)']);
    rows.push([
      'size limit',
      caps.size === undefined
        ? '(not advertised)'
        : caps.size === 0
          ? 'none'
          : formatBytes(caps.size),
    ]);
  }
  if (result.tls === undefined) {
    rows.push(['tls', 'none (plaintext)']);
  } else {
    rows.push([
      'tls',
      `${result.tls.protocol ?? '?'}, ${result.tls.cipher}, certificate ${result.tls.authorized ? 'verified' : `NOT verified (${result.tls.authorizationError ?? 'unknown reason'})`}`,
    ]);
    if (certificate !== undefined) {
      rows.push([
        'certificate',
        [
          `subject  ${certificate.subject}`,
          `issuer   ${certificate.issuer}`,
          `names    ${certificate.subjectAltName ?? '(none)'}`,
          `valid    ${certificate.validFrom} to ${certificate.validTo}`,
          `sha256   ${certificate.fingerprint256}`,
        ].join('\n'),
      ]);
    }
  }
  if (result.ehlo !== undefined)
    rows.push(['auth', caps.auth.length > 0 ? caps.auth.join(', ') : '(none offered)']);
  rows.push([
    'authenticated',
    result.authenticated
      ? `yes, as ${target.auth?.user ?? '?'}`
      : target.auth === undefined
        ? 'no (no credentials given)'
        : 'no',
  ]);
  rows.push([
    'timings',
    [
      `connect ${formatMs(t.connect)}`,
      `greeting ${formatMs(t.greeting)}`,
      result.ehlo !== undefined ? `ehlo ${formatMs(t.ehlo)}` : undefined,
      t.tls !== undefined ? `tls ${formatMs(t.tls)}` : undefined,
      t.auth !== undefined ? `auth ${formatMs(t.auth)}` : undefined,
      `total ${formatMs(t.total)}`,
    ]
      .filter((part) => part !== undefined)
      .join(', '),
  ]);
  return rows;
}
