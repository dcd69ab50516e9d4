import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AptMachine } from './apt-install.ts';
import {
  CHROMIUM_ENV,
  CHROMIUM_MISSING,
  CHROMIUM_NAMES,
  ensureChromium,
  ensureChromiumOn,
  findChromium,
  launchChromium,
} from './chromium.ts';

/** What a test site answers on one path. */
interface Route {
  readonly type: string;
  readonly body: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A `node:http` server on 127.0.0.1 and port 0 that answers from a table and records requests. */
interface Site {
  /** `http://127.0.0.1:port`. */
  readonly origin: string;
  readonly port: number;
  /** Every request's path, in order (favicon requests included). */
  readonly requests: string[];
  close(): Promise<void>;
}

const sites: Site[] = [];

async function startSite(routes: Readonly<Record<string, Route>>): Promise<Site> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    const url = request.url ?? '/';
    requests.push(url);
    const route = routes[url];
    if (route === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': route.type, ...route.headers }).end(route.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const site: Site = {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  sites.push(site);
  return site;
}

const html = (body: string): Route => ({ type: 'text/html; charset=utf-8', body });

/** A 1×1 PNG, so that a loaded image has a `naturalWidth` of 1 and a blocked one of 0. */
const PIXEL: Route = {
  type: 'image/png',
  body: Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==',
    'base64',
  ),
};

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

// On a fresh Debian-like machine, as root, this installs chromium (apt-get: 15 to 25 s) before
// any test looks for it, as a package's vitest globalSetup would.
beforeAll(async () => {
  await ensureChromium({ log: (line) => console.log(line) });
}, 300_000);

afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(sites.splice(0).map((site) => site.close()));
});

describe('findChromium', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'smtp-chromium-path-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fakeBinary(file: string, mode = 0o755): Promise<string> {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '#!/bin/sh\n');
    await chmod(file, mode);
    return file;
  }

  it('finds a Chromium on the PATH of this machine', async () => {
    vi.stubEnv(CHROMIUM_ENV, '');
    const found = await findChromium();
    expect(CHROMIUM_NAMES).toContain(path.basename(found as string));
  });

  it('looks for the names in their order, along the PATH, skipping non-executable files', async () => {
    vi.stubEnv(CHROMIUM_ENV, '');
    const chrome = await fakeBinary(path.join(dir, 'a', 'google-chrome'));
    await fakeBinary(path.join(dir, 'a', 'chromium'), 0o644);
    const chromium = await fakeBinary(path.join(dir, 'b', 'chromium'));
    // An empty entry would be the working directory: never looked in.
    vi.stubEnv('PATH', ['', path.join(dir, 'a'), path.join(dir, 'b')].join(path.delimiter));
    expect(await findChromium()).toBe(chromium);
    await rm(chromium);
    expect(await findChromium()).toBe(chrome);
    vi.stubEnv('PATH', '');
    expect(await findChromium()).toBeUndefined();
  });

  it(`takes ${CHROMIUM_ENV} first, and refuses one that is not an executable file`, async () => {
    await fakeBinary(path.join(dir, 'bin', 'chromium'));
    const named = await fakeBinary(path.join(dir, 'chrome-for-tests'));
    vi.stubEnv('PATH', path.join(dir, 'bin'));
    vi.stubEnv(CHROMIUM_ENV, named);
    expect(await findChromium()).toBe(named);
    vi.stubEnv(CHROMIUM_ENV, path.join(dir, 'missing'));
    await expect(findChromium()).rejects.toThrow(
      `${CHROMIUM_ENV}=${path.join(dir, 'missing')} is not an executable file`,
    );
    await chmod(named, 0o644);
    vi.stubEnv(CHROMIUM_ENV, named);
    await expect(findChromium()).rejects.toThrow('is not an executable file');
  });
});

