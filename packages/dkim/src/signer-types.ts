/**
 * The public types of `@smtp/dkim`'s signer. Internal module; the index re-exports them.
 */

/** A DKIM signing algorithm: RSA (RFC 6376) or Ed25519 (RFC 8463), both with SHA-256. */
export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';

/** A canonicalisation algorithm (RFC 6376 section 3.4). */
export type Canonicalization = 'simple' | 'relaxed';

/**
 * What can be signed: the message's bytes (the header section, an empty line, the body), as
 * bytes, text (UTF-8), chunks of either from a sync or async iterable, or a web stream.
 *
 * It is read once, in one pass, in constant memory: the body is hashed as it streams past and
 * only the header section (at most 1 MiB) is kept. So a stream can be signed, but it is consumed:
 * to send the message too, sign a source that can be read again (bytes, a file, a
 * `Message.stream()` called twice), or keep the bytes.
 */
export type DkimSource =
  | Uint8Array
  | string
  | Iterable<Uint8Array | string>
  | AsyncIterable<Uint8Array | string>
  | ReadableStream<Uint8Array>;

/** Options of {@link createDkimSigner}. */
export interface DkimSignerOptions {
  /** `d=`: the signing domain. An internationalised name is written as A-labels. */
  readonly domain: string;
  /** `s=`: the selector; the public key is published at `<selector>._domainkey.<domain>`. */
  readonly selector: string;
  /**
   * The private key: PEM text (PKCS#8 RSA, PKCS#1 RSA `BEGIN RSA PRIVATE KEY`, PKCS#8 Ed25519),
   * or the base64 32-byte Ed25519 seed; a `Uint8Array` holds the same text (a file's contents).
   * It is imported non-extractable and never appears in an error, a warning, `inspect` or JSON.
   */
  readonly privateKey: string | Uint8Array;
  /** Inferred from the key; when given, the key must be of that algorithm. */
  readonly algorithm?: DkimAlgorithm;
  /**
   * Header/body canonicalisation; default `'relaxed/relaxed'`. One name alone is the header's,
   * with `simple` for the body (RFC 6376 section 3.5, `c=`).
   */
  readonly canonicalization?: `${Canonicalization}/${Canonicalization}` | Canonicalization;
  /**
   * Names of the fields to sign when present (case-insensitive); must include `From`. Default:
   * From, To, Cc, Subject, Date, Message-ID, MIME-Version, Content-Type,
   * Content-Transfer-Encoding, Reply-To, In-Reply-To, References, and every `List-*` field.
   */
  readonly headers?: readonly string[];
  /**
   * Names signed once more than they occur, so that a field of that name cannot be added
   * without breaking the signature (RFC 6376 section 8.15). Default `['From']`.
   */
  readonly oversign?: readonly string[];
  /** `i=`: the identity, `[local-part]@domain`, where domain is `d=` or a subdomain of it. */
  readonly identity?: string;
  /** Seconds the signature is valid: `x=` is `t=` plus this. Default: no `x=`. */
  readonly expiresIn?: number;
  /**
   * Write `l=` (the body length signed). Default false: with `l=`, anyone can append content to
   * the body and the signature still verifies (RFC 6376 section 8.2).
   */
  readonly bodyLength?: boolean;
  /** Told of things that work but should change, such as an RSA key under 2048 bits. */
  readonly onWarning?: (message: string) => void;
  /**
   * `'auto'` (default): SHA-256 from `node:crypto` on Node, `@noble/hashes` elsewhere.
   * `'portable'`: `@noble/hashes` everywhere (signatures are the same; for tests).
   */
  readonly implementation?: 'auto' | 'portable';
}

/** A DKIM signer made by {@link createDkimSigner}. Its JSON and `inspect` show no key. */
export interface DkimSigner {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: DkimAlgorithm;
  /**
   * Reads `source` once and returns the `DKIM-Signature:` field to put in front of the message:
   * folded, lines of at most 78 octets, ending with CRLF. `timestamp` fixes `t=` (tests, RFC
   * vectors); default now.
   */
  sign(source: DkimSource, options?: { readonly timestamp?: Date }): Promise<string>;
}
