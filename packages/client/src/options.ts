/**
 * The client's options: what callers pass (`ClientOptions`, or a URL string) and the one
 * normalised form the rest of the client works from (`ResolvedClientOptions`). Resolving is
 * done once, in the constructor, by `resolveClientOptions()` (resolve-options.ts); nothing
 * downstream re-reads the caller's input.
 *
 * These interfaces are the documented types; the options themselves (each one's check, default
 * and place in a JSON connection definition) are declared once, in `OPTION_TABLE`
 * (option-table.ts). Compile-time checks there (`OptionTableChecks`) fail the build when an
 * option is added here and not there, or the other way round.
 */
import type { LookupFunction } from 'node:net';
import type { SaslMechanismName } from '@smtp/protocol';
import type {
  Connector,
  HostKind,
  SlowOperationOptions,
  TlsConnectOptions,
  TransportEvent,
} from '@smtp/transport';
import type { SmtpProtocol } from '@smtp/url';
import type { DkimOption, DkimSigners } from './dkim-signers.ts';
import type { ProxyConfig, ResolvedProxy } from './proxy-option.ts';

export type { ProxyConfig, ProxyTls } from './proxy-option.ts';

/**
 * How the link is secured.
 * - `implicit`: TLS from the first byte (port 465, RFC 8314).
 * - `starttls`: STARTTLS is required and sent even when not advertised (RFC 3207); no command
 *   but EHLO/HELO and STARTTLS is written in plaintext (INV-1).
 * - `opportunistic`: STARTTLS when the server offers it; plaintext otherwise (never with
 *   credentials unless `allowInsecureAuth`).
 * - `none`: never TLS.
 */
export type Security = 'implicit' | 'starttls' | 'opportunistic' | 'none';

/** A password login. */
export interface PasswordCredentials {
  readonly user: string;
  readonly pass: string;
}

/** An OAuth 2.0 bearer token (XOAUTH2 / OAUTHBEARER), or a function that provides a fresh one. */
export interface TokenCredentials {
  readonly user: string;
  readonly accessToken: string | (() => string | Promise<string>);
}

/** Credentials for AUTH. */
export type Credentials = PasswordCredentials | TokenCredentials;

/**
 * Deadlines, in milliseconds. Each is a deadline for the whole phase, not an inactivity timeout
 * (INV-8). Defaults: connect 30 000, command 15 000, and the RFC 5321 section 4.5.3.2 values
 * where they are longer and the phase can legitimately take that long on a busy server
 * (greeting 300 000 is shortened to 30 000 by default; MAIL and RCPT use `command`; DATA
 * initiation 120 000; each data block 180 000; the final reply 600 000), QUIT 5 000.
 */
export interface Timeouts {
  readonly connect?: number;
  readonly greeting?: number;
  readonly command?: number;
  readonly tls?: number;
  readonly dataInit?: number;
  readonly dataBlock?: number;
  readonly dataFinal?: number;
  readonly quit?: number;
}

