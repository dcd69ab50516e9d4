import { ConnectionError, TimeoutError } from '@smtp/transport';
import { describe, expect, it } from 'vitest';
import { idleState, isConnectionGone, StaleConnectionError } from './stale.ts';

describe('idleState (decision 9)', () => {
  it('ready when nothing arrived and the connection is open', () => {
    expect(idleState({ destroyed: false, bytesSinceIdle: 0 })).toBe('ready');
  });
  it('closed when the server closed it without a word', () => {
    expect(idleState({ destroyed: true, bytesSinceIdle: 0 })).toBe('closed');
  });
  it('spoke when any byte arrived, closed or not', () => {
    expect(idleState({ destroyed: false, bytesSinceIdle: 1 })).toBe('spoke');
    expect(idleState({ destroyed: true, bytesSinceIdle: 12 })).toBe('spoke');
  });
});

describe('isConnectionGone', () => {
  it('is true for a peer close or reset only', () => {
    expect(isConnectionGone(new ConnectionError('SMTP_CONNECTION_CLOSED', 'x'))).toBe(true);
    expect(isConnectionGone(new ConnectionError('SMTP_CONNECTION_RESET', 'x'))).toBe(true);
    expect(isConnectionGone(new ConnectionError('SMTP_CONNECTION_REFUSED', 'x'))).toBe(false);
    expect(isConnectionGone(new TimeoutError('mail', 1))).toBe(false);
  });
  it('StaleConnectionError keeps what was seen as its cause', () => {
    const cause = new Error('421');
    expect(new StaleConnectionError(cause).cause).toBe(cause);
  });
});
