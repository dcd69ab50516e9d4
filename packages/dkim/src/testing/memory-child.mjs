/**
 * Run by memory.test.ts in a child process (`node --expose-gc memory-child.mjs <dist> <MB>`):
 * signs a message of <MB> megabytes generated on the fly by an async generator (fresh 64 KiB
 * chunks, as a stream gives them, never held) against the built package, sampling the resident
 * set size while it runs. Prints one JSON line: baseline and peak RSS, the growth, the time.
 */
const [distIndex, megabytes = '400', canonicalization = 'relaxed/relaxed'] = process.argv.slice(2);
const { createDkimSigner, generateDkimKey } = await import(distIndex);

const TOTAL = Number(megabytes) * 1024 * 1024;
const CHUNK = 64 * 1024;
const encoder = new TextEncoder();

// One 64 KiB pattern of body lines: text with runs of white space (work for relaxed), then
// base64-like lines as MIME attachments are.
const text = 'The quick brown fox  jumps over\tthe lazy dog. \t\r\n';
const base64 = `${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0'}\r\n`;
let patternText = '';
while (patternText.length < CHUNK) patternText += patternText.length % 4096 < 1024 ? text : base64;
const pattern = encoder.encode(patternText).subarray(0, CHUNK);

const key = await generateDkimKey({ algorithm: 'ed25519' });
const signer = await createDkimSigner({
  domain: 'example.com',
  selector: 'mem',
  privateKey: key.privateKey,
  canonicalization,
});
const header = encoder.encode(
  'From: a@example.com\r\nTo: b@example.net\r\nSubject: big\r\nMIME-Version: 1.0\r\n\r\n',
);
// Warm up (loads node:crypto, compiles the hot loops), then settle before the baseline.
await signer.sign([header, pattern, pattern]);
globalThis.gc?.();
await new Promise((resolve) => setTimeout(resolve, 50));
const baseline = process.memoryUsage.rss();
let peak = baseline;
let chunks = 0;

async function* message() {
  yield header;
  for (let sent = 0; sent < TOTAL; sent += CHUNK) {
    if (++chunks % 16 === 0) {
      const rss = process.memoryUsage.rss();
      if (rss > peak) peak = rss;
    }
    yield pattern.slice();
  }
}

const started = performance.now();
const field = await signer.sign(message());
const ms = performance.now() - started;
const rss = process.memoryUsage.rss();
if (rss > peak) peak = rss;
console.log(
  JSON.stringify({
    bytes: TOTAL,
    baseline,
    peak,
    growth: peak - baseline,
    ms: Math.round(ms),
    mbPerSecond: Math.round(TOTAL / 1024 / 1024 / (ms / 1000)),
    signed: field.startsWith('DKIM-Signature: v=1; a=ed25519-sha256;'),
  }),
);