/** Options of `new SmtpClient(options)`. Give `url`, or `host` (and `port`), or `path`. */
export interface ClientOptions {
  /** An SMTP URL (`@smtp/url`): scheme, host, port and credentials. Explicit fields win. */
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  /** A UNIX socket path instead of host and port. */
  readonly path?: string;
  /**
   * The local IP address to connect from (IPv4 or IPv6), for a machine with several. Not with a
   * UNIX socket. With a DNS host and no `family`, DNS lookups are limited to this address's
   * family, the only one it can reach.
   */
  readonly localAddress?: string;
  /**
   * The address family for DNS lookups of `host`: 4 (IPv4 only), 6 (IPv6 only) or 0 (both).
   * Default 0, or the family of `localAddress` when that is given.
   */
  readonly family?: 0 | 4 | 6;
  /**
   * Race the IPv6 and IPv4 addresses of a host name (RFC 8305): the first address is tried, and
   * the next family's starts after `connectionAttemptDelay` if it has not connected; the first
   * to connect wins. Default true. With false, only the first address DNS returns is tried.
   */
  readonly autoSelectFamily?: boolean;
  /** With `autoSelectFamily`, ms before the next address starts. Default 250 (RFC 8305); at least 10. */
  readonly connectionAttemptDelay?: number;
  /**
   * Resolves host names instead of `dns.lookup` (a cache, your own resolver), with `net.connect`'s
   * calling convention. Not called for the SMTP host behind a proxy that resolves names itself.
   */
  readonly lookup?: LookupFunction;
  /**
   * Reach the server through a proxy: a URL (`socks5://`, `socks5h://`, `socks4a://`,
   * `http://`, `https://`, with `user:pass@` when the proxy asks for credentials), or
   * {@link ProxyConfig}. TLS to the SMTP server runs end to end through it and is verified
   * against the SMTP host, never the proxy (docs/security.md decision 11). Not with a UNIX socket.
   */
  readonly proxy?: string | ProxyConfig;
  /** Overrides what the URL scheme implies. Default: from the scheme, else `opportunistic`. */
  readonly security?: Security;
  /**
   * The dialogue: `smtp`, or `lmtp` (RFC 2033: LHLO and never HELO, then one reply per
   * recipient after the data, see docs/outcomes.md). Default: `lmtp` for an `lmtp://` URL,
   * else `smtp`. LMTP is refused on TCP port 25 (RFC 2033 section 5); without a URL its port
   * defaults to 24.
   */
  readonly protocol?: SmtpProtocol;
  readonly auth?: Credentials;
  /** Use exactly this SASL mechanism; fail if the server does not offer it. */
  readonly mechanism?: SaslMechanismName;
  /**
   * Allow AUTH over plaintext or to a certificate that was not verified. An explicit,
   * separately named opt-in (INV-4): turning off certificate checks does not imply it.
   */
  readonly allowInsecureAuth?: boolean;
  /** The client's name for EHLO/HELO: a domain or an address literal. Default: os.hostname(), made valid. */
  readonly name?: string;
  /** TLS settings: `servername`, `ca`, `cert`, `key`, `minVersion`, `rejectUnauthorized`... */
  readonly tls?: TlsConnectOptions & { readonly servername?: string };
  readonly timeouts?: Timeouts;
  /** Keep the connection between messages (RSET between them). Default true. */
  readonly keepAlive?: boolean;
  /** Use PIPELINING when offered. Default true. */
  readonly pipelining?: boolean;
  /** Use CHUNKING/BDAT: `auto` (default) when offered and the message needs BINARYMIME; `true` whenever offered; `false` never. */
  readonly chunking?: boolean | 'auto';
  /** BDAT chunk size in octets. Default 65 536. */
  readonly chunkSize?: number;
  /** Fail the whole message (RSET, nothing sent) when any recipient is refused. Default false. */
  readonly requireAllRecipients?: boolean;
  /** No network: `send()` validates, serialises and returns the result it would have. */
  readonly dryRun?: boolean;
  /**
   * Let messages name attachments by file path (read from disk when sent). Default true; set
   * false when message options may come from untrusted input (docs/security.md decision 13): an
   * attachment given as a path is then a typed error before anything is sent.
   */
  readonly allowFileAccess?: boolean;
  /**
   * DKIM signing (RFC 6376, RFC 8463): every message (built from options, a `Message`, or raw) is
   * signed before its data is sent, with a `DkimSigner` from `@smtp/dkim`, the options of one
   * (`{ domain, selector, privateKey }`), or a list of either for several signatures (an Ed25519
   * and an RSA one; the first is the top field). Options become signers on the first send; a key
   * that cannot be read fails that send and every later one with `SMTP_DKIM_INVALID_KEY`
   * (outcome `not-sent`). The keys are secrets: never logged, never in JSON or `inspect`.
   */
  readonly dkim?: DkimOption;
  /** A custom connector (undici style), e.g. a proxy; default `connect` from `@smtp/transport`. */
  readonly connector?: Connector;
  /** Reply parser bounds (INV-8). Defaults from `@smtp/protocol`. */
  readonly replyLimits?: {
    readonly maxLineLength?: number;
    readonly maxReplySize?: number;
    readonly maxLines?: number;
  };
  /** Socket events from the transport (connect, tls, data sizes, close, error, slow). */
  readonly onEvent?: (event: TransportEvent) => void;
  /** Slow-operation warnings (`slow` events): threshold in ms and minimum bytes/s. */
  readonly slowOperation?: SlowOperationOptions;
}

/** The normalised options every other module works from. */
export interface ResolvedClientOptions {
  readonly target:
    | { readonly kind: HostKind; readonly host: string; readonly port: number }
    | { readonly kind: 'unix'; readonly path: string };
  /** The local address to connect from; `undefined` lets the system choose. */
  readonly localAddress: string | undefined;
  /** DNS lookup family: 0 both, 4 or 6 (from `family`, else from `localAddress`, else 0). */
  readonly family: 0 | 4 | 6;
  readonly autoSelectFamily: boolean;
  /** ms; see `ClientOptions.connectionAttemptDelay`. */
  readonly connectionAttemptDelay: number;
  readonly lookup: LookupFunction | undefined;
  /** The proxy, checked; its password is hidden from JSON and `inspect`. */
  readonly proxy: ResolvedProxy | undefined;
  readonly security: Security;
  /** `lmtp`: LHLO, and one reply per recipient after the data (transaction.ts). */
  readonly protocol: SmtpProtocol;
  /** Kept in a closure-backed object whose secrets are hidden from JSON and inspect (INV-10). */
  readonly credentials: Credentials | undefined;
  readonly mechanism: SaslMechanismName | undefined;
  readonly allowInsecureAuth: boolean;
  /** Validated EHLO argument: a domain or an address literal (`[192.0.2.1]`). */
  readonly clientName: string;
  readonly tls: TlsConnectOptions & { readonly servername?: string };
  readonly timeouts: Required<Timeouts>;
  readonly keepAlive: boolean;
  readonly pipelining: boolean;
  readonly chunking: boolean | 'auto';
  readonly chunkSize: number;
  readonly requireAllRecipients: boolean;
  readonly dryRun: boolean;
  /** False: an attachment given as a file path is refused before anything is sent. */
  readonly allowFileAccess: boolean;
  /** The signers, made on the first send; JSON and `inspect` show no key. */
  readonly dkim: DkimSigners | undefined;
  readonly connector: Connector;
  readonly replyLimits: {
    readonly maxLineLength?: number;
    readonly maxReplySize?: number;
    readonly maxLines?: number;
  };
  readonly onEvent: ((event: TransportEvent) => void) | undefined;
  readonly slowOperation: SlowOperationOptions | undefined;
}
