import { describe, expect, it } from 'vitest';
import { parseOauthError } from './oauth.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('parseOauthError', () => {
  it('keeps the text of a challenge that is not JSON', () => {
    expect(parseOauthError(bytes('invalid token'))).toEqual({ text: 'invalid token' });
  });

  it.each(['null', '"401"', '42', 'true'])('keeps only the text of JSON %s', (json) => {
    expect(parseOauthError(bytes(json))).toEqual({ text: json });
  });

  it('ignores fields that are not strings and fields it does not know', () => {
    expect(parseOauthError(bytes('{"status":401,"scope":["a"],"other":"x"}'))).toEqual({
      text: '{"status":401,"scope":["a"],"other":"x"}',
    });
  });

  it('sanitises every string it exposes (INV-10)', () => {
    const error = parseOauthError(bytes('{"status":"4\\u001b[31m01\\r\\n","scope":"\u202eevil"}'));
    expect(error.status).toBe('4\\u{1b}[31m01\\u{d}\\u{a}');
    expect(error.scope).toBe('\\u{202e}evil');
    expect(error.text).not.toMatch(/[^\u0020-\u007e]/);
  });

  it('reports a challenge that is not UTF-8 without decoding it', () => {
    expect(parseOauthError(Uint8Array.of(0x7b, 0xff, 0x7d))).toEqual({
      text: '(error challenge is not UTF-8)',
    });
  });
});
