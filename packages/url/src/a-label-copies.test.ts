import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * `@smtp/url` and `@smtp/mime` are leaves, so each keeps its own copy of the A-label check and
 * the Punycode decoder it stands on (and of their tests). This keeps the copies word for word the
 * same, so a fix made in one package cannot be forgotten in the other.
 */
const COPIED = [
  'punycode.ts',
  'punycode.test.ts',
  'punycode.property.test.ts',
  'a-label.ts',
  'a-label.test.ts',
];

function source(path: string): string {
  return readFileSync(new URL(path, import.meta.url), 'utf8');
}

describe('the copies in @smtp/mime', () => {
  it.each(COPIED)('%s is the same in packages/url and packages/mime', (file) => {
    expect(source(`../../mime/src/${file}`)).toBe(source(`./${file}`));
  });
});
