/**
 * Turns `smtp send` options into what `SmtpClient.send()` takes: a `Message` built from the
 * options (or a factory of fresh ones, for `--count`), or a raw `.eml` file with an envelope
 * (the envelope of `smtp bulk` too). Every file is checked before anything is sent
 * (missing, a folder, unreadable), so a typo fails with exit code 2 and nothing on the wire.
 */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Message, type MessageOptions, type SendInput } from '@smtp/client';
import { CliInputError } from './cli-error.ts';

/** The message options of `smtp send`, as commander parses them. */
export interface MessageFlags {
  readonly from?: string;
  readonly to?: readonly string[];
  readonly cc?: readonly string[];
  readonly bcc?: readonly string[];
  readonly subject?: string;
  readonly text?: string;
  readonly textFile?: string;
  readonly htmlFile?: string;
  readonly attach?: readonly string[];
  readonly header?: readonly string[];
  readonly raw?: string;
}

/** A message ready for `send()`, and its size for the progress display. */
export interface PreparedInput {
  readonly input: SendInput;
  /** The size in octets: exact when `estimated` is false. */
  readonly size: number;
  readonly estimated: boolean;
}

/** Reads a file the user named, with an error that names the option and the reason. */
export async function readUserFile(option: string, path: string, cwd: string): Promise<Buffer> {
  const full = resolve(cwd, path);
  try {
    const info = await stat(full);
    if (!info.isFile()) throw new Error('not a regular file');
    return await readFile(full);
  } catch (error) {
    throw new CliInputError('SMTP_CLI_FILE', `cannot read ${option} ${path}: ${reason(error)}`, {
      cause: error,
    });
  }
}

/** Checks that a file can be attached; returns its absolute path and size. */
async function checkAttachment(path: string, cwd: string): Promise<{ path: string; size: number }> {
  const full = resolve(cwd, path);
  try {
    const info = await stat(full);
    if (!info.isFile()) throw new Error('not a regular file');
    await access(full, constants.R_OK);
    return { path: full, size: info.size };
  } catch (error) {
    throw new CliInputError('SMTP_CLI_FILE', `cannot attach ${path}: ${reason(error)}`, {
      cause: error,
    });
  }
}

/** Why a file could not be read, in a few words. */
export function reason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    if (code === 'EISDIR') return 'not a regular file';
    return error.message;
  }
  return String(error);
}

/** `Name: value` → `[name, value]`. */
export function parseHeaderFlag(flag: string): [string, string] {
  const colon = flag.indexOf(':');
  const name = colon > 0 ? flag.slice(0, colon).trim() : '';
  if (name === '') {
    throw new CliInputError(
      'SMTP_CLI_HEADER',
      `--header must look like 'Name: value', got ${JSON.stringify(flag)}`,
    );
  }
  return [name, flag.slice(colon + 1).trim()];
}

/** `a@x, b@y` and repeated flags → bare addresses, for a raw message's envelope. */
function envelopeAddresses(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .map((value) => /<([^>]*)>\s*$/.exec(value)?.[1] ?? value)
    .filter((value) => value !== '');
}

/** The envelope of a raw message: `--from` and every `--to`, `--cc` and `--bcc` address. */
export interface RawEnvelope {
  readonly from: string;
  readonly to: string[];
}

/**
 * Checks that the flags name a sender and a recipient, the two things every send needs.
 *
 * Returns `--from`.
 *
 * @throws {CliInputError} `SMTP_CLI_USAGE` naming what is missing.
 */
function requireEnvelopeFlags(flags: MessageFlags): string {
  if (flags.from === undefined) throw new CliInputError('SMTP_CLI_USAGE', 'missing --from');
  if ((flags.to ?? []).length + (flags.cc ?? []).length + (flags.bcc ?? []).length === 0) {
    throw new CliInputError('SMTP_CLI_USAGE', 'missing recipient: give --to, --cc or --bcc');
  }
  return flags.from;
}

/**
 * The envelope a raw message is sent with (`send --raw`, `bulk`): taken from the flags only,
 * never from the message's headers; display names and angle brackets are dropped.
 *
 * @throws {CliInputError} No `--from`, or no recipient.
 */
export function rawEnvelope(flags: MessageFlags): RawEnvelope {
  const [from] = envelopeAddresses([requireEnvelopeFlags(flags)]);
  return {
    from: from ?? '',
    to: envelopeAddresses([...(flags.to ?? []), ...(flags.cc ?? []), ...(flags.bcc ?? [])]),
  };
}

