/**
 * Vitest binding (the vercel/ai test-server pattern): `useSmtpServer()` (or `useServer()` for
 * any server with a `close()`) starts a server in `beforeAll` and closes it in `afterAll`,
 * closing every client socket with it.
 * They return a handle that reads through to the running server, so a test file states its
 * server once at the top:
 *
 * ```ts
 * const smtp = useSmtpServer({ security: 'starttls' });
 * it('sends', async () => { await send(smtp.url); expect(smtp.messages).toHaveLength(1); });
 * ```
 *
 * Reading the handle before `beforeAll` ran (at collection time) throws, rather than handing
 * out a port that does not exist yet.
 */
import { afterAll, beforeAll } from 'vitest';
import {
  type RunningSmtpServer,
  type StartSmtpServerOptions,
  startSmtpServer,
} from './smtp-server.ts';

/** A running server's fields, read through to the server started by `beforeAll`, plus `server` itself. */
export type ServerHandle<T extends object> = T & {
  /** The running server (throws before `beforeAll` ran). */
  readonly server: T;
};

/**
 * Starts what `start` returns in `beforeAll` and closes it in `afterAll`; the handle reads
 * through to it (methods bound), and throws when read before `beforeAll` ran.
 */
export function useServer<T extends { close(): Promise<void> }>(
  start: () => Promise<T>,
): ServerHandle<T> {
  let current: T | undefined;
  beforeAll(async () => {
    current = await start();
  });
  afterAll(async () => {
    const running = current;
    current = undefined;
    await running?.close();
  });
  const get = (): T => {
    if (current === undefined) {
      throw new Error(
        '@smtp/test-server: the server is not running (read it inside a test or hook)',
      );
    }
    return current;
  };
  return new Proxy({} as ServerHandle<T>, {
    get(_target, key) {
      const server = get();
      if (key === 'server') return server;
      const value: unknown = Reflect.get(server, key);
      return typeof value === 'function' ? value.bind(server) : value;
    },
    has(_target, key) {
      return key === 'server' || Reflect.has(get(), key);
    },
  });
}

/**
 * Starts an smtp-server for the current `describe` block (or file) and closes it afterwards.
 *
 * @example
 * const smtp = useSmtpServer({ auth: { users: { ann: 'pw' } } });
 * beforeEach(() => smtp.reset());
 */
export function useSmtpServer(
  options: StartSmtpServerOptions = {},
): ServerHandle<RunningSmtpServer> {
  return useServer(() => startSmtpServer(options));
}
