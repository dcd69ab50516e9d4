/**
 * `smtp dkim keygen`: makes a DKIM key pair (`generateDkimKey` from `@smtp/dkim`) and prints the
 * DNS TXT record to publish (`<selector>._domainkey.<domain>`, `v=DKIM1; k=...; p=...`).
 *
 * The private key (PKCS#8 PEM) goes to `--out FILE`, created with mode 0600 and never over an
 * existing file (a key is not overwritten by a typo), and the record to stdout. Without `--out`
 * the key goes to stdout and the record to stderr, so `smtp dkim keygen ... > key.pem` leaves
 * a file that holds the key alone.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type DkimAlgorithm, dkimDnsRecord, generateDkimKey } from '@smtp/dkim';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CliInputError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { formatTable } from '../format.ts';
import { type CliIo, writeLine } from '../io.ts';
import { reason } from '../message-input.ts';
import { reportError } from '../output.ts';
import type { CommandContext } from './shared.ts';

/** The options of `smtp dkim keygen`. */
export interface KeygenFlags {
  readonly selector: string;
  readonly domain: string;
  readonly algorithm: 'rsa' | 'ed25519';
  readonly bits?: number;
  readonly out?: string;
}

/** The RSA sizes `--bits` takes: 1024 is the least a verifier accepts, 2048 the advice. */
const MIN_BITS = 1024;
const MAX_BITS = 8192;

/** `--bits N`: an RSA key size in bits. */
export function parseBits(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < MIN_BITS || n > MAX_BITS) {
    throw new InvalidArgumentError(
      `--bits must be a whole number from ${MIN_BITS} to ${MAX_BITS} (2048 is the usual size).`,
    );
  }
  return n;
}

const EXAMPLES = `
Examples:
  $ smtp dkim keygen --selector mail2026 --domain example.com --out mail2026.pem
  $ smtp dkim keygen --selector ed2026 --domain example.com --algorithm ed25519 \\
      --out ed2026.pem
  $ smtp dkim keygen --selector s1 --domain example.com > s1.pem

With --out the private key (PKCS#8 PEM) is written to FILE with mode 0600 (an
existing file is never overwritten) and the DNS TXT record goes to stdout.
Without --out the key goes to stdout and the record to stderr, so a redirect
keeps the key alone. Publish the record, then sign with
  smtp send --dkim-key FILE --dkim-selector SELECTOR --dkim-domain DOMAIN ...
RFC 8463 advises signing with an Ed25519 and an RSA key together: make one of
each and give both to smtp send.

Exit codes: 0 done; 2 bad input (an option, a selector or domain that cannot
be used, an --out file that exists or cannot be written).`;

/** Registers `smtp dkim` and its `keygen` command. */
export function registerDkim(program: Command, context: CommandContext): void {
  const dkim = program
    .command('dkim')
    .summary('DKIM tools: make a signing key and its DNS record')
    .description('DKIM tools. To sign what you send, see --dkim-key in smtp send --help.');
  const keygen = dkim
    .command('keygen')
    .summary('make a DKIM key pair and print the DNS TXT record to publish')
    .description(
      'Make a DKIM private key (PKCS#8 PEM) and print the DNS TXT record that publishes its ' +
        'public key: <selector>._domainkey.<domain>, v=DKIM1; k=...; p=...',
    )
    .requiredOption('--selector <selector>', 'the selector (s=), e.g. mail2026')
    .requiredOption('--domain <domain>', 'the signing domain (d=), e.g. example.com')
    .addOption(
      new Option('--algorithm <algorithm>', 'the key type')
        .choices(['rsa', 'ed25519'])
        .default('rsa'),
    )
    .addOption(
      new Option(
        '--bits <n>',
        `RSA key size, ${MIN_BITS} to ${MAX_BITS} (default: 2048)`,
      ).argParser(parseBits),
    )
    .option('--out <file>', 'write the private key to this new file (mode 0600)')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: KeygenFlags) => {
      context.exitCode = await runKeygen(flags, context.io);
    });
  for (const command of [dkim, keygen]) {
    command.showHelpAfterError(
      `(run 'smtp dkim ${command === dkim ? '' : 'keygen '}--help' for usage)`,
    );
  }
}

/** Runs `smtp dkim keygen` and returns its exit code. */
export async function runKeygen(flags: KeygenFlags, io: CliIo): Promise<ExitCodeValue> {
  try {
    if (flags.bits !== undefined && flags.algorithm !== 'rsa') {
      throw new CliInputError('SMTP_CLI_USAGE', '--bits is for RSA keys only');
    }
    const key = await generateDkimKey({
      algorithm: flags.algorithm,
      ...(flags.bits !== undefined ? { bits: flags.bits } : {}),
    });
    // The record first: a selector or domain it refuses fails before any file is written.
    const record = dkimDnsRecord({
      selector: flags.selector,
      domain: flags.domain,
      algorithm: key.algorithm,
      publicKey: key.publicKey,
    });
    if (flags.out === undefined) {
      io.stdout.write(key.privateKey);
      printRecord(io.stderr, record, key.algorithm);
      return ExitCode.ok;
    }
    const path = resolve(io.cwd, flags.out);
    await writeNewFile(path, flags.out, key.privateKey);
    writeLine(io.stdout, `private key (${key.algorithm}) written to ${flags.out} (mode 0600)`);
    printRecord(io.stdout, record, key.algorithm);
    return ExitCode.ok;
  } catch (error) {
    return reportError(error, io, false);
  }
}

/** Creates `path` with mode 0600 and writes `text`; an existing file is an error, kept as is. */
async function writeNewFile(path: string, shown: string, text: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    const why =
      (error as NodeJS.ErrnoException).code === 'EEXIST'
        ? 'the file exists (a key is never overwritten: choose another name or remove it)'
        : reason(error);
    throw new CliInputError('SMTP_CLI_FILE', `cannot write --out ${shown}: ${why}`, {
      cause: error,
    });
  }
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

function printRecord(
  stream: CliIo['stdout'],
  record: { readonly name: string; readonly value: string },
  algorithm: DkimAlgorithm,
): void {
  writeLine(stream, `publish this DNS TXT record (${algorithm}):`);
  writeLine(
    stream,
    formatTable([
      ['name', record.name],
      ['value', record.value],
    ]),
  );
}
