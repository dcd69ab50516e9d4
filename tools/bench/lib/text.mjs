/**
 * The message text `chunking-latency` and `queue` share, so their figures describe the same message: a
 * deterministic 1 KB of ASCII, 16 lines of 63 characters (words, then dots), LF line ends.
 */
function text1k() {
  const words = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima'.split(
    ' ',
  );
  const lines = [];
  for (let n = 0; n < 16; n += 1) {
    let line = '';
    for (let w = n; line.length < 63; w += 5) line += `${words[w % words.length]} `;
    lines.push(line.slice(0, 60).trimEnd().padEnd(63, '.'));
  }
  return `${lines.join('\n')}\n`;
}

export const TEXT_1K = text1k();
