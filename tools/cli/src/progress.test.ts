/**
 * The progress module with fake streams: a terminal (`isTTY: true`) gets a cli-progress bar with
 * bytes, rate and time left; anything else gets a plain line per quarter; small messages and
 * mode `off` get nothing. (The child-process test in cli.test.ts covers a real pty via script(1).)
 * Runs of many messages count messages the same way, with lines logged above the bar.
 */
import { describe, expect, it } from 'vitest';
import {
  createCountProgress,
  createProgress,
  PROGRESS_THRESHOLD,
  progressModeFor,
} from './progress.ts';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return {
    chunks,
    isTTY,
    columns: 120,
    write(text: string) {
      chunks.push(text);
      return true;
    },
    // What readline.cursorTo/clearLine need from a TTY stream.
    cursorTo() {
      return true;
    },
    clearLine() {
      return true;
    },
    moveCursor() {
      return true;
    },
    on() {
      return this;
    },
    removeListener() {
      return this;
    },
  };
}

describe('progress', () => {
  it('chooses a bar on a terminal and lines elsewhere', () => {
    expect(progressModeFor(fakeStream(true))).toBe('bar');
    expect(progressModeFor(fakeStream(false))).toBe('lines');
  });

  it('draws a bar with bytes, rate and time left on a terminal', () => {
    const stream = fakeStream(true);
    let now = 0;
    const progress = createProgress({ stream, total: 4 * 1024 * 1024, now: () => now });
    for (let i = 0; i < 4; i++) {
      now += 1000;
      progress.add(1024 * 1024);
    }
    progress.stop(true);
    const output = stream.chunks.join('');
    expect(output).toMatch(
      /sending \[[█░]+\] 100% \| 4\.0 MiB of 4\.0 MiB \| 1\.0 MiB\/s \| 0 ms left/,
    );
    expect(output).toContain('\x1b'); // cursor control: this is a bar, not lines
  });

  it('prints one plain line per quarter when not a terminal', () => {
    const stream = fakeStream(false);
    let now = 0;
    const progress = createProgress({ stream, total: 1_000_000, estimated: true, now: () => now });
    for (let i = 0; i < 10; i++) {
      now += 100;
      progress.add(100_000);
    }
    progress.stop(true);
    expect(stream.chunks).toEqual([
      expect.stringMatching(/^sent 29\d\.\d KiB of ~976\.6 KiB \(30%\), 976\.6 KiB\/s, .* left\n$/),
      expect.stringMatching(/^sent 488\.3 KiB of ~976\.6 KiB \(50%\), /),
      expect.stringMatching(/^sent 781\.3 KiB of ~976\.6 KiB \(80%\), /),
      expect.stringMatching(/^sent 976\.6 KiB of ~976\.6 KiB \(100%\), .*, 0 ms left\n$/),
    ]);
    expect(stream.chunks.join('')).not.toContain('\x1b');
  });

  it('shows nothing for a small message, for mode off, or for a failed send', () => {
    for (const [total, mode] of [
      [PROGRESS_THRESHOLD - 1, undefined],
      [10_000_000, 'off'],
    ] as const) {
      const stream = fakeStream(true);
      const progress = createProgress({ stream, total, ...(mode !== undefined ? { mode } : {}) });
      progress.add(total);
      progress.stop(true);
      expect(stream.chunks).toEqual([]);
    }
    const stream = fakeStream(false);
    const progress = createProgress({ stream, total: 1_000_000 });
    progress.add(100);
    progress.stop(false);
    expect(stream.chunks).toEqual([]);
  });
});

describe('count progress (send --count, bulk)', () => {
  it('prints a line at each quarter and at the end when not a terminal', () => {
    const stream = fakeStream(false);
    let now = 0;
    const progress = createCountProgress({ stream, total: 8, now: () => now });
    for (let i = 0; i < 8; i++) {
      now += 250;
      // As a run does: the failure first, then the count.
      if (i === 3) progress.log('smtp: message 4: refused');
      progress.tick(i !== 3);
    }
    progress.stop();
    expect(stream.chunks).toEqual([
      'done 2 of 8 messages (25%), 0 not accepted, 4.0 msg/s, 1.50 s left\n',
      'smtp: message 4: refused\n',
      'done 4 of 8 messages (50%), 1 not accepted, 4.0 msg/s, 1.00 s left\n',
      'done 6 of 8 messages (75%), 1 not accepted, 4.0 msg/s, 500 ms left\n',
      'done 8 of 8 messages (100%), 1 not accepted, 4.0 msg/s, 0 ms left\n',
    ]);
  });

  it('prints no last line for a run that sent nothing, and only logged lines with mode off', () => {
    const lines = fakeStream(false);
    createCountProgress({ stream: lines, total: 3 }).stop(false);
    expect(lines.chunks).toEqual([]);
    const off = fakeStream(true);
    const progress = createCountProgress({ stream: off, total: 3, mode: 'off' });
    progress.tick(false);
    progress.log('smtp: message 1: refused');
    progress.stop();
    expect(off.chunks).toEqual(['smtp: message 1: refused\n']);
  });

  it('draws a bar with messages, failures, rate and time left on a terminal, lines logged above it', () => {
    const stream = fakeStream(true);
    let now = 0;
    const progress = createCountProgress({ stream, total: 4, now: () => now });
    now += 1000;
    progress.tick(true);
    progress.log('smtp: message 2: refused');
    now += 1000;
    progress.tick(false);
    progress.stop();
    const output = stream.chunks.join('');
    expect(output).toContain('smtp: message 2: refused\n');
    expect(output).toMatch(
      /sending \[[█░]+\] 50% \| 2 of 4 messages \| 1 not accepted \| 1\.0 msg\/s \| 2\.00 s left/,
    );
    expect(output.indexOf('smtp: message 2')).toBeLessThan(output.lastIndexOf('sending ['));
    expect(output).toContain('\x1b');
  });
});
