import { ShoalError } from '@shoal/kit';

/**
 * Every way a memberlist wire decoder or encoder can refuse its input. The
 * codes are stable: callers (and metrics) switch on them.
 */
export const WireErrorCode = {
  /** The buffer ended before a complete packet, header or part. */
  Truncated: 'ERR_TRUNCATED',
  EmptyPacket: 'ERR_EMPTY_PACKET',
  UnknownType: 'ERR_UNKNOWN_TYPE',
  /** A message type that is valid on the wire but not in this position. */
  UnexpectedType: 'ERR_UNEXPECTED_TYPE',
  Msgpack: 'ERR_MSGPACK',
  TooLarge: 'ERR_TOO_LARGE',
  NestingTooDeep: 'ERR_NESTING_TOO_DEEP',

  LabelTruncated: 'ERR_LABEL_TRUNCATED',
  LabelEmpty: 'ERR_LABEL_EMPTY',
  LabelTooLong: 'ERR_LABEL_TOO_LONG',
  LabelMismatch: 'ERR_LABEL_MISMATCH',

  Decrypt: 'ERR_DECRYPT',
  EncryptionVersion: 'ERR_ENCRYPTION_VERSION',
  CiphertextTooShort: 'ERR_CIPHERTEXT_TOO_SHORT',
  /** A keyring with verify-incoming is set, and the input is not encrypted. */
  NotEncrypted: 'ERR_NOT_ENCRYPTED',
  /** An encrypted stream arrived and no keyring is configured. */
  EncryptionNotConfigured: 'ERR_ENCRYPTION_NOT_CONFIGURED',

  Crc: 'ERR_CRC',
  CompoundTruncated: 'ERR_COMPOUND_TRUNCATED',
  CompoundTooManyParts: 'ERR_COMPOUND_TOO_MANY_PARTS',
  PartTooLarge: 'ERR_PART_TOO_LARGE',

  CompressAlgo: 'ERR_COMPRESS_ALGO',
  LzwUnexpectedEof: 'ERR_LZW_UNEXPECTED_EOF',
  LzwInvalidCode: 'ERR_LZW_INVALID_CODE',
  LzwEmpty: 'ERR_LZW_EMPTY',

  InvalidKey: 'ERR_INVALID_KEY',
  KeyNotFound: 'ERR_KEY_NOT_FOUND',
  RemovePrimaryKey: 'ERR_REMOVE_PRIMARY_KEY',
  EmptyPrimaryKey: 'ERR_EMPTY_PRIMARY_KEY',
  /** The remote side answered a stream request with an errResp. */
  Remote: 'ERR_REMOTE',
} as const;

export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode];

/** A memberlist wire-level failure; `code` is one of {@link WireErrorCode}. */
export class WireError extends ShoalError {
  declare readonly code: WireErrorCode;
  constructor(code: WireErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export function wireError(code: WireErrorCode, message: string, cause?: unknown): WireError {
  return new WireError(code, message, cause === undefined ? undefined : { cause });
}
