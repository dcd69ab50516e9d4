import { connectRaw } from '@smtp/test-server';
import { describe, expect, it } from 'vitest';
import { useScriptedServer } from './with-vitest.ts';

describe('useScriptedServer', () => {
  const scripted = useScriptedServer([{ send: '220 bound\r\n' }]);

  it('starts the scripted server before the tests', async () => {
    const client = await connectRaw({ host: scripted.host, port: scripted.port });
    try {
      expect(await client.readReply()).toBe('220 bound\r\n');
      await scripted.done;
    } finally {
      client.destroy();
    }
  });
});
