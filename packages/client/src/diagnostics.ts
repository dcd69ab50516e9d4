/**
 * `node:diagnostics_channel` hooks for the client (undici style): APM tools and tests subscribe
 * to `smtp:client:connect`, `smtp:client:command`, `smtp:client:reply` and `smtp:client:error`
 * without the client knowing about them.
 *
 * Payloads are redacted before they are published (docs/security.md INV-10), because a subscriber
 * is as much an outside party as a log: command lines go through `redactCommandLine` (and the
 * secret registry when given), replies are published as sanitised `ReplyInfo` values, errors
 * are the client's typed errors, whose messages hold no secret. Nothing is built or published
 * when a channel has no subscribers, so an unobserved client pays one property read per event.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ReplyInfo } from './errors.ts';
import type { ResolvedClientOptions, Security } from './options.ts';
import { redactCommandLine, type Secrets } from './redact.ts';

/** The channel names, by event kind. */
export const CLIENT_CHANNELS = Object.freeze({
  connect: 'smtp:client:connect',
  command: 'smtp:client:command',
  reply: 'smtp:client:reply',
  error: 'smtp:client:error',
} as const);

/** An event kind: a key of {@link CLIENT_CHANNELS}. */
export type ClientChannelKind = keyof typeof CLIENT_CHANNELS;

/** Fields every message may carry, so a subscriber can tell connections apart. */
export interface ClientMessageBase {
  /** The transport's connection id, when there is a connection. */
  readonly connectionId?: number | undefined;
}

/** `smtp:client:connect`: the client is about to connect (no credentials, ever). */
export interface ClientConnectMessage extends ClientMessageBase {
  readonly target: ResolvedClientOptions['target'];
  readonly security: Security;
  readonly clientName: string;
  /** The proxy as `scheme://host:port` (never its credentials), when there is one. */
  readonly proxy?: string;
}

/**
 * `smtp:client:command`: a command line the client wrote, redacted. Publish with the raw line
 * and whether it is a SASL continuation (`sensitive`); subscribers receive the redacted line.
 */
export interface ClientCommandMessage extends ClientMessageBase {
  readonly line: string;
  readonly sensitive: boolean;
}

/**
 * `smtp:client:reply`: a reply the client read, as a sanitised `ReplyInfo` already scrubbed of
 * secrets (`toReplyInfo(reply, command, secrets)`: the one conversion, reply-info.ts).
 */
export interface ClientReplyMessage extends ClientMessageBase {
  readonly reply: ReplyInfo;
}

/** `smtp:client:error`: an operation failed with this (typed, secret-free) error. */
export interface ClientErrorMessage extends ClientMessageBase {
  readonly error: Error;
}

/** The message type of each channel. */
export interface ClientChannelMessages {
  readonly connect: ClientConnectMessage;
  readonly command: ClientCommandMessage;
  readonly reply: ClientReplyMessage;
  readonly error: ClientErrorMessage;
}

const channels = {
  connect: diagnosticsChannel.channel(CLIENT_CHANNELS.connect),
  command: diagnosticsChannel.channel(CLIENT_CHANNELS.command),
  reply: diagnosticsChannel.channel(CLIENT_CHANNELS.reply),
  error: diagnosticsChannel.channel(CLIENT_CHANNELS.error),
} as const;

/** True when `kind` has subscribers; check it before building a costly payload. */
export function hasClientSubscribers(kind: ClientChannelKind): boolean {
  return channels[kind].hasSubscribers;
}

/**
 * Publishes one event on its channel, if anyone listens. Command lines are redacted here
 * (`redactCommandLine(line, sensitive)`), and with `secrets` also scrubbed of registered
 * secrets; replies come already scrubbed (see {@link ClientReplyMessage}). The published message is
 * frozen. A subscriber that throws does not reach the client: `diagnostics_channel` reports it
 * on `process` as an uncaught exception instead, as Node documents.
 *
 * @example
 * ```ts
 * publishClient('command', { line: 'AUTH PLAIN AGEAYg==', sensitive: false }, secrets);
 * // subscribers of smtp:client:command get { line: 'AUTH PLAIN <redacted>', sensitive: false }
 * ```
 */
export function publishClient<K extends ClientChannelKind>(
  kind: K,
  payload: ClientChannelMessages[K],
  secrets?: Secrets,
): void {
  const channel = channels[kind];
  if (!channel.hasSubscribers) return;
  let message: object = payload;
  if (kind === 'command') {
    const command = payload as ClientCommandMessage;
    const line = redactCommandLine(command.line, command.sensitive);
    message = { ...command, line: secrets === undefined ? line : secrets.scrub(line) };
  } else {
    message = { ...payload };
  }
  channel.publish(Object.freeze(message));
}
