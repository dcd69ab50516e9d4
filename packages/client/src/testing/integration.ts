/**
 * Test-only (excluded from the build and from coverage): the setup the client's
 * `*.integration.test.ts` files share, so each file states its tests rather than the plumbing.
 *
 * `useIntegrationFixtures()`, called once at the top of a test file, registers the vitest hooks
 * (test certificates in `beforeAll`, clients destroyed after each test, servers closed after the
 * file or after each test) and returns the functions that start servers and open clients and
 * track them for that cleanup. The rest are plain helpers: `failure()` to catch a rejection,
 * `chain()`/`codes()` to read an error's causes, a `mail()` builder, the common `FAST` deadlines.
 */
import {
  createTestCertificates,
  type RunningSmtpServer,
  type ScriptedServer,
  type ScriptStep,
  type StartSmtpServerOptions,
  startScriptedServer,
  startSmtpServer,
  type TestCertificates,
} from 'test-servers';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  type ClientOptions,
  type Logger,
  type LoggingOptions,
  type PoolOptions,
  SmtpClient,
  SmtpPool,
} from '../index.ts';

/** Anything a test starts that must be closed when it is done with. */
export interface Closable {
  close(): Promise<void>;
}

export interface IntegrationFixturesOptions {
  /**
   * When the servers started through the fixtures are closed: at the end of the file (the
   * default, so a server started in `beforeAll` serves a whole `describe`), or after every test.
   * Servers still open at the end of the file are closed then either way.
   */
  readonly closeServers?: 'afterAll' | 'afterEach';
}

export interface IntegrationFixtures {
  /** The test certificates (test-servers' CA and server certificates), filled in `beforeAll`. */
  readonly certs: TestCertificates;
  /** A client destroyed after the test. */
  open(options: ClientOptions | string, logging?: LoggingOptions | Logger): SmtpClient;
  /** A pool destroyed after the test. */
  openPool(options: PoolOptions | string, logging?: LoggingOptions | Logger): SmtpPool;
  /** An smtp-server, closed per `closeServers`. */
  server(options?: StartSmtpServerOptions): Promise<RunningSmtpServer>;
  /** A scripted raw TCP server, closed per `closeServers`. */
  scripted(script: ScriptStep[] | ((connection: number) => ScriptStep[])): Promise<ScriptedServer>;
  /** Destroys a client made some other way (`createClient`, a custom logger) after the test. */
  trackClient(client: { destroy(): void }): void;
  /** Closes a server started some other way, per `closeServers`. */
  trackServer(server: Closable): void;
}

/** Registers the cleanup hooks for the calling test file and returns its fixtures. */
export function useIntegrationFixtures(
  options: IntegrationFixturesOptions = {},
): IntegrationFixtures {
  const closeServers = options.closeServers ?? 'afterAll';
  // Filled in place by beforeAll, so it can be destructured at the top of the file.
  const certs = {} as TestCertificates;
  const clients: { destroy(): void }[] = [];
  const servers: Closable[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  };

  beforeAll(async () => {
    Object.assign(certs, await createTestCertificates());
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(async (client) => client.destroy()));
    if (closeServers === 'afterEach') await closeAll();
  });
  afterAll(closeAll);

  const trackClient = (client: { destroy(): void }): void => {
    clients.push(client);
  };
  const trackServer = (server: Closable): void => {
    servers.push(server);
  };
  return {
    certs,
    open(target, logging) {
      const client = new SmtpClient(target, logging);
      trackClient(client);
      return client;
    },
    async server(serverOptions = {}) {
      const running = await startSmtpServer(serverOptions);
      trackServer(running);
      return running;
    },
    async scripted(script) {
      const running = await startScriptedServer(script);
      trackServer(running);
      return running;
    },
    openPool(target, logging) {
      const pool = new SmtpPool(target, logging);
      trackClient(pool);
      return pool;
    },
    trackClient,
    trackServer,
  };
}

/** The rejection of `promise`; fails the test if it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the promise to reject, it resolved');
}

/** What `run` throws; fails the test if it returns. */
export function failureSync(run: () => unknown): Error & Record<string, unknown> {
  try {
    run();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a throw');
}

/** The error and its causes, outermost first. */
export function chain(error: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let current: unknown = error;
  while (current !== null && typeof current === 'object' && out.length < 10) {
    out.push(current as Record<string, unknown>);
    current = (current as { cause?: unknown }).cause;
  }
  return out;
}

/** The `code` of the error and of each of its causes, outermost first. */
export const codes = (error: unknown): unknown[] => chain(error).map((e) => e.code);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bytes as latin1, so every byte shows one-to-one in assertions. */
export const decode = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

/** The command words the server logged, in order. */
export const words = (s: RunningSmtpServer): string[] => s.commands.map((c) => c.command);

/** A `mail(extra)` builder: ann@ to bob@ with `subject` and `text`, `extra` spread over them. */
export function mailBuilder(subject: string, text: string) {
  return (extra: Record<string, unknown> = {}) => ({
    from: 'ann@example.com',
    to: 'bob@example.com',
    subject,
    text,
    ...extra,
  });
}

/** Deadlines short enough that a test fails fast; faults and reuse state their own sets. */
export const FAST = { greeting: 800, command: 800, connect: 800, tls: 800, quit: 200 } as const;

/** Short deadlines for every phase, data phases included: for the fault and hostile-server tests. */
export const FAST_EVERY_PHASE = {
  ...FAST,
  dataInit: 800,
  dataBlock: 800,
  dataFinal: 800,
} as const;
