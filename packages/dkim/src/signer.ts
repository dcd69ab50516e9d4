/**
 * The signer: options checked once, the message read once, the signature field written
 * (RFC 6376 sections 3.5 to 3.7 and 5; RFC 8463 section 3). Internal module; the index exports
 * {@link createDkimSigner} and {@link signWithAll}.
 *
 * One pass: the header section (at most 1 MiB) is collected from the start of the source; every
 * byte after it goes through one body canonicaliser per distinct body canonicalisation (and
 * SHA-256 implementation) among the signers, and is dropped. At the end each signer picks its
 * fields bottom-up, writes its field with `b=` empty, hashes, signs, and fills `b=`.
 *
 * Secrets: the private key lives only as a non-extractable `CryptoKey` in a private field. A
 * signer's `JSON.stringify` and `util.inspect` show its domain, selector and algorithm, nothing
 * else (docs/security.md INV-10, decision 11).
 */

import { encodeBase64 } from './base64.ts';
import { BodyCanonicalizer } from './body-canon.ts';
import { DkimError } from './errors.ts';
import {
  ByteSink,
  canonicalizeField,
  HeaderCollector,
  type HeaderSection,
} from './header-section.ts';
import { type ImportedKey, importPrivateKey, RECOMMENDED_RSA_BITS, signWithKey } from './keys.ts';
import { checkDomainName, checkFieldNames, checkIdentity } from './names.ts';
import { chooseSha256, type Sha256Factory, type Sha256Kind } from './sha256.ts';
import {
  completeSignatureField,
  DEFAULT_LAYOUT,
  type FieldLayout,
  formatSignatureHead,
} from './signature-field.ts';
import type {
  Canonicalization,
  DkimAlgorithm,
  DkimSigner,
  DkimSignerOptions,
  DkimSource,
} from './signer-types.ts';
import { readSource } from './source.ts';

/** Signed when present, in this order, then every `List-*` field (RFC 6376 section 5.4.1). */
export const DEFAULT_HEADERS: readonly string[] = [
  'from',
  'to',
  'cc',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'reply-to',
  'in-reply-to',
  'references',
];

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/** Everything a signer decided from its options. */
interface SignerConfig {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: DkimAlgorithm;
  readonly key: ImportedKey;
  readonly headerRelaxed: boolean;
  readonly bodyRelaxed: boolean;
  /** Names to sign, lower case; undefined: the default list and `List-*`. */
  readonly headers: readonly string[] | undefined;
  readonly oversign: readonly string[];
  readonly identity: string | undefined;
  readonly expiresIn: number | undefined;
  readonly bodyLength: boolean;
  readonly sha256: Sha256Factory;
  readonly sha256Kind: Sha256Kind;
  readonly layout: FieldLayout;
}

const configs = new WeakMap<object, SignerConfig>();

class Signer implements DkimSigner {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: DkimAlgorithm;

  constructor(config: SignerConfig) {
    this.domain = config.domain;
    this.selector = config.selector;
    this.algorithm = config.algorithm;
    configs.set(this, config);
    Object.freeze(this);
  }

  sign(source: DkimSource, options?: { readonly timestamp?: Date }): Promise<string> {
    return signWithAll(source, [this], options);
  }

  toJSON(): { domain: string; selector: string; algorithm: DkimAlgorithm } {
    return { domain: this.domain, selector: this.selector, algorithm: this.algorithm };
  }

  [inspectCustom](
    _depth: number,
    options: unknown,
    inspect: (value: unknown, options: unknown) => string,
  ): string {
    return `DkimSigner ${inspect(this.toJSON(), options)}`;
  }
}

function invalidOption(message: string): DkimError {
  return new DkimError('SMTP_DKIM_INVALID_OPTION', message);
}

function parseCanonicalization(value: unknown): { header: boolean; body: boolean } {
  if (value === undefined) return { header: true, body: true };
  const names = typeof value === 'string' ? value.split('/') : [];
  const [header, body = 'simple'] = names;
  const known = (name: string | undefined): name is Canonicalization =>
    name === 'simple' || name === 'relaxed';
  if (names.length > 2 || !known(header) || !known(body)) {
    throw invalidOption(
      "canonicalization must be 'relaxed/relaxed', 'relaxed/simple', 'simple/relaxed', 'simple/simple', 'relaxed' or 'simple'.",
    );
  }
  return { header: header === 'relaxed', body: body === 'relaxed' };
}

/**
 * Creates a signer: checks the options, reads and imports the key (non-extractable), loads the
 * SHA-256 to use. Sign with {@link DkimSigner.sign}, or several signers at once with
 * {@link signWithAll}.
 *
 * @example
 * ```ts
 * const signer = await createDkimSigner({ domain: 'example.com', selector: 's1', privateKey });
 * const field = await signer.sign(messageBytes); // 'DKIM-Signature: v=1; a=rsa-sha256; ...\r\n'
 * ```
 *
 * @throws DkimError `SMTP_DKIM_INVALID_OPTION`, `SMTP_DKIM_INVALID_KEY`, `SMTP_DKIM_WEAK_KEY`,
 *   `SMTP_DKIM_UNSUPPORTED`.
 */
