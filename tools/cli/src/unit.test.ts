/**
 * Unit tests of the small modules: the PNG encoder, credentials resolution (URL, environment,
 * prompt), the exit-code mapping, header flags.
 */
import { inspect } from 'node:util';
import { inflateSync } from 'node:zlib';
import { SendError, UrlError } from '@smtp/client';
import { describe, expect, it } from 'vitest';
import { CliInputError } from './cli-error.ts';
import { resolveTarget } from './credentials.ts';
import { ExitCode, exitCodeFor, exitCodeForCounts } from './exit-codes.ts';
import { parseHeaderFlag } from './message-input.ts';
import { crc32, demoLogoPng, encodePng } from './png.ts';
import {
  parseConcurrency,
  parseCount,
  parseRate,
  parseRetries,
  poolSettings,
} from './pool-flags.ts';

describe('png', () => {
  it('computes the PNG CRC-32', () => {
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
  });

  it('encodes a valid PNG: signature, IHDR, IDAT that inflates to the pixels, IEND', () => {
    const png = encodePng(2, 1, (x) => (x === 0 ? [255, 0, 0] : [0, 0, 255]));
    const buf = Buffer.from(png);
    expect(buf.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(buf.toString('latin1', 12, 16)).toBe('IHDR');
    expect(buf.readUInt32BE(16)).toBe(2);
    expect(buf.readUInt32BE(20)).toBe(1);
    const idatLength = buf.readUInt32BE(33);
    expect(buf.toString('latin1', 37, 41)).toBe('IDAT');
    expect([...inflateSync(buf.subarray(41, 41 + idatLength))]).toEqual([0, 255, 0, 0, 0, 0, 255]);
    expect(buf.toString('latin1', buf.length - 8, buf.length - 4)).toBe('IEND');
    expect(demoLogoPng().length).toBeGreaterThan(60);
  });
});

describe('credentials', () => {
  const io = (env: Record<string, string> = {}, isTTY = false) => ({
    env,
    stdin: { isTTY } as unknown as NodeJS.ReadStream,
  });
  const never = async (): Promise<string> => {
    throw new Error('no prompt expected');
  };

  it('takes them from the URL, and shows the URL with the password as ***', async () => {
    const target = await resolveTarget(
      'smtps://ann%40example.com:p%40ss@mail.example.com',
      io(),
      never,
    );
    expect(target.auth?.user).toBe('ann@example.com');
    expect(target.auth?.pass).toBe('p@ss');
    expect(inspect(target, { depth: 5 })).not.toContain('p@ss');
    expect(target.url).toBe('smtps://mail.example.com');
    expect(target.display).toBe('smtps://ann%40example.com:***@mail.example.com');
    expect(JSON.stringify(target)).not.toContain('p@ss');
  });

  it('takes them from SMTP_USER and SMTP_PASSWORD', async () => {
    const target = await resolveTarget(
      'smtp://mail.example.com',
      io({ SMTP_USER: 'ann', SMTP_PASSWORD: 'pw' }),
      never,
    );
    expect([target.auth?.user, target.auth?.pass]).toEqual(['ann', 'pw']);
  });

  it('prompts for the password on a terminal when only the user is known', async () => {
    const asked: string[] = [];
    const target = await resolveTarget(
      'smtp://ann@mail.example.com:2525',
      io({}, true),
      async (message) => {
        asked.push(message);
        return 'typed';
      },
    );
    expect(asked).toEqual(['Password for ann at smtp://mail.example.com:2525:']);
    expect([target.auth?.user, target.auth?.pass]).toEqual(['ann', 'typed']);
  });

  it('refuses a user without a password off a terminal, a lone SMTP_PASSWORD, and a bad URL', async () => {
    await expect(resolveTarget('smtp://ann@mail.example.com', io(), never)).rejects.toBeInstanceOf(
      CliInputError,
    );
    await expect(
      resolveTarget('smtp://mail.example.com', io({ SMTP_PASSWORD: 'x' }), never),
    ).rejects.toThrow(/no user name/);
    await expect(resolveTarget('smtp://mail.example.com:0', io(), never)).rejects.toBeInstanceOf(
      UrlError,
    );
  });

  it('needs no credentials', async () => {
    const target = await resolveTarget('mail.example.com', io(), never);
    expect(target.auth).toBeUndefined();
    expect(target.display).toBe('smtp://mail.example.com');
  });
});

describe('exit codes', () => {
  const send = (outcome: 'rejected' | 'not-sent' | 'unknown', code = 'SMTP_REPLY') =>
    new SendError({ code, outcome, temporary: false }, 'x');
  it('maps errors to codes', () => {
    expect(exitCodeFor(send('rejected'))).toBe(ExitCode.rejected);
    expect(exitCodeFor(send('not-sent', 'SMTP_CONNECTION_REFUSED'))).toBe(ExitCode.notSent);
    expect(exitCodeFor(send('unknown', 'SMTP_CONNECTION_CLOSED'))).toBe(ExitCode.unknown);
    expect(exitCodeFor(send('not-sent', 'SMTP_INVALID_MAILBOX'))).toBe(ExitCode.usage);
    expect(exitCodeFor(send('not-sent', 'SMTP_MIME_CONTENT_READ'))).toBe(ExitCode.usage);
    expect(exitCodeFor(new CliInputError('SMTP_CLI_FILE', 'x'))).toBe(ExitCode.usage);
    expect(exitCodeFor(new Error('bug'))).toBe(ExitCode.internal);
  });
});

describe('--header', () => {
  it('parses Name: value', () => {
    expect(parseHeaderFlag('X-Tag:  a: b ')).toEqual(['X-Tag', 'a: b']);
    expect(() => parseHeaderFlag(': v')).toThrow(CliInputError);
    expect(() => parseHeaderFlag('nocolon')).toThrow(/Name: value/);
  });
});

describe('pool flags', () => {
  it('parses --rate as messages per second, minute or hour', () => {
    expect(parseRate('10/s')).toEqual({ limit: 10, intervalMs: 1000 });
    expect(parseRate('600/m')).toEqual({ limit: 600, intervalMs: 60_000 });
    expect(parseRate(' 5 / h ')).toEqual({ limit: 5, intervalMs: 3_600_000 });
    for (const bad of ['10', '10/d', '0/s', '1.5/s', '-1/s', '/s', 'ten/s', '1000001/s']) {
      expect(() => parseRate(bad), bad).toThrow(/--rate must be messages per second/);
    }
  });

  it('checks --count, --concurrency and --retries against the pool ranges', () => {
    expect(parseCount('1')).toBe(1);
    expect(parseConcurrency('1000')).toBe(1000);
    expect(parseRetries('0')).toBe(0);
    expect(() => parseCount('0')).toThrow('--count must be a whole number 1 or more.');
    expect(() => parseCount('1e3')).toThrow(/--count/);
    expect(() => parseConcurrency('0')).toThrow('from 1 to 1000');
    expect(() => parseRetries('101')).toThrow('from 0 to 100');
  });

  it('maps the flags to pool settings: a queue as long as the connections, waiting when full', () => {
    expect(poolSettings({})).toEqual({
      maxConnections: 5,
      maxQueued: 5,
      whenFull: 'wait',
      retries: 2,
    });
    expect(
      poolSettings({ concurrency: 4, retries: 0, rate: { limit: 600, intervalMs: 60_000 } }),
    ).toEqual({
      maxConnections: 4,
      maxQueued: 4,
      whenFull: 'wait',
      retries: 0,
      rateLimit: 600,
      rateInterval: 60_000,
    });
  });
});

describe('exit code of a run of many messages', () => {
  const none = { partial: 0, rejected: 0, notSent: 0, unknown: 0, skipped: 0 };
  it('is 0 only when every message was accepted by every recipient, else the worst outcome', () => {
    expect(exitCodeForCounts(none)).toBe(ExitCode.ok);
    expect(exitCodeForCounts({ ...none, partial: 1 })).toBe(ExitCode.partial);
    expect(exitCodeForCounts({ ...none, partial: 1, rejected: 1 })).toBe(ExitCode.rejected);
    expect(exitCodeForCounts({ ...none, rejected: 1, skipped: 1 })).toBe(ExitCode.notSent);
    expect(exitCodeForCounts({ ...none, rejected: 1, notSent: 1 })).toBe(ExitCode.notSent);
    expect(exitCodeForCounts({ ...none, notSent: 3, unknown: 1 })).toBe(ExitCode.unknown);
  });
});
