/**
 * `@smtp/cli`: the `smtp` command (send, bulk, queue, ping, dkim, schemes, demo). The bin is
 * `dist/bin.js`; this entry exposes {@link runCli} so the CLI can be run in process (tests,
 * wrappers).
 *
 * @packageDocumentation
 */
export { CLI_VERSION, createProgram, type RunCliOptions, runCli } from './cli.ts';
export { CliInputError, type CliInputErrorCode, CliRedisError } from './cli-error.ts';
export type { PasswordPrompt } from './credentials.ts';
export { runDemo } from './demo.ts';
export { EXIT_CODE_HELP, ExitCode, type ExitCodeValue, exitCodeFor } from './exit-codes.ts';
export type { CliIo, OutputStream } from './io.ts';
export { encodePng } from './png.ts';
