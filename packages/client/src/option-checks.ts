/**
 * The checks every option check is built from, and the redaction hooks for secrets (INV-10):
 * one place for "unknown option, did you mean ...", "must be true or false" and the rest, so each
 * option's module (option-table.ts, proxy-option.ts, pool-options.ts) says the same things the
 * same way.
 */
import { sanitizeServerText } from '@smtp/protocol';
import { ClientStateError } from './errors.ts';

/** A `ClientStateError` `SMTP_CLIENT_INVALID_OPTIONS`. */
export function invalidOption(message: string, cause?: unknown): ClientStateError {
  return new ClientStateError(
    'SMTP_CLIENT_INVALID_OPTIONS',
    message,
    cause === undefined ? undefined : { cause },
  );
}

/** True for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An option name as it may be quoted in a message (it came from the caller: keep it short). */
function quoteName(name: string): string {
  return JSON.stringify(sanitizeServerText(name, 40));
}

/** Levenshtein distance, to suggest a known name for a typo. Inputs are short option names. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function suggestion(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    // A truncated name (`pipeline`, `timeout`) is as likely as a typo.
    if (lower.length >= 4 && name.toLowerCase().startsWith(lower)) return `did you mean ${name}?`;
    const d = distance(lower, name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best === undefined ? undefined : `did you mean ${best}?`;
}

/** Refuses keys of `value` not in `known`, naming the first one with a hint. */
export function checkKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  path: string,
  hints: Readonly<Record<string, string>> = {},
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const where = path === '' ? key : `${path}.${key}`;
    const hint = Object.hasOwn(hints, key) ? hints[key] : suggestion(key, known);
    throw invalidOption(
      `unknown option ${quoteName(where)}${hint === undefined ? '' : `: ${hint}`} (known: ${known.join(', ')})`,
    );
  }
}

/** Returns `value` when it is a plain object, else throws naming `path`. */
export function checkObject(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) throw invalidOption(`${path} must be an object`);
  return value;
}

/** Returns `value` when it is a boolean, else throws naming `path`. */
export function checkBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw invalidOption(`${path} must be true or false`);
  return value;
}

/** Returns `value` when it is an integer from `min` to `max`, else throws naming `path`. */
export function checkInteger(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(`${path} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** What a secret is shown as. */
export const REDACTED_VALUE = '[REDACTED]';
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Redaction hooks for an object: non-enumerable, so a spread copy carries only the data. */
export function defineRedaction(target: object, view: () => Record<string, unknown>): void {
  Object.defineProperties(target, {
    toJSON: { value: view, enumerable: false },
    [INSPECT]: { value: view, enumerable: false },
  });
}
