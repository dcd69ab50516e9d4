import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { InvalidHeaderError } from './errors.ts';
import { foldHeader } from './header-folding.ts';
import { formatContentHeaderValue, formatParameter } from './rfc2231.ts';

const require = createRequire(import.meta.url);
const libmime = require('libmime') as {
  parseHeaderValue(value: string): { value: string; params: Record<string, string> };
  decodeWords(text: string): string;
};

/** What a reader sees: the header folded, unfolded again, parsed by libmime. */
function parsed(header: string, value: string): { value: string; params: Record<string, string> } {
  const folded = foldHeader(header, value);
  const unfolded = folded.replace(/\r\n(?=[ \t])/g, '').replace(/\r\n$/, '');
  return libmime.parseHeaderValue(unfolded.slice(header.length + 1));
}

describe('formatParameter', () => {
  it('writes an encoded-word look-alike in the RFC 2231 form, so readers do not decode it', () => {
    expect(formatParameter('filename', '=?utf-8?q?x?= a.dat')).toEqual([
      "filename*=utf-8''%3D%3Futf-8%3Fq%3Fx%3F%3D%20a.dat",
    ]);
  });

  const cases: [string, string, string, string[]][] = [
    ['writes a token as it is', 'charset', 'utf-8', ['charset=utf-8']],
    ['quotes an empty value', 'name', '', ['name=""']],
    [
      'quotes ASCII with tspecials, escaping " and \\',
      'filename',
      'a "b"\\c.txt',
      ['filename="a \\"b\\"\\\\c.txt"'],
    ],
    ['quotes a value with spaces', 'filename', 'my file.txt', ['filename="my file.txt"']],
    [
      'writes non-ASCII in the RFC 2231 form',
      'filename',
      'résumé.pdf',
      ["filename*=utf-8''r%C3%A9sum%C3%A9.pdf"],
    ],
    [
      "percent-encodes *, ' and % in the RFC 2231 form",
      'filename',
      "ü*'%.txt",
      ["filename*=utf-8''%C3%BC%2A%27%25.txt"],
    ],
    ['writes a tab in the RFC 2231 form', 'filename', 'a\tb', ["filename*=utf-8''a%09b"]],
  ];
  for (const [title, name, value, expected] of cases) {
    it(title, () => {
      expect(formatParameter(name, value)).toEqual(expected);
    });
  }

  it('writes long ASCII values as quoted continuations of at most 76 characters', () => {
    const value = `${'long name '.repeat(20)}.txt`;
    const segments = formatParameter('filename', value);
    expect(segments.length).toBeGreaterThan(2);
    expect(segments[0]).toMatch(/^filename\*0="/);
    expect(segments[1]).toMatch(/^filename\*1="/);
    for (const segment of segments) expect(segment.length).toBeLessThanOrEqual(76);
    expect(
      parsed('Content-Disposition', `attachment; ${segments.join('; ')}`).params.filename,
    ).toBe(value);
  });

  it('writes long non-ASCII values as extended continuations cut between characters', () => {
    const value = `${'Ünïcödé 😀 '.repeat(12)}.pdf`;
    const segments = formatParameter('filename', value);
    expect(segments[0]).toMatch(/^filename\*0\*=utf-8''/);
    expect(segments[1]).toMatch(/^filename\*1\*=[^']/);
    for (const segment of segments) {
      expect(segment.length).toBeLessThanOrEqual(76);
      // Each section decodes alone: it never ends inside a UTF-8 sequence.
      const encoded = segment.replace(/^[^=]*=(utf-8'')?/, '');
      expect(() => decodeURIComponent(encoded)).not.toThrow();
    }
    expect(
      parsed('Content-Disposition', `attachment; ${segments.join('; ')}`).params.filename,
    ).toBe(value);
  });

  it('escapes inside quoted continuations without splitting an escape', () => {
    const value = '"\\'.repeat(60);
    const segments = formatParameter('x', value);
    for (const segment of segments) expect(segment).toMatch(/^x\*\d+="(\\["\\])+"$/);
    expect(parsed('Content-Type', `text/plain; ${segments.join('; ')}`).params.x).toBe(value);
  });

  it('refuses parameter names outside the token grammar', () => {
    for (const name of ['', 'a b', 'a;b', 'file*', "it's", '50%', 'ü', 'a=b']) {
      expect(() => formatParameter(name, 'v')).toThrow(
        expect.objectContaining({ code: 'SMTP_MIME_INVALID_PARAMETER' }),
      );
    }
  });

  it('refuses CR, LF, NUL and other controls in values', () => {
    for (const value of ['a\r\nb', 'a\nContent-Type: text/html', 'a\0', 'a\x7f', 'a\u0085']) {
      expect(() => formatParameter('filename', value)).toThrow(InvalidHeaderError);
    }
  });
});

describe('formatContentHeaderValue', () => {
  it('joins the value and its parameters with "; "', () => {
    expect(formatContentHeaderValue('text/plain', { charset: 'utf-8', format: 'flowed' })).toBe(
      'text/plain; charset=utf-8; format=flowed',
    );
    expect(formatContentHeaderValue('inline', {})).toBe('inline');
  });

  it('writes a non-ASCII filename twice: encoded words first, then RFC 2231', () => {
    expect(formatContentHeaderValue('attachment', { filename: 'ü.txt' })).toBe(
      'attachment; filename="=?UTF-8?B?w7wudHh0?="; filename*=utf-8\'\'%C3%BC.txt',
    );
    expect(formatContentHeaderValue('application/pdf', { name: 'Grüße Köln.pdf' })).toBe(
      'application/pdf; name="=?UTF-8?B?R3LDvMOfZSBLw7Zsbi5wZGY=?="; name*=utf-8\'\'Gr%C3%BC%C3%9Fe%20K%C3%B6ln.pdf',
    );
  });

  it('writes a long ASCII filename whole and as continuations', () => {
    const filename = `${'report '.repeat(15)}.txt`;
    const value = formatContentHeaderValue('attachment', { filename });
    expect(value.startsWith(`attachment; filename="${filename}"; filename*0="`)).toBe(true);
  });

  it('leaves the fallback out when asked, or when it would be too long to fold', () => {
    expect(formatContentHeaderValue('attachment', { filename: 'ü' }, { legacyName: false })).toBe(
      "attachment; filename*=utf-8''%C3%BC",
    );
    const value = formatContentHeaderValue('attachment', { filename: 'x'.repeat(950) });
    expect(value).not.toContain('filename="');
    expect(value).toContain('filename*0="');
  });

  it('does not duplicate parameters other than name and filename', () => {
    expect(formatContentHeaderValue('text/plain', { title: 'ü' })).toBe(
      "text/plain; title*=utf-8''%C3%BC",
    );
  });

  it('gives back the filename to libmime, folded and unfolded', () => {
    for (const filename of [
      'plain.txt',
      'résumé final.pdf',
      '日本語のファイル名がとても長い場合のテスト.docx',
      `${'😀'.repeat(40)}.png`,
      'a "quoted" \\ name; with=specials.txt',
      `${'x'.repeat(300)}.bin`,
    ]) {
      const disposition = formatContentHeaderValue('attachment', { filename });
      expect(parsed('Content-Disposition', disposition).params.filename).toBe(filename);
      const type = formatContentHeaderValue('application/octet-stream', { name: filename });
      expect(parsed('Content-Type', type).params.name).toBe(filename);
      // Only a long ASCII name without spaces cannot fold: its readable fallback stays whole.
      const limit = /^[\x21-\x7e]{70,}$/.test(filename) ? 998 : 78;
      for (const line of foldHeader('Content-Disposition', disposition).split('\r\n')) {
        expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(limit);
      }
    }
  });

  it('gives old readers the filename through the RFC 2047 fallback', () => {
    const value = formatContentHeaderValue('attachment', { filename: 'Grüße.pdf' });
    const legacy = /filename="([^"]*)"/.exec(value)?.[1] ?? '';
    expect(libmime.decodeWords(legacy)).toBe('Grüße.pdf');
  });

  it('refuses a value that is not a token or type/subtype', () => {
    for (const value of ['', 'text/', '/plain', 'text plain', 'text/plain; x=y', 'a/b/c', 'ü']) {
      expect(() => formatContentHeaderValue(value, {})).toThrow(
        expect.objectContaining({ code: 'SMTP_MIME_INVALID_PARAMETER' }),
      );
    }
  });
});
