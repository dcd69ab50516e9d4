// Runs the demo as the README's first command does and checks what it shows.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';

const demo = new URL('./demo.mjs', import.meta.url).pathname;

test('the demo runs, redacts the password and shows each step', () => {
  const output = execFileSync(process.execPath, [demo], { encoding: 'utf8' });
  assert.match(output, /esmtp:\/\/demo%40example\.com:\*\*\*@mail\.example\.com/);
  assert.doesNotMatch(output, /s3cret/);
  assert.match(output, /250 mail\.example\.com Nice to meet you/);
  assert.match(output, /AUTH LOGIN, PLAIN/);
  assert.match(output, /\.\.like this one\\r\\n/);
  assert.match(output, /"\.\\r\\n"/);
  assert.match(output, /InvalidInputError SMTP_INVALID_CHARACTER/);
});

test('the demo exits 1 with a clear message on a bad URL', () => {
  const run = spawnSync(process.execPath, [demo, 'smtp://user@host'], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^demo failed: SMTP_URL_MISSING_PASSWORD: /);
});
