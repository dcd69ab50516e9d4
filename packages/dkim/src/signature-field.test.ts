import { describe, expect, it } from 'vitest';
import {
  completeSignatureField,
  DEFAULT_LAYOUT,
  formatSignatureHead,
  type SignatureTags,
} from './signature-field.ts';

const tags: SignatureTags = {
  algorithm: 'rsa-sha256',
  canonicalization: 'relaxed/relaxed',
  domain: 'example.com',
  selector: 's1',
  timestamp: 1700000000,
  headers: [
    'from',
    'to',
    'cc',
    'subject',
    'date',
    'message-id',
    'mime-version',
    'content-type',
    'content-transfer-encoding',
    'list-unsubscribe',
    'list-unsubscribe-post',
    'from',
  ],
  bodyHash: '2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=',
};

describe('the DKIM-Signature field', () => {
  it('writes the tags in order, b= last and empty, on a line of its own', () => {
    const head = formatSignatureHead(tags);
    expect(head).toBe(
      [
        'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s1;',
        ' t=1700000000; h=from:to:cc:subject:date:message-id:mime-version:content-type:',
        ' content-transfer-encoding:list-unsubscribe:list-unsubscribe-post:from;',
        ' bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;',
        ' b=',
      ].join('\r\n'),
    );
  });

  it('writes i=, x= and l= when given', () => {
    const head = formatSignatureHead({
      ...tags,
      headers: ['from'],
      identity: '@mail.example.com',
      expires: 1700086400,
      bodyLength: 0,
    });
    expect(head.replace(/\r\n /g, ' ')).toBe(
      'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; i=@mail.example.com; s=s1; t=1700000000; x=1700086400; l=0; h=from; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=',
    );
  });

  it('folds the signature into lines of at most 78 octets, and ends with CRLF', () => {
    const signature = 'A'.repeat(344);
    const field = completeSignatureField(formatSignatureHead(tags), signature);
    expect(field.endsWith('\r\n')).toBe(true);
    const lines = field.slice(0, -2).split('\r\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(78);
    expect(lines.slice(1).every((line) => line.startsWith(' '))).toBe(true);
    expect(field.slice(field.indexOf(' b=') + 3).replace(/\r\n /g, '')).toBe(`${signature}\r\n`);
    expect(DEFAULT_LAYOUT.width).toBe(78);
  });
});
