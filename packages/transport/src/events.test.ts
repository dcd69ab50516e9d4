import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it, vi } from 'vitest';
import { EventSink, TRANSPORT_CHANNELS, type TransportEvent } from './events.ts';

describe('EventSink', () => {
  it('builds nothing when nobody listens', () => {
    const sink = new EventSink(1, undefined, false);
    const make = vi.fn();
    sink.emit('slow', make);
    expect(make).not.toHaveBeenCalled();
    expect(sink.wants('data')).toBe(false);
  });

  it('gives the listener events stamped with the connection id', () => {
    const events: TransportEvent[] = [];
    const sink = new EventSink(7, (event) => events.push(event), false);
    sink.data('out', new Uint8Array([1, 2, 3]));
    expect(events).toEqual([{ connectionId: 7, type: 'data', direction: 'out', size: 3 }]);
  });

  it('includes the bytes only when asked', () => {
    const events: TransportEvent[] = [];
    const bytes = new Uint8Array([65]);
    new EventSink(1, (event) => events.push(event), true).data('in', bytes);
    expect(events[0]).toMatchObject({ type: 'data', direction: 'in', size: 1, data: bytes });
  });

  it('survives a listener that throws', () => {
    const sink = new EventSink(
      1,
      () => {
        throw new Error('listener bug');
      },
      false,
    );
    expect(() => sink.data('in', new Uint8Array(1))).not.toThrow();
  });

  it('publishes on the smtp:transport channels only to subscribers, without bytes by default', () => {
    const published: unknown[] = [];
    const onMessage = (message: unknown): void => {
      published.push(message);
    };
    diagnosticsChannel.subscribe(TRANSPORT_CHANNELS.data, onMessage);
    try {
      const sink = new EventSink(3, undefined, false);
      expect(sink.wants('data')).toBe(true);
      expect(sink.wants('connect')).toBe(false);
      sink.data('out', new Uint8Array(4));
      sink.emit('slow', () => ({
        type: 'slow',
        operation: 'read',
        durationMs: 1,
        bytes: 0,
        throughput: undefined,
        exceeded: ['slowOperationMs'],
        slowOperationMs: 1,
        minThroughput: undefined,
      }));
    } finally {
      diagnosticsChannel.unsubscribe(TRANSPORT_CHANNELS.data, onMessage);
    }
    expect(published).toEqual([{ connectionId: 3, type: 'data', direction: 'out', size: 4 }]);
  });

  it('names every channel under smtp:transport', () => {
    expect(Object.values(TRANSPORT_CHANNELS)).toEqual([
      'smtp:transport:connect',
      'smtp:transport:tls',
      'smtp:transport:data',
      'smtp:transport:close',
      'smtp:transport:error',
      'smtp:transport:slow',
      'smtp:transport:proxy',
    ]);
  });
});