export function createDkimSigner(options: DkimSignerOptions): Promise<DkimSigner> {
  return createSigner(options, DEFAULT_LAYOUT);
}

/** {@link createDkimSigner} with a field layout of its own (tests reproducing RFC fields). */
export async function createSigner(
  options: DkimSignerOptions,
  layout: FieldLayout,
): Promise<DkimSigner> {
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('createDkimSigner needs an options object.');
  }
  const domain = checkDomainName(options.domain, 'domain', 2);
  const selector = checkDomainName(options.selector, 'selector', 1);
  if (
    options.algorithm !== undefined &&
    options.algorithm !== 'rsa-sha256' &&
    options.algorithm !== 'ed25519-sha256'
  ) {
    throw invalidOption("algorithm must be 'rsa-sha256' or 'ed25519-sha256'.");
  }
  const canonicalization = parseCanonicalization(options.canonicalization);
  let headers: string[] | undefined;
  if (options.headers !== undefined) {
    headers = checkFieldNames(options.headers, 'headers');
    if (!headers.includes('from')) {
      throw invalidOption('headers must include From: RFC 6376 section 5.4 requires it signed.');
    }
  }
  const oversign =
    options.oversign === undefined ? ['from'] : checkFieldNames(options.oversign, 'oversign');
  const identity =
    options.identity === undefined ? undefined : checkIdentity(options.identity, domain);
  const { expiresIn } = options;
  if (expiresIn !== undefined && (!Number.isSafeInteger(expiresIn) || expiresIn <= 0)) {
    throw invalidOption('expiresIn must be a positive whole number of seconds.');
  }
  if (options.bodyLength !== undefined && typeof options.bodyLength !== 'boolean') {
    throw invalidOption('bodyLength must be true or false.');
  }
  if (options.onWarning !== undefined && typeof options.onWarning !== 'function') {
    throw invalidOption('onWarning must be a function.');
  }
  const implementation = options.implementation ?? 'auto';
  if (implementation !== 'auto' && implementation !== 'portable') {
    throw invalidOption("implementation must be 'auto' or 'portable'.");
  }

  const key = await importPrivateKey(options.privateKey, options.algorithm);
  if (key.bits !== undefined && key.bits < RECOMMENDED_RSA_BITS) {
    options.onWarning?.(
      `The RSA key for ${selector}._domainkey.${domain} has ${key.bits} bits; ${RECOMMENDED_RSA_BITS} or more is recommended (RFC 8301), and some receivers ignore shorter keys.`,
    );
  }
  const sha256 = await chooseSha256(implementation);
  return new Signer({
    domain,
    selector,
    algorithm: key.algorithm,
    key,
    headerRelaxed: canonicalization.header,
    bodyRelaxed: canonicalization.body,
    headers,
    oversign,
    identity,
    expiresIn,
    bodyLength: options.bodyLength === true,
    sha256: sha256.create,
    sha256Kind: sha256.kind,
    layout,
  });
}

/** The body hashes one pass computes: one per (body canonicalisation, SHA-256) pair. */
class BodyHashes {
  readonly #byKey = new Map<string, BodyCanonicalizer>();
  readonly #all: BodyCanonicalizer[] = [];
  readonly #digests = new Map<string, { hash: string; length: number }>();

  constructor(signers: readonly SignerConfig[], afterCr: boolean) {
    for (const config of signers) {
      const key = BodyHashes.key(config);
      if (!this.#byKey.has(key)) {
        const canonicalizer = new BodyCanonicalizer(config.bodyRelaxed, config.sha256(), afterCr);
        this.#byKey.set(key, canonicalizer);
        this.#all.push(canonicalizer);
      }
    }
  }

  static key(config: SignerConfig): string {
    return `${config.bodyRelaxed ? 'relaxed' : 'simple'}/${config.sha256Kind}`;
  }

