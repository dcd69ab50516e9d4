/**
 * What a command reads and writes, gathered in one object so tests can run the CLI in process
 * with fake streams, and `bin.ts` passes the real ones.
 */

/** A stream the CLI writes to; `isTTY` decides between a progress bar and plain lines. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The process around a command. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Read only for the password prompt (and only when it is a terminal). */
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** The environment: `SMTP_URL`, `SMTP_USER`, `SMTP_PASSWORD`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths (files, `--out`) are resolved against this folder. */
  readonly cwd: string;
}

/** The real process streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Writes one line (a newline is added). */
export function writeLine(stream: OutputStream, line = ''): void {
  stream.write(`${line}\n`);
}
