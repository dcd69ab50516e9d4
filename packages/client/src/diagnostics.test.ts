import diagnosticsChannel from 'node:diagnostics_channel';
import { createReplyParser } from '@smtp/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLIENT_CHANNELS,
  type ClientChannelKind,
  hasClientSubscribers,
  publishClient,
} from './diagnostics.ts';
import { SecurityError } from './errors.ts';
import { createSecrets, REDACTED } from './redact.ts';
import { toReplyInfo } from './reply-info.ts';

const cleanups: (() => void)[] = [];

function listen(kind: ClientChannelKind): unknown[] {
  const messages: unknown[] = [];
  const listener = (message: unknown): void => {
    messages.push(message);
  };
  diagnosticsChannel.subscribe(CLIENT_CHANNELS[kind], listener);
  cleanups.push(() => diagnosticsChannel.unsubscribe(CLIENT_CHANNELS[kind], listener));
  return messages;
}

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('client diagnostics channels', () => {
  it('uses the house channel names', () => {
    expect(CLIENT_CHANNELS).toEqual({
      connect: 'smtp:client:connect',
      command: 'smtp:client:command',
      reply: 'smtp:client:reply',
      error: 'smtp:client:error',
    });
  });

  it('reports whether a channel has subscribers', () => {
    expect(hasClientSubscribers('reply')).toBe(false);
    listen('reply');
    expect(hasClientSubscribers('reply')).toBe(true);
  });

  it('publishes nothing, and builds nothing, without subscribers', () => {
    const secrets = createSecrets();
    const scrub = (): never => {
      throw new Error('scrub should not run');
    };
    expect(() =>
      publishClient('command', { line: 'AUTH PLAIN x', sensitive: false }, { ...secrets, scrub }),
    ).not.toThrow();
  });

  it('publishes connect events as given, frozen', () => {
    const messages = listen('connect');
    publishClient('connect', {
      target: { kind: 'dns', host: 'mx.example', port: 587 },
      security: 'starttls',
      clientName: 'client.example',
    });
    expect(messages).toEqual([
      {
        target: { kind: 'dns', host: 'mx.example', port: 587 },
        security: 'starttls',
        clientName: 'client.example',
      },
    ]);
    expect(Object.isFrozen(messages[0])).toBe(true);
  });

  it('redacts AUTH initial responses and SASL continuation lines in command events', () => {
    const messages = listen('command');
    publishClient('command', {
      line: 'AUTH PLAIN AGFsaWNlAHB3\r\n',
      sensitive: false,
      connectionId: 3,
    });
    publishClient('command', { line: 'cGFzc3dvcmQ=', sensitive: true });
    publishClient('command', { line: 'MAIL FROM:<a@b>', sensitive: false });
    expect(messages).toEqual([
      { line: `AUTH PLAIN ${REDACTED}`, sensitive: false, connectionId: 3 },
      { line: REDACTED, sensitive: true },
      { line: 'MAIL FROM:<a@b>', sensitive: false },
    ]);
  });

  it('scrubs registered secrets from commands; replies arrive scrubbed by toReplyInfo', () => {
    const secrets = createSecrets();
    secrets.add('hunter2-pass');
    const commands = listen('command');
    const replies = listen('reply');
    publishClient('command', { line: 'XCMD hunter2-pass', sensitive: false }, secrets);
    const [reply] = createReplyParser().push(
      new TextEncoder().encode('535 5.7.8 bad password hunter2-pass\r\n'),
    );
    // The one conversion (reply-info.ts) scrubs; publishing passes the value on as it is.
    const info = toReplyInfo(reply as NonNullable<typeof reply>, 'AUTH', secrets);
    publishClient('reply', { reply: info }, secrets);
    expect(commands).toEqual([{ line: `XCMD ${REDACTED}`, sensitive: false }]);
    expect(replies[0]).toEqual({
      reply: {
        ...info,
        lines: [`5.7.8 bad password ${REDACTED}`],
        text: `bad password ${REDACTED}`,
      },
    });
  });

  it('publishes errors', () => {
    const messages = listen('error');
    const error = new SecurityError('SMTP_AUTH_INSECURE', 'no');
    publishClient('error', { error });
    expect(messages).toEqual([{ error }]);
  });
});
