/**
 * A small SMTP sink that offers CHUNKING (RFC 3030), for the benchmarks: smtp-server does not
 * offer it, so a client's BDAT path cannot be measured against it.
 *
 * - Plain `net` on 127.0.0.1, port 0 (the system picks one). The 220 greeting goes out as soon
 *   as a connection is accepted: no early-talker pause.
 * - EHLO offers PIPELINING, CHUNKING, 8BITMIME and SIZE; `chunking: false` leaves CHUNKING out
 *   (and refuses BDAT with a 502), so one sink serves both sides of a comparison.
 * - Commands: EHLO, HELO, MAIL, RCPT, BDAT (`BDAT n` and `BDAT n LAST`: exactly n octets of
 *   binary data follow the command line), DATA (dot-terminated), RSET, NOOP, QUIT; anything else
 *   is answered 502 or 500. Sequence errors are answered 503; the octets of a BDAT that cannot
 *   be accepted are still read, so the connection stays in step with the client.
 * - Input is parsed as a stream: several commands in one read, a command line split across
 *   reads, a BDAT payload split across reads or followed by the next command in the same read,
 *   the DATA terminator split across reads. The replies to everything in one read go out in one
 *   write, at the end of that read (RFC 2920: a server flushes when its input is drained).
 * - It keeps nothing of the messages; it counts them (all, by BDAT, by DATA), their octets (BDAT
 *   payload octets; for DATA, the octets as received, dot-stuffing included, without the final
 *   `.CRLF`), recipients, connections, commands by verb, reply writes and error replies.
 *
 * `createChunkingSink()` runs it in this process (for checks); `startChunkingSink()` forks this
 * file so the sink runs in its own process and a benchmark's client process is measured alone.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const CR = 13;
const LF = 10;
const DOT = 46;
/** The longest command line read; a longer one is answered 500 and skipped. */
const MAX_LINE = 4096;
/** The SIZE offered (octets); MAIL with a larger `SIZE=` is refused. */
const MAX_SIZE = 50 * 2 ** 20;

const COMMAND = 0;
const BDAT = 1;
const DATA = 2;
const CLOSED = 3;

// Where the DATA scanner is: inside a line, just after a CR inside a line, at the start of a
// line, after a '.' at the start of a line, after '.' CR at the start of a line.
const IN_LINE = 0;
const IN_LINE_CR = 1;
const LINE_START = 2;
const LINE_DOT = 3;
const LINE_DOT_CR = 4;

function zeroStats() {
  return {
    connections: 0,
    messages: 0,
    bdatMessages: 0,
    dataMessages: 0,
    bytes: 0,
    recipients: 0,
    bdatChunks: 0,
    commands: {},
    replyWrites: 0,
    errorReplies: 0,
  };
}

/**
 * Creates the sink in this process. `listen()` resolves with the port; `stats({ reset })` returns
 * the counters (and zeroes them with `reset: true`); `close()` stops listening and drops every
 * connection.
 */
