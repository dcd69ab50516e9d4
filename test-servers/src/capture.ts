/**
 * Maintenance tool: records real smtp-server replies as TypeScript fixture text in the format
 * of `packages/protocol/src/__fixtures__/replies.ts` (Effect's `regenerate.ts` habit), so the
 * reply-parser goldens can say "recorded" instead of "hand-written".
 *
 * It starts `startSmtpServer` in a few configurations, talks to each over a raw socket (the
 * exact commands are listed in each entry's `source`), and prints the entries with a provenance
 * header. It never edits the fixture file itself: review the output and paste it in.
 *
 *   pnpm --filter test-servers build && node test-servers/dist/capture.js [out.ts]
 *
 * With a path argument the text is written there instead of stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  connectRaw,
  createTestCertificates,
  type RawClient,
  type StartSmtpServerOptions,
  startSmtpServer,
} from '@smtp/test-server';

/** One recorded transcript, as it goes into the fixture file. */
export interface CapturedTranscript {
  readonly name: string;
  readonly source: string;
  readonly wire: string;
}

type Dialogue = (
  client: RawClient,
  record: (name: string, what: string, wire: string) => void,
) => Promise<void>;

interface Session {
  readonly options: StartSmtpServerOptions;
  readonly describe: string;
  readonly run: Dialogue;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

const sessions: Session[] = [
  {
    options: {},
    describe: 'security none, defaults',
    run: async (client, record) => {
      record('capturedGreeting', 'greeting', await client.readReply());
      record(
        'capturedEhloPlain',
        'EHLO client.example',
        await client.command('EHLO client.example'),
      );
      record('capturedUnknownCommand', 'FOO', await client.command('FOO'));
      record(
        'capturedRcptBeforeMail',
        'RCPT TO:<bob@example.com>',
        await client.command('RCPT TO:<bob@example.com>'),
      );
      client.write('MAIL FROM:<ann@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n');
      let wire = '';
      for (let i = 0; i < 3; i += 1) wire += await client.readReply();
      client.write('Subject: x\r\n\r\nx\r\n.\r\nQUIT\r\n');
      wire += await client.readReply();
      wire += await client.readReply();
      record(
        'capturedPipelinedTransaction',
        'MAIL, RCPT, DATA pipelined in one write; message; QUIT',
        wire,
      );
    },
  },
  {
    options: { security: 'starttls', auth: { users: { ann: 'pw' } }, size: 10485760 },
    describe: 'security starttls, auth { users }, size 10485760',
    run: async (client, record) => {
      await client.readReply();
      record(
        'capturedEhloStartTls',
        'EHLO client.example',
        await client.command('EHLO client.example'),
      );
      record(
        'capturedAuthBeforeTls',
        'AUTH PLAIN <payload> before STARTTLS',
        await client.command(`AUTH PLAIN ${b64('\0ann\0pw')}`),
      );
      record('capturedStartTls', 'STARTTLS', await client.command('STARTTLS'));
      const certificates = await createTestCertificates();
      await client.startTls({ ca: [certificates.ca.cert], servername: 'localhost' });
      record(
        'capturedEhloSecure',
        'EHLO client.example (after TLS)',
        await client.command('EHLO client.example'),
      );
      let wire = await client.command('AUTH LOGIN');
      wire += await client.command(b64('ann'));
      wire += await client.command(b64('wrong'));
      record('capturedAuthLoginFailed', 'AUTH LOGIN, user, wrong password', wire);
      wire = await client.command('AUTH PLAIN');
      wire += await client.command(b64('\0ann\0pw'));
      record('capturedAuthPlainNoInitialResponse', 'AUTH PLAIN, then the credentials', wire);
      record(
        'capturedMailTooBig',
        'MAIL FROM:<ann@example.com> SIZE=99999999',
        await client.command('MAIL FROM:<ann@example.com> SIZE=99999999'),
      );
    },
  },
  {
    options: { heloOnly: true },
    describe: 'heloOnly',
    run: async (client, record) => {
      await client.readReply();
      record(
        'capturedEhloRejected',
        'EHLO client.example',
        await client.command('EHLO client.example'),
      );
      record('capturedHelo', 'HELO client.example', await client.command('HELO client.example'));
    },
  },
  {
    options: {
      security: 'implicit',
      extensions: { enhancedStatusCodes: true, dsn: true, requireTls: true },
      rejectRecipients: { 'nobody@example.com': 550, 'later@example.com': 451 },
    },
    describe:
      'security implicit, extensions { enhancedStatusCodes, dsn, requireTls }, rejectRecipients',
    run: async (client, record) => {
      await client.readReply();
      record(
        'capturedEhloAllExtensions',
        'EHLO client.example',
        await client.command('EHLO client.example'),
      );
      record(
        'capturedMailEnhanced',
        'MAIL FROM:<ann@example.com>',
        await client.command('MAIL FROM:<ann@example.com>'),
      );
      record(
        'capturedRcptRejected550',
        'RCPT TO:<nobody@example.com>',
        await client.command('RCPT TO:<nobody@example.com>'),
      );
      record(
        'capturedRcptRejected451',
        'RCPT TO:<later@example.com>',
        await client.command('RCPT TO:<later@example.com>'),
      );
    },
  },
];

/** Runs every session and returns the transcripts, in order. */
export async function captureTranscripts(): Promise<CapturedTranscript[]> {
  const version = smtpServerVersion();
  const certificates = await createTestCertificates();
  const transcripts: CapturedTranscript[] = [];
  for (const session of sessions) {
    const server = await startSmtpServer(session.options);
    const implicit = session.options.security === 'implicit';
    const client = await connectRaw({
      host: server.host,
      port: server.port,
      ...(implicit ? { tls: { ca: [certificates.ca.cert], servername: 'localhost' } } : {}),
    });
    try {
      await session.run(client, (name, what, wire) => {
        transcripts.push({
          name,
          source: `smtp-server ${version}, recorded by test-servers capture.ts (${session.describe}; client sent: ${what})`,
          wire,
        });
      });
    } finally {
      client.destroy();
      await server.close();
    }
  }
  return transcripts;
}

/** Formats transcripts as fixture source text, with a provenance header. */
export function formatTranscripts(transcripts: readonly CapturedTranscript[]): string {
  const header = [
    '/**',
    ` * Recorded ${new Date().toISOString()} by test-servers/src/capture.ts on Node ${process.version}`,
    ` * against smtp-server ${smtpServerVersion()} (startSmtpServer: name 'localhost', reverse lookup off,`,
    ' * so the client shows as [127.0.0.1]). Each `source` names the configuration and what the client sent.',
    ' * Paste the entries into replyTranscripts in packages/protocol/src/__fixtures__/replies.ts.',
    ' */',
  ];
  const entries = transcripts.map((transcript) =>
    [
      `  ${transcript.name}: {`,
      `    source: ${quote(transcript.source)},`,
      `    wire:${transcript.wire
        .split(/(?<=\r\n)/)
        .map(
          (line, index, lines) => `\n      ${quote(line)}${index < lines.length - 1 ? ' +' : ''}`,
        )
        .join('')},`,
      '  },',
    ].join('\n'),
  );
  return `${header.join('\n')}\n${entries.join('\n')}\n`;
}

/** A single-quoted TS string literal with CR, LF and non-printable characters escaped. */
function quote(text: string): string {
  const body = text.replace(/[\\'\u0000-\u001f\u007f]/g, (char) => {
    if (char === '\r') return '\\r';
    if (char === '\n') return '\\n';
    if (char === '\\' || char === "'") return `\\${char}`;
    return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  return `'${body}'`;
}

function smtpServerVersion(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('smtp-server');
  // dist/cjs/smtp-server.js -> the package root is two folders up.
  const manifest = JSON.parse(
    readFileSync(join(dirname(entry), '..', '..', 'package.json'), 'utf8'),
  ) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}

async function main(): Promise<void> {
  const text = formatTranscripts(await captureTranscripts());
  const out = process.argv[2];
  if (out === undefined) process.stdout.write(text);
  else writeFileSync(out, text);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