/**
 * Makes a fresh `Message` from the same options at each call, each with its own Message-ID and
 * Date (`send --count`); the files are read and checked once, when the factory is made.
 */
export interface MessageFactory {
  /** A new message; the first one is the message the options were checked with. */
  next(): Message;
  /** The size of one message in octets: exact when `estimated` is false. */
  readonly size: number;
  readonly estimated: boolean;
}

/**
 * Builds the input of `send()` from the flags.
 *
 * @throws {CliInputError} A flag combination that makes no sense, or a file that cannot be read.
 * @throws An `@smtp/mime` error for an invalid address, header or message (exit code 2).
 */
export async function prepareInput(flags: MessageFlags, cwd: string): Promise<PreparedInput> {
  requireEnvelopeFlags(flags);
  if (flags.raw !== undefined) {
    const clash = (['subject', 'text', 'textFile', 'htmlFile', 'attach', 'header'] as const).filter(
      (key) => {
        const value = flags[key];
        return Array.isArray(value) ? value.length > 0 : value !== undefined;
      },
    );
    if (clash.length > 0) {
      throw new CliInputError(
        'SMTP_CLI_USAGE',
        '--raw sends the file as it is: it cannot be combined with --subject, --text, --text-file, --html-file, --attach or --header',
      );
    }
    const raw = new Uint8Array(await readUserFile('--raw', flags.raw, cwd));
    return { input: { envelope: rawEnvelope(flags), raw }, size: raw.length, estimated: false };
  }
  const factory = await prepareMessageFactory(flags, cwd);
  return { input: factory.next(), size: factory.size, estimated: factory.estimated };
}

/**
 * Reads and checks the message options once (`--text-file`, `--html-file`, attachments,
 * headers, addresses) and returns a factory of fresh messages built from them.
 *
 * @throws {CliInputError} A flag combination that makes no sense, or a file that cannot be read.
 * @throws An `@smtp/mime` error for an invalid address, header or message (exit code 2).
 */
export async function prepareMessageFactory(
  flags: MessageFlags,
  cwd: string,
): Promise<MessageFactory> {
  const from = requireEnvelopeFlags(flags);
  const to = flags.to ?? [];
  const cc = flags.cc ?? [];
  const bcc = flags.bcc ?? [];
  if (flags.raw !== undefined) {
    throw new CliInputError(
      'SMTP_CLI_USAGE',
      '--raw sends one file as it is and cannot make fresh messages; use smtp bulk to send .eml files',
    );
  }
  if (flags.subject === undefined) throw new CliInputError('SMTP_CLI_USAGE', 'missing --subject');
  if (flags.text !== undefined && flags.textFile !== undefined) {
    throw new CliInputError('SMTP_CLI_USAGE', 'give --text or --text-file, not both');
  }
  const text =
    flags.textFile !== undefined
      ? (await readUserFile('--text-file', flags.textFile, cwd)).toString('utf8')
      : flags.text;
  const html =
    flags.htmlFile !== undefined
      ? (await readUserFile('--html-file', flags.htmlFile, cwd)).toString('utf8')
      : undefined;
  const files = await Promise.all((flags.attach ?? []).map((path) => checkAttachment(path, cwd)));
  const headers = (flags.header ?? []).map(parseHeaderFlag);
  const options: MessageOptions = {
    from,
    ...(to.length > 0 ? { to: [...to] } : {}),
    ...(cc.length > 0 ? { cc: [...cc] } : {}),
    ...(bcc.length > 0 ? { bcc: [...bcc] } : {}),
    subject: flags.subject,
    ...(text !== undefined ? { text } : {}),
    ...(html !== undefined ? { html } : {}),
    ...(files.length > 0
      ? { attachments: files.map((file) => ({ filename: basename(file.path), path: file.path })) }
      : {}),
    ...(headers.length > 0 ? { headers } : {}),
  };
  // The first message is built (and its envelope computed) now, so bad input fails before any
  // connection is made.
  let first: Message | undefined = new Message(options);
  const exact = first.envelope().size;
  const next = (): Message => {
    const message = first ?? new Message(options);
    first = undefined;
    return message;
  };
  if (exact !== undefined) return { next, size: exact, estimated: false };
  // Files go base64: 4 octets out for 3 in, plus line breaks; headers and bodies a little more.
  const textSize = Buffer.byteLength(text ?? '') + Buffer.byteLength(html ?? '');
  const fileSize = files.reduce((sum, file) => sum + Math.ceil((file.size * 4) / 3) * (78 / 76), 0);
  return { next, size: Math.round(2048 + textSize * 1.1 + fileSize), estimated: true };
}
