/**
 * DKIM signing of one message with a large attachment, ours (`@smtp/dkim`) against Nodemailer
 * 10.6.0's DKIM signer (`nodemailer/lib/dkim`, what its transports use for the `dkim` option), in
 * the same run: seconds, MB/s of message, CPU and peak RSS. Issue 11 asks for at least 2×
 * Nodemailer's speed with a peak RSS no higher than Nodemailer's.
 *
 * - The message: headers (From, To, Subject, Date, Message-ID, MIME-Version, Content-Type), a
 *   1 KB text part and a 50 MB binary attachment (a quarter with `--quick`) of deterministic
 *   pseudo-random bytes (a 1 MB pool cut in blocks, as in `compose` and `large-send`), in base64
 *   with 76-character lines, all line ends CRLF. It is written once, before anything is timed,
 *   to a file in a temporary folder (with a 4 MB warm-up message, the keys and Nodemailer's cache
 *   folder), which is deleted at the end, also on failure. Both contenders read the same file,
 *   with `fs.createReadStream` in 64 KB chunks.
 * - The keys: one RSA 2048-bit key for both (rsa-sha256, relaxed/relaxed, `d=bench.example`,
 *   `s=bench`), and an Ed25519 key for ours (`s=bench-ed`), made with `node:crypto` for each run,
 *   PKCS#8 PEM. Reading the key is inside the timed part on both sides (`createDkimSigner` for
 *   ours; Nodemailer parses the PEM when it signs).
 * - Nodemailer: `new DKIM({ domainName, keySelector, privateKey }).sign(fileStream)`, its output
 *   (the field, then the message) drained, as its transport sends it. Its defaults otherwise:
 *   the message is kept in memory until the body hash is known, then replayed. A second row sets
 *   `cacheDir` (the suite's temporary folder): past 10 MB (its `cacheTreshold` default) the rest
 *   goes to a cache file, read back after signing; the child checks that it did (`usingCache`).
 * - Ours, "signed message": what `@smtp/client` does with a `dkim` option and content that can be
 *   read twice: `createDkimSigner(...)`, `signer.sign(fileStream)` (one pass, only the header
 *   section kept), then the field followed by the file streamed a second time, drained. "Sign
 *   only": the one pass alone, which has no Nodemailer counterpart (its signer always re-emits
 *   the message). A stream that can only be read once is spooled by the client (memory up to
 *   1 MiB, then a temporary file) while it is signed: that path is not measured here.
 * - Ed25519 (ed25519-sha256, RFC 8463): ours only; Nodemailer signs with RSA only. The body pass
 *   is the same as for RSA; only the final signature differs.
 * - Every measurement runs in a fresh child process (this file with `--child`): the modules are
 *   loaded and the path JIT-warmed by signing the 4 MB message the same way first, then the timed
 *   run. It reports wall time, `process.cpuUsage()` over the run (all threads: WebCrypto signs
 *   off the main thread), RSS before it and the peak RSS (`VmHWM`, see `peakRss`).
 * - Contenders run in alternating order inside each round; speed and peak RSS ratios against
 *   Nodemailer are taken inside a round, then their median over the rounds is reported.
 * - Checks, or the suite stops: every field is a `DKIM-Signature` with `d=bench.example`, the
 *   expected `s=` and `a=` (the same `d=`/`s=` for ours and Nodemailer with the RSA key), the
 *   same `bh=` from every contender (the relaxed body hash of the same bytes), and every signed
 *   output is the field plus exactly the file. That the signatures verify is proved by the
 *   tests of `@smtp/dkim` (mailauth), not here.
 *
 * The figures are comparable only within one run on one machine (see README.md).
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, prng, spread, table } from '../lib/measure.mjs';

const self = fileURLToPath(import.meta.url);
const CHUNK = 64 * 1024;
const POOL = 2 ** 20;
/** Attachment bytes per base64 block: a multiple of 57, so every block ends on a full line. */
const BLOCK = 57 * 1024;
const WARMUP = 4 * 2 ** 20;
const DOMAIN = 'bench.example';
const RSA_SELECTOR = 'bench';
const ED_SELECTOR = 'bench-ed';
const BOUNDARY = '----=_bench_dkim_boundary';

