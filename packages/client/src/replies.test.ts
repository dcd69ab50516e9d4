import { ProtocolError, type Reply } from '@smtp/protocol';
import { describe, expect, it } from 'vitest';
import type { SmtpCommandName } from './errors.ts';
import { verdict } from './replies.ts';

const reply = (code: number): Reply => ({ code, lines: ['x'], text: 'x' });

describe('verdict: what each command allows', () => {
  const cases: [SmtpCommandName, number, string][] = [
    ['MAIL', 250, 'ok'],
    ['RCPT', 251, 'ok'],
    ['RCPT', 550, 'refused'],
    ['RCPT', 452, 'refused'],
    ['DATA', 354, 'ok'],
    ['DATA', 554, 'refused'],
    ['message', 250, 'ok'],
    ['BDAT', 250, 'ok'],
    ['RSET', 250, 'ok'],
    ['MAIL', 421, 'closing'],
    ['DATA', 421, 'closing'],
  ];
  for (const [command, code, expected] of cases) {
    it(`${code} to ${command} is ${expected}`, () => {
      expect(verdict(command, reply(code))).toBe(expected);
    });
  }
  const invalid: [SmtpCommandName, number][] = [
    ['DATA', 250],
    ['BDAT', 354],
    ['MAIL', 354],
    ['message', 354],
    ['RCPT', 199],
    ['RSET', 600],
  ];
  for (const [command, code] of invalid) {
    it(`${code} to ${command} is a protocol error`, () => {
      expect(() => verdict(command, reply(code))).toThrow(ProtocolError);
    });
  }
  it('names the end of data in its message', () => {
    expect(() => verdict('message', reply(354))).toThrow(/end of data/);
  });
});
