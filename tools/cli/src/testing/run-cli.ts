/**
 * Runs the built `smtp` command as a child process, as a user would: `node dist/bin.js ...`,
 * asynchronously (the test servers live in the test's own process), with an environment free of
 * the caller's `SMTP_*` variables.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
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

/** Options of {@link runSmtp} and {@link startSmtp}. */
export interface RunOptions {
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** Runs this instead of `node dist/bin.js` (the args are appended). */
  readonly command?: readonly string[];
}

/** A started run: the child (to signal it) and what it printed once it exits. */
export interface StartedRun {
  readonly child: ChildProcessWithoutNullStreams;
  /** What was printed so far. */
  readonly output: () => { readonly stdout: string; readonly stderr: string };
  readonly done: Promise<CliRun>;
}

/** Starts `node dist/bin.js ...args` without waiting for it (for tests that signal it). */
export function startSmtp(args: readonly string[], options: RunOptions = {}): StartedRun {
  const [file, ...prefix] = options.command ?? [process.execPath, BIN];
  const child = spawn(file ?? process.execPath, [...prefix, ...args], {
    env: cleanEnv(options.env),
    cwd: options.cwd ?? process.cwd(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, output: () => ({ stdout, stderr }), done };
}

/** Runs `node dist/bin.js ...args` and collects its output. */
export function runSmtp(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  return startSmtp(args, options).done;
}
