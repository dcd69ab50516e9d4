import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SMTP_SCHEMES } from './scheme-table.ts';

/**
 * The README's scheme table is a copy of `SMTP_SCHEMES` (Markdown cannot print data): this keeps
 * the copy honest, so a row added to the data without the README, or the other way round, fails.
 */
function readmeSchemeRows(): string[][] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split('\n## Schemes\n')[1]?.split('\n## ')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim().replaceAll('`', '')),
    );
}

describe('README scheme table', () => {
  it('lists every scheme of SMTP_SCHEMES, in order, with its port, security and protocol', () => {
    const rows = readmeSchemeRows().map(([scheme, port, security, protocol]) => [
      scheme,
      Number(port),
      security,
      protocol,
    ]);
    expect(rows).toEqual(
      Object.entries(SMTP_SCHEMES).map(([scheme, info]) => [
        scheme,
        info.defaultPort,
        info.security,
        info.protocol,
      ]),
    );
  });
});
