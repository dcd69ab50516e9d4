/**
 * The `ours` adapter for the project's yardstick (`../shared/bench`, see its README "Adapter
 * interface"): it plugs `@smtp/client` into that harness without touching it.
 *
 *   cp -r ../shared/bench /tmp/bench && cd /tmp/bench && npm ci
 *   BENCH_OURS_PATH=/work/main/tools/bench/yardstick-adapter.mjs node run.mjs --client nodemailer,raw,ours
 *
 * `@smtp/client` and `@smtp/mime` resolve from this folder's node_modules (the workspace), so build
 * the client first (`npx turbo run build --filter @smtp/client...`).
 *
 * - `pool` mode: one `SmtpPool` with `maxConnections` kept connections; the harness's concurrent
 *   sends queue in the pool, which starts each on the next idle connection.
 * - `single` mode: the same pool with `keepAlive: false` (QUIT after each message, a new
 *   connection for the next), so `maxConnections` messages are in flight, one per connection.
 *
 * `maxMessages` is not limited, like the harness's Nodemailer settings (`maxMessages: Infinity`).
 */
import { readFileSync } from 'node:fs';
import { SmtpPool } from '@smtp/client';
import { Message } from '@smtp/mime';

export function version() {
  const url = new URL('../../packages/client/package.json', import.meta.url);
  return `@smtp/client ${JSON.parse(readFileSync(url, 'utf8')).version}`;
}

export async function createClient(opts) {
  const pool = new SmtpPool({
    host: opts.host,
    port: opts.port,
    security: 'none',
    name: 'bench.local',
    keepAlive: opts.mode === 'pool',
    maxConnections: Math.max(1, opts.maxConnections || 1),
    maxMessages: Number.MAX_SAFE_INTEGER,
  });
  return {
    async send(mail) {
      const result = await pool.send(mail);
      return { accepted: [...result.accepted] };
    },
    close: () => pool.close(),
  };
}

/** For the yardstick's mime suite: the composed message as a stream of bytes. */
export function compose(mail) {
  return new Message(mail).stream();
}
