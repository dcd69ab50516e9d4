import { describe, expect, it } from 'vitest';
import { connectRaw } from './raw-client.ts';
import { useSmtpServer } from './vitest.ts';

describe('useSmtpServer', () => {
  const smtp = useSmtpServer({ name: 'bound.localhost' });

  it('starts the server before the tests and reads through to it', async () => {
    expect(smtp.url).toBe(`smtp://127.0.0.1:${smtp.port}`);
    expect(smtp.server.port).toBe(smtp.port);
    const client = await connectRaw({ host: smtp.host, port: smtp.port });
    try {
      expect(await client.readReply()).toBe('220 bound.localhost ESMTP\r\n');
      await client.command('NOOP');
      expect(smtp.commands.map((entry) => entry.command)).toEqual(['NOOP']);
      smtp.reset();
      expect(smtp.commands).toEqual([]);
    } finally {
      client.destroy();
    }
  });
});

describe('a handle read outside a test', () => {
  const early = useSmtpServer();
  it('throws before beforeAll ran (checked at collection time)', () => {
    expect(collectedError?.message).toMatch(/not running/);
    expect(early.port).toBeGreaterThan(0);
  });
  let collectedError: Error | undefined;
  try {
    void early.port;
  } catch (error) {
    collectedError = error as Error;
  }
});
