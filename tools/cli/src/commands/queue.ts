/**
 * `smtp queue`: a durable outbox on Redis (`@smtp/queue`). `add` stores `.eml` files, `worker`
 * sends them until stopped, `stats` counts the jobs by state, `held` lists the jobs held as
 * `unknown` (they may have been delivered), and `release` or `discard` settles those by id. The
 * work is in queue-add.ts, queue-worker.ts and queue-admin.ts; this module is the commands and
 * their help.
 */
import { type Command, Option } from 'commander';
import { parseConcurrency, parseConnections, parseRate } from '../pool-flags.ts';
import { type QueueAddFlags, runQueueAdd } from '../queue-add.ts';
import {
  type QueueAdminFlags,
  runQueueHeld,
  runQueueHeldAction,
  runQueueStats,
} from '../queue-admin.ts';
import { addQueueOptions, parseDelay, parsePriority, REDIS_HELP } from '../queue-flags.ts';
import { type QueueWorkerFlags, runQueueWorker } from '../queue-worker.ts';
import {
  addConnectionOptions,
  addOutputOptions,
  type CommandContext,
  CREDENTIALS_HELP,
  collect,
} from './shared.ts';

/** The exit codes of the queue commands. */
const QUEUE_EXIT_HELP = `Exit codes: 0 done (worker: stopped by a signal after finishing its jobs);
2 bad input (an option, a file, the Redis URL, an id that cannot be a job id):
nothing was changed; 5 Redis could not be reached or refused the password:
nothing was changed; 7 release/discard: the queue holds no job with that id, or
it is not held (the other ids given were still done). A worker stopped at once
by a second signal exits 128 + the signal's number: 130 (SIGINT), 143 (SIGTERM).
See 'smtp --help' for the full table.`;

const QUEUE_EXAMPLES = `
Examples:
  $ export SMTP_REDIS_URL=redis://:secret@127.0.0.1:6379
  $ smtp queue add outbox/ --from news@example.com --to list@example.org \\
      --id-from-name
  $ smtp queue worker --url smtps://ana%40example.com@smtp.example.com --rate 100/s
  $ smtp queue stats
  $ smtp queue held --json
  $ smtp queue release welcome-42
  $ smtp queue discard welcome-43

Messages are stored once, with their envelope, and sent by any number of
workers, on any number of machines. A job whose message may have reached the
server when its outcome was lost (a dropped connection after the end of data, a
worker that died) is held, never sent again by itself: look at it with
'smtp queue held', then 'smtp queue release ID' sends it again and
'smtp queue discard ID' drops it.

${REDIS_HELP}

${QUEUE_EXIT_HELP}
`;

const WORKER_EXAMPLES = `
Examples:
  $ SMTP_REDIS_URL=redis://127.0.0.1:6379 smtp queue worker \\
      --url smtps://ana%40example.com@smtp.example.com
  $ smtp queue worker --redis redis://127.0.0.1:6379 --url smtp://localhost:2525 \\
      --connections 4 --concurrency 8 --rate 600/m --queue newsletters --verbose

The worker runs until SIGTERM or SIGINT: it then takes no new jobs, lets the
ones in flight finish (their outcome recorded), QUITs and exits 0. A second
signal exits at once: a job that may have reached the server is held when it is
found again, the others are sent by the next worker, so nothing is sent twice.
--connections sizes this worker's pool (default: 5); --concurrency is the jobs
it works on at once (default: twice --connections); --rate limits the messages
started by every worker of the queue together, not by this one. A failure that
may pass (not sent, a 4xx) is tried again with a growing delay, up to 5 attempts
in all; a 5xx fails the job; an unknown outcome holds it.
Lines on stderr start with the time: ready, stopping, stopped (with counts) and
Redis errors; --verbose adds one line per job (sent, retrying, failed, held)
with its id and Message-ID.

${CREDENTIALS_HELP}

${REDIS_HELP}

${QUEUE_EXIT_HELP}
`;

const ADD_EXAMPLES = `
Examples:
  $ smtp queue add welcome.eml --redis redis://127.0.0.1:6379 \\
      --from ana@example.com --to bob@example.org --id welcome-42
  $ smtp queue add outbox/ --from news@example.com --to list@example.org \\
      --id-from-name --delay 60000 --priority 10 --json

The files are stored as they are; the envelope (MAIL FROM, RCPT TO) comes from
--from and --to only, never from the headers, and is the same for every file. A
folder gives its *.eml files, in name order. Without an id each file is a new
job. With one (--id for one file, --id-from-name for each file's name without
.eml, e.g. welcome-42.eml is job welcome-42), adding it again stores nothing and
says 'already queued': safe to repeat. An id is not an integer and holds no ':'.
Each file prints its job id, and whether it was queued or already there.

${REDIS_HELP}

${QUEUE_EXIT_HELP}
`;

const STATS_EXAMPLES = `
Examples:
  $ smtp queue stats --redis redis://127.0.0.1:6379
  $ SMTP_REDIS_URL=redis://:secret@127.0.0.1:6379 smtp queue stats \\
      --queue newsletters --json

waiting: not started yet (delayed: not before their time); active: being sent;
completed: sent (the newest 10 000 are kept); failed: refused for good or out of
attempts; held: may have been delivered, waiting for release or discard.

${REDIS_HELP}

${QUEUE_EXIT_HELP}
`;

const HELD_EXAMPLES = `
Examples:
  $ smtp queue held --redis redis://127.0.0.1:6379
  $ smtp queue held --json | jq -r '.held[].id'

A held job's message may have been delivered: the end of data reached the
server and no final reply came, or a worker stopped in between. For each: its
id, Message-ID, envelope, when and why it was held. Look for the Message-ID on
the recipient's side, then 'smtp queue release ID' sends it again and
'smtp queue discard ID' drops it (it arrived, or is not to be sent).

${REDIS_HELP}

${QUEUE_EXIT_HELP}
`;

