/**
 * Progress while a large message is sent: a bar (cli-progress) with bytes sent, rate and time
 * left when the stream is a terminal; a plain line at each quarter otherwise, so logs and CI
 * output stay readable. Small messages show nothing: they are gone before a bar could draw.
 *
 * The bytes come from the client's transport events (`onEvent`, `data` events going `out`),
 * so what is counted is what was really written to the socket (commands included, a few
 * hundred bytes).
 *
 * Many messages (`send --count`, `bulk`) are counted rather than measured in bytes
 * ({@link createCountProgress}): the same bar or quarter lines, in messages, with the number
 * not accepted so far; lines written meanwhile (a failed message) go above the bar.
 */
import cliProgress from 'cli-progress';
import { formatBytes, formatMs, formatRate } from './format.ts';
import type { OutputStream } from './io.ts';

/** Messages smaller than this (in octets) show no progress. */
export const PROGRESS_THRESHOLD = 256 * 1024;

/** `bar` on a terminal, `lines` elsewhere, `off` for `--quiet`, `--json`, `--no-progress`. */
export type ProgressMode = 'bar' | 'lines' | 'off';

/** Tracks bytes written for one message. */
export interface Progress {
  /** Adds bytes just written. */
  add(bytes: number): void;
  /** Ends the display (the bar jumps to 100 % when `done`). */
  stop(done: boolean): void;
}

/** What {@link createProgress} needs. */
export interface ProgressOptions {
  readonly stream: OutputStream;
  /** The message size in octets, or an estimate (`estimated`). */
  readonly total: number;
  readonly estimated?: boolean;
  /** Forces a mode; default: `bar` when `stream.isTTY`, else `lines`. */
  readonly mode?: ProgressMode;
  /** The clock, for tests. */
  readonly now?: () => number;
}

/** The mode for a stream: `bar` on a terminal, `lines` otherwise. */
export function progressModeFor(stream: OutputStream): ProgressMode {
  return stream.isTTY === true ? 'bar' : 'lines';
}

const noProgress: Progress = { add() {}, stop() {} };

/**
 * Starts showing progress for a message of `total` octets; does nothing for a message under
 * {@link PROGRESS_THRESHOLD} or with mode `off`.
 */
