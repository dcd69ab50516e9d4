/** Message bytes held in memory: the inbox's default store, gone when it closes. */
import type { MessageBodies } from './message-store.ts';

/** A fresh in-memory store of message bytes. */
export function memoryBodies(): MessageBodies {
  const bodies = new Map<string, Uint8Array>();
  return {
    async save(id, raw) {
      bodies.set(id, raw);
    },
    async read(id) {
      return bodies.get(id);
    },
    async remove(id) {
      bodies.delete(id);
    },
  };
}
