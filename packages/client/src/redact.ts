/**
 * Keeping secrets out of logs, diagnostics and messages (docs/security.md INV-10).
 *
 * Two tools, used together:
 * - {@link redactCommandLine} knows the shape of what the client writes: an `AUTH` line keeps
 *   its mechanism and loses its initial response; a SASL continuation line is hidden entirely.
 *   That covers the bytes the client itself sends, whatever the secret is.
 * - A {@link Secrets} registry knows the secrets: the password or token (registered before any
 *   AUTH bytes are built) and the payloads the mechanisms encode. `scrub()` replaces any of them,
 *   raw or in base64, in any text: a log line, a server reply that echoes a credential, a
 *   diagnostics payload. It is the backstop for everything the first tool cannot know about.
 *
 * Why three base64 alignments: base64 encodes 3 bytes as 4 characters, so the characters that
 * encode a secret depend on where it starts in the encoded string (offset 0, 1 or 2 modulo 3).
 * For each alignment the registry keeps the characters determined by the secret's bytes alone,
 * which appear in the base64 of *any* string containing the secret at that alignment (a SASL
 * PLAIN payload `\0user\0secret`, an XOAUTH2 payload, a Basic header...). Secrets shorter than
 * {@link MIN_BASE64_FRAGMENT} characters in that form are registered only as whole encodings
 * (alignment 0 with padding, and whole payloads via `addPayload`), since a two-character
 * fragment would erase unrelated text from every line.
 */
import { Buffer } from 'node:buffer';
import type { DkimSigners } from './dkim-signers.ts';
import type { Credentials } from './options.ts';
import { sanitizeServerText } from './reply-info.ts';

/** What a secret is replaced with. */
export const REDACTED = '<redacted>';

/**
 * The shortest base64 fragment registered on its own. Fragments this short could match
 * unrelated text; shorter ones are covered by the whole-encoding forms instead.
 */
export const MIN_BASE64_FRAGMENT = 4;

/** A registry of secrets and the scrubbing that removes them from text. */
export interface Secrets {
  /**
   * Registers a password or token: the text itself, its sanitised form (control characters
   * escaped, as logs show them), its percent-encoded form (as it would be in a URL), and its
   * base64 and base64url forms at every alignment. Empty strings are ignored.
   */
  add(secret: string): void;
  /**
   * Registers an encoded payload that holds a secret, such as the bytes of a SASL PLAIN or
   * XOAUTH2 initial response: its base64 forms at every alignment (and, for a string, the text
   * itself). Use it for what {@link Secrets.add} cannot see: the whole encoded payload when the
   * secret inside is too short to have fragments of its own.
   */
  addPayload(payload: Uint8Array | string): void;
  /** Replaces every registered secret in `text` with `<redacted>`. */
  scrub(text: string): string;
  /** How many distinct strings are registered (secrets and their encoded forms). */
  readonly size: number;
}

/**
 * The base64 characters determined by `bytes` alone when they start at `alignment` (0, 1 or 2)
 * bytes past a multiple of 3 in a longer encoded string.
 *
 * Character `j` of a base64 text encodes bits `6j` to `6j + 5` of the input. With `alignment`
 * bytes before the secret and any bytes after it, the characters whose bits all lie inside the
 * secret (bits `8a` to `8(a + n) - 1`) are `ceil(8a / 6)` up to `floor((8(a + n) - 6) / 6)`.
 */
export function base64Fragment(bytes: Uint8Array, alignment: 0 | 1 | 2): string {
  const padded = new Uint8Array(alignment + bytes.length + 2);
  padded.set(bytes, alignment);
  const encoded = Buffer.from(padded).toString('base64');
  const first = Math.ceil((8 * alignment) / 6);
  const last = Math.floor((8 * (alignment + bytes.length) - 6) / 6);
  return last < first ? '' : encoded.slice(first, last + 1);
}