export function createChunkingSink({ chunking = true, name = 'chunking-sink.bench' } = {}) {
  let stats = zeroStats();
  const sockets = new Set();
  const ehlo = [
    `250-${name} greets you`,
    '250-PIPELINING',
    ...(chunking ? ['250-CHUNKING'] : []),
    '250-8BITMIME',
    `250 SIZE ${MAX_SIZE}`,
  ].join('\r\n');

  const server = createServer((socket) => {
    stats.connections += 1;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(120_000, () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});

    let mode = COMMAND;
    let greeted = false;
    // The transaction: MAIL given, recipients accepted, BDAT octets so far.
    let mail = false;
    let rcpts = 0;
    let bdatOpen = false;
    let size = 0;
    // The BDAT chunk being read.
    let remaining = 0;
    let chunkSize = 0;
    let chunkLast = false;
    let chunkRefusal = '';
    // The DATA body being read.
    let dataState = LINE_START;
    let dataBytes = 0;
    // A command line not yet ended by LF.
    let pending = null;
    let skippingLine = false;
    let out = [];

    const reply = (text) => {
      out.push(text);
      const code = text.charCodeAt(0);
      if (code === 52 || code === 53) stats.errorReplies += 1;
    };
    const flush = () => {
      if (out.length === 0 || socket.destroyed) return;
      socket.write(`${out.join('\r\n')}\r\n`);
      stats.replyWrites += 1;
      out = [];
    };
    const resetTransaction = () => {
      mail = false;
      rcpts = 0;
      bdatOpen = false;
      size = 0;
    };
    const accept = (via, octets) => {
      stats.messages += 1;
      if (via === BDAT) stats.bdatMessages += 1;
      else stats.dataMessages += 1;
      stats.bytes += octets;
      stats.recipients += rcpts;
      resetTransaction();
    };

    const endChunk = () => {
      mode = COMMAND;
      if (chunkRefusal) {
        reply(chunkRefusal);
        return;
      }
      size += chunkSize;
      if (chunkLast) {
        const octets = size;
        accept(BDAT, octets);
        reply(`250 2.0.0 OK ${octets} octets, message accepted`);
      } else {
        bdatOpen = true;
        reply(`250 2.0.0 ${chunkSize} octets received`);
      }
    };

    const bdat = (arg) => {
      const match = /^(\d{1,10})( +LAST)? *$/i.exec(arg);
      if (!match) {
        // Without a valid size nothing says how many octets follow; read on as commands.
        reply('501 5.5.4 Syntax: BDAT <size> [LAST]');
        return;
      }
      stats.bdatChunks += 1;
      remaining = Number(match[1]);
      chunkSize = remaining;
      chunkLast = match[2] !== undefined;
      if (!chunking) chunkRefusal = '502 5.5.1 CHUNKING not offered';
      else if (!mail) chunkRefusal = '503 5.5.1 MAIL first';
      else if (rcpts === 0) chunkRefusal = '503 5.5.1 No valid recipients';
      else chunkRefusal = '';
      if (chunkRefusal && chunkLast) resetTransaction();
      mode = BDAT;
      if (remaining === 0) endChunk();
    };

    const command = (line) => {
      const space = line.indexOf(' ');
      const verb = (space === -1 ? line : line.slice(0, space)).toUpperCase();
      const arg = space === -1 ? '' : line.slice(space + 1);
      stats.commands[verb] = (stats.commands[verb] ?? 0) + 1;
      switch (verb) {
        case 'EHLO':
          resetTransaction();
          greeted = true;
          reply(ehlo);
          break;
        case 'HELO':
          resetTransaction();
          greeted = true;
          reply(`250 ${name}`);
          break;
        case 'MAIL': {
          if (!greeted) reply('503 5.5.1 EHLO first');
          else if (mail) reply('503 5.5.1 Nested MAIL');
          else if (!/^FROM:/i.test(arg)) reply('501 5.5.4 Syntax: MAIL FROM:<address>');
          else {
            const declared = /\sSIZE=(\d+)/i.exec(arg);
            if (declared && Number(declared[1]) > MAX_SIZE) {
              reply('552 5.3.4 Message too big');
            } else {
              mail = true;
              reply('250 2.1.0 Sender OK');
            }
          }
          break;
        }
        case 'RCPT':
          if (!mail) reply('503 5.5.1 MAIL first');
          else if (bdatOpen) reply('503 5.5.1 BDAT in progress');
          else if (!/^TO:/i.test(arg)) reply('501 5.5.4 Syntax: RCPT TO:<address>');
          else {
            rcpts += 1;
            reply('250 2.1.5 Recipient OK');
          }
          break;
        case 'BDAT':
          bdat(arg);
          break;
        case 'DATA':
          if (arg) reply('501 5.5.4 DATA takes no argument');
          else if (!mail) reply('503 5.5.1 MAIL first');
          else if (rcpts === 0) reply('503 5.5.1 No valid recipients');
          else if (bdatOpen) reply('503 5.5.1 BDAT in progress');
          else {
            mode = DATA;
            dataState = LINE_START;
            dataBytes = 0;
            reply('354 End data with <CR><LF>.<CR><LF>');
          }
          break;
        case 'RSET':
          resetTransaction();
          reply('250 2.0.0 OK');
          break;
        case 'NOOP':
          reply('250 2.0.0 OK');
          break;
        case 'QUIT':
          reply(`221 2.0.0 ${name} closing`);
          mode = CLOSED;
          break;
        case 'VRFY':
        case 'EXPN':
        case 'HELP':
        case 'STARTTLS':
        case 'AUTH':
          reply('502 5.5.1 Not implemented');
          break;
        default:
          reply('500 5.5.2 Unrecognised command');
      }
    };

    /** Reads DATA octets from `chunk` at `offset`; returns where it stopped. */
    const readData = (chunk, offset) => {
      let i = offset;
      let state = dataState;
      const end = chunk.length;
      while (i < end) {
        if (state === IN_LINE) {
          // Most of a body is the inside of lines: skip to the next CR.
          const cr = chunk.indexOf(CR, i);
          if (cr === -1) {
            i = end;
            break;
          }
          i = cr + 1;
          state = IN_LINE_CR;
          continue;
        }
        const byte = chunk[i];
        i += 1;
        if (byte === CR) state = state === LINE_DOT ? LINE_DOT_CR : IN_LINE_CR;
        else if (byte === LF) {
          if (state === LINE_DOT_CR) {
            dataBytes += i - offset;
            mode = COMMAND;
            // The octets before the terminating ".CRLF" are the message.
            const octets = dataBytes - 3;
            accept(DATA, octets);
            reply(`250 2.0.0 OK ${octets} octets, message accepted`);
            return i;
          }
          state = state === IN_LINE_CR ? LINE_START : IN_LINE;
        } else state = state === LINE_START && byte === DOT ? LINE_DOT : IN_LINE;
      }
      dataState = state;
      dataBytes += i - offset;
      return i;
    };

    socket.on('data', (chunk) => {
      let offset = 0;
      while (offset < chunk.length && mode !== CLOSED) {
        if (mode === BDAT) {
          const take = Math.min(remaining, chunk.length - offset);
          remaining -= take;
          offset += take;
          if (remaining === 0) endChunk();
          continue;
        }
        if (mode === DATA) {
          offset = readData(chunk, offset);
          continue;
        }
        const lf = chunk.indexOf(LF, offset);
        if (lf === -1) {
          const rest = chunk.subarray(offset);
          pending = pending ? Buffer.concat([pending, rest]) : Buffer.from(rest);
          if (pending.length > MAX_LINE) {
            pending = null;
            if (!skippingLine) reply('500 5.5.2 Line too long');
            skippingLine = true;
          }
          break;
        }
        let line = chunk.subarray(offset, lf);
        offset = lf + 1;
        if (pending) {
          line = Buffer.concat([pending, line]);
          pending = null;
        }
        if (skippingLine) {
          skippingLine = false;
          continue;
        }
        if (line.length > MAX_LINE) {
          reply('500 5.5.2 Line too long');
          continue;
        }
        const end = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
        command(line.toString('latin1', 0, end));
      }
      flush();
      if (mode === CLOSED) socket.end();
    });

    socket.write(`220 ${name} ESMTP bench sink\r\n`);
  });

  return {
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server.address().port));
      });
    },
    stats({ reset = false } = {}) {
      const snapshot = { ...stats, commands: { ...stats.commands } };
      if (reset) stats = zeroStats();
      return snapshot;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Forks this file: the sink in its own process. Resolves with `{ port, stats({ reset }), stop() }`
 * once it listens; `stats()` also carries the sink process's `cpu` (`process.cpuUsage()`).
 */
export function startChunkingSink({ chunking = true } = {}) {
  const proc = fork(SELF, ['--serve', chunking ? '--chunking' : '--hide-chunking'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map();
  let nextId = 0;
  const request = (message) =>
    new Promise((resolve) => {
      nextId += 1;
      waiting.set(nextId, resolve);
      proc.send({ ...message, id: nextId });
    });
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`the chunking sink exited with ${code}`)));
    proc.on('message', (message) => {
      if (message?.type === 'ready') {
        resolve({
          port: message.port,
          stats: ({ reset = false } = {}) => request({ cmd: 'stats', reset }),
          stop: () =>
            new Promise((done) => {
              proc.removeAllListeners('exit');
              proc.once('exit', () => done());
              proc.send({ cmd: 'stop' });
            }),
        });
      } else if (message?.type === 'stats') {
        waiting.get(message.id)?.(message.stats);
        waiting.delete(message.id);
      }
    });
  });
}

/** Child mode: the sink, driven over IPC. */
async function serve(chunking) {
  const sink = createChunkingSink({ chunking });
  const port = await sink.listen();
  process.on('message', async (message) => {
    if (message?.cmd === 'stats') {
      const stats = sink.stats({ reset: message.reset });
      process.send({ type: 'stats', id: message.id, stats: { ...stats, cpu: process.cpuUsage() } });
    } else if (message?.cmd === 'stop') {
      await sink.close();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', port });
}

if (process.argv[1] === SELF && process.argv[2] === '--serve') {
  await serve(process.argv[3] !== '--hide-chunking');
}
