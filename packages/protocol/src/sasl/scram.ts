/**
 * The SCRAM-SHA-256 mechanism (RFC 5802 with the SHA-256 parameters of RFC 7677), client side,
 * without channel binding (`n,,` GS2 header, no authzid).
 *
 * Contract: pure and synchronous. The exchange (RFC 5802 section 3):
 * 1. `start()`: client-first `n,,n={user},r={client nonce}`; the user name goes through SASLprep
 *    (RFC 4013) and is escaped as a GS2 saslname (`=` -> `=3D`, `,` -> `=2C`).
 * 2. First `step()`: parses server-first `r={nonce},s={salt},i={count}` and answers client-final
 *    `c=biws,r={nonce},p={proof}`, the proof derived from the SASLprep'd password with
 *    PBKDF2-HMAC-SHA-256. Checks, all `SMTP_SASL_MALFORMED_CHALLENGE`:
 *    - the message is UTF-8, its attributes come in the RFC's order, and it carries no `m=`
 *      mandatory extension (section 5.1: a client that does not know it must fail);
 *    - the nonce is printable ASCII and strictly extends the client nonce (a server that does
 *      not add its own nonce, or changes ours, is replaying or confused);
 *    - the salt is non-empty canonical base64;
 *    - the iteration count is from {@link SCRAM_MIN_ITERATIONS} to {@link SCRAM_MAX_ITERATIONS}.
 * 3. Second `step()`: server-final `v={signature}` is compared in constant time with the
 *    signature the client computed; a mismatch is `SMTP_SASL_SERVER_SIGNATURE_MISMATCH`. It
 *    answers with an empty line: in SMTP AUTH, SASL data reaches the client only in `334`
 *    challenges (RFC 4954 section 4), so the server sends server-final as one and waits for that
 *    empty response before its `235`. The text of the `235` itself is never read.
 * 4. `finish()` on `235` throws `SMTP_SASL_SERVER_SIGNATURE_MISMATCH` unless step 3 verified the
 *    server: a server that reports success without proving it knows the password is either broken
 *    or an impostor, and the client must not go on as if authenticated. (A server that put
 *    server-final in the `235` text would also land here: failing closed is the point.)
 *
 * `e={error}` from the server, in either message, ends the exchange with
 * `SMTP_SASL_SERVER_REJECTED` and the error value, sanitised, in the message (`invalid-proof`,
 * `unknown-user`, ...: RFC 5802 section 7).
 *
 * Iteration bounds, and why: fewer than 4096 is refused because RFC 7677 section 4 sets 4096 as
 * the floor, and a low count offered by a hostile server makes the proof it receives cheap to
 * attack offline. More than 1 000 000 is refused to bound the CPU a server can make the client
 * spend synchronously (INV-8): PBKDF2 here takes about 4 ms for 4096 iterations and about 1 s for
 * a million on a 2020s laptop.
 *
 * Secrets: the password is kept (prepared) in a closure until the first challenge; intermediate
 * keys are zeroed after use; only the expected server signature survives until step 3.
 */
import { decodeBase64, encodeBase64 } from '../base64.ts';
import { constantTimeEqual, hmacSha256, pbkdf2HmacSha256, sha256 } from '../crypto/index.ts';
import { SaslError } from '../errors.ts';
import { sanitizeServerText } from '../server-text.ts';
import { defineMechanism, type SaslMechanism } from './mechanism.ts';
import { saslprep } from './saslprep.ts';
import {
  concatBytes,
  decodeUtf8,
  encodeSaslName,
  firstAttribute,
  invalidCredential,
  SASL_SERVER_TEXT_LENGTH,
  utf8,
} from './text.ts';

/** The lowest server iteration count accepted (RFC 7677 section 4). */
export const SCRAM_MIN_ITERATIONS = 4096;

/** The highest server iteration count accepted, to bound the client's CPU time (INV-8). */
export const SCRAM_MAX_ITERATIONS = 1_000_000;

/** Random bytes in the default client nonce: 192 bits, 32 base64 characters. */
const NONCE_BYTES = 24;

