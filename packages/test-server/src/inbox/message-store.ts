/**
 * The inbox's messages: the list in arrival order, bounded, and where their bytes live (memory
 * or a folder of `.eml` files, see memory-bodies.ts and eml-directory.ts). Every change goes
 * through one queue, so an arrival, a delete and a "delete all" never interleave halfway, and
 * every change is announced to the listeners (the page's live updates) in the order it happened.
 */
import type { ReceivedMessage } from '../received-message.ts';
import { type InboxEntry, type InboxMessageSummary, summarize } from './inbox-message.ts';
import { newMessageId } from './message-id.ts';

/** Where the bytes of the messages live. */
export interface MessageBodies {
  save(id: string, raw: Uint8Array): Promise<void>;
  /** The bytes, or `undefined` when they are gone. */
  read(id: string): Promise<Uint8Array | undefined>;
  /** Removes the bytes; removing bytes that are gone is not an error. */
  remove(id: string): Promise<void>;
}

/** One change of the list, as the page's event stream carries it. */
export type StoreChange =
  | { readonly type: 'added'; readonly message: InboxMessageSummary }
  /** Deleted by a request, or dropped as the oldest past the limit. */
  | { readonly type: 'deleted'; readonly ids: readonly string[] }
  | { readonly type: 'cleared' };

const settle = (): void => undefined;

/** The messages, oldest first, at most `limit` of them (`undefined`: no bound). */
export class MessageStore {
  /** A Map keeps insertion order: arrival order, so the first key is the oldest message. */
  readonly #entries = new Map<string, InboxEntry>();
  readonly #bodies: MessageBodies;
  readonly #limit: number | undefined;
  readonly #listeners = new Set<(change: StoreChange) => void>();
  #tail: Promise<void> = Promise.resolve();

  /** `initial`: messages already there (a folder's files), oldest first. */
  constructor(bodies: MessageBodies, limit: number | undefined, initial: readonly InboxEntry[]) {
    this.#bodies = bodies;
    this.#limit = limit;
    for (const entry of initial) this.#entries.set(entry.summary.id, entry);
  }

  /** Calls `listener` with every change from now on; returns the function that stops it. */
  onChange(listener: (change: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** The list lines, newest first. */
  list(): InboxMessageSummary[] {
    return [...this.#entries.values()].map((entry) => entry.summary).reverse();
  }

  get(id: string): InboxEntry | undefined {
    return this.#entries.get(id);
  }

  /** The message's bytes; `undefined` for an id the inbox does not hold. */
  async raw(id: string): Promise<Uint8Array | undefined> {
    return this.#entries.has(id) ? this.#bodies.read(id) : undefined;
  }

  /** Stores a message the SMTP server accepted; past the limit, the oldest are dropped. */
  add(message: ReceivedMessage): Promise<InboxMessageSummary> {
    return this.#queue(async () => {
      const id = newMessageId(message.receivedAt);
      const envelope = {
        mailFrom: message.envelope.mailFrom,
        rcptTo: [...message.envelope.rcptTo],
      };
      const summary = await summarize(id, message.raw, message.receivedAt, envelope);
      await this.#bodies.save(id, message.raw);
      const excess = this.#entries.size + 1 - (this.#limit ?? Number.POSITIVE_INFINITY);
      const dropped = [...this.#entries.keys()].slice(0, Math.max(0, excess));
      // The oldest go first, so that whoever sees the new message sees the store within its bound.
      await Promise.all(dropped.map((old) => this.#bodies.remove(old)));
      for (const old of dropped) this.#entries.delete(old);
      this.#entries.set(id, { summary, envelope });
      if (dropped.length > 0) this.#emit({ type: 'deleted', ids: dropped });
      this.#emit({ type: 'added', message: summary });
      return summary;
    });
  }

  /** Deletes one message; `false` when the inbox does not hold it. */
  delete(id: string): Promise<boolean> {
    return this.#queue(async () => {
      if (!this.#entries.delete(id)) return false;
      this.#emit({ type: 'deleted', ids: [id] });
      await this.#bodies.remove(id);
      return true;
    });
  }

  /** Deletes every message; resolves with how many there were. */
  clear(): Promise<number> {
    return this.#queue(async () => {
      const ids = [...this.#entries.keys()];
      this.#entries.clear();
      this.#emit({ type: 'cleared' });
      await Promise.all(ids.map((id) => this.#bodies.remove(id)));
      return ids.length;
    });
  }

  /** Resolves once every change asked for so far is done. */
  idle(): Promise<void> {
    return this.#tail;
  }

  #queue<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(change);
    this.#tail = result.then(settle, settle);
    return result;
  }

  #emit(change: StoreChange): void {
    for (const listener of [...this.#listeners]) listener(change);
  }
}
