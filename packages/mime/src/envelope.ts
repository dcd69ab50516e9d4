/**
 * The SMTP envelope a message implies (RFC 5321 sections 3.3 and 4.1.1.2-3), and the delivery
 * status notification wishes (RFC 3461) the client reads from it.
 *
 * - `from` (the reverse path) is the Sender when there is one, else the first From address.
 *   A null reverse path (`MAIL FROM:<>`, for bounces) is a choice for the client to make, not
 *   a property of the message: `validate()` requires a sender.
 * - `to` is every To, Cc and Bcc address, in that order, each once: two addresses are the same
 *   when their local parts are equal (case-sensitive, RFC 5321 section 2.4) and their domains
 *   are equal ignoring case, after conversion to A-labels. The first spelling is kept.
 * - Addresses are written as the headers write them (INV-7: header and envelope agree): with
 *   domains in A-labels unless `smtpUtf8` is set.
 */

import { InvalidMessageError } from './errors.ts';

/** What RFC 3461 NOTIFY may ask for. */
export type DsnNotify = 'SUCCESS' | 'FAILURE' | 'DELAY';

/** Delivery status notification wishes (RFC 3461), for the client's MAIL and RCPT parameters. */
export interface DsnRequest {
  /** `NOTIFY=` on every RCPT: the events to report, or `NEVER`. */
  readonly notify: readonly DsnNotify[] | 'NEVER';
  /** `RET=` on MAIL: return the full message or only its headers in a DSN. */
  readonly ret: 'HDRS' | 'FULL';
  /** `ENVID=` on MAIL: an id of the sender's choosing, echoed in DSNs. */
  readonly envelopeId?: string;
}

/** Options of `requestDeliveryReceipt()` and of the `dsn` message option. */
export interface DsnOptions {
  /** Default `['SUCCESS', 'FAILURE']`. */
  readonly notify?: readonly DsnNotify[] | 'NEVER';
  /** Default `'HDRS'`. */
  readonly ret?: 'HDRS' | 'FULL';
  /** Printable ASCII, 1 to 100 characters (RFC 3461 section 4.4). */
  readonly envelopeId?: string;
}

/** The envelope of a message; see the module docs. */
export interface Envelope {
  /** The reverse path: Sender, else the first From (no angle brackets). */
  readonly from: string;
  /** Every recipient (To, Cc, Bcc), deduplicated, first spelling kept (no angle brackets). */
  readonly to: readonly string[];
  /** An address has a non-ASCII local part: only a server offering SMTPUTF8 can take it. */
  readonly needsSmtpUtf8: boolean;
  /** A part is sent as 8bit: only a server offering 8BITMIME can take it. */
  readonly needs8BitMime: boolean;
  /** The exact serialized size in octets, when all content is known in advance (no streams). */
  readonly size?: number;
  /** Delivery status notification wishes, when the message asks for them. */
  readonly dsn?: DsnRequest;
}

const NOTIFY: readonly DsnNotify[] = ['SUCCESS', 'FAILURE', 'DELAY'];

/**
 * Validates DSN options and fills in the defaults.
 *
 * @throws InvalidMessageError `SMTP_MIME_INVALID_OPTION`.
 */
export function normalizeDsn(options: DsnOptions | undefined): DsnRequest {
  const fail = (why: string): never => {
    throw new InvalidMessageError('SMTP_MIME_INVALID_OPTION', `Invalid DSN request: ${why}`);
  };
  const notify = options?.notify ?? ['SUCCESS', 'FAILURE'];
  if (notify !== 'NEVER') {
    if (!Array.isArray(notify) || notify.length === 0)
      fail('notify must be NEVER or a non-empty list');
    for (const event of notify) {
      if (!NOTIFY.includes(event)) fail(`unknown notify event ${JSON.stringify(event)}`);
    }
  }
  const ret = options?.ret ?? 'HDRS';
  if (ret !== 'HDRS' && ret !== 'FULL')
    fail(`ret must be HDRS or FULL, got ${JSON.stringify(ret)}`);
  const envelopeId = options?.envelopeId;
  if (envelopeId !== undefined && !/^[\x21-\x7e]{1,100}$/.test(envelopeId)) {
    fail('envelopeId must be 1 to 100 printable ASCII characters');
  }
  return {
    notify: notify === 'NEVER' ? 'NEVER' : [...new Set(notify)],
    ret,
    ...(envelopeId === undefined ? {} : { envelopeId }),
  };
}

/**
 * Removes repeated recipients (see the module docs for when two are the same).
 *
 * @param key The comparison key of an address: local part, `@`, domain in lower-case A-labels.
 */
export function dedupeRecipients(
  addresses: readonly string[],
  key: (address: string) => string,
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const address of addresses) {
    const k = key(address);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(address);
  }
  return out;
}
