/**
 * vitest global set-up: a Chromium for serve.browser.test.ts, found on the PATH or installed by
 * test-servers' `ensureChromium` (apt-get, as root on a Debian-like machine; else one line saying
 * what to install), once per run and before any test, so a first-time install (some 15 s) never
 * counts against a test's timeout.
 */
export default async function setup(): Promise<void> {
  // Loaded here, not at the top: vitest may load every set-up file before running the first,
  // and test-servers is only built by build.ts.
  const { ensureChromium } = await import('test-servers');
  await ensureChromium({ log: (line) => console.log(line) });
}