/** The contenders, in the order of the tables. */
const CONTENDERS = {
  ours: {
    label: 'ours, rsa-sha256: sign, then field + file again (as the client sends)',
    algorithm: 'rsa-sha256',
    selector: RSA_SELECTOR,
  },
  'ours-sign-only': {
    label: 'ours, rsa-sha256: sign only (one pass)',
    algorithm: 'rsa-sha256',
    selector: RSA_SELECTOR,
  },
  'ours-ed25519': {
    label: 'ours, ed25519-sha256: sign, then field + file again',
    algorithm: 'ed25519-sha256',
    selector: ED_SELECTOR,
  },
  nodemailer: {
    label: 'nodemailer DKIM, default (message kept in memory)',
    algorithm: 'rsa-sha256',
    selector: RSA_SELECTOR,
  },
  'nodemailer-cachedir': {
    label: 'nodemailer DKIM, `cacheDir` (past 10 MB to a cache file)',
    algorithm: 'rsa-sha256',
    selector: RSA_SELECTOR,
  },
};

/** The paths inside the suite's temporary folder. */
function paths(dir) {
  return {
    message: join(dir, 'message.eml'),
    warmup: join(dir, 'warm-up.eml'),
    rsaKey: join(dir, 'rsa.pem'),
    edKey: join(dir, 'ed25519.pem'),
    cache: join(dir, 'nodemailer-cache'),
  };
}