/** The base64url spelling of a base64 text (RFC 4648 section 5), without padding. */
function toBase64Url(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Creates an empty secret registry. The registry keeps its secrets in a closure: the returned
 * object has methods and a count only, so logging it shows nothing.
 *
 * @example
 * ```ts
 * const secrets = createSecrets();
 * secrets.add('s3cret');
 * secrets.scrub('AUTH PLAIN AGFsaWNlAHMzY3JldA=='); // 'AUTH PLAIN AGFsaWNl<redacted>'
 * ```
 */
export function createSecrets(): Secrets {
  const registered = new Set<string>();
  // Longest first, so that where two secrets start at the same place the longer one is seen.
  let patterns: string[] = [];

  function register(value: string): void {
    if (value === '' || registered.has(value)) return;
    registered.add(value);
    patterns = [...registered].sort((a, b) => b.length - a.length);
  }

  function registerBase64(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const whole = Buffer.from(bytes).toString('base64');
    register(whole);
    register(toBase64Url(whole));
    for (const alignment of [0, 1, 2] as const) {
      const fragment = base64Fragment(bytes, alignment);
      if (fragment.length >= MIN_BASE64_FRAGMENT) {
        register(fragment);
        register(toBase64Url(fragment));
      }
    }
  }

  return Object.freeze({
    add(secret: string): void {
      if (typeof secret !== 'string' || secret === '') return;
      register(secret);
      // Logs sanitise before they scrub, so a secret holding a control character must also be
      // known in its escaped form.
      register(sanitizeServerText(secret, Infinity));
      register(encodeURIComponent(secret));
      registerBase64(Buffer.from(secret, 'utf8'));
    },
    addPayload(payload: Uint8Array | string): void {
      if (typeof payload === 'string') {
        register(payload);
        register(sanitizeServerText(payload, Infinity));
        registerBase64(Buffer.from(payload, 'utf8'));
      } else {
        registerBase64(payload);
      }
    },
    scrub(text: string): string {
      if (patterns.length === 0 || text === '') return text;
      // Mark every character covered by an occurrence of any secret (overlapping ones included),
      // then replace each covered run with one marker. Replacing secrets one after another could
      // cut a longer secret that overlaps a shorter one and leave part of it behind.
      let covered: Uint8Array | undefined;
      for (const pattern of patterns) {
        let index = text.indexOf(pattern);
        while (index !== -1) {
          covered ??= new Uint8Array(text.length);
          covered.fill(1, index, index + pattern.length);
          index = text.indexOf(pattern, index + 1);
        }
      }
      if (covered === undefined) return text;
      let out = '';
      let start = 0;
      while (start < text.length) {
        let end = start;
        const value = covered[start];
        while (end < text.length && covered[end] === value) end++;
        out += value === 1 ? REDACTED : text.slice(start, end);
        start = end;
      }
      return out;
    },
    get size(): number {
      return registered.size;
    },
  });
}

/** `AUTH <mechanism> [initial-response]`, case-insensitive as RFC 5321 commands are. */
const AUTH_LINE = /^(AUTH[ \t]+[^ \t]+)(?:[ \t]+[^ \t].*)?$/i;

/**
 * The loggable form of one command line the client wrote. Trailing CR and LF are removed.
 *
 * - `AUTH <mechanism> <initial-response>` becomes `AUTH <mechanism> <redacted>`: the mechanism
 *   helps debugging, the response may be a password in base64 (PLAIN, XOAUTH2).
 * - With `sensitive` (a line sent in answer to a `334` challenge: LOGIN's user name and
 *   password, a SCRAM proof), the whole line becomes `<redacted>`.
 * - Anything else is returned as written.
 *
 * @example
 * ```ts
 * redactCommandLine('AUTH PLAIN AHVzZXIAcGFzcw==\r\n', false); // 'AUTH PLAIN <redacted>'
 * redactCommandLine('cGFzcw==', true); // '<redacted>'
 * ```
 */
export function redactCommandLine(line: string, sensitive: boolean): string {
  const text = line.replace(/[\r\n]+$/, '');
  const auth = AUTH_LINE.exec(text);
  if (auth !== null) {
    return text.length > (auth[1] as string).length ? `${auth[1]} ${REDACTED}` : text;
  }
  return sensitive ? REDACTED : text;
}

/**
 * Registers the secret of a login: the password, or an access token given as a string (a token
 * from a provider function is registered by `createMechanism` in auth.ts each time it is fetched).
 */
export function registerCredentials(secrets: Secrets, credentials: Credentials | undefined): void {
  if (credentials === undefined) return;
  if ('pass' in credentials) secrets.add(credentials.pass);
  else if (typeof credentials.accessToken === 'string') secrets.add(credentials.accessToken);
}

/** The shortest line of a key text registered on its own (a PEM body line is 64 characters). */
const MIN_KEY_LINE = 16;

/**
 * Registers the DKIM private keys given as options (docs/security.md decision 11): the whole
 * text (PEM, or a base64 Ed25519 seed) and, for PEM, each base64 line of it on its own, so that
 * a fragment of a key is scrubbed as well as the whole. Keys inside a `DkimSigner` never leave it.
 */
export function registerDkimKeys(secrets: Secrets, dkim: DkimSigners | undefined): void {
  if (dkim === undefined) return;
  for (const text of dkim.keyTexts()) {
    secrets.add(text);
    secrets.add(text.trim());
    for (const line of text.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed.length >= MIN_KEY_LINE && !trimmed.startsWith('-----')) secrets.add(trimmed);
    }
  }
}
