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
 * - `pool` mode: `maxConnections` clients, each keeping its connection (`keepAlive`); a send goes to
 *   the client with the fewest sends in flight, and each client queues its own sends.
 * - `single` mode: the same, with `keepAlive: false` (QUIT after each message, a new connection for
 *   the next), so `maxConnections` messages are in flight, one per connection.
 */
import { readFileSync } from 'node:fs';
import { SmtpClient } from '@smtp/client';
import { Message } from '@smtp/mime';

export function version() {
  const url = new URL('../../packages/client/package.json', import.meta.url);
  return `@smtp/client ${JSON.parse(readFileSync(url, 'utf8')).version}`;
}

export async function createClient(opts) {
  const count = Math.max(1, opts.maxConnections || 1);
  const slots = Array.from({ length: count }, () => ({
    client: new SmtpClient({
      host: opts.host,
      port: opts.port,
      security: 'none',
      name: 'bench.local',
      keepAlive: opts.mode === 'pool',
    }),
    inFlight: 0,
  }));
  return {
    async send(mail) {
      let slot = slots[0];
      for (const candidate of slots) if (candidate.inFlight < slot.inFlight) slot = candidate;
      slot.inFlight += 1;
      try {
        const result = await slot.client.send(mail);
        return { accepted: [...result.accepted] };
      } finally {
        slot.inFlight -= 1;
      }
    },
    async close() {
      await Promise.all(slots.map((slot) => slot.client.close()));
    },
  };
}

/** For the yardstick's mime suite: the composed message as a stream of bytes. */
export function compose(mail) {
  return new Message(mail).stream();
}