/** The 1 MB pool the attachment is cut from: the same bytes in every run. */
function pool() {
  const random = prng(5322);
  const bytes = Buffer.alloc(POOL);
  for (let i = 0; i < POOL; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** Writes the message with an attachment of `size` bytes to `file`; returns its size in bytes. */
function writeMessage(file, size, bytes) {
  const text = 'The quick brown fox jumps over the lazy dog.\r\n'.repeat(22);
  const head = [
    'From: Bench Sender <sender@bench.example>',
    'To: Bench Recipient <rcpt@bench.example>',
    'Subject: DKIM benchmark',
    'Date: Fri, 05 Dec 2025 12:00:00 +0000',
    'Message-ID: <dkim-bench@bench.example>',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
    '',
    `--${BOUNDARY}`,
    'Content-Type: text/plain; charset=us-ascii',
    'Content-Transfer-Encoding: 7bit',
    '',
    `${text}--${BOUNDARY}`,
    'Content-Type: application/octet-stream; name=random.bin',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename=random.bin',
    '',
    '',
  ].join('\r\n');
  const parts = [Buffer.from(head, 'latin1')];
  for (let written = 0; written < size; ) {
    const length = Math.min(BLOCK, size - written);
    const offset = written % (POOL - BLOCK);
    written += length;
    const base64 = bytes.subarray(offset, offset + length).toString('base64');
    const lines = [];
    for (let at = 0; at < base64.length; at += 76) lines.push(base64.slice(at, at + 76));
    parts.push(Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1'));
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`, 'latin1'));
  // One write of ~70 MB in the parent, before anything is measured: simpler than a stream.
  const all = Buffer.concat(parts);
  writeFileSync(file, all, { mode: 0o600 });
  return all.length;
}

/** Makes the temporary folder: the two messages, the keys, Nodemailer's cache folder. */
function prepare(size) {
  const dir = mkdtempSync(join(tmpdir(), 'smtp-bench-dkim-'));
  const at = paths(dir);
  const bytes = pool();
  const messageSize = writeMessage(at.message, size, bytes);
  writeMessage(at.warmup, Math.min(size, WARMUP), bytes);
  const pem = { type: 'pkcs8', format: 'pem' };
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: pem });
  writeFileSync(at.rsaKey, rsa.privateKey, { mode: 0o600 });
  const ed = generateKeyPairSync('ed25519', { privateKeyEncoding: pem });
  writeFileSync(at.edKey, ed.privateKey, { mode: 0o600 });
  mkdirSync(at.cache, { mode: 0o700 });
  return { dir, messageSize };
}

/** Ours: the signer made, the file signed in one pass, then (unless `signOnly`) sent again. */
async function signOurs(file, privateKey, selector, signOnly) {
  const { createDkimSigner } = await import('@smtp/dkim');
  const signer = await createDkimSigner({ domain: DOMAIN, selector, privateKey });
  const field = await signer.sign(createReadStream(file, { highWaterMark: CHUNK }));
  let bytes = Buffer.byteLength(field);
  if (!signOnly) {
    for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) {
      bytes += chunk.length;
    }
  }
  return { field, bytes, usingCache: false };
}

/** Nodemailer: its signer on the file stream, its output (field, then message) drained. */
async function signNodemailer(file, privateKey, cacheDir) {
  const { default: DKIM } = await import('nodemailer/lib/dkim');
  const dkim = new DKIM({
    domainName: DOMAIN,
    keySelector: RSA_SELECTOR,
    privateKey,
    ...(cacheDir === undefined ? {} : { cacheDir }),
  });
  const output = dkim.sign(createReadStream(file, { highWaterMark: CHUNK }));
  let head = '';
  let bytes = 0;
  for await (const chunk of output) {
    if (head.length < 8192) head += chunk.subarray(0, 8192 - head.length).toString('latin1');
    bytes += chunk.length;
  }
  const field = /^DKIM-Signature:[\s\S]*?\r\n(?![ \t])/i.exec(head)?.[0] ?? '';
  return { field, bytes, usingCache: output.usingCache === true };
}

/**
 * This process's peak RSS in bytes: `VmHWM`, the high-water mark of its own address space (not
 * `resourceUsage().maxRSS`, which Linux carries across fork and exec).
 */
function peakRss() {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

/** The tags of a `DKIM-Signature` field, unfolded. */
function tags(field) {
  const value = field.replace(/\r\n/g, '').replace(/^DKIM-Signature:/i, '');
  const out = {};
  for (const tag of value.split(';')) {
    const at = tag.indexOf('=');
    if (at > 0) out[tag.slice(0, at).trim()] = tag.slice(at + 1).replace(/[ \t]/g, '');
  }
  return out;
}

/** Child mode: one measurement, one JSON line on stdout. */
async function child(contender, dir) {
  const at = paths(dir);
  const rsaKey = readFileSync(at.rsaKey, 'utf8');
  const edKey = readFileSync(at.edKey, 'utf8');
  const signOnce = (file) => {
    switch (contender) {
      case 'ours':
        return signOurs(file, rsaKey, RSA_SELECTOR, false);
      case 'ours-sign-only':
        return signOurs(file, rsaKey, RSA_SELECTOR, true);
      case 'ours-ed25519':
        return signOurs(file, edKey, ED_SELECTOR, false);
      case 'nodemailer':
        return signNodemailer(file, rsaKey, undefined);
      case 'nodemailer-cachedir':
        return signNodemailer(file, rsaKey, at.cache);
      default:
        throw new Error(`unknown contender ${contender}`);
    }
  };
  await signOnce(at.warmup); // loads the modules, JITs the hot path
  const rssBefore = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const { field, bytes, usingCache } = await signOnce(at.message);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const maxRss = peakRss();
  console.log(
    JSON.stringify({
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      rssBefore,
      maxRss,
      field,
      bytes,
      usingCache,
    }),
  );
}

function measure(contender, dir) {
  const out = execFileSync(process.execPath, [self, '--child', contender, dir], {
    encoding: 'utf8',
    maxBuffer: 2 ** 20,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

/** Throws unless `result` is the signed message `contender` should have produced. */
function check(contender, result, messageSize) {
  const expected = CONTENDERS[contender];
  const t = tags(result.field);
  const problems = [];
  if (!/^DKIM-Signature:/i.test(result.field) || !result.field.endsWith('\r\n')) {
    problems.push('no DKIM-Signature field ending in CRLF');
  }
  if (t.d !== DOMAIN || t.s !== expected.selector || t.a !== expected.algorithm) {
    problems.push(`d=${t.d} s=${t.s} a=${t.a}`);
  }
  if (t.c !== 'relaxed/relaxed') problems.push(`c=${t.c}`);
  if (!t.b || !t.bh) problems.push('no b= or bh=');
  const signedSize = Buffer.byteLength(result.field) + messageSize;
  const wanted = contender === 'ours-sign-only' ? Buffer.byteLength(result.field) : signedSize;
  if (result.bytes !== wanted) problems.push(`${result.bytes} bytes out, expected ${wanted}`);
  if (result.usingCache !== (contender === 'nodemailer-cachedir')) {
    problems.push(`cache file used: ${result.usingCache}`);
  }
  if (problems.length > 0) throw new Error(`${contender}: ${problems.join('; ')}`);
  return t.bh;
}

const mb = (bytes) => bytes / 2 ** 20;

/** Runs the suite: `{ rounds, scale }` as given by run.mjs. */
export async function run({ rounds, scale }) {
  const megabytes = Math.max(1, Math.round(50 * scale));
  const { default: nodemailerPackage } = await import('nodemailer/package.json', {
    with: { type: 'json' },
  });
  const { dir, messageSize } = prepare(megabytes * 2 ** 20);
  const messageMb = mb(messageSize);
  console.log(
    `\n## dkim: signing one message with a ${megabytes} MB binary attachment (${messageMb.toFixed(1)} MB as a file, base64, CRLF), read from that file by both (MB/s of message; nodemailer ${nodemailerPackage.version} \`lib/dkim\`; RSA 2048-bit, relaxed/relaxed; each in a fresh process)\n`,
  );
  const contenders = Object.keys(CONTENDERS);
  const results = Object.fromEntries(contenders.map((c) => [c, []]));
  const speed = Object.fromEntries(contenders.map((c) => [c, []]));
  const speedCache = Object.fromEntries(contenders.map((c) => [c, []]));
  const rss = Object.fromEntries(contenders.map((c) => [c, []]));
  const bodyHashes = new Set();
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [...contenders].reverse() : contenders;
      const inRound = {};
      for (const contender of order) {
        const result = measure(contender, dir);
        bodyHashes.add(check(contender, result, messageSize));
        results[contender].push(result);
        inRound[contender] = result;
      }
      if (bodyHashes.size !== 1) {
        throw new Error(`the contenders disagree on bh=: ${[...bodyHashes].join(', ')}`);
      }
      for (const c of contenders) {
        speed[c].push(inRound.nodemailer.seconds / inRound[c].seconds);
        speedCache[c].push(inRound['nodemailer-cachedir'].seconds / inRound[c].seconds);
        rss[c].push(inRound[c].maxRss / inRound.nodemailer.maxRss);
      }
      console.log(
        `round ${round + 1}: ${contenders.map((c) => `${c} ${inRound[c].seconds.toFixed(2)} s ${mb(inRound[c].maxRss).toFixed(0)} MB peak`).join('; ')}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('');
  table(
    [
      'contender',
      's',
      'MB/s',
      'speed ÷ nodemailer',
      'speed ÷ nodemailer cacheDir',
      'CPU s',
      'RSS before MB',
      'peak RSS MB',
      'peak RSS ÷ nodemailer',
    ],
    contenders.map((c) => {
      const list = results[c];
      return [
        CONTENDERS[c].label,
        spread(
          list.map((r) => r.seconds),
          2,
        ),
        spread(list.map((r) => messageMb / r.seconds)),
        `${median(speed[c]).toFixed(2)}×`,
        `${median(speedCache[c]).toFixed(2)}×`,
        spread(
          list.map((r) => r.cpuSeconds),
          2,
        ),
        median(list.map((r) => mb(r.rssBefore))).toFixed(0),
        spread(list.map((r) => mb(r.maxRss))),
        `${median(rss[c]).toFixed(2)}×`,
      ];
    }),
  );
  const field = tags(results.ours[0].field);
  console.log(
    `\nChecked in every measurement: d=${field.d}, s=${RSA_SELECTOR} (ours and nodemailer, rsa-sha256) and s=${ED_SELECTOR} (ours, ed25519-sha256), c=relaxed/relaxed, the same bh=${[...bodyHashes][0]} from all, the signed output = the field + the ${messageSize}-byte file. Nodemailer signs with RSA only: no Ed25519 row for it.`,
  );
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4]);
}
