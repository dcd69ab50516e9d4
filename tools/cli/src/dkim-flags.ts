/**
 * DKIM signing for `smtp send` (one message or `--count`) and `smtp bulk`: `--dkim-key FILE`,
 * `--dkim-selector S` and `--dkim-domain D`, each repeatable for several signatures (an Ed25519
 * and an RSA one, the first on top); the n-th of each belong together. The key files are read
 * and the signers made before anything is sent, so a key that cannot be read is exit code 2 and
 * no connection, however many messages were asked for.
 */
import type { DkimSigner } from '@smtp/client';
import { createDkimSigner } from '@smtp/dkim';
import type { Command } from 'commander';
import { CliInputError } from './cli-error.ts';
import { collect } from './commands/shared.ts';
import { type CliIo, writeLine } from './io.ts';
import { readUserFile } from './message-input.ts';

/** The DKIM options as commander parses them. */
export interface DkimFlags {
  readonly dkimKey?: readonly string[];
  readonly dkimSelector?: readonly string[];
  readonly dkimDomain?: readonly string[];
}

/** The help on DKIM signing, shown by `send` and `bulk`. */
export const DKIM_HELP = `DKIM: --dkim-key FILE --dkim-selector S --dkim-domain D signs every message with
the PEM private key in FILE (PKCS#8 or PKCS#1 RSA, PKCS#8 Ed25519; or a base64
Ed25519 seed) for S._domainkey.D. Repeat the three for several signatures (an
Ed25519 and an RSA one): the n-th of each belong together, the first signature
goes on top. 'smtp dkim keygen' makes a key and prints the DNS record to publish.`;

/** Adds `--dkim-key`, `--dkim-selector` and `--dkim-domain`. */
export function addDkimOptions(command: Command): Command {
  return command
    .option(
      '--dkim-key <file>',
      'DKIM-sign with the private key in this PEM file (repeatable)',
      collect,
    )
    .option(
      '--dkim-selector <selector>',
      'the selector (s=) of the --dkim-key in the same place',
      collect,
    )
    .option(
      '--dkim-domain <domain>',
      'the signing domain (d=) of the --dkim-key in the same place',
      collect,
    );
}

/**
 * The signers for the flags, in order, or `undefined` when none is asked for. The key files are
 * read relative to `io.cwd`; a key warning (an RSA key under 2048 bits) goes to stderr.
 *
 * @throws {CliInputError} `SMTP_CLI_USAGE` when the three flags are not given the same number of
 *   times; `SMTP_CLI_FILE` for a key file that cannot be read.
 * @throws DkimError A key that cannot be used, a bad selector or domain (exit code 2).
 */
export async function dkimSigners(
  flags: DkimFlags,
  io: Pick<CliIo, 'cwd' | 'stderr'>,
): Promise<DkimSigner[] | undefined> {
  const keys = flags.dkimKey ?? [];
  const selectors = flags.dkimSelector ?? [];
  const domains = flags.dkimDomain ?? [];
  if (keys.length === 0 && selectors.length === 0 && domains.length === 0) return undefined;
  if (keys.length !== selectors.length || keys.length !== domains.length) {
    throw new CliInputError(
      'SMTP_CLI_USAGE',
      `--dkim-key, --dkim-selector and --dkim-domain go together: give each the same number of times (got ${keys.length}, ${selectors.length} and ${domains.length})`,
    );
  }
  const signers: DkimSigner[] = [];
  for (let n = 0; n < keys.length; n++) {
    const file = keys[n] as string;
    const privateKey = new Uint8Array(await readUserFile('--dkim-key', file, io.cwd));
    signers.push(
      await createDkimSigner({
        domain: domains[n] as string,
        selector: selectors[n] as string,
        privateKey,
        onWarning: (warning) =>
          writeLine(io.stderr, `smtp: warning: --dkim-key ${file}: ${warning}`),
      }),
    );
  }
  return signers;
}
