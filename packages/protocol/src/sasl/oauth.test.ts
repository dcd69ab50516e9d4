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

  // The escapes are sanitizeServerText's (`\x1b` below U+0100, `\u{202e}` above). Printable
  // non-ASCII is kept: SASL used to escape it too, with its own sanitiser, before the package
  // had one for every layer.
  it('sanitises every string it exposes (INV-10)', () => {
    const error = parseOauthError(
      bytes('{"status":"4\\u001b[31m01\\r\\n","scope":"\u202eevil","schemes":"Bearer é"}'),
    );
    expect(error.status).toBe('4\\x1b[31m01\\x0d\\x0a');
    expect(error.scope).toBe('\\u{202e}evil');
    expect(error.schemes).toBe('Bearer é');
    expect(error.text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it('caps a long error and each of its fields', () => {
    const long = 'x'.repeat(1000);
    const error = parseOauthError(bytes(JSON.stringify({ status: long })));
    expect(error.status).toBe(`${'x'.repeat(200)}…`);
    expect(error.text).toBe(`${'{"status":"'}${'x'.repeat(189)}…`);
  });

  it('reports a challenge that is not UTF-8 without decoding it', () => {
    expect(parseOauthError(Uint8Array.of(0x7b, 0xff, 0x7d))).toEqual({
      text: '(error challenge is not UTF-8)',
    });
  });
});
