/**
 * `@smtp/protocol`: the SMTP wire protocol as pure, synchronous functions. Bytes in, values out;
 * values in, bytes out. No sockets, no timers, no `node:` imports: it runs in any JavaScript
 * runtime, and the transport, a server or a proxy bring their own I/O.
 *
 * @packageDocumentation
 */

export {
  type BdatFrame,
  type BdatFramer,
  type BdatFramerOptions,
  createBdatFramer,
  DEFAULT_BDAT_CHUNK_SIZE,
} from './bdat.ts';
export {
  BODY_TYPES,
  type BodyType,
  canSendInitialResponse,
  DSN_NOTIFY_CONDITIONS,
  DSN_RETURN_TYPES,
  type DsnNotify,
  type DsnReturn,
  type ExtraParameters,
  encodeAuth,
  encodeBdat,
  encodeData,
  encodeEhlo,
  encodeHelo,
  encodeLhlo,
  encodeMailFrom,
  encodeNoop,
  encodeQuit,
  encodeRcptTo,
  encodeRset,
  encodeSaslCancel,
  encodeSaslResponse,
  encodeStarttls,
  encodeVrfy,
  MAX_COMMAND_LINE_LENGTH,
  MAX_SASL_LINE_LENGTH,
  type MailFromParameters,
  type RcptToParameters,
  type VrfyOptions,
} from './commands.ts';
export {
  createDataEncoder,
  type DataEncoder,
  encodeDataBody,
  MAX_DATA_LINE_LENGTH,
} from './data-encoder.ts';
export { type Capabilities, hasExtension, parseEhlo } from './ehlo.ts';
export {
  InvalidInputError,
  type InvalidInputErrorCode,
  isSmtpError,
  ProtocolError,
  type ProtocolErrorCode,
  SaslError,
  type SaslErrorCode,
} from './errors.ts';
export {
  formatAddressLiteral,
  MAX_DOMAIN_LENGTH,
  MAX_LOCAL_PART_LENGTH,
  MAX_PATH_LENGTH,
  type MailboxOptions,
  validateDomain,
  validateLocalPart,
  validateMailbox,
} from './mailbox.ts';
export {
  type EnhancedStatusClass,
  type EnhancedStatusCode,
  parseEnhancedStatusCode,
  type Reply,
  type ReplyClass,
  replyClass,
} from './reply.ts';
export {
  createReplyParser,
  REPLY_PARSER_DEFAULTS,
  type ReplyParser,
  type ReplyParserOptions,
} from './reply-parser.ts';
export {
  type CramMd5Options,
  createCramMd5,
  createLogin,
  createOauthBearer,
  createPlain,
  createScramSha256,
  createXoauth2,
  type LoginOptions,
  type OauthBearerOptions,
  type OauthMechanism,
  type OauthServerError,
  type PlainOptions,
  SASL_MECHANISMS,
  type SaslMechanism,
  type SaslMechanismName,
  type ScramSha256Options,
  type Xoauth2Options,
} from './sasl/index.ts';
export { MAX_SERVER_TEXT_LENGTH, sanitizeServerText } from './server-text.ts';
export {
  decodeUtf8Addr,
  decodeXtext,
  encodeUtf8AddrUnitext,
  encodeUtf8AddrXtext,
  encodeXtext,
} from './xtext.ts';
