/**
 * Timing helpers shared by the suites. Timings are only compared inside one run: every suite
 * measures its contenders in alternating order within each round, and ratios are taken inside a
 * round before the median is taken, so machine-wide noise (a shared host) hits both sides alike.
 */

/** Runs `fn` once and returns the wall time in seconds. */
export function time(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Awaits `fn` once and returns the wall time in seconds. */
export async function timeAsync(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * Runs every contender (a name → async function returning seconds) once per round, in an order
 * reversed every other round so that no contender always runs on a warmer or cooler machine.
 * Round 0 warms the JIT up and is dropped; resolves with one `{ name: seconds }` per round.
 */
export async function alternatingRounds(contenders, rounds) {
  const results = [];
  for (let round = 0; round <= rounds; round++) {
    const order = Object.keys(contenders);
    if (round % 2) order.reverse();
    const seconds = {};
    for (const name of order) seconds[name] = await contenders[name]();
    if (round > 0) results.push(seconds);
  }
  return results;
}

/** The median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `median (min–max)` with `digits` decimals. */
export function spread(values, digits = 0) {
  const f = (v) => v.toFixed(digits);
  return `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

/** Deterministic PRNG (mulberry32) so every run measures the same bytes. */
export function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Prints a Markdown table. */
export function table(headers, rows) {
  const lines = [
    `| ${headers.join(' | ')} |`,
    `|${headers.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
  console.log(lines.join('\n'));
}