/** Credentials for {@link createScramSha256}. */
export interface ScramSha256Options {
  /** The user name; SASLprep'd (RFC 4013) before use. */
  readonly username: string;
  /** The password; SASLprep'd before use and kept in a closure. */
  readonly password: string;
  /**
   * Returns the client nonce: printable ASCII (0x21 to 0x7E) without `,`, unpredictable, never
   * reused. Defaults to 24 bytes from `globalThis.crypto.getRandomValues` (Node 20+, Deno, Bun,
   * browsers, Workers), base64-encoded. Supply one only for runtimes without Web Crypto (from
   * their CSPRNG) or to reproduce a published transcript in a test.
   */
  readonly nonce?: () => string;
}

const MECHANISM = 'SCRAM-SHA-256';

/** RFC 5802 section 7 `printable`: 0x21 to 0x7E except `,`. */
const PRINTABLE = /^[\u0021-\u002b\u002d-\u007e]+$/;

/** Positive decimal without leading zeros (RFC 5802 section 7 `posit-number`). */
const POSITIVE_NUMBER = /^[1-9][0-9]*$/;

/** `base64("n,,")`: the `c=` value when there is no channel binding and no authzid. */
const CHANNEL_BINDING = 'biws';

function malformed(message: string): never {
  throw new SaslError('SMTP_SASL_MALFORMED_CHALLENGE', `${MECHANISM}: ${message}`);
}

/** The value of attribute `name` in `part` (`name=value`), or a malformed-challenge error. */
function attribute(part: string | undefined, name: string, message: string): string {
  if (part === undefined || !part.startsWith(`${name}=`)) {
    malformed(`the ${message} has no ${name}= attribute where RFC 5802 puts it`);
  }
  return part.slice(name.length + 1);
}

/** Decodes a server message; `e=` becomes the server's refusal, sanitised. */
function serverMessage(challenge: Uint8Array, message: string): string {
  const text = decodeUtf8(challenge);
  if (text === undefined) malformed(`the ${message} is not UTF-8`);
  if (text.startsWith('e=')) {
    const error = firstAttribute(text).slice(2);
    throw new SaslError(
      'SMTP_SASL_SERVER_REJECTED',
      `${MECHANISM}: the server refused the exchange: ${sanitizeServerText(error, SASL_SERVER_TEXT_LENGTH)}`,
    );
  }
  return text;
}

/** SASLprep (RFC 5802 section 2.2) of a credential, refusing what RFC 4013 refuses and `''`. */
function prepare(value: string, field: string): string {
  const prepared = saslprep(value);
  if (prepared === undefined) invalidCredential(MECHANISM, field, 'is refused by SASLprep');
  if (prepared === '') invalidCredential(MECHANISM, field, 'is empty after SASLprep');
  return prepared;
}

/** The platform CSPRNG as a nonce source, or `undefined` when the runtime has none. */
function platformNonce(): (() => string) | undefined {
  interface RandomSource {
    getRandomValues(array: Uint8Array): Uint8Array;
  }
  // Read through a local type rather than a global declaration: the package compiles without DOM
  // or Node types, and nothing outside this function needs to know about `crypto`.
  const source = (globalThis as { readonly crypto?: Partial<RandomSource> }).crypto;
  const getRandomValues = source?.getRandomValues;
  if (typeof getRandomValues !== 'function') return undefined;
  return () => encodeBase64(getRandomValues.call(source, new Uint8Array(NONCE_BYTES)));
}

/**
 * A SCRAM-SHA-256 exchange (RFC 5802, RFC 7677), client side. `start()` returns client-first;
 * the first `step()` answers server-first with the proof, the second verifies server-final and
 * answers `''`; `finish()` throws unless the server signature was verified.
 *
 * @example
 * ```ts
 * const scram = createScramSha256({ username: 'user', password: 'pencil' });
 * send(`AUTH SCRAM-SHA-256 ${scram.start()}`);
 * ```
 * @throws SaslError `SMTP_SASL_INVALID_CREDENTIALS` when the user name or password is empty or
 * refused by SASLprep, or when no nonce source exists (no `options.nonce` and no
 * `globalThis.crypto.getRandomValues`).
 */
