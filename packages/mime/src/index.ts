/**
 * `@smtp/mime`: email messages for any transport. The message model (options object or the
 * classic builder), RFC 5322 addresses, header encoding and folding, quoted-printable and base64,
 * multipart structure, and serialisation to a stream of bytes in constant memory. It knows
 * nothing of SMTP except what an envelope needs. Runs in any JavaScript runtime; only file-path
 * attachments need Node (`node:fs`, loaded when such an attachment is reached).
 *
 * @packageDocumentation
 */

export {
  type AddressInput,
  type AddressSpecOptions,
  addressNeedsSmtpUtf8,
  formatAddressSpec,
  type Group,
  isGroup,
  MAX_ADDRESS_LENGTH,
  MAX_DOMAIN_LENGTH,
  MAX_LOCAL_PART_LENGTH,
  type Mailbox,
  normalizeAddresses,
  parseAddressList,
  parseMailbox,
  toAsciiAddress,
} from './address.ts';
export { Attachment, type AttachmentOptions, type Disposition } from './attachment.ts';
export {
  BASE64_MAX_LINE_LENGTH,
  type Base64Encoder,
  type Base64EncoderOptions,
  createBase64Encoder,
  decodeBase64,
  encodeBase64Lines,
} from './base64.ts';
export { createBoundary } from './boundary.ts';
export type { ContentSource, ReadableStreamLike } from './content.ts';
export { contentTypeForFilename } from './content-type.ts';
export type { HeadersInput } from './custom-headers.ts';
export { formatDate } from './date.ts';
export {
  decodeEncodedWords,
  encodePhrase,
  encodeUnstructured,
  MAX_ENCODED_WORD_LENGTH,
} from './encoded-word.ts';
export type { DsnNotify, DsnOptions, DsnRequest, Envelope } from './envelope.ts';
export {
  ContentError,
  type ContentErrorCode,
  InvalidAddressError,
  type InvalidAddressErrorCode,
  InvalidHeaderError,
  type InvalidHeaderErrorCode,
  InvalidMessageError,
  type InvalidMessageErrorCode,
  isSmtpError,
} from './errors.ts';
export { foldHeader, HEADER_LINE_LENGTH, MAX_HEADER_LINE_LENGTH } from './header-folding.ts';
export {
  isReservedHeaderName,
  RESERVED_HEADER_NAMES,
  type ValidateHeaderNameOptions,
  validateHeaderName,
  validateHeaderValue,
} from './header-validation.ts';
export {
  type CalendarEvent,
  Message,
  type MessageOptions,
  type Priority,
} from './message.ts';
export {
  createQuotedPrintableDecoder,
  createQuotedPrintableEncoder,
  decodeQuotedPrintable,
  encodeQuotedPrintable,
  QP_MAX_LINE_LENGTH,
  type QuotedPrintableDecoder,
  type QuotedPrintableDecoderOptions,
  type QuotedPrintableEncoder,
  type QuotedPrintableEncoderOptions,
} from './quoted-printable.ts';
export {
  type ContentHeaderValueOptions,
  formatContentHeaderValue,
  formatParameter,
} from './rfc2231.ts';
export type { SerializeOptions, ValidateOptions } from './serialize.ts';
export { TRANSFER_ENCODINGS, type TransferEncoding } from './transfer-encoding.ts';
