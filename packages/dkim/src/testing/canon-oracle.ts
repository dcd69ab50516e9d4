/**
 * Test helpers: a plain, obviously-correct (and slow) model of the canonicalisations, written
 * from RFC 6376 section 3.4 over latin-1 strings, to check the streaming code against; and a
 * fake hash that keeps what it is given.
 */

import { concat as concatBytes } from 'test-servers/testing';
import type { Sha256 } from '../sha256.ts';

/** Line ends as the DATA encoder sends them: CRLF kept, bare CR and bare LF become CRLF. */
export function canonicalLineEnds(text: string): string {
  return text.replace(/\r\n|\r|\n/g, '\r\n');
}

/**
 * What the server receives for a message: canonical line ends, and a CRLF closing an unfinished
 * last line, as the DATA encoder sends it.
 */
export function onTheWire(text: string): string {
  const wire = canonicalLineEnds(text);
  return wire === '' || wire.endsWith('\r\n') ? wire : `${wire}\r\n`;
}

/** RFC 6376 section 3.4.3, after canonical line ends. */
export function simpleBody(text: string): string {
  let body = canonicalLineEnds(text);
  if (body !== '' && !body.endsWith('\r\n')) body += '\r\n';
  while (body.endsWith('\r\n\r\n')) body = body.slice(0, -2);
  return body === '' ? '\r\n' : body;
}

/** RFC 6376 section 3.4.4, after canonical line ends. */
export function relaxedBody(text: string): string {
  let body = canonicalLineEnds(text)
    .split('\r\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''))
    .join('\r\n');
  while (body.endsWith('\r\n')) body = body.slice(0, -2);
  return body === '' ? '' : `${body}\r\n`;
}

/** Bytes to a latin-1 string and back. */
export function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return text;
}

export function bytesOf(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Bytes of a latin-1 string (every char one octet), and the concatenation of parts. */
export function concat(...parts: (string | Uint8Array)[]): Uint8Array {
  return concatBytes(parts.map((part) => (typeof part === 'string' ? bytesOf(part) : part)));
}

/** A "hash" that keeps every byte it is given; `digest()` returns them all. */
export class CollectingHash implements Sha256 {
  readonly #parts: Uint8Array[] = [];
  update(data: Uint8Array): void {
    this.#parts.push(data.slice());
  }
  digest(): Uint8Array {
    const length = this.#parts.reduce((sum, part) => sum + part.length, 0);
    const out = new Uint8Array(length);
    let at = 0;
    for (const part of this.#parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

/** `bytes` cut at the given offsets (sorted, deduplicated, clamped). */
export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.min(Math.max(c, 0), bytes.length)))].sort(
    (a, b) => a - b,
  );
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(at, point));
    at = point;
  }
  chunks.push(bytes.subarray(at));
  return chunks;
}