describe('ensureChromium', () => {
  const installedPath = '/usr/bin/chromium';
  let lockDir: string;

  beforeAll(async () => {
    lockDir = await mkdtemp(path.join(os.tmpdir(), 'smtp-chromium-lock-'));
  });

  afterAll(async () => {
    await rm(lockDir, { recursive: true, force: true });
  });

  /** A machine without Chromium, whose "apt-get" only records that it ran. */
  function machine(overrides: Partial<AptMachine> = {}) {
    const state = { installed: undefined as string | undefined, runs: [] as string[] };
    const fake: AptMachine = {
      which: async () => state.installed,
      isRoot: () => true,
      isDebian: async () => true,
      run: async (command, args) => {
        state.runs.push([command, ...args].join(' '));
        if (args[0] === 'install') state.installed = installedPath;
      },
      lockPath: path.join(lockDir, `${Math.random().toString(36).slice(2)}.lock`),
      lockWaitMs: 5000,
      pollMs: 10,
      ...overrides,
    };
    return { fake, state };
  }

  it('returns the Chromium of this machine, as findChromium finds it', async () => {
    expect(await ensureChromium({ install: false })).toBe(await findChromium());
  });

  it("installs Debian's chromium with apt-get as root, saying so in one line", async () => {
    const { fake, state } = machine();
    const log = vi.fn();
    expect(await ensureChromiumOn(fake, { log })).toBe(installedPath);
    expect(state.runs).toEqual([
      'apt-get update',
      'apt-get install -y --no-install-recommends chromium',
    ]);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]?.[0]).toBe(
      'chromium is not on the PATH: installing it with apt-get (Debian-like machine, root)',
    );
    expect(await exists(fake.lockPath)).toBe(false);
  });

  it('refuses in one line saying what to install where it may not install', async () => {
    const { fake, state } = machine({ isRoot: () => false });
    const error = await ensureChromiumOn(fake, { log: () => {} }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(CHROMIUM_MISSING);
    expect(CHROMIUM_MISSING).not.toContain('\n');
    expect(CHROMIUM_MISSING).toContain('sudo apt-get install chromium');
    expect(CHROMIUM_MISSING).toContain(CHROMIUM_ENV);
    expect(state.runs).toEqual([]);
  });

  it("waits while another process's install (of anything) holds the shared lock, then installs", async () => {
    const { fake, state } = machine();
    // This process is alive, so the lock counts as another live installer's (redis-server's, say).
    await writeFile(fake.lockPath, `${process.pid}\n`);
    setTimeout(() => void rm(fake.lockPath, { force: true }), 100);
    expect(await ensureChromiumOn(fake, { log: () => {} })).toBe(installedPath);
    expect(state.runs).toHaveLength(2);
  });
});

