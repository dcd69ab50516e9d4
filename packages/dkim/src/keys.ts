/**
 * Private keys: read, checked and imported into WebCrypto; key pairs made; DNS records written.
 * Internal to the package (the index exports {@link generateDkimKey} and {@link dkimDnsRecord}).
 *
 * Accepted forms of a private key (RFC 6376 section 3.3, RFC 8463 section 3):
 * - PEM `PRIVATE KEY` (PKCS#8, RFC 5208/5958) holding an RSA or an Ed25519 key;
 * - PEM `RSA PRIVATE KEY` (PKCS#1, RFC 8017 appendix A.1.2), which WebCrypto cannot import, so
 *   it is wrapped here into a PKCS#8 `PrivateKeyInfo` (a few octets of DER around it);
 * - the base64 32-byte Ed25519 seed (RFC 8032 section 5.1.5's private key, the form RFC 8463
 *   appendix A prints), wrapped into PKCS#8 with the fixed 16-octet prefix of RFC 8410.
 *
 * Keys are imported non-extractable, for signing only, and the DER copies made on the way are
 * zeroed after the import. No error message or warning quotes the key or the text it came from
 * (docs/security.md INV-10, decision 11).
 */

import { decodeBase64, encodeBase64 } from './base64.ts';
import { DkimError } from './errors.ts';
import type { DkimAlgorithm } from './signer-types.ts';

/** RSA keys shorter than this are refused (RFC 8301 section 3.2). */
export const MIN_RSA_BITS = 1024;
/** RSA keys shorter than this sign, with a warning (RFC 8301 recommends 2048). */
export const RECOMMENDED_RSA_BITS = 2048;

const RSA_ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const ED25519_ALGORITHM = { name: 'Ed25519' } as const;

// DER: AlgorithmIdentifier for rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters, and
// the OID of Ed25519 (1.3.101.112, RFC 8410).
const RSA_ALGORITHM_IDENTIFIER = [
  0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];
const RSA_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const ED25519_OID = [0x06, 0x03, 0x2b, 0x65, 0x70];
/** PKCS#8 for an Ed25519 seed: SEQUENCE { 0, { id-Ed25519 }, OCTET STRING { OCTET STRING (32) } }. */
const ED25519_PKCS8_PREFIX = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
/** SubjectPublicKeyInfo for Ed25519, before the 32-octet key (RFC 8410 section 4). */
const ED25519_SPKI_PREFIX = [
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/**
 * The part of WebCrypto this package uses, declared here: the package compiles without the DOM
 * library, and Node 20's types have no global `crypto`.
 */
interface WebCryptoKey {
  readonly algorithm: { readonly name: string; readonly modulusLength?: number };
}
interface WebCryptoKeyPair {
  readonly privateKey: WebCryptoKey;
  readonly publicKey: WebCryptoKey;
}
interface WebSubtle {
  importKey(
    format: 'pkcs8',
    keyData: Uint8Array,
    algorithm: object,
    extractable: boolean,
    usages: readonly string[],
  ): Promise<WebCryptoKey>;
  sign(algorithm: object, key: WebCryptoKey, data: Uint8Array): Promise<ArrayBuffer>;
  generateKey(
    algorithm: object,
    extractable: boolean,
    usages: readonly string[],
  ): Promise<WebCryptoKeyPair>;
  exportKey(format: 'pkcs8' | 'spki' | 'raw', key: WebCryptoKey): Promise<ArrayBuffer>;
}

/** An imported private key and what was learnt about it. */
export interface ImportedKey {
  readonly algorithm: DkimAlgorithm;
  readonly key: WebCryptoKey;
  /** RSA modulus length in bits; undefined for Ed25519. */
  readonly bits?: number;
}

function invalidKey(message: string, options?: ErrorOptions): DkimError {
  return new DkimError('SMTP_DKIM_INVALID_KEY', message, options);
}

/** The WebCrypto `subtle` of the runtime. */
export function subtle(): WebSubtle {
  const crypto = (globalThis as { crypto?: { subtle?: WebSubtle } }).crypto;
  if (crypto?.subtle === undefined) {
    throw new DkimError(
      'SMTP_DKIM_UNSUPPORTED',
      'This runtime has no WebCrypto (globalThis.crypto.subtle), which DKIM signing needs.',
    );
  }
  return crypto.subtle;
}

/** A DER length. */
function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return [0x80 | octets.length, ...octets];
}

