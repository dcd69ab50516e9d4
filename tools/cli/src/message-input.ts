/**
 * Turns `smtp send` options into what `SmtpClient.send()` takes: a `Message` built from the
 * options, or a raw `.eml` file with an envelope. Every file is checked before anything is sent
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

function reason(error: unknown): string {
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

/**
 * Builds the input of `send()` from the flags.
 *
 * @throws {CliInputError} A flag combination that makes no sense, or a file that cannot be read.
 * @throws An `@smtp/mime` error for an invalid address, header or message (exit code 2).
 */
export async function prepareInput(flags: MessageFlags, cwd: string): Promise<PreparedInput> {
  const to = flags.to ?? [];
  const cc = flags.cc ?? [];
  const bcc = flags.bcc ?? [];
  if (flags.from === undefined) throw new CliInputError('SMTP_CLI_USAGE', 'missing --from');
  if (to.length + cc.length + bcc.length === 0) {
    throw new CliInputError('SMTP_CLI_USAGE', 'missing recipient: give --to, --cc or --bcc');
  }
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
    const [from] = envelopeAddresses([flags.from]);
    return {
      input: { envelope: { from: from ?? '', to: envelopeAddresses([...to, ...cc, ...bcc]) }, raw },
      size: raw.length,
      estimated: false,
    };
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
    from: flags.from,
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
  const message = new Message(options);
  const exact = message.envelope().size;
  if (exact !== undefined) return { input: message, size: exact, estimated: false };
  // Files go base64: 4 octets out for 3 in, plus line breaks; headers and bodies a little more.
  const textSize = Buffer.byteLength(text ?? '') + Buffer.byteLength(html ?? '');
  const fileSize = files.reduce((sum, file) => sum + Math.ceil((file.size * 4) / 3) * (78 / 76), 0);
  return { input: message, size: Math.round(2048 + textSize * 1.1 + fileSize), estimated: true };
}
