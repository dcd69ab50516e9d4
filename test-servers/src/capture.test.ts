import { describe, expect, it } from 'vitest';
import { captureTranscripts, formatTranscripts } from './capture.ts';

describe('capture', () => {
  it('records real replies and prints them as fixture entries with provenance', async () => {
    const transcripts = await captureTranscripts();
    const byName = new Map(transcripts.map((transcript) => [transcript.name, transcript.wire]));
    expect(byName.get('capturedGreeting')).toBe('220 localhost ESMTP\r\n');
    expect(byName.get('capturedEhloRejected')).toBe('502 Error: command not implemented\r\n');
    const text = formatTranscripts(transcripts);
    expect(text).toMatch(/^\/\*\*\n \* Recorded .* by test-servers\/src\/capture\.ts on Node v/);
    expect(text).toContain("  capturedGreeting: {\n    source: 'smtp-server 3.21.6, recorded");
    expect(text).toContain("    wire:\n      '220 localhost ESMTP\\r\\n',\n");
  });
});
