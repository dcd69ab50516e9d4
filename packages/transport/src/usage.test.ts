import { describe, expect, it } from 'vitest';
import { THROUGHPUT_MIN_DURATION_MS, UsageMeter } from './usage.ts';

describe('UsageMeter', () => {
  it('starts at zero and snapshots a frozen copy', () => {
    const meter = new UsageMeter({});
    const before = meter.snapshot();
    meter.bytesSent += 10;
    expect(before.bytesSent).toBe(0);
    expect(meter.snapshot().bytesSent).toBe(10);
    expect(Object.isFrozen(before)).toBe(true);
  });

  it('reports nothing without thresholds', () => {
    expect(new UsageMeter({}).judge('write', 60_000, 1)).toBeUndefined();
  });

  it('reports an operation at or over slowOperationMs', () => {
    const meter = new UsageMeter({ slowOperationMs: 100 });
    expect(meter.judge('read', 99, 0)).toBeUndefined();
    expect(meter.judge('read', 100, 0)).toMatchObject({
      operation: 'read',
      durationMs: 100,
      exceeded: ['slowOperationMs'],
      slowOperationMs: 100,
    });
  });

  it('reports a transfer under minThroughput once it lasted long enough to judge', () => {
    const meter = new UsageMeter({ minThroughput: 1000 });
    expect(meter.judge('write', THROUGHPUT_MIN_DURATION_MS - 1, 1)).toBeUndefined();
    expect(meter.judge('write', 1000, 1000)).toBeUndefined();
    expect(meter.judge('write', 1000, 500)).toMatchObject({
      throughput: 500,
      exceeded: ['minThroughput'],
      minThroughput: 1000,
    });
  });

  it('judges throughput over the transfer time, not the whole wait', () => {
    const meter = new UsageMeter({ minThroughput: 1000 });
    // 10 s waiting for the server to think, then 100 bytes in 200 ms: 500 B/s.
    expect(meter.judge('read', 10_200, 100, 200)?.throughput).toBe(500);
    expect(meter.judge('read', 10_200, 100, 0)).toBeUndefined();
  });

  it('reports both thresholds at once', () => {
    const meter = new UsageMeter({ slowOperationMs: 100, minThroughput: 1000 });
    expect(meter.judge('write-stream', 2000, 10)?.exceeded).toEqual([
      'slowOperationMs',
      'minThroughput',
    ]);
  });
});
