/**
 * A real browser for tests: `launchChromium()` starts the machine's own Chromium headless through
 * playwright-core; `ensureChromium()` makes sure there is one to start; `findChromium()` finds it.
 *
 * Only the machine's Chromium is ever used: playwright-core downloads no browser (it has no
 * install script, unlike the `playwright` package, and a launch given `executablePath` never
 * looks in its own browser cache). On a Debian-like machine, as root, the set-up installs Debian's
 * `chromium` with apt-get, as `ensureRedisServer()` does redis-server.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import {
  type AptMachine,
  type AptProgram,
  type EnsureInstalledOptions,
  ensureInstalled,
  findOnPath,
  isExecutableFile,
  thisMachine,
} from './apt-install.ts';

/** The variable that names a Chromium or Chrome binary to use, ahead of the PATH. */
export const CHROMIUM_ENV = 'SMTP_TEST_CHROMIUM';

/** The names looked for on the PATH, in this order (Debian, older Ubuntu/Fedora, Chrome's deb). */
export const CHROMIUM_NAMES: readonly string[] = [
  'chromium',
  'chromium-browser',
  'google-chrome-stable',
  'google-chrome',
];

/** The one line that says what to install. */
export const CHROMIUM_MISSING = `Chromium is not on the PATH (${CHROMIUM_NAMES.join(', ')}): install it (Debian: sudo apt-get install chromium; Ubuntu: sudo snap install chromium; macOS: brew install --cask chromium), or set ${CHROMIUM_ENV} to a Chromium or Chrome binary`;

/**
 * The switches {@link launchChromium} adds to playwright-core's own, which already include
 * `--headless`, `--no-sandbox` (asked for by `chromiumSandbox: false`, see launchChromium),
 * `--disable-dev-shm-usage`, `--disable-background-networking`, `--disable-component-update`,
 * `--no-first-run` and `--disable-extensions`.
 *
 * `--proxy-server=http://127.0.0.1:1` fences the browser into loopback: Chromium never sends
 * loopback requests (`localhost`, `127.0.0.0/8`, `[::1]`) through a proxy, and sends everything
 * else to port 1 of 127.0.0.1, where nothing listens, so it fails at once
 * (`net::ERR_PROXY_CONNECTION_FAILED`) instead of leaving the machine: a test page (a rendered
 * message with remote images, say) can reach no other host, by name or by address. A
 * `--proxy-server` in `options.args` comes later and wins.
 */
export const CHROMIUM_ARGS: readonly string[] = ['--proxy-server=http://127.0.0.1:1'];

/** Options of {@link ensureChromium}. */
export type EnsureChromiumOptions = EnsureInstalledOptions;

/** Options of {@link launchChromium}. */
export interface LaunchChromiumOptions extends EnsureChromiumOptions {
  /** More Chromium switches, after {@link CHROMIUM_ARGS} and playwright-core's. */
  readonly args?: readonly string[];
  /** How long the launch may take, in ms (playwright-core's `timeout`). Default 30 s. */
  readonly timeout?: number;
}

/**
 * The Chromium to run: the file `SMTP_TEST_CHROMIUM` names if set (an error if it is not an
 * executable file: a wrong path there is a mistake to hear about, not to step around), else the
 * first of {@link CHROMIUM_NAMES} on the PATH, else `undefined`.
 */
export async function findChromium(): Promise<string | undefined> {
  const named = process.env[CHROMIUM_ENV];
  if (named !== undefined && named !== '') {
    const file = path.resolve(named);
    if (await isExecutableFile(file)) return file;
    throw new Error(`${CHROMIUM_ENV}=${named} is not an executable file`);
  }
  for (const name of CHROMIUM_NAMES) {
    const found = await findOnPath(name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Debian's `chromium` alone is enough for headless pages: its dependencies bring a font
 * (libfontconfig1 → fontconfig-config → fonts-dejavu-core), so text renders in screenshots; the
 * recommended fonts-liberation (metric clones of Arial and Times) is left out.
 */
const CHROMIUM: AptProgram = {
  name: 'chromium',
  packages: ['chromium'],
  missing: CHROMIUM_MISSING,
};

const chromiumMachine = thisMachine(findChromium);

/**
 * {@link ensureChromium} on a given machine.
 *
 * @internal
 */
export function ensureChromiumOn(
  machine: AptMachine,
  options: EnsureChromiumOptions = {},
): Promise<string> {
  return ensureInstalled(machine, CHROMIUM, options);
}

/**
 * The path of a Chromium to run ({@link findChromium}). Where there is none, on a Debian-like
 * machine and as root, installs Debian's (`apt-get update`, then
 * `apt-get install -y --no-install-recommends chromium`: about 120 MB to fetch, 400 MB on disk,
 * some 15 s) and logs one line saying so; otherwise rejects with one line saying what to install
 * ({@link CHROMIUM_MISSING}).
 *
 * Concurrent calls share one install; concurrent processes (and `ensureRedisServer`) take turns
 * through `<tmpdir>/smtp-apt-install.lock`, the others waiting (up to 5 minutes).
 *
 * @example
 * // vitest globalSetup: install once, before the workers start, outside any test's timeout
 * export default async () => { await ensureChromium({ log: (line) => console.log(line) }); };
 */
export function ensureChromium(options: EnsureChromiumOptions = {}): Promise<string> {
  return ensureChromiumOn(chromiumMachine, options);
}

/**
 * Launches the machine's Chromium ({@link ensureChromium}: installed first if need be) headless,
 * through playwright-core, and resolves with its `Browser`; `browser.close()` ends it and removes
 * its temporary profile. Each call is its own browser process; open a context per test
 * (`browser.newContext()`) rather than a browser.
 *
 * Without Chromium's sandbox (`chromiumSandbox: false`, that is `--no-sandbox`): Chromium refuses
 * to start as root with it (CI and these machines run tests as root), and the sandbox guards the
 * machine against hostile web content, while these browsers only ever load the tests' own pages
 * from loopback servers. playwright-core itself defaults to the same.
 *
 * @example
 * const browser = await launchChromium();
 * try {
 *   const page = await browser.newPage();
 *   await page.goto(server.url);
 * } finally {
 *   await browser.close();
 * }
 */
export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<Browser> {
  const executablePath = await ensureChromium(options);
  // Loaded here, not at the top: playwright-core takes over half a second to import, and every
  // test that imports test-servers for an SMTP server would pay for it.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    headless: true,
    chromiumSandbox: false,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
  });
}
