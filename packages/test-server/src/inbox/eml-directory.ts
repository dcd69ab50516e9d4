/**
 * `dir` mode: every message is one `.eml` file in a folder, so the inbox survives a restart and
 * each message opens in any mail program. The folder's `.eml` files are the inbox: those already
 * there are listed on start (their time from the name the inbox gave them, else the file's
 * modification time), and deleting a message deletes its file. Only the list lines stay in
 * memory; the bytes are read from the file when asked for.
 *
 * One inbox per folder: a second process writing there is not seen until the next start.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type InboxEntry, summarize } from './inbox-message.ts';
import { receivedAtOfId } from './message-id.ts';
import type { MessageBodies } from './message-store.ts';

/** The folder opened as the inbox's store. */
export interface EmlDirectory {
  readonly bodies: MessageBodies;
  /** The messages already there, oldest first, at most `limit` of them. */
  readonly entries: readonly InboxEntry[];
}

interface EmlFile {
  readonly id: string;
  readonly receivedAt: number;
}

const EXTENSION = '.eml';

/**
 * Opens `dir` (created if missing). With a `limit`, the oldest files past it are deleted now, as
 * they would be when a new message arrives: the folder holds what the inbox shows.
 */
export async function openEmlDirectory(
  dir: string,
  limit: number | undefined,
): Promise<EmlDirectory> {
  await mkdir(dir, { recursive: true });
  const files = await listEmlFiles(dir);
  const excess = limit === undefined ? 0 : Math.max(0, files.length - limit);
  await Promise.all(
    files.slice(0, excess).map((file) => rm(pathOf(dir, file.id), { force: true })),
  );
  const entries: InboxEntry[] = [];
  // One at a time: a folder of thousands of messages must not open thousands of files at once.
  for (const file of files.slice(excess)) {
    const raw = await readFile(pathOf(dir, file.id));
    entries.push({ summary: await summarize(file.id, raw, file.receivedAt) });
  }
  return { bodies: emlBodies(dir), entries };
}

/** The `.eml` files of `dir`, oldest first (ties in name order, so the order is stable). */
async function listEmlFiles(dir: string): Promise<EmlFile[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter(
      (entry) =>
        entry.isFile() && entry.name.endsWith(EXTENSION) && entry.name.length > EXTENSION.length,
    )
    .map((entry) => entry.name);
  const files = await Promise.all(
    names.map(async (name): Promise<EmlFile> => {
      const id = name.slice(0, -EXTENSION.length);
      const receivedAt = receivedAtOfId(id) ?? (await stat(join(dir, name))).mtimeMs;
      return { id, receivedAt };
    }),
  );
  return files.sort((a, b) => a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : 1));
}

/**
 * Ids are file names the inbox listed or made itself, never a request's text (the routes look an
 * id up in the store first), so joining one to the folder cannot leave it.
 */
function pathOf(dir: string, id: string): string {
  return join(dir, `${id}${EXTENSION}`);
}

function emlBodies(dir: string): MessageBodies {
  return {
    async save(id, raw) {
      // Written aside, then renamed: a file with the .eml name is always a whole message.
      const partial = join(dir, `.${id}${EXTENSION}.part`);
      await writeFile(partial, raw);
      await rename(partial, pathOf(dir, id));
    },
    async read(id) {
      try {
        return await readFile(pathOf(dir, id));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async remove(id) {
      await rm(pathOf(dir, id), { force: true });
    },
  };
}