export function createProgress(options: ProgressOptions): Progress {
  const mode = options.mode ?? progressModeFor(options.stream);
  if (mode === 'off' || options.total < PROGRESS_THRESHOLD) return noProgress;
  const now = options.now ?? (() => performance.now());
  const started = now();
  const total = options.total;
  const approx = options.estimated === true ? '~' : '';
  let sent = 0;

  const rateOf = (): number => {
    const seconds = (now() - started) / 1000;
    return seconds > 0 ? sent / seconds : 0;
  };

  if (mode === 'lines') {
    let quarter = 0;
    const line = (): string => {
      const shown = Math.min(sent, total);
      const rate = rateOf();
      const left = rate > 0 ? formatMs(((total - shown) / rate) * 1000) : '?';
      const percent = Math.floor((shown / total) * 100);
      return `sent ${formatBytes(shown)} of ${approx}${formatBytes(total)} (${percent}%), ${formatRate(rate)}, ${left} left\n`;
    };
    return {
      add(bytes) {
        sent += bytes;
        const reached = Math.min(4, Math.floor((sent / total) * 4));
        if (reached > quarter && reached < 4) {
          quarter = reached;
          options.stream.write(line());
        }
      },
      stop(done) {
        if (done) {
          sent = Math.max(sent, total);
          options.stream.write(line());
        }
      },
    };
  }

  const bar = new cliProgress.SingleBar(
    {
      stream: options.stream as NodeJS.WritableStream,
      format: `sending [{bar}] {percentage}% | {sentText} of ${approx}{totalText} | {rateText} | {etaText} left`,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 10,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (): Record<string, string> => {
    const shown = Math.min(sent, total);
    const rate = rateOf();
    return {
      sentText: formatBytes(shown),
      totalText: formatBytes(total),
      rateText: formatRate(rate),
      etaText: rate > 0 ? formatMs(((total - shown) / rate) * 1000) : '?',
    };
  };
  bar.start(total, 0, payload());
  return {
    add(bytes) {
      sent += bytes;
      bar.update(Math.min(sent, total), payload());
    },
    stop(done) {
      if (done) {
        sent = Math.max(sent, total);
        bar.update(total, payload());
      }
      bar.stop();
    },
  };
}

/** Tracks messages done out of a known number (`send --count`, `bulk`). */
export interface CountProgress {
  /** One message is done; `ok` when every recipient accepted it. */
  tick(ok: boolean): void;
  /** Writes a line (a newline is added) without breaking the bar: it goes above it. */
  log(line: string): void;
  /**
   * Ends the display at the count reached (a run may stop early); with `summary` false (a run
   * that failed before sending anything), lines mode prints no last line.
   */
  stop(summary?: boolean): void;
}

/** What {@link createCountProgress} needs. */
export interface CountProgressOptions {
  readonly stream: OutputStream;
  /** How many messages the run will send. */
  readonly total: number;
  /** Forces a mode; default: `bar` when `stream.isTTY`, else `lines`. */
  readonly mode?: ProgressMode;
  /** The clock, for tests. */
  readonly now?: () => number;
}

/** `12.3 msg/s`. */
export function formatMessageRate(perSecond: number): string {
  return `${perSecond.toFixed(1)} msg/s`;
}

/**
 * Starts showing how many of `total` messages are done: a bar on a terminal, a plain line at
 * each quarter (and at the end) elsewhere, nothing with mode `off` (lines given to `log` are
 * still written).
 */
export function createCountProgress(options: CountProgressOptions): CountProgress {
  const mode = options.mode ?? progressModeFor(options.stream);
  const { stream, total } = options;
  const log = (line: string): void => {
    stream.write(`${line}\n`);
  };
  if (mode === 'off' || total <= 0) return { tick() {}, log, stop() {} };
  const now = options.now ?? (() => performance.now());
  const started = now();
  let done = 0;
  let failed = 0;
  const rate = (): number => {
    const seconds = (now() - started) / 1000;
    return seconds > 0 ? done / seconds : 0;
  };
  const left = (): string => {
    const perSecond = rate();
    return perSecond > 0 ? formatMs(((total - done) / perSecond) * 1000) : '?';
  };
  const notAccepted = (): string => `${failed} not accepted`;

  if (mode === 'lines') {
    let quarter = 0;
    const line = (): string => {
      const percent = Math.floor((done / total) * 100);
      return `done ${done} of ${total} messages (${percent}%), ${notAccepted()}, ${formatMessageRate(rate())}, ${left()} left`;
    };
    let stopped = false;
    return {
      tick(ok) {
        done++;
        if (!ok) failed++;
        const reached = Math.min(4, Math.floor((done / total) * 4));
        if (reached > quarter && reached < 4) {
          quarter = reached;
          log(line());
        }
      },
      log,
      stop(summary = true) {
        if (stopped) return;
        stopped = true;
        if (summary) log(line());
      },
    };
  }

  // A MultiBar, even for one bar: it is the cli-progress bar that can print lines above itself.
  const bars = new cliProgress.MultiBar(
    {
      stream: stream as NodeJS.WritableStream,
      format:
        'sending [{bar}] {percentage}% | {value} of {total} messages | {failedText} | {rateText} | {etaText} left',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 10,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (): Record<string, string> => ({
    failedText: notAccepted(),
    rateText: formatMessageRate(rate()),
    etaText: left(),
  });
  const bar = bars.create(total, 0, payload());
  let stopped = false;
  return {
    tick(ok) {
      done++;
      if (!ok) failed++;
      bar.update(done, payload());
    },
    log(text) {
      if (stopped) log(text);
      else bars.log(`${text}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.update(done, payload());
      // Writes what `log` buffered, then the bar one last time.
      bars.update();
      bars.stop();
    },
  };
}
