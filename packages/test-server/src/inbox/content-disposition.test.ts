import { describe, expect, it } from 'vitest';
import { attachmentDisposition, safeFileName } from './content-disposition.ts';

describe('attachmentDisposition', () => {
  it('quotes a plain ASCII name as it is', () => {
    expect(attachmentDisposition('report 2026.pdf')).toBe('attachment; filename="report 2026.pdf"');
  });

  it('adds filename* (RFC 8187, UTF-8) for any other name, with an ASCII stand-in', () => {
    expect(attachmentDisposition('résumé.pdf')).toBe(
      `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`,
    );
    expect(attachmentDisposition('日本.txt')).toBe(
      `attachment; filename="__.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt`,
    );
  });

  it('keeps quote, backslash and percent out of the quoted name (RFC 6266 appendix D)', () => {
    expect(attachmentDisposition('a"b\\c%41.txt')).toBe(
      `attachment; filename="a_b_c_41.txt"; filename*=UTF-8''a%22b%5Cc%2541.txt`,
    );
  });

  it("percent-encodes in filename* what is no attr-char, such as ' ( ) * and space", () => {
    expect(attachmentDisposition("it's (1) *é*")).toContain(
      "filename*=UTF-8''it%27s%20%281%29%20%2A%C3%A9%2A",
    );
  });
});

describe('safeFileName', () => {
  it('keeps only the last path segment, for either slash', () => {
    expect(safeFileName('../../etc/passwd', 'x')).toBe('passwd');
    expect(safeFileName('C:\\Windows\\evil.exe', 'x')).toBe('evil.exe');
  });

  it('drops control characters and surrounding spaces', () => {
    expect(safeFileName(' a\r\nb\u0000c\u0085.txt ', 'x')).toBe('abc.txt');
  });

  it('falls back when nothing usable is left', () => {
    for (const name of [undefined, '', '   ', '.', '..', 'dir/', '\u0001']) {
      expect(safeFileName(name, 'attachment-3')).toBe('attachment-3');
    }
  });
});