/** PKCS#1 RSAPrivateKey DER wrapped into PKCS#8 PrivateKeyInfo DER. */
export function wrapPkcs1(pkcs1: Uint8Array): Uint8Array {
  const octetString = [0x04, ...derLength(pkcs1.length)];
  const body = 3 + RSA_ALGORITHM_IDENTIFIER.length + octetString.length + pkcs1.length;
  const head = [
    0x30,
    ...derLength(body),
    0x02,
    0x01,
    0x00,
    ...RSA_ALGORITHM_IDENTIFIER,
    ...octetString,
  ];
  const der = new Uint8Array(head.length + pkcs1.length);
  der.set(head);
  der.set(pkcs1, head.length);
  return der;
}

/** Reads a DER length at `at` (after the tag); returns [length, offset of the contents]. */
function readLength(der: Uint8Array, at: number): [number, number] | undefined {
  const first = der[at];
  if (first === undefined) return undefined;
  if (first < 0x80) return [first, at + 1];
  const count = first & 0x7f;
  if (count === 0 || count > 4) return undefined;
  let length = 0;
  for (let i = 1; i <= count; i++) {
    const octet = der[at + i];
    if (octet === undefined) return undefined;
    length = length * 256 + octet;
  }
  return [length, at + 1 + count];
}

function startsWith(der: Uint8Array, at: number, prefix: readonly number[]): boolean {
  for (let i = 0; i < prefix.length; i++) if (der[at + i] !== prefix[i]) return false;
  return true;
}

/**
 * The algorithm of a PKCS#8 PrivateKeyInfo: `SEQUENCE { INTEGER version, SEQUENCE { OID ... } ...`.
 * Reads only as far as the OID; WebCrypto checks the rest when it imports the key.
 */
function pkcs8Algorithm(der: Uint8Array): 'rsa' | 'ed25519' | undefined {
  if (der[0] !== 0x30) return undefined;
  const outer = readLength(der, 1);
  if (outer === undefined) return undefined;
  let at = outer[1];
  // version INTEGER (0 or 1)
  if (der[at] !== 0x02 || der[at + 1] !== 0x01) return undefined;
  at += 3;
  if (der[at] !== 0x30) return undefined;
  const algorithm = readLength(der, at + 1);
  if (algorithm === undefined) return undefined;
  at = algorithm[1];
  if (startsWith(der, at, RSA_OID)) return 'rsa';
  if (startsWith(der, at, ED25519_OID)) return 'ed25519';
  return undefined;
}

/** The text of a key given as bytes (a key file's contents). */
function keyText(privateKey: string | Uint8Array): string {
  if (typeof privateKey === 'string') return privateKey;
  if (privateKey instanceof Uint8Array) {
    // Latin-1 keeps every octet: a PEM file is ASCII, and anything else fails below anyway.
    let text = '';
    for (let i = 0; i < privateKey.length; i++)
      text += String.fromCharCode(privateKey[i] as number);
    return text;
  }
  throw new DkimError(
    'SMTP_DKIM_INVALID_OPTION',
    'privateKey must be a string (PEM text or a base64 Ed25519 seed) or a Uint8Array holding that text.',
  );
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;

/**
 * Reads a private key and imports it for signing.
 *
 * @throws DkimError `SMTP_DKIM_INVALID_KEY` (unreadable, encrypted, another algorithm than
 *   `expected`), `SMTP_DKIM_WEAK_KEY` (RSA under 1024 bits), `SMTP_DKIM_UNSUPPORTED` (no
 *   Ed25519 in this runtime's WebCrypto).
 */
export async function importPrivateKey(
  privateKey: string | Uint8Array,
  expected: DkimAlgorithm | undefined,
): Promise<ImportedKey> {
  const text = keyText(privateKey).trim();
  let der: Uint8Array;
  let kind: 'rsa' | 'ed25519';
  const pem = PEM.exec(text);
  if (pem !== null) {
    const label = pem[1] as string;
    const body = decodeBase64(pem[2] as string);
    if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: *4,ENCRYPTED/.test(pem[2] as string)) {
      throw invalidKey(
        'The private key is encrypted; give the decrypted PEM (PKCS#8 or PKCS#1) instead.',
      );
    }
    if (body === undefined || body.length === 0) {
      throw invalidKey(`The PEM block "${label}" of the private key is not valid base64.`);
    }
    if (label === 'RSA PRIVATE KEY') {
      der = wrapPkcs1(body);
      body.fill(0);
      kind = 'rsa';
    } else if (label === 'PRIVATE KEY') {
      const found = pkcs8Algorithm(body);
      if (found === undefined) {
        body.fill(0);
        throw invalidKey(
          'The PKCS#8 private key is neither RSA (rsaEncryption) nor Ed25519, or is malformed.',
        );
      }
      der = body;
      kind = found;
    } else {
      body.fill(0);
      throw invalidKey(
        `A PEM "${label}" block is not a private key this package reads: give "PRIVATE KEY" (PKCS#8) or "RSA PRIVATE KEY" (PKCS#1).`,
      );
    }
  } else {
    const seed = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? decodeBase64(text) : undefined;
    if (seed?.length !== 32) {
      seed?.fill(0);
      throw invalidKey(
        'The private key is not PEM (PKCS#8 or PKCS#1) nor a base64 32-byte Ed25519 seed.',
      );
    }
    der = new Uint8Array(ED25519_PKCS8_PREFIX.length + 32);
    der.set(ED25519_PKCS8_PREFIX);
    der.set(seed, ED25519_PKCS8_PREFIX.length);
    seed.fill(0);
    kind = 'ed25519';
  }

  const algorithm: DkimAlgorithm = kind === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256';
  if (expected !== undefined && expected !== algorithm) {
    der.fill(0);
    throw invalidKey(`The private key is for ${algorithm}, but algorithm '${expected}' was asked.`);
  }
  try {
    if (kind === 'rsa') {
      const key = await importKey(der, RSA_ALGORITHM);
      const bits = Number(key.algorithm.modulusLength);
      if (!(bits >= MIN_RSA_BITS)) {
        throw new DkimError(
          'SMTP_DKIM_WEAK_KEY',
          `The RSA key has ${bits} bits; DKIM needs at least ${MIN_RSA_BITS} (RFC 8301), and ${RECOMMENDED_RSA_BITS} is recommended.`,
        );
      }
      return { algorithm, key, bits };
    }
    return { algorithm, key: await importKey(der, ED25519_ALGORITHM) };
  } finally {
    der.fill(0);
  }
}

