import { describe, expect, it } from 'vitest';
import { dedupeRecipients, normalizeDsn } from './envelope.ts';
import { InvalidMessageError } from './errors.ts';

describe('normalizeDsn', () => {
  it('defaults to SUCCESS and FAILURE with headers only', () => {
    expect(normalizeDsn(undefined)).toEqual({ notify: ['SUCCESS', 'FAILURE'], ret: 'HDRS' });
  });

  it('keeps NEVER, FULL, an envelope id, and drops repeated events', () => {
    expect(normalizeDsn({ notify: 'NEVER', ret: 'FULL', envelopeId: 'QQ314159' })).toEqual({
      notify: 'NEVER',
      ret: 'FULL',
      envelopeId: 'QQ314159',
    });
    expect(normalizeDsn({ notify: ['DELAY', 'DELAY'] }).notify).toEqual(['DELAY']);
  });

  it.each([
    { notify: [] },
    { notify: ['SOMETIMES'] },
    { notify: 'ALWAYS' },
    { ret: 'BODY' },
    { envelopeId: 'has space' },
    { envelopeId: 'x'.repeat(101) },
  ])('refuses %j', (options) => {
    expect(() => normalizeDsn(options as never)).toThrow(InvalidMessageError);
  });
});

describe('dedupeRecipients', () => {
  it('keeps the first spelling of each key', () => {
    const key = (a: string) => a.toLowerCase();
    expect(dedupeRecipients(['A@x', 'b@x', 'a@X'], key)).toEqual(['A@x', 'b@x']);
  });
});
