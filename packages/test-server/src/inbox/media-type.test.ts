import { describe, expect, it } from 'vitest';
import { safeMediaType } from './media-type.ts';

describe('safeMediaType', () => {
  it('keeps a plain type/subtype, lower-cased', () => {
    expect(safeMediaType('Image/SVG+xml')).toBe('image/svg+xml');
    expect(safeMediaType('application/vnd.ms-excel')).toBe('application/vnd.ms-excel');
  });

  it('turns anything else into application/octet-stream', () => {
    for (const type of [
      '',
      'text',
      'text/html; charset=utf-8',
      'text/html\r\nX: y',
      'a/b/c',
      'a /b',
    ]) {
      expect(safeMediaType(type)).toBe('application/octet-stream');
    }
  });
});
