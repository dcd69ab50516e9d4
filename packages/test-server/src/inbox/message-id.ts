/**
 * Message ids: the arrival time, then random bits. They sort in arrival order as file names (so a
 * `dir` of `.eml` files lists in order in any file manager), and give back their time when the
 * inbox finds them on disk again, whatever the file's modification time says after a copy.
 */
import { randomBytes } from 'node:crypto';

const ID_PATTERN = /^((\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z)-[0-9a-f]{8}$/;

/** `20261205T120000123Z`: ISO 8601 in its basic form, to the millisecond. */
function stampOf(time: number): string {
  return new Date(time).toISOString().replace(/[-:.]/g, '');
}

/** A new id for a message received at `receivedAt` (ms): `20261205T120000123Z-1a2b3c4d`. */
export function newMessageId(receivedAt: number): string {
  return `${stampOf(receivedAt)}-${randomBytes(4).toString('hex')}`;
}

/** The arrival time an id made by {@link newMessageId} holds; `undefined` for any other name. */
export function receivedAtOfId(id: string): number | undefined {
  const match = ID_PATTERN.exec(id);
  if (match === null) return undefined;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, ms = 0] = match
    .slice(2)
    .map(Number);
  const time = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls a 13th month or a 32nd day over into the next; such a name is not ours.
  return stampOf(time) === match[1] ? time : undefined;
}
