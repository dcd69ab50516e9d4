/**
 * A time-boxed socket fuzz (undici's habit): whatever bytes a server sends, cut anywhere and
 * closed at any point, `readReply` yields replies or a typed `@smtp` error, never anything else,
 * and the connection never hangs past its deadline.
 */
import { isSmtpError } from '@smtp/protocol';
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './connect.ts';
import { type InlineServer, listen } from './testing/net.ts';

let chunks: Uint8Array[] = [];
let server: InlineServer;

beforeAll(async () => {
  server = await listen((socket) => {
    const plan = chunks;
    (async () => {
      for (const chunk of plan) {
        socket.write(chunk);
        await new Promise((resolve) => setImmediate(resolve));
      }
      socket.end();
    })().catch(() => {});
  });
});

afterAll(async () => {
  await server.close();
});

const replyish = fc.oneof(
  fc.constantFrom(
    '250 ok\r\n',
    '250-a\r\n',
    '220 hi\n',
    '\r\n',
    '\r',
    '\0',
    '550 5.1.1 no\r\n',
    '99 x\r\n',
  ),
  fc.string({ maxLength: 40 }),
);

describe('readReply over arbitrary server bytes', () => {
  it('returns replies or a typed error, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            replyish.map((s) => new TextEncoder().encode(s)),
            fc.uint8Array({ maxLength: 64 }),
          ),
          {
            maxLength: 12,
          },
        ),
        async (plan) => {
          chunks = plan;
          const connection = await connect({
            host: '127.0.0.1',
            port: server.port,
            readTimeoutMs: 500,
            replyParser: { maxLineLength: 64, maxLines: 8 },
          });
          try {
            for (let i = 0; i < 20; i++) {
              const outcome = await connection.readReply().then(
                (reply) => reply,
                (error: unknown) => error,
              );
              if (outcome instanceof Error) {
                expect(isSmtpError(outcome)).toBe(true);
                expect(outcome.name).toMatch(/^(ProtocolError|ConnectionError)$/);
                break;
              }
              expect((outcome as { code: number }).code).toBeGreaterThanOrEqual(200);
            }
          } finally {
            connection.destroy();
          }
        },
      ),
      propertyRuns(60),
    );
  }, 30_000);
});
