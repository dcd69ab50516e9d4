/**
 * `smtp send` to an LMTP server (`lmtp://`): the per-recipient replies after the data decide the
 * outcome and the exit code, as RCPT refusals do for SMTP.
 */
import { type RunningSmtpServer, startSmtpServer } from 'test-servers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from './exit-codes.ts';
import { runSmtp } from './testing/run-cli.ts';

let server: RunningSmtpServer;

beforeAll(async () => {
  server = await startSmtpServer({
    security: 'none',
    lmtp: true,
    rejectAfterData: { 'full@example.org': 452 },
  });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => server.reset());

const send = (to: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  runSmtp([
    'send',
    '--url',
    `lmtp://127.0.0.1:${server.port}`,
    '--from',
    'ann@example.com',
    ...to.flatMap((address) => ['--to', address]),
    '--subject',
    'Local delivery',
    '--text',
    'Hi',
    '--json',
  ]);

describe('smtp send --url lmtp://', () => {
  it('exits 0 when every mailbox took the message', async () => {
    const run = await send(['bob@example.org', 'cy@example.org']);
    expect(run.code).toBe(ExitCode.ok);
    expect(JSON.parse(run.stdout)).toMatchObject({
      outcome: 'accepted',
      accepted: ['bob@example.org', 'cy@example.org'],
    });
    expect(server.commands.map((c) => c.command)).toContain('LHLO');
  });

  it('exits 3 when a mailbox refused it after the data', async () => {
    const run = await send(['bob@example.org', 'full@example.org']);
    expect(run.code).toBe(ExitCode.partial);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ outcome: 'partial', accepted: ['bob@example.org'] });
    expect(JSON.stringify(result.rejected)).toContain('full@example.org');
    expect(server.messages[0]?.delivered).toEqual(['bob@example.org']);
  });
});
