import { createReplyParser, type Reply } from '@smtp/protocol';
import fc from 'fast-check';
import { propertyRuns } from 'test-servers/testing';
import { describe, expect, it } from 'vitest';
import { createSecrets, REDACTED } from './redact.ts';
import {
  describeReply,
  MAX_SERVER_TEXT_LENGTH,
  sanitizeServerText,
  toReplyInfo,
} from './reply-info.ts';

const params = propertyRuns(500);

function parse(wire: string): Reply {
  const [reply] = createReplyParser().push(new TextEncoder().encode(wire));
  if (reply === undefined) throw new Error('no reply');
  return reply;
}

describe('sanitizeServerText', () => {
  it('returns clean text unchanged', () => {
    const text = 'mail.example.com ESMTP ready — ünïcödé 👋';
    expect(sanitizeServerText(text)).toBe(text);
  });

  it('escapes ESC so an ANSI sequence cannot reach a terminal', () => {
    expect(sanitizeServerText('\u001b[31mred\u001b[0m')).toBe('\\x1b[31mred\\x1b[0m');
  });

  it('escapes CR, LF, TAB and NUL so one reply cannot forge log lines', () => {
    expect(sanitizeServerText('a\r\nS: 250 fake\tb\u0000')).toBe(
      'a\\x0d\\x0aS: 250 fake\\x09b\\x00',
    );
  });

  it('escapes DEL and C1 controls, 8-bit CSI included', () => {
    expect(sanitizeServerText('x\u007fy\u0080z\u009b1m')).toBe('x\\x7fy\\x80z\\x9b1m');
  });

  it('escapes bidi overrides, isolates and marks (Trojan Source)', () => {
    expect(sanitizeServerText('ok\u202edab\u202c \u2066i\u2069 \u200e\u200f\u061c')).toBe(
      'ok\\u{202e}dab\\u{202c} \\u{2066}i\\u{2069} \\u{200e}\\u{200f}\\u{61c}',
    );
  });

  it('escapes the Unicode line and paragraph separators', () => {
    expect(sanitizeServerText('a\u2028b\u2029c')).toBe('a\\u{2028}b\\u{2029}c');
  });

  it('escapes lone surrogates and keeps surrogate pairs', () => {
    expect(sanitizeServerText('a\ud800b\udfffc😀')).toBe('a\\u{d800}b\\u{dfff}c😀');
  });

  it('cuts text longer than 500 characters and marks the cut', () => {
    const long = 'x'.repeat(MAX_SERVER_TEXT_LENGTH + 20);
    expect(sanitizeServerText(long)).toBe(`${'x'.repeat(500)}…`);
    expect(sanitizeServerText('x'.repeat(500))).toBe('x'.repeat(500));
  });

  it('takes another limit, and Infinity keeps everything', () => {
    expect(sanitizeServerText('abcdef', 3)).toBe('abc…');
    expect(sanitizeServerText('\u001b\u001b\u001b', 5)).toBe('\\x1b\\x1b…');
    expect(sanitizeServerText('y'.repeat(2000), Infinity)).toHaveLength(2000);
  });

  it('never splits a surrogate pair at the cut', () => {
    expect(sanitizeServerText('😀😀😀', 3)).toBe('😀😀…');
  });

  it('never leaves a control, bidi or lone-surrogate character in its output', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(600), (text, max) => {
        const out = sanitizeServerText(text, max);
        expect(out).not.toMatch(
          /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/u,
        );
      }),
      params,
    );
  });
});

describe('toReplyInfo', () => {
  it('keeps code, enhanced code and command, and joins the text without the enhanced code', () => {
    const info = toReplyInfo(
      parse('550-5.1.1 <x@y>: no such user\r\n550 5.1.1 try again\r\n'),
      'RCPT',
    );
    expect(info).toEqual({
      code: 550,
      enhanced: { class: 5, subject: 1, detail: 1, code: '5.1.1' },
      lines: ['5.1.1 <x@y>: no such user', '5.1.1 try again'],
      text: '<x@y>: no such user try again',
      command: 'RCPT',
    });
  });

  it('has no enhanced property when the server sent none', () => {
    const info = toReplyInfo(parse('250 OK\r\n'), 'MAIL');
    expect('enhanced' in info).toBe(false);
    expect(info.text).toBe('OK');
  });

  it('sanitises every line and the text', () => {
    const info = toReplyInfo(parse('421-\u001b[2Jgone\r\n421 bye\u202e\r\n'), 'greeting');
    expect(info.lines).toEqual(['\\x1b[2Jgone', 'bye\\u{202e}']);
    expect(info.text).toBe('\\x1b[2Jgone bye\\u{202e}');
  });

  it('scrubs registered secrets from lines and text when given the registry', () => {
    const secrets = createSecrets();
    secrets.add('hunter2-pass');
    const info = toReplyInfo(
      parse('535-5.7.8 bad\r\n535 5.7.8 password hunter2-pass\r\n'),
      'AUTH',
      secrets,
    );
    expect(info.lines).toEqual(['5.7.8 bad', `5.7.8 password ${REDACTED}`]);
    expect(info.text).toBe(`bad password ${REDACTED}`);
  });

  it('returns a frozen value', () => {
    const info = toReplyInfo(parse('250 OK\r\n'), 'NOOP');
    expect(Object.isFrozen(info)).toBe(true);
    expect(Object.isFrozen(info.lines)).toBe(true);
  });
});

describe('describeReply', () => {
  it('names code, enhanced code, text and command', () => {
    const info = toReplyInfo(parse('550 5.1.1 <x@y>: no such user\r\n'), 'RCPT');
    expect(describeReply(info)).toBe('550 5.1.1 <x@y>: no such user (RCPT)');
  });

  it('calls the reply to the end of data by that name', () => {
    const info = toReplyInfo(parse('554 rejected\r\n'), 'message');
    expect(describeReply(info)).toBe('554 rejected (end of data)');
  });

  it('leaves out an empty text', () => {
    expect(describeReply(toReplyInfo(parse('421\r\n'), 'greeting'))).toBe('421 (greeting)');
  });

  it('cuts long text and re-sanitises a hand-built info', () => {
    const described = describeReply(
      { code: 451, lines: [], text: `\u001b${'z'.repeat(600)}`, command: 'DATA' },
      10,
    );
    expect(described).toBe(`451 \\x1b${'z'.repeat(6)}… (DATA)`);
  });
});