function heldActionExamples(action: 'release' | 'discard'): string {
  const what =
    action === 'release'
      ? 'puts each held job back in the queue, its attempts reset:\nthe message is sent again (a second copy, if the first one did arrive).'
      : 'removes each held job for good: its message is not sent\nagain.';
  return `
Examples:
  $ smtp queue ${action} welcome-42 --redis redis://127.0.0.1:6379
  $ smtp queue held --json | jq -r '.held[].id' | xargs smtp queue ${action}

smtp queue ${action} ${what}
Only held jobs (smtp queue held) can be ${action === 'release' ? 'released' : 'discarded'}; for an id the queue does
not hold, or a job that is not held, it says so and exits 7, after doing the
others.

${REDIS_HELP}

${QUEUE_EXIT_HELP}
`;
}

/** Registers `smtp queue` and its commands. */
export function registerQueue(program: Command, context: CommandContext): void {
  const queue = program
    .command('queue')
    .summary('a durable outbox on Redis: add .eml files, run workers, settle held jobs')
    .description(
      'A durable outbox on Redis (BullMQ): store messages once, send them with any number of ' +
        'workers, and decide about the ones that may have been delivered (held).',
    )
    .addHelpText('after', QUEUE_EXAMPLES);

  const worker = queue
    .command('worker')
    .summary('send the queued messages until SIGTERM or SIGINT')
    .description(
      'Take jobs from the queue and send them through a pool of connections to --url, until ' +
        'SIGTERM or SIGINT.',
    )
    .addOption(
      new Option(
        '--connections <n>',
        "this worker's connections to the server, 1 to 1000 (default: 5)",
      ).argParser(parseConnections),
    )
    .addOption(
      new Option(
        '--concurrency <n>',
        'jobs this worker works on at once, 1 to 1000 (default: twice --connections)',
      ).argParser(parseConcurrency),
    )
    .addOption(
      new Option(
        '--rate <n/unit>',
        'start at most this many messages per second, minute or hour across every worker of the queue: 10/s, 600/m',
      ).argParser(parseRate),
    );
  addQueueOptions(worker);
  addConnectionOptions(
    worker,
    true,
    'one line per job on stderr (sent, retrying, failed, held) with its id and Message-ID',
  );
  worker.addHelpText('after', WORKER_EXAMPLES).action(async (flags: QueueWorkerFlags) => {
    context.exitCode = await runQueueWorker(flags, context);
  });

  const add = queue
    .command('add')
    .summary('store .eml files in the queue, to be sent by the workers')
    .description(
      'Store .eml files (or the .eml files of folders) in the queue as they are, with the ' +
        'envelope from --from and --to, and print each job id.',
    )
    .argument('<paths...>', '.eml files, or folders of them')
    .option('--from <address>', 'the envelope sender')
    .option('--to <addresses>', 'a recipient or a comma-separated list (repeatable)', collect)
    .option('--id <id>', 'the job id, for one file: adding it again stores nothing')
    .addOption(
      new Option('--id-from-name', "each file's job id is its name without .eml").conflicts('id'),
    )
    .addOption(
      new Option('--delay <ms>', 'send no earlier than this many milliseconds from now').argParser(
        parseDelay,
      ),
    )
    .addOption(
      new Option(
        '--priority <n>',
        'send before the jobs of a larger number: 1 is the highest (default: in order of adding)',
      ).argParser(parsePriority),
    );
  addQueueOptions(add);
  addOutputOptions(add);
  add.addHelpText('after', ADD_EXAMPLES).action(async (paths: string[], flags: QueueAddFlags) => {
    context.exitCode = await runQueueAdd(paths, flags, context);
  });

  const stats = queue
    .command('stats')
    .summary('count the jobs by state')
    .description(
      'Count the jobs of the queue by state: waiting, delayed, active, completed, failed, held.',
    );
  addQueueOptions(stats);
  addOutputOptions(stats);
  stats.addHelpText('after', STATS_EXAMPLES).action(async (flags: QueueAdminFlags) => {
    context.exitCode = await runQueueStats(flags, context);
  });

  const held = queue
    .command('held')
    .summary('list the jobs held because they may have been delivered')
    .description(
      'List the jobs held as unknown, oldest first: id, Message-ID, envelope, when and why.',
    );
  addQueueOptions(held);
  addOutputOptions(held);
  held.addHelpText('after', HELD_EXAMPLES).action(async (flags: QueueAdminFlags) => {
    context.exitCode = await runQueueHeld(flags, context);
  });

  for (const action of ['release', 'discard'] as const) {
    const command = queue
      .command(action)
      .summary(
        action === 'release'
          ? 'send held jobs again'
          : 'drop held jobs: their messages are not sent again',
      )
      .description(
        action === 'release'
          ? 'Put held jobs back in the queue, to be sent again by the workers.'
          : 'Remove held jobs from the queue for good.',
      )
      .argument('<ids...>', 'the ids of held jobs (smtp queue held)');
    addQueueOptions(command);
    addOutputOptions(command);
    command
      .addHelpText('after', heldActionExamples(action))
      .action(async (ids: string[], flags: QueueAdminFlags) => {
        context.exitCode = await runQueueHeldAction(action, ids, flags, context);
      });
  }

  for (const command of [queue, ...queue.commands]) {
    const name = command === queue ? '' : `${command.name()} `;
    command.showHelpAfterError(`(run 'smtp queue ${name}--help' for usage)`);
  }
}
