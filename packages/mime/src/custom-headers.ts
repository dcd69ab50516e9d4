/**
 * Custom headers given by the caller, on the message or on one attachment: names checked
 * (RFC 5322 `field-name`, and none that the package writes itself), values checked for CR, LF
 * and other controls (INV-5), both at the call that gives them, before anything is built.
 * Values are unstructured text: the serialiser encodes non-ASCII with RFC 2047 and folds them.
 */

import { InvalidHeaderError, InvalidMessageError } from './errors.ts';
import { validateHeaderName, validateHeaderValue } from './header-validation.ts';

/** Custom headers: a record (an array value repeats the header) or a list of name-value pairs. */
export type HeadersInput =
  | Readonly<Record<string, string | readonly string[]>>
  | readonly (readonly [string, string])[];

/** One validated custom header. */
export interface CustomHeader {
  readonly name: string;
  readonly value: string;
}

/** Headers the message writes itself: a custom header may not repeat or contradict them. */
export const MESSAGE_HEADER_NAMES: ReadonlySet<string> = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'content-id',
  'x-priority',
  'importance',
  'disposition-notification-to',
]);

/** Headers a part writes itself. */
export const PART_HEADER_NAMES: ReadonlySet<string> = new Set([
  'bcc',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'content-id',
]);

/**
 * Validates one custom header.
 *
 * @throws InvalidHeaderError `SMTP_MIME_INVALID_HEADER_NAME` or `SMTP_MIME_INVALID_HEADER_VALUE`.
 */
export function customHeader(
  name: unknown,
  value: unknown,
  owned: ReadonlySet<string>,
): CustomHeader {
  if (typeof name !== 'string' || typeof value !== 'string') {
    throw new InvalidMessageError(
      'SMTP_MIME_INVALID_OPTION',
      'A custom header name and value must be strings',
    );
  }
  validateHeaderName(name, { allowReserved: true });
  if (owned.has(name.toLowerCase())) {
    throw new InvalidHeaderError(
      'SMTP_MIME_INVALID_HEADER_NAME',
      `The header ${name} is written by @smtp/mime itself; set it through its option instead`,
    );
  }
  validateHeaderValue(value, `${name} header`);
  return { name, value };
}

/** Validates a whole {@link HeadersInput}. */
export function customHeaders(input: unknown, owned: ReadonlySet<string>): CustomHeader[] {
  if (input === undefined) return [];
  if (Array.isArray(input)) {
    return input.map((pair: unknown) => {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new InvalidMessageError(
          'SMTP_MIME_INVALID_OPTION',
          'headers given as a list must be [name, value] pairs',
        );
      }
      return customHeader(pair[0], pair[1], owned);
    });
  }
  if (typeof input !== 'object' || input === null) {
    throw new InvalidMessageError(
      'SMTP_MIME_INVALID_OPTION',
      'headers must be a record or a list of [name, value] pairs',
    );
  }
  const out: CustomHeader[] = [];
  for (const [name, value] of Object.entries(input)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      out.push(customHeader(name, one, owned));
    }
  }
  return out;
}