  push(chunk: Uint8Array): void {
    for (const canonicalizer of this.#all) canonicalizer.push(chunk);
  }

  finish(): void {
    for (const [key, canonicalizer] of this.#byKey) {
      const digest = canonicalizer.finish();
      this.#digests.set(key, { hash: encodeBase64(digest), length: canonicalizer.length });
    }
  }

  get(config: SignerConfig): { hash: string; length: number } {
    return this.#digests.get(BodyHashes.key(config)) as { hash: string; length: number };
  }
}

/**
 * Signs one message with several signers over one pass of the source (RFC 8463 section 3
 * recommends an Ed25519 and an RSA signature together). Returns their `DKIM-Signature` fields
 * concatenated, the first signer's first; put them in front of the message.
 *
 * @example
 * ```ts
 * const fields = await signWithAll(messageBytes, [ed25519Signer, rsaSigner]);
 * ```
 *
 * @throws DkimError `SMTP_DKIM_INVALID_OPTION` (no signers, a signer not from
 *   `createDkimSigner`, a bad timestamp or source), `SMTP_DKIM_INVALID_MESSAGE`,
 *   `SMTP_DKIM_SOURCE_READ`.
 */
export async function signWithAll(
  source: DkimSource,
  signers: readonly DkimSigner[],
  options: { readonly timestamp?: Date } = {},
): Promise<string> {
  if (!Array.isArray(signers) || signers.length === 0) {
    throw invalidOption('signWithAll needs at least one signer.');
  }
  const list = signers.map((signer) => {
    const config = typeof signer === 'object' && signer !== null ? configs.get(signer) : undefined;
    if (config === undefined) throw invalidOption('Every signer must come from createDkimSigner.');
    return config;
  });
  const timestamp = options.timestamp ?? new Date();
  const time = timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : Number.NaN;
  if (!Number.isSafeInteger(time) || time < 0) {
    throw invalidOption('timestamp must be a valid Date, not before 1970.');
  }

  const collector = new HeaderCollector();
  let header: HeaderSection | undefined;
  let bodies: BodyHashes | undefined;
  for await (const chunk of readSource(source)) {
    if (bodies !== undefined) {
      bodies.push(chunk);
      continue;
    }
    const bodyStart = collector.push(chunk);
    if (bodyStart >= 0) {
      header = collector.finish();
      bodies = new BodyHashes(list, collector.afterCr);
      if (bodyStart < chunk.length) bodies.push(chunk.subarray(bodyStart));
    }
  }
  header ??= collector.finish();
  bodies ??= new BodyHashes(list, false);
  bodies.finish();

  if (!header.fields.some((field) => field.name === 'from')) {
    throw new DkimError(
      'SMTP_DKIM_INVALID_MESSAGE',
      'The message has no From field, which DKIM must sign (RFC 6376 section 5.4).',
    );
  }
  const fields: string[] = [];
  for (const config of list) {
    fields.push(await signOne(config, header, bodies.get(config), time));
  }
  return fields.join('');
}

/** The `h=` list: bottom-up instances of every name to sign, then the over-signed names. */
export function selectHeaders(
  header: HeaderSection,
  names: readonly string[] | undefined,
  oversign: readonly string[],
): string[] {
  const counts = new Map<string, number>();
  for (const field of header.fields) counts.set(field.name, (counts.get(field.name) ?? 0) + 1);
  const wanted = [...(names ?? DEFAULT_HEADERS)];
  if (names === undefined) {
    for (const field of header.fields) {
      if (field.name.startsWith('list-') && !wanted.includes(field.name)) wanted.push(field.name);
    }
  }
  for (const name of oversign) if (!wanted.includes(name)) wanted.push(name);
  const selected: string[] = [];
  for (const name of wanted) {
    for (let n = counts.get(name) ?? 0; n > 0; n--) selected.push(name);
  }
  selected.push(...oversign);
  return selected;
}

async function signOne(
  config: SignerConfig,
  header: HeaderSection,
  body: { hash: string; length: number },
  time: number,
): Promise<string> {
  const names = selectHeaders(header, config.headers, config.oversign);
  const head = formatSignatureHead(
    {
      algorithm: config.algorithm,
      canonicalization: `${config.headerRelaxed ? 'relaxed' : 'simple'}/${config.bodyRelaxed ? 'relaxed' : 'simple'}`,
      domain: config.domain,
      identity: config.identity,
      selector: config.selector,
      timestamp: time,
      expires: config.expiresIn === undefined ? undefined : time + config.expiresIn,
      bodyLength: config.bodyLength ? body.length : undefined,
      headers: names,
      bodyHash: body.hash,
    },
    config.layout,
  );

  // RFC 6376 section 5.4.2: the n-th occurrence of a name in h= is the n-th field of that name
  // counting from the bottom; a name with no field left contributes nothing.
  const data = new ByteSink();
  const used = new Map<string, number>();
  for (const name of names) {
    const skip = used.get(name) ?? 0;
    used.set(name, skip + 1);
    let seen = 0;
    for (let i = header.fields.length - 1; i >= 0; i--) {
      const field = header.fields[i];
      if (field?.name !== name) continue;
      if (seen++ === skip) {
        canonicalizeField(header.bytes, field.start, field.end, config.headerRelaxed, data);
        break;
      }
    }
  }
  const headBytes = new TextEncoder().encode(head);
  canonicalizeField(headBytes, 0, headBytes.length, config.headerRelaxed, data, false);

  let input = data.bytes;
  if (config.algorithm === 'ed25519-sha256') {
    // RFC 8463 section 3: PureEd25519 over the SHA-256 of the header data.
    const hash = config.sha256();
    hash.update(input);
    input = hash.digest();
  }
  const signature = await signWithKey(config.key, input);
  return completeSignatureField(head, encodeBase64(signature), config.layout);
}
