// Runs the demo as the README's first command does and checks what it shows.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const demo = fileURLToPath(new URL('./demo.mjs', import.meta.url));

describe('demo', () => {
  it('runs, redacts the password and shows each step', () => {
    const output = execFileSync(process.execPath, [demo], { encoding: 'utf8' });
    expect(output).toContain('esmtp://demo%40example.com:***@mail.example.com');
    expect(output).not.toContain('s3cret');
    expect(output).toContain('250 mail.example.com Nice to meet you');
    expect(output).toContain('AUTH LOGIN, PLAIN');
    expect(output).toContain('..like this one\\r\\n');
    expect(output).toContain('".\\r\\n"');
    expect(output).toContain('InvalidInputError SMTP_INVALID_CHARACTER');
  });

  it('exits 1 with a clear message on a bad URL', () => {
    const run = spawnSync(process.execPath, [demo, 'smtp://user@host'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^demo failed: SMTP_URL_MISSING_PASSWORD: /);
  });
});
