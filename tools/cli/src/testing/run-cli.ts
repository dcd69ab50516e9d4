/**
 * Runs the built `smtp` command as a child process, as a user would: `node dist/bin.js ...`,
 * asynchronously (the test servers live in the test's own process), with an environment free of
 * the caller's `SMTP_*` variables.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built entry point. */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

/** What a run printed and how it ended. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The process environment without `SMTP_*` variables, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('SMTP_')) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs `node dist/bin.js ...args` and collects its output. */
export function runSmtp(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; command?: readonly string[] } = {},
): Promise<CliRun> {
  const [file, ...prefix] = options.command ?? [process.execPath, BIN];
  return new Promise((resolve, reject) => {
    const child = spawn(file ?? process.execPath, [...prefix, ...args], {
      env: cleanEnv(options.env),
      cwd: options.cwd ?? process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
