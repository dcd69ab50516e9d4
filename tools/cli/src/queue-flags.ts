/**
 * The options every `smtp queue` command shares, `--redis` (or `SMTP_REDIS_URL`) and `--queue`,
 * and the parsers of `queue add`'s `--delay` and `--priority`. The queue's name is `--queue`,
 * not `--name`: `--name` is the EHLO name wherever an SMTP server is involved (`queue worker`).
 */
import { type Command, Option } from 'commander';
import { wholeNumber } from './pool-flags.ts';

/** The options of every `smtp queue` command. */
export interface QueueFlags {
  readonly redis?: string;
  readonly queue?: string;
}

/** BullMQ's lowest priority (its highest is 1). */
const MAX_PRIORITY = 2_097_152;

/** `--delay MS`: 0 or more milliseconds. */
export function parseDelay(value: string): number {
  return wholeNumber('--delay', value, 0, Number.MAX_SAFE_INTEGER);
}

/** `--priority N`: 1 (the highest) to BullMQ's lowest. */
export function parsePriority(value: string): number {
  return wholeNumber('--priority', value, 1, MAX_PRIORITY);
}

/** Adds `--redis` and `--queue`. */
export function addQueueOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--redis <url>',
        'Redis, e.g. redis://127.0.0.1:6379 or rediss://:password@redis.example.com/0',
      ).env('SMTP_REDIS_URL'),
    )
    .option('--queue <name>', "the queue's name (default: smtp)");
}

/** The note on the Redis URL, shown by every `smtp queue` command. */
export const REDIS_HELP = `Redis: --redis (or SMTP_REDIS_URL) is
redis://[[user]:password@]host[:port][/db], or rediss:// for TLS. The password
is never printed: output shows the URL as redis://:***@host:port. Give a URL
with a password in SMTP_REDIS_URL rather than --redis: a command line lands in
shell history and ps output.`;
