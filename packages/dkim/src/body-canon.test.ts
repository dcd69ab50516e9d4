import { describe, expect, it } from 'vitest';
import { BodyCanonicalizer } from './body-canon.ts';
import { bytesOf, CollectingHash, latin1 } from './testing/canon-oracle.ts';

function canonical(relaxed: boolean, chunks: readonly Uint8Array[], afterCr = false) {
  const canonicalizer = new BodyCanonicalizer(relaxed, new CollectingHash(), afterCr);
  for (const chunk of chunks) canonicalizer.push(chunk);
  const out = latin1(canonicalizer.finish());
  expect(canonicalizer.length).toBe(out.length);
  return out;
}

const simple = (text: string) => canonical(false, [bytesOf(text)]);
const relaxed = (text: string) => canonical(true, [bytesOf(text)]);

describe('simple body canonicalisation (RFC 6376 3.4.3)', () => {
  it('keeps lines as they are and ends an unterminated last line', () => {
    expect(simple('Hi.  There \r\nJoe.')).toBe('Hi.  There \r\nJoe.\r\n');
  });

  it('removes the empty lines at the end, leaving one CRLF', () => {
    expect(simple('Joe.\r\n\r\n\r\n')).toBe('Joe.\r\n');
  });

  it('makes an empty body, or one of only empty lines, one CRLF', () => {
    expect(simple('')).toBe('\r\n');
    expect(simple('\r\n\r\n')).toBe('\r\n');
    expect(canonical(false, [])).toBe('\r\n');
  });

  it('keeps a line of white space at the end: it is not empty', () => {
    expect(simple('a\r\n \r\n\r\n')).toBe('a\r\n \r\n');
  });

  it('writes held empty lines when content follows them', () => {
    expect(simple('a\r\n\r\n\r\nb\r\n')).toBe('a\r\n\r\n\r\nb\r\n');
    expect(simple('\r\n\r\nb')).toBe('\r\n\r\nb\r\n');
  });

  it('makes bare LF and bare CR line ends CRLF, as the DATA encoder does', () => {
    expect(simple('a\nb\rc\r\n\n\r')).toBe('a\r\nb\r\nc\r\n');
    expect(simple('a\n\rb')).toBe('a\r\n\r\nb\r\n');
    expect(simple('a\r\r\nb')).toBe('a\r\n\r\nb\r\n');
  });

  it('treats a CR ending one chunk and an LF starting the next as one line end', () => {
    expect(canonical(false, [bytesOf('a\r'), bytesOf('\nb')])).toBe('a\r\nb\r\n');
    expect(canonical(false, [bytesOf('a\r'), bytesOf('b')])).toBe('a\r\nb\r\n');
    expect(canonical(false, [bytesOf('a\r'), bytesOf(''), bytesOf('\n')])).toBe('a\r\n');
  });

  it('skips an LF first in the body when the header section ended with a CR', () => {
    expect(canonical(false, [bytesOf('\nb')], true)).toBe('b\r\n');
    expect(canonical(false, [bytesOf('b')], true)).toBe('b\r\n');
  });

  it('keeps control octets and 8-bit octets as content', () => {
    expect(simple('\x00\x0c\xff\xe9\r\n')).toBe('\x00\x0c\xff\xe9\r\n');
  });
});

describe('relaxed body canonicalisation (RFC 6376 3.4.4)', () => {
  it('reduces runs of SP and HTAB to one SP and removes white space at line ends', () => {
    expect(relaxed('We lost the game.  Are\t you \t\r\nhungry? \t')).toBe(
      'We lost the game. Are you\r\nhungry?\r\n',
    );
  });

  it('keeps white space at the start of a line, as one SP', () => {
    expect(relaxed('  \tindented\r\n')).toBe(' indented\r\n');
  });

  it('removes empty lines at the end, counting lines of only white space as empty', () => {
    expect(relaxed('Joe.\r\n\r\n \t \r\n\r\n')).toBe('Joe.\r\n');
    expect(relaxed('Joe.\r\n \t ')).toBe('Joe.\r\n');
  });

  it('keeps an empty body empty, and a body of only empty lines', () => {
    expect(relaxed('')).toBe('');
    expect(relaxed('\r\n \r\n\t\r\n')).toBe('');
    expect(relaxed('   ')).toBe('');
  });

  it('writes held empty lines (and white-space lines, emptied) when content follows', () => {
    expect(relaxed('a\r\n \r\n\r\nb')).toBe('a\r\n\r\n\r\nb\r\n');
    expect(relaxed('\r\n \tb')).toBe('\r\n b\r\n');
  });

  it('joins white space across chunk boundaries', () => {
    expect(canonical(true, [bytesOf('a '), bytesOf(' b')])).toBe('a b\r\n');
    expect(canonical(true, [bytesOf('a '), bytesOf('b')])).toBe('a b\r\n');
    expect(canonical(true, [bytesOf('a \t'), bytesOf(' '), bytesOf('\r\n')])).toBe('a\r\n');
    expect(canonical(true, [bytesOf(' '), bytesOf(' b')])).toBe(' b\r\n');
  });

  it('hashes long canonical runs as they are, and long edited ones through staging', () => {
    const line = `${'x'.repeat(2000)}\r\n`;
    expect(relaxed(line.repeat(20))).toBe(line.repeat(20));
    const spaced = `${'ab  '.repeat(8000)}\r\n`;
    expect(relaxed(spaced)).toBe(`${'ab '.repeat(7999)}ab\r\n`);
    // Bytes it wrote itself (a CRLF for a bare LF) go first, then a long run as it is.
    const long = 'x'.repeat(2000);
    expect(simple(`a\n${long}`)).toBe(`a\r\n${long}\r\n`);
    expect(relaxed(`${'\r\n'.repeat(20000)}z`)).toBe(`${'\r\n'.repeat(20000)}z\r\n`);
  });
});
