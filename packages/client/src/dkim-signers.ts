/**
 * The resolved `dkim` option: the signers every message is signed with, in order (the first
 * signature is the top field). The caller gives `DkimSigner`s made with `@smtp/dkim`, or the
 * options of one (`{ domain, selector, privateKey }`), or a list of either; option objects are
 * made into signers once, on the first send, and that promise is kept, so every send of a client
 * or a pool shares the imported keys, and a key that cannot be read fails the first send and
 * every later one with the same `DkimError`.
 *
 * The private keys are secrets (docs/security.md decision 11, INV-10): they are held in private
 * fields, `JSON.stringify` and `util.inspect` show each signer's `domain`, `selector` and
 * `algorithm` (when known) only, and `registerDkimKeys()` (redact.ts) puts the key texts in the
 * client's secret registry so that no log line or error message can carry them.
 */
import {
  createDkimSigner,
  type DkimAlgorithm,
  type DkimSigner,
  type DkimSignerOptions,
} from '@smtp/dkim';

/** What the `dkim` option takes: a signer, a signer's options, or several of either. */
export type DkimOption =
  | DkimSigner
  | DkimSignerOptions
  | readonly (DkimSigner | DkimSignerOptions)[];

/** One signer as logs, JSON and `inspect` show it: never its key. */
export interface DkimSignerDescription {
  readonly domain: string;
  readonly selector: string;
  /** Known for a signer; for options, only when they name it. */
  readonly algorithm?: DkimAlgorithm;
}

/** True for a signer (something with a `sign` method) rather than the options of one. */
export function isDkimSigner(entry: DkimSigner | DkimSignerOptions): entry is DkimSigner {
  return typeof (entry as Partial<DkimSigner>).sign === 'function';
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const decoder = new TextDecoder();

/** The checked `dkim` option (see the module docblock). */
export class DkimSigners {
  readonly #entries: readonly (DkimSigner | DkimSignerOptions)[];
  #signers: Promise<readonly DkimSigner[]> | undefined;

  /** @param entries Checked by the option table (option-table.ts), options copied and frozen. */
  constructor(entries: readonly (DkimSigner | DkimSignerOptions)[]) {
    this.#entries = entries;
  }

  /** How many signatures each message gets. */
  get count(): number {
    return this.#entries.length;
  }

  /**
   * The signers, made on the first call and kept (the same promise every time, a rejected one
   * included). A warning from `@smtp/dkim` (an RSA key under 2048 bits) goes to `warn` unless
   * the options have an `onWarning` of their own.
   *
   * @throws DkimError from `createDkimSigner` (`SMTP_DKIM_INVALID_KEY`, `SMTP_DKIM_WEAK_KEY`...).
   */
  signers(warn: (warning: string) => void): Promise<readonly DkimSigner[]> {
    this.#signers ??= Promise.all(
      this.#entries.map((entry) => {
        if (isDkimSigner(entry)) return entry;
        if (entry.onWarning !== undefined) return createDkimSigner(entry);
        return createDkimSigner({ ...entry, onWarning: warn });
      }),
    );
    return this.#signers;
  }

  /**
   * The private keys given as options, as text (a key file's bytes decoded), for the secret
   * registry only (`registerDkimKeys` in redact.ts). A signer's key never leaves it.
   *
   * @internal
   */
  keyTexts(): string[] {
    const texts: string[] = [];
    for (const entry of this.#entries) {
      if (isDkimSigner(entry)) continue;
      const key = entry.privateKey;
      texts.push(typeof key === 'string' ? key : decoder.decode(key));
    }
    return texts;
  }

  /** Each signer's `domain`, `selector` and `algorithm` (when known), in order. */
  describe(): DkimSignerDescription[] {
    return this.#entries.map((entry) => {
      const { domain, selector, algorithm } = entry;
      return algorithm === undefined ? { domain, selector } : { domain, selector, algorithm };
    });
  }

  /** JSON shows the descriptions only (INV-10). */
  toJSON(): DkimSignerDescription[] {
    return this.describe();
  }

  /** `util.inspect` shows the descriptions only (INV-10). */
  [INSPECT](): DkimSignerDescription[] {
    return this.describe();
  }
}
