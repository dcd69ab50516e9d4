/**
 * The demo end to end, run as the README runs it (`node dist/bin.js demo`): it exits 0, and the
 * `.eml` it saved parses back (mailparser) to the message sent: subject, text, HTML, the inline
 * image by Content-ID and the attachment's bytes. Also: `--url` against a server, and failures.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { createTestCertificates, startSmtpServer } from 'test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_ATTACHMENT,
  DEMO_ATTACHMENT_NAME,
  DEMO_HTML,
  DEMO_LOGO_CID,
  DEMO_SUBJECT,
  DEMO_TEXT,
} from './demo-content.ts';
import { ExitCode } from './exit-codes.ts';
import { demoLogoPng } from './png.ts';
import { runSmtp } from './testing/run-cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smtp-demo-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('smtp demo', () => {
  it('sends to the embedded server, shows dialogue and result, and saves an .eml that parses back to the message', async () => {
    const out = join(dir, 'out');
    const run = await runSmtp(['demo', '--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(ExitCode.ok);
    // The dialogue, with the AUTH line redacted and the URL's password hidden.
    expect(run.stdout).toContain('C: STARTTLS');
    expect(run.stdout).toMatch(/\* TLS established protocol=TLSv1\.[23] .* authorized=true/);
    expect(run.stdout).toContain('C: AUTH PLAIN <redacted>');
    expect(run.stdout).toMatch(/url +esmtp:\/\/demo-[0-9a-f]+:\*\*\*@localhost:\d+ /);
    expect(run.stdout).toMatch(/^outcome +accepted$/m);
    expect(run.stdout).toMatch(/^accepted +recipient@example\.org$/m);
    expect(run.stdout).toMatch(/^queue id +/m);
    expect(run.stdout).toMatch(/^timings +connect \d+ ms/m);
    expect(run.stdout).toMatch(/^over TLS +yes$/m);

    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as { eml: string };
    expect(summary.eml.startsWith(out)).toBe(true);
    expect(await readdir(out)).toEqual([summary.eml.slice(out.length + 1)]);
    expect(run.stdout).toContain(`saved to  ${summary.eml}`);

    const parsed = await simpleParser(await readFile(summary.eml), { keepCidLinks: true });
    expect(parsed.subject).toBe(DEMO_SUBJECT);
    expect(parsed.from?.value[0]).toMatchObject({
      name: 'Demo Sender',
      address: 'sender@example.com',
    });
    expect(parsed.text).toBe(DEMO_TEXT);
    expect(parsed.html).toBe(DEMO_HTML);
    expect(parsed.html).toContain(`cid:${DEMO_LOGO_CID}`);
    const logo = parsed.attachments.find((a) => a.contentId === `<${DEMO_LOGO_CID}>`);
    expect(logo?.contentType).toBe('image/png');
    expect(logo?.contentDisposition).toBe('inline');
    expect(Buffer.compare(logo?.content ?? Buffer.alloc(0), Buffer.from(demoLogoPng()))).toBe(0);
    const csv = parsed.attachments.find((a) => a.filename === DEMO_ATTACHMENT_NAME);
    expect(csv?.contentDisposition).toBe('attachment');
    expect(Buffer.compare(csv?.content ?? Buffer.alloc(0), Buffer.from(DEMO_ATTACHMENT))).toBe(0);
  });

  it('with --url, sends the same message to that server and says no .eml is saved', async () => {
    const certs = await createTestCertificates();
    const ca = join(dir, 'ca.pem');
    await writeFile(ca, certs.ca.cert);
    const server = await startSmtpServer({
      security: 'starttls',
      auth: { users: { ann: 'pw-1234' } },
    });
    try {
      const run = await runSmtp(
        [
          'demo',
          '--url',
          `esmtp://127.0.0.1:${server.port}`,
          '--ca',
          ca,
          '--from',
          'ann@example.com',
          '--to',
          'bob@example.org',
        ],
        { env: { SMTP_USER: 'ann', SMTP_PASSWORD: 'pw-1234' } },
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(ExitCode.ok);
      expect(run.stdout).toContain('esmtp://ann:***@127.0.0.1');
      expect(run.stdout).toContain('C: AUTH PLAIN <redacted>');
      expect(run.stdout).toContain('No .eml is saved');
      expect(run.stdout).not.toContain('pw-1234');
      const parsed = await simpleParser(Buffer.from(server.messages[0]?.raw ?? []));
      expect(parsed.subject).toBe(DEMO_SUBJECT);
    } finally {
      await server.close();
    }
  });

  it('fails with a clear message and a non-zero exit', async () => {
    const noFrom = await runSmtp(['demo', '--url', 'smtp://127.0.0.1:1']);
    expect(noFrom.code).toBe(ExitCode.usage);
    expect(noFrom.stderr).toContain('with --url, give --from and --to');
    expect(noFrom.stderr).toContain('smtp demo failed');
    const badUrl = await runSmtp([
      'demo',
      '--url',
      'smtp://user@host',
      '--from',
      'a@example.com',
      '--to',
      'b@example.com',
    ]);
    expect(badUrl.code).toBe(ExitCode.usage);
    expect(badUrl.stderr).toMatch(/SMTP_CLI_CREDENTIALS: no password for user/);
  });
});
