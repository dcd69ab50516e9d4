/**
 * Bytes allocated by a piece of work: the growth of `heapUsed + arrayBuffers` over it, in a
 * process started with {@link ALLOCATION_FLAGS} (`--expose-gc` and a 64 MB young generation), so
 * that no collection runs while it is measured: what was allocated is then still counted, dead
 * or alive. JS heap objects (strings included) and ArrayBuffer backing stores (Buffers, typed
 * arrays) both count. A collection during the window is detected through the `gc` performance
 * entries, and the measurement is then reported as `null` rather than as a wrong figure: keep the
 * work under about 50 MB of allocation.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';

/** Node flags for a child process that measures allocation. */
export const ALLOCATION_FLAGS = [
  '--expose-gc',
  '--min-semi-space-size=64',
  '--max-semi-space-size=64',
];

const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bytes `work` (sync or async) allocated, or `null` when a collection ran meanwhile. */
export async function allocatedBy(work) {
  if (typeof globalThis.gc !== 'function') {
    throw new Error(`allocatedBy() needs a process started with ${ALLOCATION_FLAGS.join(' ')}`);
  }
  const collections = [];
  const observer = new PerformanceObserver((list) => collections.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  globalThis.gc();
  globalThis.gc();
  await settle(50); // ArrayBuffer backing stores are swept after the collection returns
  const start = performance.now();
  const before = process.memoryUsage();
  await work();
  const after = process.memoryUsage();
  const end = performance.now();
  await settle(20); // gc entries are delivered asynchronously
  observer.disconnect();
  if (collections.some((entry) => entry.startTime >= start && entry.startTime <= end)) return null;
  return after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
}
