/**
 * The `Date:` header (RFC 5322 section 3.3): `Sat, 28 Nov 2026 19:36:07 +0000`, always in UTC
 * so the output does not depend on the machine's time zone.
 */

import { InvalidMessageError } from './errors.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * Formats `date` as an RFC 5322 `date-time` in UTC.
 *
 * @throws InvalidMessageError `SMTP_MIME_INVALID_OPTION` for an invalid Date or a year outside
 *   1900–9999 (RFC 5322 requires four digits and allows no year before 1900).
 * @example
 * formatDate(new Date(Date.UTC(2026, 10, 28, 19, 36, 7))); // 'Sat, 28 Nov 2026 19:36:07 +0000'
 */
export function formatDate(date: Date): string {
  const time = date instanceof Date ? date.getTime() : Number.NaN;
  const year = date instanceof Date ? date.getUTCFullYear() : Number.NaN;
  if (Number.isNaN(time) || year < 1900 || year > 9999) {
    throw new InvalidMessageError(
      'SMTP_MIME_INVALID_OPTION',
      'date must be a valid Date between the years 1900 and 9999',
    );
  }
  // Messages composed in a loop share their second: the last text is kept and reused.
  const second = Math.floor(time / 1000);
  if (second !== lastSecond) {
    lastText =
      `${DAYS[date.getUTCDay()]}, ${two(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${year} ` +
      `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
    lastSecond = second;
  }
  return lastText;
}

let lastSecond = Number.NaN;
let lastText = '';
