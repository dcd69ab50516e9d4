/**
 * Test helper: delivers hand-written message bytes over one raw SMTP connection, checking each
 * reply, so this package's tests send real mail without depending on `@smtp/client` (which
 * depends on this package for its own tests).
 */
import { connectRaw } from '../raw-client.ts';

export interface Delivery {
  readonly from: string;
  readonly to: readonly string[];
  /** The message: header and body with CRLF line ends, not yet dot-stuffed. */
  readonly message: string;
}

/** Sends `delivery` to `server` (greeting, EHLO, MAIL, RCPT..., DATA, QUIT); returns the final reply. */
export async function deliver(
  server: { readonly host: string; readonly port: number },
  delivery: Delivery,
): Promise<string> {
  const client = await connectRaw({ host: server.host, port: server.port });
  try {
    await expectReply(client.readReply(), '220');
    await expectReply(client.command('EHLO client.example'), '250');
    await expectReply(client.command(`MAIL FROM:<${delivery.from}>`), '250');
    for (const to of delivery.to) await expectReply(client.command(`RCPT TO:<${to}>`), '250');
    await expectReply(client.command('DATA'), '354');
    const body = delivery.message.endsWith('\r\n') ? delivery.message : `${delivery.message}\r\n`;
    client.write(`${body.replace(/^\./gm, '..')}.\r\n`);
    const final = await expectReply(client.readReply(), '250');
    await client.command('QUIT');
    return final;
  } finally {
    client.destroy();
  }
}

async function expectReply(reply: Promise<string>, code: string): Promise<string> {
  const text = await reply;
  if (!text.startsWith(code)) throw new Error(`expected ${code}, the server said: ${text.trim()}`);
  return text;
}
