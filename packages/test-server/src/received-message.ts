/** What a test server records of each message it accepted. */

/** One message the server accepted (final reply 250). */
export interface ReceivedMessage {
  envelope: {
    /** The reverse path, `''` for the null sender `<>`. */
    mailFrom: string;
    rcptTo: string[];
    /** MAIL FROM parameters, keys upper case, values xtext-decoded; a bare keyword is `true`. */
    mailParams: Record<string, string | true>;
    /** RCPT TO parameters per recipient, in `rcptTo` order (`{}` when a recipient had none). */
    rcptParams: Record<string, string | true>[];
  };
  /** The message as the server stored it: dot-stuffing removed, without the terminating dot. */
  raw: Uint8Array;
  /** The authenticated user, if the client authenticated. */
  user?: string;
  /** Whether the message came over TLS (implicit or after STARTTLS). */
  secure: boolean;
  /** smtp-server's session id of the connection that sent it (matches `CommandLogEntry`). */
  connectionId: string;
  /** `Date.now()` when the end of data was read. */
  receivedAt: number;
  /** LMTP only: the recipients that got a `250` after the data, in RCPT order. */
  delivered?: string[];
}