async function importKey(
  der: Uint8Array,
  algorithm: typeof RSA_ALGORITHM | typeof ED25519_ALGORITHM,
): Promise<WebCryptoKey> {
  const crypto = subtle();
  try {
    return await crypto.importKey('pkcs8', der, algorithm, false, ['sign']);
  } catch (error) {
    if (algorithm.name === 'Ed25519' && isNotSupported(error)) {
      throw new DkimError(
        'SMTP_DKIM_UNSUPPORTED',
        "This runtime's WebCrypto cannot sign with Ed25519; use an RSA key, or a newer runtime.",
        { cause: error },
      );
    }
    // The cause is WebCrypto's own error (a DOMException naming what is malformed), never the key.
    throw invalidKey(
      `The ${algorithm.name === 'Ed25519' ? 'Ed25519' : 'RSA'} private key cannot be imported: it is malformed.`,
      {
        cause: error,
      },
    );
  }
}

function isNotSupported(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'NotSupportedError'
  );
}

/** Signs `data` with an imported key: RSASSA-PKCS1-v1_5 with SHA-256, or PureEd25519. */
export async function signWithKey(imported: ImportedKey, data: Uint8Array): Promise<Uint8Array> {
  const algorithm = imported.algorithm === 'rsa-sha256' ? RSA_ALGORITHM : ED25519_ALGORITHM;
  return new Uint8Array(await subtle().sign(algorithm, imported.key, data));
}

