/**
 * `@smtp/protocol`: the SMTP wire protocol as pure, synchronous functions. Bytes in, values out;
 * values in, bytes out. No sockets, no timers, no `node:` imports: it runs in any JavaScript
 * runtime, and the transport, a server or a proxy bring their own I/O.
 *
 * @packageDocumentation
 */

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
