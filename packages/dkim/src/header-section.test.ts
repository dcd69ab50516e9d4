import { describe, expect, it } from 'vitest';
import {
  ByteSink,
  canonicalizeField,
  HeaderCollector,
  type HeaderSection,
  MAX_HEADER_BYTES,
} from './header-section.ts';
import { bytesOf, latin1 } from './testing/canon-oracle.ts';

function collect(...chunks: string[]): { section: HeaderSection; body: string; afterCr: boolean } {
  const collector = new HeaderCollector();
  let body = '';
  let done = false;
  for (const chunk of chunks) {
    if (done) {
      body += chunk;
      continue;
    }
    const at = collector.push(bytesOf(chunk));
    if (at >= 0) {
      done = true;
      body += chunk.slice(at);
    }
  }
  return { section: collector.finish(), body, afterCr: collector.afterCr };
}

function canon(section: HeaderSection, index: number, relaxed: boolean): string {
  const field = section.fields[index];
  if (field === undefined) throw new Error('no such field');
  const sink = new ByteSink();
  canonicalizeField(section.bytes, field.start, field.end, relaxed, sink);
  return latin1(sink.bytes);
}

describe('the header section', () => {
  it('ends at the first empty line; the body is what follows', () => {
    const { section, body } = collect('From: a\r\nTo: b\r\n\r\nBody\r\n');
    expect(latin1(section.bytes)).toBe('From: a\r\nTo: b\r\n');
    expect(section.fields.map((f) => f.name)).toEqual(['from', 'to']);
    expect(body).toBe('Body\r\n');
  });

  it('makes bare LF and CR line ends CRLF, across chunks', () => {
    const { section, body, afterCr } = collect('From: a\nTo: b\r', '\nSubject: c\r\r', '\nbody');
    expect(latin1(section.bytes)).toBe('From: a\r\nTo: b\r\nSubject: c\r\n');
    // The LF belongs to the empty line's CR: the body canonicaliser skips it (afterCr).
    expect(body).toBe('\nbody');
    expect(afterCr).toBe(true);
    const lf = collect('From: a\n\nbody');
    expect(lf.body).toBe('body');
  });

  it('says when the empty line ends with a CR at the end of a chunk', () => {
    const { afterCr, body } = collect('From: a\r\n\r', '\nbody');
    expect(afterCr).toBe(true);
    expect(body).toBe('\nbody');
    expect(collect('From: a\r\n\r\n', 'body').afterCr).toBe(false);
  });

  it('is the whole message when there is no empty line, the last line ended', () => {
    const { section } = collect('From: a\r\nSubject: no end');
    expect(latin1(section.bytes)).toBe('From: a\r\nSubject: no end\r\n');
  });

  it('joins continuation lines to their field', () => {
    const { section } = collect('Subject: a\r\n  b\r\n\tc\r\nFrom: x\r\n\r\n');
    expect(section.fields.map((f) => f.name)).toEqual(['subject', 'from']);
    expect(canon(section, 0, false)).toBe('Subject: a\r\n  b\r\n\tc\r\n');
  });

  it('accepts white space before the colon (obsolete syntax)', () => {
    const { section } = collect('Subject  : hi\r\n\r\n');
    expect(section.fields[0]?.name).toBe('subject');
    expect(canon(section, 0, true)).toBe('subject:hi\r\n');
  });

  it('refuses a line that is not a field, and a first line that continues nothing', () => {
    expect(() => collect('Hello world\r\n\r\n')).toThrow(
      expect.objectContaining({ code: 'SMTP_DKIM_INVALID_MESSAGE' }),
    );
    expect(() => collect('From: a\r\nno colon here\r\n\r\n')).toThrow(/Header line 2/);
    expect(() => collect(': empty name\r\n\r\n')).toThrow(/Header line 1/);
    expect(() => collect('Bad name: x\r\n\r\n')).toThrow(/Header line 1/);
    expect(() => collect(' continued\r\n\r\n')).toThrow(/continuation/);
  });

  it('refuses a header section over 1 MiB', () => {
    const collector = new HeaderCollector();
    const line = bytesOf(`X-Pad: ${'x'.repeat(1000)}\r\n`);
    expect(() => {
      for (let i = 0; i <= MAX_HEADER_BYTES / line.length + 1; i++) collector.push(line);
    }).toThrow(expect.objectContaining({ code: 'SMTP_DKIM_INVALID_MESSAGE' }));
  });
});

describe('header canonicalisation (RFC 6376 3.4.1 and 3.4.2)', () => {
  const { section } = collect(
    'SUBJect \t:  Is   dinner\r\n \tready? \t\r\nX-8bit: caf\xc3\xa9  \xe2\x82\xac\r\nEmpty:\r\n\r\n',
  );

  it('simple: the field as it is', () => {
    expect(canon(section, 0, false)).toBe('SUBJect \t:  Is   dinner\r\n \tready? \t\r\n');
  });

  it('relaxed: lower-case name, unfolded, runs of white space one SP, none at the ends', () => {
    expect(canon(section, 0, true)).toBe('subject:Is dinner ready?\r\n');
    expect(canon(section, 1, true)).toBe('x-8bit:caf\xc3\xa9 \xe2\x82\xac\r\n');
    expect(canon(section, 2, true)).toBe('empty:\r\n');
  });

  it('grows its output buffer as needed', () => {
    const sink = new ByteSink();
    const big = bytesOf('y'.repeat(5000));
    sink.append(big, 0, big.length);
    for (let i = 0; i < 3000; i++) sink.byte(0x7a);
    expect(sink.bytes.length).toBe(8000);
  });
});
