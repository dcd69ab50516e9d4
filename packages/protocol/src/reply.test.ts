import { describe, expect, it } from 'vitest';
import {
  createReply,
  parseEnhancedStatusCode,
  replyClass,
  stripEnhancedStatusCode,
} from './reply.ts';

describe('parseEnhancedStatusCode', () => {
  it.each([
    ['2.1.0 Ok', { class: 2, subject: 1, detail: 0, code: '2.1.0' }],
    ['5.7.1 Relaying denied', { class: 5, subject: 7, detail: 1, code: '5.7.1' }],
    ['4.2.0', { class: 4, subject: 2, detail: 0, code: '4.2.0' }],
    ['5.999.999 edge', { class: 5, subject: 999, detail: 999, code: '5.999.999' }],
    ['5.10.20 two digits', { class: 5, subject: 10, detail: 20, code: '5.10.20' }],
    ['5.1.1  two spaces after', { class: 5, subject: 1, detail: 1, code: '5.1.1' }],
  ])('reads %j', (text, expected) => {
    expect(parseEnhancedStatusCode(text)).toEqual(expected);
  });

  it.each([
    ['', 'empty text'],
    ['Ok', 'no code'],
    ['3.1.0 Ok', 'class 3 does not exist'],
    ['1.1.0 Ok', 'class 1 does not exist'],
    ['2-1.0 Ok', 'no dot after the class'],
    ['2.x.0 Ok', 'a subject that is not a number'],
    ['2..0 Ok', 'an empty subject'],
    ['2.01.0 Ok', 'a subject with a leading zero'],
    ['2.1.00 Ok', 'a detail with a leading zero'],
    ['2.1000.0 Ok', 'a four-digit subject'],
    ['2.1.1000 Ok', 'a four-digit detail'],
    ['2.1 Ok', 'only two parts'],
    ['2.1. Ok', 'an empty detail'],
    ['2.1.0.1 Ok', 'four parts'],
    ['2.1.0Ok', 'no space after the code'],
    ['2.1.0\tOk', 'a tab after the code'],
    [' 2.1.0 Ok', 'a leading space'],
    ['22.1.0 Ok', 'a two-digit class'],
  ])('rejects %j (%s)', (text) => {
    expect(parseEnhancedStatusCode(text)).toBeUndefined();
  });

  it('requires the class to match the reply code when one is given', () => {
    expect(parseEnhancedStatusCode('5.1.1 Unknown user', 550)?.code).toBe('5.1.1');
    expect(parseEnhancedStatusCode('5.1.1 Unknown user', 250)).toBeUndefined();
    expect(parseEnhancedStatusCode('2.0.0 Ok', 451)).toBeUndefined();
    expect(parseEnhancedStatusCode('4.4.1 Try later', 421)?.code).toBe('4.4.1');
  });
});

describe('stripEnhancedStatusCode', () => {
  it.each([
    ['5.1.1 Unknown user', 'Unknown user'],
    ['5.1.1', ''],
    ['5.1.1  two spaces', ' two spaces'],
    ['5.1.10 other code', '5.1.10 other code'],
    ['5.1.2 other code', '5.1.2 other code'],
    ['no code', 'no code'],
  ])('turns %j into %j', (line, expected) => {
    expect(stripEnhancedStatusCode(line, '5.1.1')).toBe(expected);
  });
});

describe('createReply', () => {
  it('keeps a single line as the text', () => {
    expect(createReply(250, ['OK'])).toEqual({ code: 250, lines: ['OK'], text: 'OK' });
  });

  it('joins the lines of a multi-line reply with LF', () => {
    expect(createReply(250, ['mx.example.com', 'PIPELINING', 'SIZE 100'])).toEqual({
      code: 250,
      lines: ['mx.example.com', 'PIPELINING', 'SIZE 100'],
      text: 'mx.example.com\nPIPELINING\nSIZE 100',
    });
  });

  it('gives an empty text to a hand-built reply without lines', () => {
    expect(createReply(250, [])).toEqual({ code: 250, lines: [], text: '' });
  });

  it('omits `enhanced` when there is none, rather than setting it to undefined', () => {
    expect(Object.hasOwn(createReply(250, ['OK']), 'enhanced')).toBe(false);
  });

  it('takes the enhanced code from the first line and strips it from the text', () => {
    expect(createReply(250, ['2.1.0 Sender ok'])).toEqual({
      code: 250,
      enhanced: { class: 2, subject: 1, detail: 0, code: '2.1.0' },
      lines: ['2.1.0 Sender ok'],
      text: 'Sender ok',
    });
  });

  it('strips the code from every line that repeats it, and only those', () => {
    const reply = createReply(550, ['5.1.1 No such user', '5.1.1 see the docs', 'bare line']);
    expect(reply.text).toBe('No such user\nsee the docs\nbare line');
    expect(reply.lines).toEqual(['5.1.1 No such user', '5.1.1 see the docs', 'bare line']);
  });

  it('does not read a code whose class differs from the reply code as enhanced', () => {
    expect(createReply(250, ['5.1.1 odd'])).toEqual({
      code: 250,
      lines: ['5.1.1 odd'],
      text: '5.1.1 odd',
    });
  });

  it('only looks for the enhanced code on the first line', () => {
    const reply = createReply(550, ['Rejected', '5.1.1 No such user']);
    expect(reply.enhanced).toBeUndefined();
    expect(reply.text).toBe('Rejected\n5.1.1 No such user');
  });
});

describe('replyClass', () => {
  it.each([
    [220, 2],
    [250, 2],
    [334, 3],
    [354, 3],
    [421, 4],
    [450, 4],
    [550, 5],
    [599, 5],
  ])('puts %i in class %i', (code, expected) => {
    expect(replyClass({ code })).toBe(expected);
  });

  it('clamps codes a hand-built reply could carry outside 200-599', () => {
    expect(replyClass({ code: 199 })).toBe(2);
    expect(replyClass({ code: 0 })).toBe(2);
    expect(replyClass({ code: 600 })).toBe(5);
    expect(replyClass({ code: 999 })).toBe(5);
  });
});
