/**
 * `smtp schemes`: the scheme table, printed from `@smtp/url`'s `SMTP_SCHEMES` so the CLI never
 * repeats it by hand.
 */

import { SMTP_SCHEMES, type SmtpSchemeInfo } from '@smtp/url';
import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.ts';
import { writeLine } from '../io.ts';
import type { CommandContext } from './shared.ts';

/** One row of the table, as `--json` prints it. */
export interface SchemeRow {
  readonly scheme: string;
  readonly defaultPort: number;
  readonly security: string;
  /** `smtp` or `lmtp` (RFC 2033): the dialogue the scheme speaks. */
  readonly protocol: string;
  readonly description: string;
  readonly aliasOf: string | null;
}

/** The table's rows, in `SMTP_SCHEMES` order. */
export function schemeRows(): SchemeRow[] {
  return Object.entries(SMTP_SCHEMES).map(([scheme, info]: [string, SmtpSchemeInfo]) => ({
    scheme,
    defaultPort: info.defaultPort,
    security: info.security,
    protocol: info.protocol,
    description: info.description,
    aliasOf: info.aliasOf ?? null,
  }));
}

/** The table as text: one line per scheme, aligned columns, a header line. */
export function formatSchemes(rows: readonly SchemeRow[]): string {
  const header = ['scheme', 'port', 'security', 'protocol', 'meaning'];
  const lines = [
    header,
    ...rows.map((row) => [
      row.scheme,
      String(row.defaultPort),
      row.security,
      row.protocol,
      row.description,
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...lines.map((line) => (line[i] ?? '').length)));
  return lines
    .map((line) =>
      line
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Registers `smtp schemes`. */
export function registerSchemes(program: Command, context: CommandContext): void {
  program
    .command('schemes')
    .summary('print the SMTP URL schemes, default ports and security')
    .description('Print the SMTP URL schemes this tool accepts, from @smtp/url.')
    .option('--json', 'print the table as a JSON array')
    .addHelpText('after', '\nExamples:\n  $ smtp schemes\n  $ smtp schemes --json\n')
    .action((flags: { json?: boolean }) => {
      const rows = schemeRows();
      writeLine(
        context.io.stdout,
        flags.json === true ? JSON.stringify(rows) : formatSchemes(rows),
      );
      context.exitCode = ExitCode.ok;
    });
}
