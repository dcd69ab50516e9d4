import { ProtocolError } from '@smtp/protocol';
import { describe, expect, it, vi } from 'vitest';
import { ReplyReader } from './reply-reader.ts';
import { encode } from './testing/net.ts';

function waiter() {
  return { resolve: vi.fn(), reject: vi.fn() };
}

describe('ReplyReader', () => {
  it('hands replies to waiters in order, and queues the rest', () => {
    const reader = new ReplyReader({});
    const first = waiter();
    reader.wait(first);
    reader.push(encode('250 one\r\n250 two\r\n251 three\r\n'));
    expect(first.resolve).toHaveBeenCalledWith(expect.objectContaining({ code: 250, text: 'one' }));
    expect(reader.queued).toBe(2);
    expect(reader.wantsData).toBe(false);
    expect(reader.queuedBytes).toBeGreaterThan(0);
    expect(reader.take()?.text).toBe('two');
    expect(reader.take()?.code).toBe(251);
    expect(reader.take()).toBeUndefined();
    expect(reader.queuedBytes).toBe(0);
    expect(reader.wantsData).toBe(true);
  });

  it('counts an incomplete reply as buffered', () => {
    const reader = new ReplyReader({});
    reader.push(encode('250-first\r\n250 sec'));
    expect(reader.bufferedBytes).toBe(18);
    reader.reset();
    expect(reader.bufferedBytes).toBe(0);
  });

  it('withdraws a wait', () => {
    const reader = new ReplyReader({});
    const w = waiter();
    reader.wait(w);
    expect(reader.waiting).toBe(1);
    reader.withdraw(w);
    reader.withdraw(w);
    expect(reader.waiting).toBe(0);
    reader.push(encode('250 ok\r\n'));
    expect(w.resolve).not.toHaveBeenCalled();
  });

  it('throws the parser ProtocolError as it is', () => {
    const reader = new ReplyReader({ maxLineLength: 8 });
    expect(() => reader.push(encode('250 a much longer line\r\n'))).toThrow(ProtocolError);
  });

  it('keeps queued replies after a remote failure and drops them after a local one', () => {
    const remote = new ReplyReader({});
    remote.push(encode('221 bye\r\n'));
    const error = new Error('closed');
    remote.fail(error, true);
    expect(remote.take()?.code).toBe(221);
    expect(remote.wantsData).toBe(false);

    const local = new ReplyReader({});
    local.push(encode('250 ok\r\n'));
    const w = waiter();
    local.fail(error, false);
    local.fail(new Error('second'), false);
    expect(local.take()).toBeUndefined();
    local.wait(w);
  });

  it('rejects every waiter on failure', () => {
    const reader = new ReplyReader({});
    const a = waiter();
    const b = waiter();
    reader.wait(a);
    reader.wait(b);
    const error = new Error('gone');
    reader.fail(error, true);
    expect(a.reject).toHaveBeenCalledWith(error);
    expect(b.reject).toHaveBeenCalledWith(error);
    expect(reader.waiting).toBe(0);
  });
});
