/**
 * Small formatters for human output: sizes, durations, rates and aligned two-column tables.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `1536` → `1.5 KiB`; bytes below 1024 are shown exactly (`512 B`). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `12.34` → `12 ms`; `1234` → `1.23 s`. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** A rate in bytes per second, `1.2 MiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/**
 * Two aligned columns: each row is `[label, value]`; a value with several lines is indented
 * under the first.
 */
export function formatTable(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return rows
    .map(([label, value]) =>
      value
        .split('\n')
        .map((line, i) => `${(i === 0 ? label : '').padEnd(width)}  ${line}`.trimEnd())
        .join('\n'),
    )
    .join('\n');
}
