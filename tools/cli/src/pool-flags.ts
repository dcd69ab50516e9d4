/**
 * The options of a run of many messages through an `SmtpPool` (`send --count`, `bulk`):
 * `--count`, `--concurrency`, `--rate` and `--retries`, parsed by commander with an error that
 * says what a valid value looks like, and turned into the pool's settings.
 */
import type { PoolSettings } from '@smtp/client';
import { type Command, InvalidArgumentError, Option } from 'commander';

/** `--rate`: at most `limit` messages started in any window of `intervalMs`. */
export interface RateFlag {
  readonly limit: number;
  readonly intervalMs: number;
}

/** The pool options as commander parses them. */
export interface PoolFlags {
  readonly concurrency?: number;
  readonly rate?: RateFlag;
  readonly retries?: number;
}

/** The pool's defaults, as the help shows them. */
export const DEFAULT_CONCURRENCY = 5;
export const DEFAULT_RETRIES = 2;

/** The largest `--concurrency` and `--retries` the pool takes (pool-options.ts). */
const MAX_CONNECTIONS = 1000;
const MAX_RETRIES = 100;
const MAX_RATE = 1_000_000;

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000 };

/**
 * `value` as a whole number from `min` to `max`, for the option named `option`.
 *
 * @throws {InvalidArgumentError} With the range, for commander to show.
 */
export function wholeNumber(option: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new InvalidArgumentError(`${option} must be a whole number ${range}.`);
  }
  return n;
}

/** `--count N`: 1 or more. */
export function parseCount(value: string): number {
  return wholeNumber('--count', value, 1, Number.MAX_SAFE_INTEGER);
}

/** `--concurrency N`: connections at once, 1 to 1000. */
export function parseConcurrency(value: string): number {
  return wholeNumber('--concurrency', value, 1, MAX_CONNECTIONS);
}

/** `--connections N` (`smtp queue worker`): connections at once, 1 to 1000. */
export function parseConnections(value: string): number {
  return wholeNumber('--connections', value, 1, MAX_CONNECTIONS);
}

/** `--retries N`: further attempts after a temporary failure, 0 to 100. */
export function parseRetries(value: string): number {
  return wholeNumber('--retries', value, 0, MAX_RETRIES);
}

/** `--rate 10/s`, `600/m` or `1000/h`. */
export function parseRate(value: string): RateFlag {
  const match = /^\s*(\d+)\s*\/\s*([smh])\s*$/.exec(value);
  const limit = match !== null ? Number(match[1]) : Number.NaN;
  const intervalMs = match !== null ? UNITS[match[2] as string] : undefined;
  if (intervalMs === undefined || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_RATE) {
    throw new InvalidArgumentError(
      `--rate must be messages per second, minute or hour, like 10/s, 600/m or 1000/h (1 to ${MAX_RATE}).`,
    );
  }
  return { limit, intervalMs };
}

/** A parsed `--rate` as the user wrote it: `10/s`, `600/m`, `1000/h`. */
export function formatRateFlag(rate: RateFlag): string {
  const unit = Object.keys(UNITS).find((key) => UNITS[key] === rate.intervalMs);
  return unit === undefined ? `${rate.limit} per ${rate.intervalMs} ms` : `${rate.limit}/${unit}`;
}

/** The help on runs of many messages, shown by `send` and `bulk`. */
export const RUN_HELP = `Many messages go through a pool of --concurrency connections, at most --rate
messages started per second, minute or hour, and a temporary failure that left
the server untouched is tried again up to --retries times (never a 5xx, never
an unknown outcome). Messages are made or read only as the pool has room.
Progress goes to stderr: a bar on a terminal, a line at each quarter otherwise.
A message not accepted by every recipient is reported on stderr as it ends.
At the end, a summary: accepted, partial, rejected, not-sent, unknown, retried,
connections, elapsed, msg/s (accepted per second); --json prints it as one
JSON object. Ctrl-C stops taking messages and lets the ones handed over finish,
then prints the summary; a second Ctrl-C drops the connections.`;

/** Adds `--concurrency`, `--rate` and `--retries`. */
export function addPoolOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--concurrency <n>',
        `connections open at once, 1 to ${MAX_CONNECTIONS} (default: ${DEFAULT_CONCURRENCY})`,
      ).argParser(parseConcurrency),
    )
    .addOption(
      new Option(
        '--rate <n/unit>',
        'start at most this many messages per second, minute or hour: 10/s, 600/m, 1000/h',
      ).argParser(parseRate),
    )
    .addOption(
      new Option(
        '--retries <n>',
        `further attempts after a temporary failure, 0 to ${MAX_RETRIES} (default: ${DEFAULT_RETRIES})`,
      ).argParser(parseRetries),
    );
}

/**
 * The pool settings for the flags. The queue holds as many messages as there are connections,
 * and a full queue makes the next message wait (`whenFull: 'wait'`): messages are made or read
 * only as room frees up, so a large run never sits in memory.
 */
export function poolSettings(flags: PoolFlags): PoolSettings {
  const concurrency = flags.concurrency ?? DEFAULT_CONCURRENCY;
  return {
    maxConnections: concurrency,
    maxQueued: concurrency,
    whenFull: 'wait',
    retries: flags.retries ?? DEFAULT_RETRIES,
    ...(flags.rate !== undefined
      ? { rateLimit: flags.rate.limit, rateInterval: flags.rate.intervalMs }
      : {}),
  };
}
