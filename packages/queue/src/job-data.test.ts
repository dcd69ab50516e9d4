import { describe, expect, it } from 'vitest';
import { QueueError } from './errors.ts';
import { JOB_DATA_VERSION, type JobData, rawMessageOf, readJobData } from './job-data.ts';

const valid: JobData = {
  v: JOB_DATA_VERSION,
  from: 'ann@example.com',
  to: ['bob@example.org'],
  raw: Buffer.from('Subject: x\r\n\r\nhi\r\n').toString('base64'),
  size: 19,
  messageId: '<1@example.com>',
  body: null,
  dsn: null,
  nonce: 'n',
};

describe('readJobData', () => {
  it('returns a job enqueue wrote', () => {
    expect(readJobData({ ...valid })).toEqual(valid);
    expect(
      readJobData({ ...valid, body: '8BITMIME', dsn: { ret: 'HDRS' }, messageId: null }).body,
    ).toBe('8BITMIME');
  });

  it.each<[string, unknown]>([
    ['no data', null],
    ['a string', 'job'],
    ['another layout', { ...valid, v: 2 }],
    ['no from', { ...valid, from: 1 }],
    ['no recipients', { ...valid, to: [] }],
    ['a recipient that is not a string', { ...valid, to: [1] }],
    ['no raw', { ...valid, raw: undefined }],
    ['no size', { ...valid, size: '19' }],
    ['a bad Message-ID', { ...valid, messageId: 1 }],
    ['a bad body', { ...valid, body: 'BINARY' }],
    ['a bad dsn', { ...valid, dsn: [] }],
    ['no nonce', { ...valid, nonce: undefined }],
  ])('refuses %s', (_label, data) => {
    expect(() => readJobData(data)).toThrow(QueueError);
    expect(() => readJobData(data)).toThrow(/not written by this version/);
  });
});

describe('rawMessageOf', () => {
  it('gives the stored bytes and envelope back, with the body type when there is one', () => {
    const raw = rawMessageOf(valid);
    expect(raw.envelope).toEqual({ from: 'ann@example.com', to: ['bob@example.org'] });
    expect(Buffer.from(raw.raw as Uint8Array).toString()).toBe('Subject: x\r\n\r\nhi\r\n');
    expect(raw).not.toHaveProperty('body');
    expect(rawMessageOf({ ...valid, body: 'BINARYMIME' }).body).toBe('BINARYMIME');
  });
});
