#!/usr/bin/env node
/**
 * The `smtp` executable: runs the CLI on the process arguments and exits with its code.
 */
import { runCli } from './cli.ts';

// `smtp ... | head`: a reader that goes away is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await runCli(process.argv.slice(2));
