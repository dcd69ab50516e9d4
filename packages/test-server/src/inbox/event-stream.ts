/**
 * The page's live updates as Server-Sent Events (`text/event-stream`): one `added`, `deleted` or
 * `cleared` event per change of the store, so the list follows the mail as it arrives without a
 * reload. A comment line every 15 s keeps idle connections from being cut by anything in between.
 */
import type { ServerResponse } from 'node:http';
import type { StoreChange } from './message-store.ts';

/** Open streams are bounded: each holds a socket, and a tab left open somewhere holds one. */
const MAX_CLIENTS = 64;
const HEARTBEAT_MS = 15_000;

/** The open event streams of one inbox. */
export class EventStream {
  readonly #clients = new Set<ServerResponse>();
  #heartbeat: NodeJS.Timeout | undefined;

  /**
   * Answers `response` as an event stream and keeps it until the client leaves or {@link close};
   * `false` when too many are open (the caller answers 503).
   */
  add(response: ServerResponse, headers: Readonly<Record<string, string>>): boolean {
    if (this.#clients.size >= MAX_CLIENTS) return false;
    response.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
    });
    // How soon EventSource reconnects after the stream drops (the page refetches the list then).
    response.write('retry: 2000\n\n');
    this.#clients.add(response);
    response.once('close', () => this.#clients.delete(response));
    this.#heartbeat ??= setInterval(() => this.#write(': keep-alive\n\n'), HEARTBEAT_MS).unref();
    return true;
  }

  /** Sends one change to every open stream. */
  send(change: StoreChange): void {
    const data =
      change.type === 'added'
        ? change.message
        : change.type === 'deleted'
          ? { ids: change.ids }
          : {};
    // JSON.stringify leaves no raw line break, so one data line carries the whole event.
    this.#write(`event: ${change.type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends every stream. */
  close(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  #write(text: string): void {
    for (const client of this.#clients) client.write(text);
  }
}