describe('launchChromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // `fenced.test` is a name for 127.0.0.1 known only to this browser: see the fence test.
    browser = await launchChromium({ args: ['--host-resolver-rules=MAP fenced.test 127.0.0.1'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterEach(async () => {
    await context.close();
  });

  it("is the machine's Chromium, headless", async () => {
    expect(browser.browserType().name()).toBe('chromium');
    expect(browser.version()).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // The binary ensureChromium found ("Chromium 156.0.8078.114 built on Debian..."), no other.
    const binary = (await findChromium()) as string;
    const { stdout } = await promisify(execFile)(binary, ['--version']);
    expect(stdout).toContain(` ${browser.version()}`);
    expect(await page.evaluate<string>('navigator.userAgent')).toContain('HeadlessChrome/');
  });

  it("runs the page's scripts: one loaded from the server fetches data and writes it into the DOM", async () => {
    const site = await startSite({
      '/': html(
        '<!doctype html><title>t</title><p id="out">waiting</p><script src="/app.js"></script>',
      ),
      '/app.js': {
        type: 'text/javascript',
        body: `fetch('/data.json').then((r) => r.json()).then(({ a, b }) => {
          const out = document.getElementById('out');
          out.textContent = a + ' + ' + b + ' = ' + (a + b);
          out.dataset.done = 'yes';
        });`,
      },
      '/data.json': { type: 'application/json', body: '{"a":40,"b":2}' },
    });
    await page.goto(`${site.origin}/`);
    await page.waitForSelector('#out[data-done="yes"]');
    expect(await page.textContent('#out')).toBe('40 + 2 = 42');
    expect(site.requests).toEqual(expect.arrayContaining(['/', '/app.js', '/data.json']));
  });

  it('downloads a file byte for byte', async () => {
    // Every byte value, and line endings of all kinds: nothing may be decoded or normalised.
    const bytes = Buffer.concat([
      Buffer.from('From: a@example.com\r\nSubject: bytes\r\n\r\nbare\nlf and cr\r'),
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    ]);
    const site = await startSite({
      '/': html('<!doctype html><a id="get" href="/message.eml">download</a>'),
      '/message.eml': {
        type: 'message/rfc822',
        body: bytes,
        headers: { 'content-disposition': 'attachment; filename="message.eml"' },
      },
    });
    await page.goto(`${site.origin}/`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#get')]);
    expect(download.suggestedFilename()).toBe('message.eml');
    expect(download.url()).toBe(`${site.origin}/message.eml`);
    expect(await download.failure()).toBeNull();
    expect((await readFile(await download.path())).equals(bytes)).toBe(true);
  });

  it("does not load an image from another loopback origin under CSP img-src 'self'", async () => {
    const other = await startSite({ '/pixel.png': PIXEL });
    const page_ = (headers: Record<string, string>) => ({
      ...html(`<!doctype html>
        <script>
          window.violations = [];
          document.addEventListener('securitypolicyviolation', (e) =>
            window.violations.push(e.violatedDirective + ' ' + e.blockedURI));
        </script>
        <img id="own" src="/pixel.png">
        <img id="foreign" src="${other.origin}/pixel.png">`),
      headers,
    });
    const site = await startSite({
      '/csp': page_({ 'content-security-policy': "img-src 'self'" }),
      '/open': page_({}),
      '/pixel.png': PIXEL,
    });
    // Page code as strings: the tests compile without the DOM's types.
    const widths = () =>
      page.evaluate<string[]>(
        "Array.from(document.images, (image) => image.id + ' ' + image.naturalWidth)",
      );

    // 'load' waits for every image to load or fail, the blocked one included.
    await page.goto(`${site.origin}/csp`, { waitUntil: 'load' });
    expect(await widths()).toEqual(['own 1', 'foreign 0']);
    await expect
      .poll(() => page.evaluate<string[]>('window.violations'))
      .toEqual([`img-src ${other.origin}/pixel.png`]);
    expect(other.requests).toEqual([]);

    // The same page without the policy does fetch it: the server was there to be reached.
    await page.goto(`${site.origin}/open`, { waitUntil: 'load' });
    expect(await widths()).toEqual(['own 1', 'foreign 1']);
    expect(other.requests).toEqual(['/pixel.png']);
  });

  it('reaches loopback only: any other host goes to a proxy that is not there', async () => {
    const site = await startSite({ '/': html('<p id="here">here</p>') });
    const url = `http://fenced.test:${site.port}/`;
    await expect(page.goto(url)).rejects.toThrow('net::ERR_PROXY_CONNECTION_FAILED');
    expect(site.requests).toEqual([]);

    // The same name, resolving to the same server, without the fence (a later --proxy-server
    // wins): it was reachable. This second browser also shows that close() ends its process.
    const before = await chromiumChildren();
    const open = await launchChromium({
      args: ['--host-resolver-rules=MAP fenced.test 127.0.0.1', '--proxy-server=direct://'],
    });
    try {
      expect(await chromiumChildren()).toBe(before + 1);
      const openPage = await open.newPage();
      await openPage.goto(url);
      expect(await openPage.textContent('#here')).toBe('here');
      expect(site.requests[0]).toBe('/');
    } finally {
      await open.close();
    }
    expect(open.isConnected()).toBe(false);
    expect(await chromiumChildren()).toBe(before);
  }, 30_000);
});

/** How many Chromium processes this process started and that still run (ps, direct children). */
function chromiumChildren(): Promise<number> {
  return new Promise((resolve, reject) => {
    const ps = spawn('ps', ['-o', 'comm=', '--ppid', String(process.pid)]);
    let text = '';
    ps.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    ps.once('error', reject);
    ps.once('close', () => resolve(text.split('\n').filter((line) => /chrom/i.test(line)).length));
  });
}