/** Wraps DER in PEM: base64 in lines of 64, RFC 7468. */
function toPem(label: string, der: Uint8Array): string {
  const base64 = encodeBase64(der);
  const lines: string[] = [];
  for (let at = 0; at < base64.length; at += 64) lines.push(base64.slice(at, at + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** What {@link generateDkimKey} returns. */
export interface GeneratedDkimKey {
  readonly algorithm: DkimAlgorithm;
  /** The private key, PKCS#8 PEM: keep it secret; give it to `createDkimSigner`. */
  readonly privateKey: string;
  /** The public key as the `p=` value of the DNS record (base64). */
  readonly publicKey: string;
}

/**
 * Makes a new key pair: the private key as PKCS#8 PEM, and the public key as the `p=` value to
 * publish (RSA: the SubjectPublicKeyInfo DER; Ed25519: the raw 32-octet key, RFC 8463 section 4).
 *
 * @example
 * ```ts
 * const { privateKey, publicKey, algorithm } = await generateDkimKey({ algorithm: 'ed25519' });
 * const record = dkimDnsRecord({ selector: 's1', domain: 'example.com', algorithm, publicKey });
 * ```
 *
 * @throws DkimError `SMTP_DKIM_INVALID_OPTION` (an unknown algorithm, `bits` not a whole
 *   number, over 16384, or given for Ed25519), `SMTP_DKIM_WEAK_KEY` (under 1024 bits),
 *   `SMTP_DKIM_UNSUPPORTED` (no Ed25519 in this runtime).
 */
export async function generateDkimKey(
  options: { readonly algorithm?: 'rsa' | 'ed25519'; readonly bits?: number } = {},
): Promise<GeneratedDkimKey> {
  const kind = options.algorithm ?? 'rsa';
  if (kind !== 'rsa' && kind !== 'ed25519') {
    throw new DkimError('SMTP_DKIM_INVALID_OPTION', "algorithm must be 'rsa' or 'ed25519'.");
  }
  const crypto = subtle();
  if (kind === 'ed25519') {
    if (options.bits !== undefined) {
      throw new DkimError('SMTP_DKIM_INVALID_OPTION', 'bits is for RSA keys only.');
    }
    let pair: WebCryptoKeyPair;
    try {
      pair = await crypto.generateKey(ED25519_ALGORITHM, true, ['sign', 'verify']);
    } catch (error) {
      throw new DkimError(
        'SMTP_DKIM_UNSUPPORTED',
        "This runtime's WebCrypto cannot make Ed25519 keys.",
        { cause: error },
      );
    }
    const pkcs8 = new Uint8Array(await crypto.exportKey('pkcs8', pair.privateKey));
    const raw = new Uint8Array(await crypto.exportKey('raw', pair.publicKey));
    const privateKey = toPem('PRIVATE KEY', pkcs8);
    pkcs8.fill(0);
    return { algorithm: 'ed25519-sha256', privateKey, publicKey: encodeBase64(raw) };
  }
  const bits = options.bits ?? RECOMMENDED_RSA_BITS;
  if (!Number.isSafeInteger(bits) || bits > 16384 || bits % 8 !== 0) {
    throw new DkimError(
      'SMTP_DKIM_INVALID_OPTION',
      'bits must be a whole number of bits, a multiple of 8, at most 16384.',
    );
  }
  if (bits < MIN_RSA_BITS) {
    throw new DkimError(
      'SMTP_DKIM_WEAK_KEY',
      `An RSA key of ${bits} bits is too weak for DKIM: at least ${MIN_RSA_BITS} (RFC 8301), ${RECOMMENDED_RSA_BITS} recommended.`,
    );
  }
  const pair = await crypto.generateKey(
    { ...RSA_ALGORITHM, modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  );
  const pkcs8 = new Uint8Array(await crypto.exportKey('pkcs8', pair.privateKey));
  const spki = new Uint8Array(await crypto.exportKey('spki', pair.publicKey));
  const privateKey = toPem('PRIVATE KEY', pkcs8);
  pkcs8.fill(0);
  return { algorithm: 'rsa-sha256', privateKey, publicKey: encodeBase64(spki) };
}

/**
 * The `p=` value for a public key given as base64: RSA keys as SubjectPublicKeyInfo DER (as
 * published, RFC 6376 section 3.6.1); Ed25519 keys as the raw 32 octets (RFC 8463 section 4),
 * accepting also their SubjectPublicKeyInfo, whose last 32 octets they are.
 */
export function publicKeyValue(algorithm: DkimAlgorithm, publicKey: string): string {
  const der = typeof publicKey === 'string' ? decodeBase64(publicKey.trim()) : undefined;
  if (der === undefined || der.length === 0) {
    throw new DkimError('SMTP_DKIM_INVALID_OPTION', 'publicKey must be base64.');
  }
  if (algorithm === 'ed25519-sha256') {
    if (der.length === 32) return encodeBase64(der);
    if (der.length === 44 && startsWith(der, 0, ED25519_SPKI_PREFIX)) {
      return encodeBase64(der.subarray(12));
    }
    throw new DkimError(
      'SMTP_DKIM_INVALID_OPTION',
      'An Ed25519 publicKey must be the raw 32-byte key in base64 (RFC 8463 section 4).',
    );
  }
  if (der[0] !== 0x30) {
    throw new DkimError(
      'SMTP_DKIM_INVALID_OPTION',
      'An RSA publicKey must be a SubjectPublicKeyInfo (DER) in base64.',
    );
  }
  return encodeBase64(der);
}
