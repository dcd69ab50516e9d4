export {
  InvalidInputError,
  type InvalidInputErrorCode,
  isSmtpError,
  ProtocolError,
  type ProtocolErrorCode,
  SaslError,
  type SaslErrorCode,
} from './errors.ts';