export function createScramSha256(options: ScramSha256Options): SaslMechanism {
  const username = prepare(options.username, 'username');
  const password = prepare(options.password, 'password');
  const nonceSource = options.nonce ?? platformNonce();
  if (nonceSource === undefined) {
    invalidCredential(
      MECHANISM,
      'nonce',
      'has no source: globalThis.crypto.getRandomValues is missing, pass options.nonce',
    );
  }

  let clientNonce = '';
  let clientFirstBare = '';
  let expectedServerSignature: Uint8Array = new Uint8Array(0);
  let verified = false;

  function clientFinal(serverFirst: Uint8Array): Uint8Array {
    const text = serverMessage(serverFirst, 'server-first message');
    if (text.startsWith('m=')) malformed('the server requires an extension this client lacks');
    const parts = text.split(',');
    const nonce = attribute(parts[0], 'r', 'server-first message');
    const saltText = attribute(parts[1], 's', 'server-first message');
    const iterationText = attribute(parts[2], 'i', 'server-first message');
    if (
      !PRINTABLE.test(nonce) ||
      !nonce.startsWith(clientNonce) ||
      nonce.length === clientNonce.length
    ) {
      malformed('the server nonce does not extend the client nonce');
    }
    const salt = decodeBase64(saltText);
    if (salt === undefined || salt.length === 0) malformed('the salt is not non-empty base64');
    if (!POSITIVE_NUMBER.test(iterationText)) malformed('the iteration count is not a number');
    const iterations = Number(iterationText);
    if (iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
      malformed(
        `the iteration count ${iterationText.slice(0, 12)} is outside ${SCRAM_MIN_ITERATIONS} to ${SCRAM_MAX_ITERATIONS}`,
      );
    }

    const withoutProof = `c=${CHANNEL_BINDING},r=${nonce}`;
    const comma = utf8(',');
    // AuthMessage signs the server-first bytes exactly as received.
    const authMessage = concatBytes([
      utf8(clientFirstBare),
      comma,
      serverFirst,
      comma,
      utf8(withoutProof),
    ]);
    const saltedPassword = pbkdf2HmacSha256(utf8(password), salt, iterations, 32);
    const clientKey = hmacSha256(saltedPassword, utf8('Client Key'));
    const clientSignature = hmacSha256(sha256(clientKey), authMessage);
    const proof = clientKey.map((byte, i) => byte ^ (clientSignature[i] as number));
    expectedServerSignature = hmacSha256(
      hmacSha256(saltedPassword, utf8('Server Key')),
      authMessage,
    );
    saltedPassword.fill(0);
    clientKey.fill(0);
    return utf8(`${withoutProof},p=${encodeBase64(proof)}`);
  }

  function verifyServerFinal(serverFinal: Uint8Array): Uint8Array {
    const text = serverMessage(serverFinal, 'server-final message');
    const signature = decodeBase64(attribute(firstAttribute(text), 'v', 'server-final message'));
    if (signature === undefined) malformed('the server signature is not base64');
    if (!constantTimeEqual(signature, expectedServerSignature)) {
      throw new SaslError(
        'SMTP_SASL_SERVER_SIGNATURE_MISMATCH',
        `${MECHANISM}: the server signature is wrong; the server does not know the password`,
      );
    }
    verified = true;
    return new Uint8Array(0);
  }

  return defineMechanism({
    name: MECHANISM,
    maxChallenges: 2,
    initialResponse() {
      clientNonce = nonceSource();
      if (!PRINTABLE.test(clientNonce)) {
        invalidCredential(MECHANISM, 'nonce', 'must be printable ASCII without commas');
      }
      clientFirstBare = `n=${encodeSaslName(username)},r=${clientNonce}`;
      return utf8(`n,,${clientFirstBare}`);
    },
    respond: (challenge, round) =>
      round === 1 ? clientFinal(challenge) : verifyServerFinal(challenge),
    verifySuccess() {
      if (!verified) {
        throw new SaslError(
          'SMTP_SASL_SERVER_SIGNATURE_MISMATCH',
          `${MECHANISM}: the server reported success without proving it knows the password`,
        );
      }
    },
  });
}
