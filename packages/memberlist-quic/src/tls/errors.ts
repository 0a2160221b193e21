import { ShoalError } from '@shoal/kit';

/**
 * Why TLS material was refused. Stable: callers (the CLI, the transport's
 * configuration) branch on it.
 */
export type TlsMaterialErrorCode =
  | 'ERR_TLS_FILE_UNREADABLE'
  | 'ERR_TLS_NOT_PEM'
  | 'ERR_TLS_NOT_CERTIFICATE'
  | 'ERR_TLS_NOT_PRIVATE_KEY'
  | 'ERR_TLS_UNSUPPORTED_KEY'
  | 'ERR_TLS_NOT_CA'
  | 'ERR_TLS_KEY_MISMATCH'
  | 'ERR_TLS_NOT_ISSUED_BY_CA'
  | 'ERR_TLS_EXPIRED'
  | 'ERR_TLS_NOT_YET_VALID'
  | 'ERR_TLS_BAD_USAGE'
  | 'ERR_TLS_BAD_OPTION';

/** A CA, certificate or key that cannot be used, with a one-line message naming what and why. */
export class TlsMaterialError extends ShoalError {
  declare readonly code: TlsMaterialErrorCode;
  constructor(code: TlsMaterialErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
